"""Live updates: the durable live-event log and Server-Sent Events fan-out, filtered by what a role may see."""
