"""Drones as first responders (DFR): the fleet (docks, drones, remote pilots), the program's authorisation limits,
versioned launch policies with geofence zones, launch decisions written as rules, and launch requests to pilots."""
