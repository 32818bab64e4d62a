"""The append-only, hash-chained audit log: every entry carries the previous entry's hash."""
