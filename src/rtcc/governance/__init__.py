"""ALPR governance: purpose codes, the sharing policy with other agencies, misuse flags computed from the audit log,
and the public transparency portal.
"""
