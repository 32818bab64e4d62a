"""OpenRTCC: an open-source Real-Time Crime Center platform.

The package is organised one domain per folder (see DESIGN.md): ``core`` holds what every domain needs and imports
no domain; ``bus`` moves events between processes; each domain (``identity``, ``audit``, ``alpr``, ``hotlists``,
``matching``, ``alerts``, ``live``) owns its tables, rules, services and routes.
"""

__version__ = "0.1.0"
