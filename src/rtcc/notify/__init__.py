"""Notifications to people and systems outside the live screens: the outbox of messages to accounts (portal inbox,
e-mail over SMTP, SMS behind a provider protocol) used by community, footage and rebates, with its delivery loop; and
alert notifications to the log and webhooks."""
