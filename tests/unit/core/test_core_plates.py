"""Plate forms: normalisation and OCR confusion classes."""

from __future__ import annotations

import pytest

from rtcc.core.plates import differing_positions, forms, is_plausible, normalise, ocr_class


@pytest.mark.parametrize(("raw", "norm"), [("7abc 123", "7ABC123"), ("abc-1234", "ABC1234"), (" 8·XYZ.99 ", "8XYZ99")])
def test_normalise(raw: str, norm: str) -> None:
    assert normalise(raw) == norm


def test_ocr_classes_fold_confusable_characters() -> None:
    assert ocr_class("0ODQ") == "0000"
    assert ocr_class("1I2Z5S8B6G") == "1122558866"
    assert ocr_class("7ABC123") == "7A8C123"
    assert ocr_class("7A8C123") == ocr_class("7ABC123")
    assert ocr_class("7XYZ") == ocr_class("7XY2")


def test_forms_and_plausibility() -> None:
    f = forms("7abc-123")
    assert (f.raw, f.norm, f.ocr) == ("7abc-123", "7ABC123", "7A8C123")
    assert is_plausible("AB") and not is_plausible("A") and not is_plausible("A" * 11)


def test_differing_positions() -> None:
    assert differing_positions("7ABC123", "7A8C123") == [2]
    assert differing_positions("ABC", "ABC") == []
    with pytest.raises(ValueError):
        differing_positions("AB", "ABC")
