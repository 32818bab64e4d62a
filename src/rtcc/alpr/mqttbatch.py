"""What one batch of MQTT messages stores: parsed, then one unit of the group commit, in whichever process runs it.

The MQTT consumer (``rtcc.alpr.mqtt``) routes each message by its topic to a source and a parse context, and hands
the batch over as an ``MqttBatch``: to the ingest writer process when the API process runs one
(``rtcc.alpr.writerproc``, which pickles it and builds the unit there), else to this process's group-commit writer.
``MqttBatch.unit`` parses the messages (a message that cannot be parsed becomes a dead-letter draft) and returns the
unit of work that stores their reads and applies their heartbeats; it returns the number of reads stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from rtcc.alpr import cameras, store
from rtcc.alpr.adapters import parse_payload
from rtcc.alpr.deadletters import DeadLetterDraft
from rtcc.alpr.logic import DocumentError, Heartbeat, NormalizedRead, Rejection, payload_text
from rtcc.bus.base import Bus
from rtcc.identity.logic import Principal
from rtcc.settings import Settings


@dataclass(frozen=True)
class RoutedMessage:
    """One message's payload with the dead-letter source and parse context its topic gave it."""

    source: str
    context: dict[str, Any]
    payload: bytes


@dataclass(frozen=True)
class MqttBatch:
    """Messages stored together in one shared transaction (a ``writerproc.Job``)."""

    messages: tuple[RoutedMessage, ...]
    principal: Principal

    @property
    def size(self) -> int:
        return sum(len(m.payload) for m in self.messages)

    def unit(self, settings: Settings, drafts: list[DeadLetterDraft]) -> Callable[[Session, Bus], int]:
        """Parse the messages now; the returned unit stores them. Parse failures and refused reads go to ``drafts``
        (written by the caller after the commit, before the acknowledgement)."""
        principal = self.principal
        reads: dict[str, list[NormalizedRead]] = defaultdict(list)
        problems: dict[str, list[Rejection]] = defaultdict(list)
        beats: list[Heartbeat] = []
        parse_drafts: list[DeadLetterDraft] = []
        for message in self.messages:
            source, ctx = message.source, message.context
            try:
                parsed = parse_payload(message.payload, source=source, context=ctx, max_batch=settings.ingest_max_batch)
            except (DocumentError, ValueError) as exc:
                reason = str(exc) if isinstance(exc, DocumentError) else f"invalid: {exc}"
                sender = {**ctx, "sender": principal.audit_name}
                parse_drafts.append(DeadLetterDraft(source, payload_text(message.payload), reason, sender))
                continue
            if parsed.reads:
                reads[source].extend(parsed.reads)
            if parsed.problems:
                problems[source].extend(parsed.problems)
            beats.extend(parsed.heartbeats)
        drafts[:] = parse_drafts

        def work(session: Session, bus: Bus) -> int:
            # May run twice (its shared transaction failed): start from the parse problems again each time.
            drafts[:] = parse_drafts
            stored = 0
            for source in sorted(set(reads) | set(problems)):
                result = store.ingest(
                    session,
                    bus,
                    reads[source],
                    source=source,
                    principal=principal,
                    settings=settings,
                    dead_letters=drafts,
                    problems=problems[source],
                )
                stored += result.accepted
            if beats:
                cameras.apply_heartbeats(session, bus, beats, principal=principal, settings=settings, source="mqtt")
            return stored

        return work
