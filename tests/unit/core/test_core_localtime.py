"""Local times in words, in the city's zone, English and Spanish; the language pick."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rtcc.core.localtime import local_text, pick_lang

LA = ZoneInfo("America/Los_Angeles")


def test_local_text_in_words() -> None:
    winter = datetime(2026, 12, 5, 18, 40, tzinfo=UTC)
    assert local_text(winter, LA) == "Dec 5, 2026, 10:40 AM PST"
    assert local_text(winter, LA, "es") == "5 dic 2026, 10:40 PST"
    midnight = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert local_text(midnight, LA) == "Jul 1, 2026, 12:00 AM PDT"
    assert local_text(midnight, LA, "es", with_time=False) == "1 jul 2026"


def test_city_zone_and_language_pick() -> None:
    from rtcc.places import service as places

    places.activate("cerritos")
    assert places.city_zone().key == "America/Los_Angeles"
    assert pick_lang(None, "es-MX,es;q=0.9") == "es"
    assert pick_lang("en", "es-MX") == "en"
    assert pick_lang("fr", "de-DE, es;q=0.5") == "es"
    assert pick_lang(None, None) == "en"


def test_bilingual_messages() -> None:
    from rtcc.core.localtime import SPANISH_MARK, bilingual, bilingual_subject

    body = bilingual("Hello", "Hola")
    assert body == f"Hello\n\n{SPANISH_MARK}\nHola"
    assert bilingual_subject("Paid", "Pagado") == "Paid / Pagado"
    assert bilingual_subject("x" * 150, "y" * 100) == "x" * 150  # both would not fit: English alone
