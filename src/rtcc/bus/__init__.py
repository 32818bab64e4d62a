"""The event bus: one protocol (``base.Bus``), an in-process adapter and a NATS JetStream adapter.

Events are ``Envelope`` objects. A subscription either fans out (every subscriber gets every event: live screens)
or joins a named group (each event goes to one member of the group, durably, acknowledged after the handler
returns: matching and notification workers).
"""
