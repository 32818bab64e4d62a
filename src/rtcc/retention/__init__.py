"""Retention and legal holds: per-data-class retention periods, bounded-batch purges recorded in the audit chain, and
supervisor-approved legal holds that keep case data past retention.
"""
