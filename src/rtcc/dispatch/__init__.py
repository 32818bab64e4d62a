"""Calls for service and dispatch: call types and effective-dated priorities, calls, units, rosters, positions, the
recommendation and the assignment."""
