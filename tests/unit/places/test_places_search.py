"""Place search as a call-taker types: the words compared (no punctuation, bare ordinals, no joining words), prefix
matching of every typed word, and the Cerritos gazetteer answering partial intersection and place names (the exact
resolution first)."""

from __future__ import annotations

from rtcc.places import logic, service


def test_search_words_reduce_what_people_type() -> None:
    assert logic.search_words("Artesia Blvd & Valley View St") == ["ARTESIA", "BLVD", "VALLEY", "VIEW", "ST"]
    assert logic.search_words("183rd st and Bloomfield") == ["183", "ST", "BLOOMFIELD"]
    assert logic.search_words("  at  ") == []


def test_every_typed_word_must_start_a_word_of_the_name() -> None:
    name = logic.search_words("Artesia Blvd & Valley View St")
    assert logic.matches_words(["ART", "VAL"], name)
    assert logic.matches_words(["VIEW"], name)
    assert not logic.matches_words(["ART", "BLOOM"], name)
    assert not logic.matches_words(["RTESIA"], name)  # a prefix, not any substring
    assert not logic.matches_words([], name)  # nothing typed matches nothing


def test_cerritos_search_puts_the_exact_intersection_first() -> None:
    service.activate("cerritos")
    found = service.search("valley view & artesia")
    assert found[0].name == "Artesia Blvd & Valley View St" and found[0].kind == "intersection"
    assert (found[0].lat, found[0].lon) == (33.873, -118.028)
    partial = service.search("artes vall", limit=5)
    assert [m.name for m in partial] == ["Artesia Blvd & Valley View St"]
    park = service.search("brookh")
    assert [(m.kind, m.name) for m in park] == [("park", "Brookhaven Park")]
    assert len(service.search("blvd", limit=3)) == 3
    assert service.search("no such street anywhere") == []
