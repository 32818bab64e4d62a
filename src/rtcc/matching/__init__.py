"""Matching of stored reads against active hotlist entries: exact and OCR-tolerant, with an in-memory index."""
