"""Hotlists (stolen vehicles, wanted persons, Amber/Silver alerts, BOLOs), their importers and the skip list."""
