"""The demo's accounts: staff users (username = role) and the one password every demo account shares, printed by
``rtcc demo``. For the demo database only; the seeding modules import them from here."""

from __future__ import annotations

#: The password of every demo account (staff and community).
DEMO_PASSWORD = "cerritos-demo"  # noqa: S105 - demo-only credential, printed to the operator

#: Demo staff accounts: (username = role, display name, unit).
DEMO_USERS = (
    ("admin", "Alex Admin", "RTCC"),
    ("supervisor", "Sam Supervisor", "Cerritos Station"),
    ("analyst", "Ana Analyst", "RTCC"),
    ("dispatcher", "Dee Dispatcher", "Cerritos Station"),
    ("officer", "Deputy Ortiz", "Cerritos Station"),
    ("auditor", "Aud Itor", "City Auditor"),
    ("program_staff", "Pat Programs", "City of Cerritos Community Safety"),
    ("pilot", "Pia Pilot", "Cerritos Station"),  # a remote pilot of the drone program (registered by the drones seed)
    ("contract_viewer", "Cory Contract", "City of Cerritos City Manager"),  # the read-only oversight view
    ("cso", "Casey CSO", None),  # signed on to unit C1 by the dispatch seed
    ("guard", "Gil Guard", None),  # signed on to unit G1 by the dispatch seed
    ("ops", "Olu Ops", "City IT"),  # operations: /metrics and the API docs, no case data
)
