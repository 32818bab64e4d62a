"""Calls for service and dispatch: calls, call types and priority rules, units, the recommendation, alarms, EIDO."""
