"""Delivery channels of the notify domain's outbox, behind one ``ChannelSender`` protocol: e-mail over SMTP and SMS
through an ``SmsProvider``. No SMS gateway ships with the project (a real gateway is one more provider class), so by
default SMS has no channel: nothing is sent, and the delivery pass leaves SMS rows pending with the reason "no SMS
provider configured" (never marks them sent). ``MemorySmsProvider`` keeps texts in memory for tests.

A sender raises to have the message retried; the retry carries the same message id, which e-mail sends as the
``Message-ID`` header and SMS passes to the provider as its idempotency key, so receivers can drop a repeat. Every
e-mail carries RFC 8058 one-click ``List-Unsubscribe`` headers.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Protocol

from rtcc.notify.logic import unsubscribe_url
from rtcc.notify.schemas import NO_SMS_PROVIDER, Outbound

logger = logging.getLogger(__name__)

#: Long unfoldable header values (the unsubscribe URL) stay plain instead of RFC 2047 encoded.
_POLICY = policy.default.clone(max_line_length=998)


class ChannelSender(Protocol):
    """A delivery channel of the outbox."""

    name: str

    def send(self, message: Outbound) -> None:
        """Deliver the message, or raise to have it retried later with the same id."""


def _absolute(base_url: str, link: str | None) -> str | None:
    if not link:
        return None
    return link if "://" in link else f"{base_url.rstrip('/')}/{link.lstrip('/')}"


def message_id_domain(from_address: str) -> str:
    """The domain used in Message-IDs: the From address's domain."""
    addr = parseaddr(from_address)[1]
    return addr.rsplit("@", 1)[-1] if "@" in addr else "rtcc.invalid"


class SmtpEmailChannel:
    """E-mail through an SMTP relay (one connection per message; STARTTLS and login when configured)."""

    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        base_url: str,
        timeout_s: float = 10.0,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.base_url = base_url
        self.timeout_s = timeout_s
        self.starttls = starttls
        self.username = username
        self.password = password
        self.domain = message_id_domain(sender)

    def build(self, message: Outbound) -> EmailMessage:
        """The e-mail for an outbox message (Message-ID = outbox id; one-click unsubscribe headers)."""
        unsub = unsubscribe_url(self.base_url, message.unsubscribe_token)
        msg = EmailMessage(policy=_POLICY)
        msg["From"] = self.sender
        msg["To"] = message.recipient
        msg["Subject"] = message.subject
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = f"<{message.id}@{self.domain}>"
        msg["List-Unsubscribe"] = f"<{unsub}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg["X-RTCC-Category"] = message.category
        lines = [message.body]
        link = _absolute(self.base_url, message.link)
        if link:
            lines += ["", f"Details: {link}"]
        lines += ["", "--", f"Unsubscribe with one click: {unsub}"]
        msg.set_content("\n".join(lines))
        return msg

    def send(self, message: Outbound) -> None:
        email = self.build(message)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email)


class SmsProvider(Protocol):
    """An SMS gateway."""

    def send_sms(self, to: str, text: str, *, idempotency_key: str) -> None:
        """Hand one text to the gateway; raise on failure. ``idempotency_key`` lets the gateway drop repeats."""


@dataclass
class MemorySmsProvider:
    """Keeps texts in memory and drops repeats of an idempotency key, like a gateway honouring the key (tests)."""

    sent: dict[str, tuple[str, str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send_sms(self, to: str, text: str, *, idempotency_key: str) -> None:
        with self._lock:
            self.sent.setdefault(idempotency_key, (to, text))


class SmsChannel:
    """SMS through a provider: subject, link and the unsubscribe link, cut to 480 characters (3 segments)."""

    name = "sms"

    def __init__(self, provider: SmsProvider, *, base_url: str) -> None:
        self.provider = provider
        self.base_url = base_url

    def text(self, message: Outbound) -> str:
        """The SMS text of an outbox message."""
        unsub = unsubscribe_url(self.base_url, message.unsubscribe_token)
        link = _absolute(self.base_url, message.link)
        head = message.subject if not link else f"{message.subject} {link}"
        tail = f" Stop: {unsub}"
        return head[: 480 - len(tail)] + tail

    def send(self, message: Outbound) -> None:
        self.provider.send_sms(message.recipient, self.text(message), idempotency_key=str(message.id))


def senders_from_settings(
    *,
    smtp_host: str | None,
    smtp_port: int,
    smtp_from: str,
    smtp_timeout_s: float,
    smtp_starttls: bool,
    smtp_username: str | None,
    smtp_password: str | None,
    sms_provider: str,
    public_base_url: str,
) -> dict[str, ChannelSender]:
    """The configured channels: e-mail when an SMTP host is set. No SMS provider ships (see the module docstring), so
    SMS has no channel; 'log' (the old default, which sent nothing but marked texts sent) now means 'none'."""
    out: dict[str, ChannelSender] = {}
    if smtp_host:
        out["email"] = SmtpEmailChannel(
            host=smtp_host,
            port=smtp_port,
            sender=smtp_from,
            base_url=public_base_url,
            timeout_s=smtp_timeout_s,
            starttls=smtp_starttls,
            username=smtp_username,
            password=smtp_password,
        )
    _check_sms_provider(sms_provider)
    return out


#: SMS providers the settings accept; none of them sends ('log' is kept so old configurations still start).
SMS_PROVIDERS = ("none", "log")


def _check_sms_provider(sms_provider: str) -> None:
    if sms_provider not in SMS_PROVIDERS:
        known = ", ".join(SMS_PROVIDERS)
        raise ValueError(f"sms_provider: unknown provider {sms_provider!r} (expected one of {known})")


def unsendable_from_settings(*, sms_provider: str) -> dict[str, str]:
    """Channels without a way to send, with the reason shown to staff and residents for their unsent messages."""
    _check_sms_provider(sms_provider)
    return {"sms": NO_SMS_PROVIDER}
