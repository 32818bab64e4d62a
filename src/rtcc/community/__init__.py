"""The community portal: resident and business accounts, neighborhoods (from the city profile), Neighborhood Watch
groups and notices, alert subscriptions and public alerts (CAP 1.2), and suspicious-activity tips with a staff triage
queue. Messages to residents go through the notify domain's outbox (``rtcc.notify``).

One module per use case: ``accounts``, ``neighborhoods``, ``groups``, ``notices``, ``subscriptions``,
``public_alerts`` and ``tips``.
"""
