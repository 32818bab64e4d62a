"""Reader of the San Luis Obispo (CA) Police daily call log layout (``slopd``): one call per row, a date
(``MM/DD/YY``) and minute-resolution wall times (``HH:MM``, America/Los_Angeles) for received, dispatched, arrived and
cleared, block-level address text, no coordinates, no priority.

Times: each step is on the row's date unless it is earlier than the received time by 12 hours or more, which is a
call crossing midnight (received 23:58, dispatched 00:03): that step is on the next day. A step a few minutes before
the received time is kept as written (the log's own inconsistency, not a day change). ``time_precision`` is
``minute``.

Mapping: ``case_number`` -> call number; ``type`` the call type (raw); ``grid_location`` the beat; ``address``
"2994 HIGUERA S; SHADY LANE MHP;" -> address and place name; ``responsible_officer`` the officer; ``units`` the unit
numbers (comma or space separated); ``call_comments`` the narrative; ``description`` (the CAD's closing text) a note;
``clearance_code`` the disposition (with the APCO ANS 1.111 common code where the meaning is the same);
``location`` (map page) and ``observed_crime`` kept in ``extra``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from rtcc.dispatch.adapters.cad_history.base import LayoutParser, ProblemLog
from rtcc.dispatch.adapters.cad_history.rows import CallRow

#: SLOPD clearance texts (as truncated by the log) -> EIDO Common Disposition Codes (APCO ANS 1.111.2).
DISPOSITION_COMMON: Final = {
    "Report Approved/": "01",
    "Report To Follow": "01",
    "Report Filed in": "01",
    "No Report": "02",
    "Citation": "04",
    "Call Cancelled": "10",
    "Field Interview": "11",
    "Gone on Arrival": "14",
    "Unable to Locate": "14",
    "Assist Other Age": "15",
    "ALARM MALFUNCTIO": "17",
    "ALARM-HUMAN ERRO": "17",
    "Alarm/Act of Nat": "17",
}
_HALF_DAY: Final = timedelta(hours=12)
_ONE_DAY: Final = timedelta(days=1)
_UNIT_SPLIT: Final = re.compile(r"[,\s]+")


class SlopdParser(LayoutParser):
    """San Luis Obispo PD call log layout; see the module docstring."""

    name = "slopd"
    title = "San Luis Obispo (CA) Police call log (2021-22)"
    zone = "America/Los_Angeles"
    required = ("case_number", "date", "received", "dispatched", "arrived", "cleared", "type", "address")

    def __init__(self, header: Sequence[str], log: ProblemLog) -> None:
        super().__init__(header, log)
        c = self.col
        self.i_id, self.i_date, self.i_received = c("case_number"), c("date"), c("received")
        self.i_dispatched, self.i_arrived, self.i_cleared = c("dispatched"), c("arrived"), c("cleared")
        self.i_type, self.i_address = c("type"), c("address")
        o = self.optional
        self.i_grid, self.i_page, self.i_crime = o("grid_location"), o("location"), o("observed_crime")
        self.i_officer, self.i_units = o("responsible_officer"), o("units")
        self.i_description, self.i_comments, self.i_clearance = (
            o("description"),
            o("call_comments"),
            o("clearance_code"),
        )
        self._dates: dict[str, datetime | None] = {}
        self._minutes: dict[str, timedelta | None] = {}

    def _date(self, text: str) -> datetime | None:
        day = self._dates.get(text, False)
        if day is False:
            try:
                day = datetime.strptime(text, "%m/%d/%y")
            except ValueError:
                day = None
            self._dates[text] = day
        return day  # type: ignore[return-value]

    def _time(self, text: str) -> timedelta | None:
        minutes = self._minutes.get(text, False)
        if minutes is False:
            minutes = None
            if len(text) == 5 and text[2] == ":" and text[:2].isdigit() and text[3:].isdigit():
                h, m = int(text[:2]), int(text[3:])
                if h < 24 and m < 60:
                    minutes = timedelta(hours=h, minutes=m)
            self._minutes[text] = minutes
        return minutes  # type: ignore[return-value]

    def _step(self, values: Sequence[str], i: int, day: datetime, received: datetime, line: int) -> datetime | None:
        text = values[i].strip()
        if not text:
            return None
        offset = self._time(text)
        if offset is None:
            self.log.add(line, self.header[i], text, "not a time of day HH:MM", skipped=False)
            return None
        naive = day + offset
        if naive < received and received - naive >= _HALF_DAY:
            naive += _ONE_DAY
        return naive

    def row(self, values: Sequence[str], line: int) -> CallRow | None:
        """The call of one record, or None when its number, date or received time is bad."""
        v = values
        external_id = v[self.i_id].strip()
        if not external_id:
            self.log.add(line, "case_number", "", "no case number", skipped=True)
            return None
        day = self._date(v[self.i_date].strip())
        if day is None:
            self.log.add(line, "date", v[self.i_date], "not a date MM/DD/YY", skipped=True)
            return None
        received_at = self._time(v[self.i_received].strip())
        if received_at is None:
            self.log.add(line, "received", v[self.i_received], "not a time of day HH:MM", skipped=True)
            return None
        received = day + received_at
        dispatched = self._step(v, self.i_dispatched, day, received, line)
        arrived = self._step(v, self.i_arrived, day, received, line)
        cleared = self._step(v, self.i_cleared, day, received, line)
        utc = self.clock.to_utc
        received_utc = utc(received)
        address, place = _address(v[self.i_address])
        clearance = _cell(v, self.i_clearance)
        description = _cell(v, self.i_description)
        extra = {}
        page, crime = _cell(v, self.i_page), _cell(v, self.i_crime)
        if page:
            extra["map_page"] = page
        if crime:
            extra["observed_crime"] = crime
        units = _cell(v, self.i_units)
        return CallRow(
            line=line,
            external_id=external_id,
            origin="cad:slopd",
            received=received_utc,
            time_precision="minute",
            call_type_code=v[self.i_type].strip() or None,
            dispatched=utc(dispatched, received_utc) if dispatched else None,
            on_scene=utc(arrived, received_utc) if arrived else None,
            cleared=utc(cleared, received_utc) if cleared else None,
            address=address,
            place_name=place,
            city="San Luis Obispo",
            state="CA",
            beat=_cell(v, self.i_grid),
            narrative=_cell(v, self.i_comments),
            notes=(description,) if description else (),
            units=tuple(u for u in _UNIT_SPLIT.split(units) if u) if units else (),
            disposition_text=clearance,
            disposition_common=DISPOSITION_COMMON.get(clearance) if clearance else None,
            officer=_cell(v, self.i_officer),
            extra=extra,
        )


def _cell(values: Sequence[str], i: int | None) -> str | None:
    if i is None:
        return None
    return values[i].strip() or None


def _address(text: str) -> tuple[str | None, str | None]:
    """("2994 HIGUERA S", "SHADY LANE MHP") of "2994 HIGUERA S; SHADY LANE MHP;"."""
    parts = [p.strip() for p in text.split(";")]
    parts = [p for p in parts if p]
    if not parts:
        return None, None
    return parts[0], "; ".join(parts[1:]) or None
