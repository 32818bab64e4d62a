"""Password rules (pure): a new password is refused when it is a common password, or a common password, the city's
name, the username or the product's name dressed up with digits and symbols (``password12``, ``cerritos-demo``), or a
run of sequences and repeats (``1234567890``, ``qwertyuiop``, ``aaaaaaaaaa``).

The common-password list is ``data/common_passwords.txt`` (the 10,000 most common passwords of zxcvbn's frequency
list, MIT licence; see the file's header), read once and kept; nothing is downloaded. The caller supplies the context
words (city name, username); this module touches no database.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

MIN_LENGTH = 10
#: Characters a password needs beyond the context words and common passwords it is built on.
MIN_OWN = 8
_DATA = Path(__file__).with_name("data") / "common_passwords.txt"
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")
_PRODUCT_WORDS = ("openrtcc", "rtcc")
_FILLER = re.compile(r"[^a-z]+")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower case)."""
    lines = _DATA.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _is_sequence_run(text: str) -> bool:
    """True when every character continues a repeat or an ascending/descending run along the alphabet, the digits or
    a keyboard row (so the whole text is made of such runs, e.g. ``abcd1234`` or ``qwerty4321``)."""
    if len(text) < 2:
        return True
    for a, b in pairwise(text):
        if a == b:
            continue
        if any(_adjacent(row, a, b) for row in _KEYBOARD_ROWS):
            continue
        return False
    return True


def _adjacent(row: str, a: str, b: str) -> bool:
    i, j = row.find(a), row.find(b)
    return i >= 0 and j >= 0 and abs(i - j) == 1


def _strip_words(text: str, words: list[str]) -> str:
    for w in words:
        if len(w) >= 3:
            text = text.replace(w, "")
    return text


def password_problem(password: str, *, username: str = "", context: tuple[str, ...] = ()) -> str | None:
    """Why ``password`` is refused (a sentence naming the rule), or None when it is acceptable.

    ``context`` holds words an attacker tries first: the city's name and the like (compared without case, spaces or
    punctuation)."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    low = password.casefold()
    compact = re.sub(r"[\s\W_]+", "", low)
    common = common_passwords()
    if low in common or compact in common:
        return "is on the list of commonly used passwords"
    letters = _FILLER.sub("", low)
    if letters and letters in common and len(compact) - len(letters) < MIN_OWN:
        return "is a common password with digits or symbols added"
    words = [re.sub(r"[\s\W_]+", "", w.casefold()) for w in (*context, username)]
    words += list(_PRODUCT_WORDS)
    words = sorted({w for w in words if len(w) >= 3}, key=len, reverse=True)
    named = [w for w in words if w in compact]
    if named:
        rest = _strip_words(compact, words)
        if len(rest) < MIN_OWN or _FILLER.sub("", rest) in common or _is_sequence_run(rest):
            return "is built on the city's name, the username or the product's name; choose something unrelated"
    if _is_sequence_run(compact):
        return "is a sequence or repeated characters"
    return None
