"""Readers of agency incident files (one module per layout)."""
