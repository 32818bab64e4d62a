"""Footage requests and evidence: request to a camera owner, approval, upload with SHA-256, chain-of-custody log,
evidence package export.
"""
