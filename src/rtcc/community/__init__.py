"""The community portal: resident and business accounts, Neighborhood Watch groups, alert subscriptions with a
notification outbox (email, SMS, CAP 1.2), and suspicious-activity tips with a staff triage queue.
"""
