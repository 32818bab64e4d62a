"""Reader of the Alexandria, VA DECC weekly CAD extract layout (``alexandria_decc``): one call per row, 50 columns
(51 with the project's ``source_week``), the full timestamp chain as local wall times (America/New_York) with
milliseconds, ``NULL`` for a missing value. No location columns.

Mapping: ``Master_Incident_Number`` -> call number; ``Incident_Start_Time`` received; ``Incident_Queue_Time`` queued;
``Incident_Dispatch_Time`` dispatched (first unit); ``TimeFirstUnitDispatchAcknowledged`` acknowledged;
``Incident_Enroute_Time`` en route; ``Incident_Arrival_Time`` on scene (first unit); ``TimeFirstCallCleared`` cleared;
``Final_Closed_Time`` closed (``Incident_First_Close_Time`` when there is no final close and the call was never
reopened); ``First_Reopen_Time`` reopened. ``Problem`` is the call type (the CAD's own name, kept raw),
``Priority_Number`` the priority (1 highest), ``Call_Reception`` the source, ``Agency`` POLICE/FIRE/EMS, ``Disposition``
"CODE-Text" split into code and text (with the APCO ANS 1.111 common code for the unambiguous ones). The interval
columns (``Time_To_*``, ``Elapsed_*``, ``*_Diff``) and calendar helpers (``WeekNo``, ``DOW``, ``Hour``...) are
derived values and are not read; ``Shift`` is kept in ``extra``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from rtcc.dispatch.adapters.cad_history.base import LayoutParser, ProblemLog
from rtcc.dispatch.adapters.cad_history.rows import CallRow
from rtcc.dispatch.adapters.document import Source, normalise_source

_NULL: Final = "NULL"

#: Alexandria disposition codes -> EIDO Common Disposition Codes (APCO ANS 1.111.2), where the meaning is the same.
DISPOSITION_COMMON: Final = {
    "RE": "01",
    "NR": "02",
    "CI": "04",
    "CN": "10",
    "CNOP": "10",
    "FALSE": "17",
    "DUPPD": "22",
    "DUPFD": "22",
}


class AlexandriaParser(LayoutParser):
    """Alexandria DECC layout; see the module docstring."""

    name = "alexandria_decc"
    title = "Alexandria, VA DECC CAD extract (2025)"
    zone = "America/New_York"
    required = (
        "Master_Incident_Number",
        "Agency",
        "Problem",
        "Priority_Number",
        "Call_Reception",
        "Incident_Start_Time",
        "Incident_Queue_Time",
        "Incident_Dispatch_Time",
        "TimeFirstUnitDispatchAcknowledged",
        "Incident_Enroute_Time",
        "Incident_Arrival_Time",
        "TimeFirstCallCleared",
        "Incident_First_Close_Time",
        "First_Reopen_Time",
        "Final_Closed_Time",
        "Disposition",
    )

    def __init__(self, header: Sequence[str], log: ProblemLog) -> None:
        super().__init__(header, log)
        c = self.col
        self.i_id, self.i_agency, self.i_problem = c("Master_Incident_Number"), c("Agency"), c("Problem")
        self.i_priority, self.i_reception = c("Priority_Number"), c("Call_Reception")
        self.i_start, self.i_queue, self.i_dispatch = (
            c("Incident_Start_Time"),
            c("Incident_Queue_Time"),
            c("Incident_Dispatch_Time"),
        )
        self.i_ack, self.i_enroute = c("TimeFirstUnitDispatchAcknowledged"), c("Incident_Enroute_Time")
        self.i_arrival, self.i_cleared = c("Incident_Arrival_Time"), c("TimeFirstCallCleared")
        self.i_first_close, self.i_reopen = c("Incident_First_Close_Time"), c("First_Reopen_Time")
        self.i_final, self.i_disposition = c("Final_Closed_Time"), c("Disposition")
        self.i_taker, self.i_dispatcher = self.optional("Call_Taker"), self.optional("Dispatcher")
        self.i_shift = self.optional("Shift")
        self._sources: dict[str, Source | None] = {}

    def row(self, values: Sequence[str], line: int) -> CallRow | None:
        """The call of one record, or None when its number or start time is bad."""
        v = values
        external_id = v[self.i_id].strip()
        if not external_id or external_id == _NULL:
            self.log.add(line, "Master_Incident_Number", v[self.i_id], "no call number", skipped=True)
            return None
        t = self.iso_time
        received = t(v, self.i_start, line, None, _NULL)
        if received is None:
            if v[self.i_start] in ("", _NULL):
                self.log.add(line, "Incident_Start_Time", v[self.i_start], "no received time", skipped=True)
            return None
        queued = t(v, self.i_queue, line, received, _NULL)
        dispatched = t(v, self.i_dispatch, line, received, _NULL)
        acknowledged = t(v, self.i_ack, line, dispatched or received, _NULL)
        en_route = t(v, self.i_enroute, line, dispatched or received, _NULL)
        on_scene = t(v, self.i_arrival, line, en_route or dispatched or received, _NULL)
        cleared = t(v, self.i_cleared, line, on_scene or received, _NULL)
        reopened = t(v, self.i_reopen, line, received, _NULL)
        closed = t(v, self.i_final, line, received, _NULL)
        if closed is None and reopened is None:
            closed = t(v, self.i_first_close, line, received, _NULL)
        reception = v[self.i_reception].strip()
        source = self._sources.get(reception)
        if source is None and reception not in self._sources:
            source = self._sources[reception] = normalise_source(None if reception == "NOT CAPTURED" else reception)
        disposition = v[self.i_disposition].strip()
        code, _, text = disposition.partition("-")
        if disposition in ("", _NULL, "UNDEFINED"):
            code = text = ""
        elif not text:
            text = ""
        priority = v[self.i_priority].strip()
        extra = {"shift": v[self.i_shift]} if self.i_shift is not None and v[self.i_shift] else {}
        return CallRow(
            line=line,
            external_id=external_id,
            origin="cad:alexandria_decc",
            received=received,
            agency=v[self.i_agency].strip() or None,
            call_type_code=v[self.i_problem].strip() or None,
            priority=priority if priority and priority != _NULL else None,
            source=source,
            queued=queued,
            dispatched=dispatched,
            acknowledged=acknowledged,
            en_route=en_route,
            on_scene=on_scene,
            cleared=cleared,
            closed=closed,
            reopened=reopened,
            disposition_code=code.strip() or None,
            disposition_text=text.strip() or None,
            disposition_common=DISPOSITION_COMMON.get(code.strip()),
            call_taker=_person(v, self.i_taker),
            dispatcher=_person(v, self.i_dispatcher),
            extra=extra,
        )


def _person(values: Sequence[str], i: int | None) -> str | None:
    if i is None:
        return None
    text = values[i].strip()
    return text if text and text != _NULL else None
