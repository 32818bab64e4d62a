"""Times and messages as residents read them: times in the city's time zone, in words, in English or Spanish ("Dec
5, 2026, 10:40 AM PST" / "5 dic 2026, 10:40 PST"), never ISO strings; messages to residents in both languages
(``bilingual``: the English text, then ``SPANISH_MARK`` and the Spanish text; the portal shows the reader's half).

The city's time zone comes from the city profile (``rtcc.places.service.city_zone``), so that every page and message
that shows a local time follows it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

#: Languages residents are written to in (BCP 47 primary tags).
LANGS: tuple[str, ...] = ("en", "es")

_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
}


def pick_lang(wanted: str | None, accept_language: str | None = None) -> str:
    """``wanted`` when it is a language we write in, else the first of ``Accept-Language`` we do, else English."""
    for tag in [wanted or "", *(part.split(";")[0] for part in (accept_language or "").split(","))]:
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS:
            return primary
    return "en"


def local_text(value: datetime, zone: ZoneInfo, lang: str = "en", *, with_time: bool = True) -> str:
    """``value`` in ``zone`` as words: "Dec 5, 2026, 10:40 AM PST" (en) or "5 dic 2026, 10:40 PST" (es)."""
    t = value.astimezone(zone)
    month = _MONTHS.get(lang, _MONTHS["en"])[t.month - 1]
    if lang == "es":
        day = f"{t.day} {month} {t.year}"
        return f"{day}, {t:%H:%M} {t.tzname()}" if with_time else day
    day = f"{month} {t.day}, {t.year}"
    if not with_time:
        return day
    hour = t.hour % 12 or 12
    return f"{day}, {hour}:{t:%M} {'AM' if t.hour < 12 else 'PM'} {t.tzname()}"


#: The line between the English and the Spanish text of a message to a resident (the portal splits on it).
SPANISH_MARK = "— Español —"


def bilingual(english: str, spanish: str) -> str:
    """One message body in both languages: English, then the mark, then Spanish (e-mail and SMS carry both)."""
    return f"{english}\n\n{SPANISH_MARK}\n{spanish}"


def bilingual_subject(english: str, spanish: str, limit: int = 200) -> str:
    """A subject line in both languages ("English / Español"), English alone when both would not fit."""
    both = f"{english} / {spanish}"
    return both if len(both) <= limit else english[:limit]
