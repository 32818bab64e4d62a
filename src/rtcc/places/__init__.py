"""The city profile: which city this deployment serves and its geography, as data rather than code.

A profile is a folder of files (``profiles/<slug>/`` in the package, or any folder named by
``RTCC_CITY_PROFILE``): the city's name, time zone and agency, the senders of its public alerts, its boundary, the
divisions (stations) and reporting districts of its police, the neighborhoods residents subscribe to, the parks and
schools, and the intersection gazetteer that canvass resolves. Every other domain reads geography through
``rtcc.places.service`` and ``rtcc.places.schemas``; no domain holds a city's constants.
"""
