"""Interchange adapters of the dispatch domain: pure translations between ``CallDocument`` (``document``), the neutral
call record, and the formats calls arrive or leave in: NENA EIDO JSON (``eido``, with ``eido_read``, ``eido_schema``
and ``pidf``), historic CAD exports (``cad_history``) and ASAP-style alarm messages (``asap``). They read only what the
caller hands them (bytes, decoded JSON, a file path), keep no state and touch no database; the dispatch service wires
them to the call store. ``bench`` times the CAD readers for ``rtcc bench dispatch``.
"""
