"""OpenALPR/Rekor vehicle attributes: the highest-confidence name of each of the ``vehicle`` lists, and the split of
``make_model`` names (``iveco_daily``, ``alfa_romeo_giulia``, ``mercedes-benz_c-class``) into make and model. Pure;
used by the agent-document adapter (``rtcc.alpr.adapters.openalpr``) for groups, results and ``vehicle`` documents.
"""

from __future__ import annotations

from typing import Any

from rtcc.alpr import logic


def _present(value: Any) -> bool:
    return value is not None and value != ""


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _top_name(values: Any) -> str | None:
    """The name with the highest confidence from a list of ``{"name", "confidence"}`` (or a plain string)."""
    if isinstance(values, str):
        return values or None
    if not isinstance(values, list):
        return None
    best: tuple[float, str] | None = None
    for item in values:
        if isinstance(item, dict) and _present(item.get("name")):
            conf = _num(item.get("confidence")) or 0.0
            if best is None or conf > best[0]:
                best = (conf, str(item["name"]))
    return best[1] if best else None


#: Makes whose name holds the separator of ``make_model`` (``alfa_romeo_giulia``): the first underscore is not
#: where make and model part. OpenALPR writes most of these with a hyphen (``land-rover_range-rover``,
#: ``mercedes-benz_c-class``), which the plain split handles; this list covers the underscore spellings.
_MULTI_WORD_MAKES = (
    "alfa_romeo",
    "aston_martin",
    "great_wall",
    "land_rover",
    "mercedes_benz",
    "rolls_royce",
)


def _same_make(a: str, b: str) -> bool:
    return a.lower().replace("-", "_").replace(" ", "_") == b.lower().replace("-", "_").replace(" ", "_")


def split_make_model(make_model: str | None, make: str | None = None) -> tuple[str | None, str | None]:
    """(make, model) of an OpenALPR ``make_model`` name: ``iveco_daily`` -> (``iveco``, ``daily``),
    ``alfa_romeo_giulia`` -> (``alfa_romeo``, ``giulia``), ``mercedes-benz_c-class`` -> (``mercedes-benz``,
    ``c-class``). ``make`` (the vehicle's top ``make``) tells where the make ends when the name starts with it
    (hyphens and underscores count as the same); without a separator the whole name is the make."""
    if not make_model:
        return None, None
    text = make_model.strip()
    folded = text.lower().replace("-", "_")
    if make:
        hint = make.strip().lower().replace("-", "_").replace(" ", "_")
        if hint and folded.startswith(hint + "_") and len(folded) > len(hint) + 1:
            return text[: len(hint)], text[len(hint) + 1 :]
    for multi in _MULTI_WORD_MAKES:
        if folded.startswith(multi + "_") and len(folded) > len(multi) + 1:
            return text[: len(multi)], text[len(multi) + 1 :]
    head, sep, tail = text.partition("_")
    return (head or None), (tail if sep and tail else None)


def vehicle_attributes(vehicle: Any) -> dict[str, str | None]:
    """make/model/color/type from an OpenALPR ``vehicle`` object. The model comes from the top ``make_model``
    (``ford_focus`` -> ``focus``, see ``split_make_model``) when its make is the vehicle's make (or no make list is
    sent, and then the make comes from it too): a model of another make would describe a different car."""
    if not isinstance(vehicle, dict):
        return {"make": None, "model": None, "color": None, "type": None}
    make = _top_name(vehicle.get("make"))
    mm_make, mm_model = split_make_model(_top_name(vehicle.get("make_model")), make)
    if make is None:
        make = mm_make
    model = mm_model if make and mm_make and _same_make(make, mm_make) else None
    return {
        "make": logic.clip(make, 32),
        "model": logic.clip(model, 48),
        "color": logic.clip(_top_name(vehicle.get("color")), 24),
        "type": logic.clip(_top_name(vehicle.get("body_type")), 24),
    }
