"""Outbound notification of alerts to people and systems outside the live screens (webhooks, log), as a worker."""
