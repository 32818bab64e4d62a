"""The password rules (pure): common list, dressed-up common passwords, context words, sequences."""

from __future__ import annotations

import pytest

from rtcc.identity.passwords import common_passwords, password_problem


def test_the_shipped_list_is_loaded() -> None:
    words = common_passwords()
    assert len(words) == 10_000 and {"password", "123456", "qwerty"} <= words


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "at least"),
        ("password12", "commonly used"),
        ("P@ss w0rd!!", None),
        ("monkey123456", "digits or symbols"),
        ("cerritos-demo", "city's name"),
        ("CERRITOS 2026!", "city's name"),
        ("jsmith12345!", "username"),
        ("openrtcc-2026", "product"),
        ("abcdefghijkl", "sequence"),
        ("876543211111", "sequence"),
        ("aaaaaaaaaaaa", "sequence"),
        ("correct horse battery", None),
        ("cerritos river walk at dusk", None),  # the city's name inside a long phrase of its own is fine
    ],
)
def test_rules(password: str, reason: str | None) -> None:
    got = password_problem(password, username="jsmith", context=("Cerritos",))
    if reason is None:
        assert got is None
    else:
        assert got is not None and reason in got
