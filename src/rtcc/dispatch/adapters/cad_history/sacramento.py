"""Reader of the Sacramento Police Department dispatch layout (``sacramento``, the City of Sacramento open-data CAD
feed as exported in January 2019): one CAD record per row with one (primary) unit, block address, beat and State
Plane X/Y.

Times: the feed kept dates only (every value is midnight UTC, ``2019-01-01 00:00:00+00:00``), so the times are read as
written and ``time_precision`` is ``day``; ``1900-01-01`` is the feed's "never" (no dispatch, no arrival). X/Y are
NAD83 / California zone 2 in US survey feet (EPSG:2226), turned into latitude/longitude; 0 or a point outside the
zone means no coordinates (recorded as a problem when it is not 0).

Mapping: ``Record_ID`` -> call number; ``Call_Type``/``Description`` the call type code and text; ``Received_Date``
received, ``Dispatch_Date`` dispatched, ``Enroute_Date`` en route, ``At_Scene_Date`` on scene, ``Clear_Date`` cleared;
``Unit_ID`` the unit (primary); ``Reporting_Officer`` the officer; ``Location`` the address; ``Beat`` the beat;
``Police_District``, ``Grid``, ``Report_Created`` and ``Occurence_Date`` kept in ``extra``. The feed has no
disposition column: an alarm's outcome is its final call-type code (``ALMSEC`` secure, ``ALMCAN`` cancelled,
``ALMACC`` accidental...), so for ``ALM*`` codes the code and its text are also the disposition.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from rtcc.dispatch.adapters.cad_history.base import LayoutParser, ProblemLog
from rtcc.dispatch.adapters.cad_history.rows import CallRow
from rtcc.dispatch.adapters.cad_history.stateplane import CA_ZONE_2_FTUS

_NEVER: Final = "1900-01-01"
_NA: Final = "NA"
#: Alarm outcome codes -> EIDO Common Disposition Codes (APCO ANS 1.111.2) where the meaning is the same.
ALARM_DISPOSITION_COMMON: Final = {"ALMSEC": "20", "ALMCAN": "10", "ALMACC": "17"}


class SacramentoParser(LayoutParser):
    """Sacramento PD dispatch layout; see the module docstring."""

    name = "sacramento"
    title = "Sacramento (CA) Police dispatch data (2019)"
    zone = "America/Los_Angeles"
    required = ("Record_ID", "Call_Type", "Description", "Unit_ID", "Location", "Received_Date", "Dispatch_Date")

    def __init__(self, header: Sequence[str], log: ProblemLog) -> None:
        super().__init__(header, log)
        c, o = self.col, self.optional
        self.i_id, self.i_type, self.i_text = c("Record_ID"), c("Call_Type"), c("Description")
        self.i_unit, self.i_location = c("Unit_ID"), c("Location")
        self.i_received, self.i_dispatch = c("Received_Date"), c("Dispatch_Date")
        self.i_enroute, self.i_scene, self.i_clear = o("Enroute_Date"), o("At_Scene_Date"), o("Clear_Date")
        self.i_officer, self.i_beat = o("Reporting_Officer"), o("Beat")
        self.i_x, self.i_y = o("X_Coordinate"), o("Y_Coordinate")
        self._dates: dict[str, datetime] = {}
        self.extras = [
            (key, i)
            for key, name in (
                ("police_district", "Police_District"),
                ("grid", "Grid"),
                ("report_created", "Report_Created"),
                ("occurred_date", "Occurence_Date"),
            )
            if (i := o(name)) is not None
        ]

    def _date(self, values: Sequence[str], i: int | None, line: int) -> datetime | None:
        if i is None:
            return None
        text = values[i]
        if text in self._dates:  # a month of dates has a few dozen distinct values
            return self._dates[text]
        if text.startswith(_NEVER):
            return None
        value = self.iso_time(values, i, line, None, _NA)
        if value is not None:
            self._dates[text] = value
        return value

    def _point(self, values: Sequence[str], line: int) -> tuple[float | None, float | None]:
        if self.i_x is None or self.i_y is None:
            return None, None
        x_text, y_text = values[self.i_x], values[self.i_y]
        try:
            x, y = float(x_text), float(y_text)
        except ValueError:
            if x_text not in ("", _NA) or y_text not in ("", _NA):
                self.log.add(line, "X_Coordinate", f"{x_text},{y_text}", "not a number", skipped=False)
            return None, None
        if x == 0 and y == 0:
            return None, None
        point = CA_ZONE_2_FTUS.inverse_checked(x, y)
        if point is None:
            self.log.add(line, "X_Coordinate", f"{x_text},{y_text}", "outside EPSG:2226 (CA zone 2)", skipped=False)
            return None, None
        return round(point[0], 6), round(point[1], 6)

    def row(self, values: Sequence[str], line: int) -> CallRow | None:
        """The call of one record, or None when its id or received date is bad."""
        v = values
        external_id = v[self.i_id].strip()
        if not external_id:
            self.log.add(line, "Record_ID", "", "no record id", skipped=True)
            return None
        received = self._date(v, self.i_received, line)
        if received is None:
            if not v[self.i_received] or v[self.i_received].startswith(_NEVER) or v[self.i_received] == _NA:
                self.log.add(line, "Received_Date", v[self.i_received], "no received date", skipped=True)
            return None
        code = v[self.i_type].strip() or None
        text = v[self.i_text].strip() or None
        unit = v[self.i_unit].strip()
        officer = v[self.i_officer].strip() if self.i_officer is not None else ""
        lat, lon = self._point(v, line)
        alarm = code is not None and code.startswith("ALM")
        return CallRow(
            line=line,
            external_id=external_id,
            origin="cad:sacramento",
            received=received,
            time_precision="day",
            call_type_code=code,
            call_type_text=text,
            dispatched=self._date(v, self.i_dispatch, line),
            en_route=self._date(v, self.i_enroute, line),
            on_scene=self._date(v, self.i_scene, line),
            cleared=self._date(v, self.i_clear, line),
            address=v[self.i_location].strip() or None,
            city="Sacramento",
            state="CA",
            beat=(v[self.i_beat].strip() or None) if self.i_beat is not None else None,
            lat=lat,
            lon=lon,
            units=(unit,) if unit and unit != _NA else (),
            disposition_code=code if alarm else None,
            disposition_text=text if alarm else None,
            disposition_common=ALARM_DISPOSITION_COMMON.get(code) if alarm and code else None,
            officer=officer if officer and officer != _NA else None,
            extra={key: v[i] for key, i in self.extras if v[i] and v[i] != _NA},
        )
