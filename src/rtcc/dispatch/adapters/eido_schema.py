"""Validation of EIDO documents against the NENA EIDO 1.0 schema, and the error type every EIDO problem is reported
with.

The schema is NENA's (copyrighted, freely downloadable, with no grant to redistribute), so the project does not ship
it: an operator derives the one-file bundle from NENA's EIDO-JSON repository (https://github.com/NENA911/EIDO-JSON,
``Schema/``) with ``python tools/derive_eido_schema.py --schema EIDO-JSON/Schema --out FILE`` and sets the
``eido_schema`` setting (``RTCC_EIDO_SCHEMA``) to ``FILE`` (``tools/derive_eido_schema.py`` says exactly what the
bundle changes: nothing that alters validation but one upstream typo). Without it, EIDO export and import answer
503 ``EidoSchemaMissing`` saying how to install it. Every function here takes the bundle's path as ``schema=``: the
app passes its ``eido_schema`` setting; a caller that passes none (the adapter used on its own, its tests) gets
``RTCC_EIDO_SCHEMA`` from the environment, the same variable the setting is read from.

``validate_eido`` returns every problem as an ``EidoIssue`` naming its JSON path (``$.callComponent[0].direction``),
so that a receiver can dead-letter a message with a reason a person can act on; ``EidoError`` carries them (the first
one in ``detail``). The validator is jsonschema's draft 7 (the OpenAPI 3.0 schema objects the bundle uses mean the
same there) with format checks for ``date-time`` (RFC 3339), ``uri`` and ``int32``. It is built once, on first use
(about half a second: 1,700 NIEM schemas).
"""

from __future__ import annotations

import gzip
import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from rtcc.core.errors import ServiceUnavailable, ValidationFailed, field_error

#: The environment variable naming the derived schema bundle (a ``.json`` or ``.json.gz`` file).
SCHEMA_ENV: Final = "RTCC_EIDO_SCHEMA"
#: How many issues one validation reports (a broken document can have hundreds).
MAX_ISSUES: Final = 50

_RFC3339: Final = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)


@dataclass(frozen=True, slots=True)
class EidoIssue:
    """One problem of an EIDO document: the JSON path of the value, and what is wrong with it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class EidoError(ValidationFailed):
    """An EIDO document that cannot be used: not JSON, not valid against the schema, or a value this importer cannot
    read. ``issues`` lists every problem found; ``detail`` is the first ("$.incidentComponent: ...")."""

    title = "Invalid EIDO"

    def __init__(self, issues: list[EidoIssue]) -> None:
        first = issues[0] if issues else EidoIssue("$", "invalid EIDO")
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(f"{first}{more}", errors=[field_error(i.path, i.message, where="eido") for i in issues])
        self.issues = issues


def issue(path: str, message: str) -> EidoError:
    """An EidoError about one value."""
    return EidoError([EidoIssue(path, message)])


_formats = FormatChecker(formats=())


@_formats.checks("date-time", raises=())
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_RFC3339.match(value))


@_formats.checks("uri", raises=())
def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme)


@_formats.checks("int32", raises=())
def _int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


class EidoSchemaMissing(ServiceUnavailable):
    """EIDO validation needs NENA's schema, which this installation has not been given (module docstring)."""

    title = "EIDO schema not installed"


def schema_path(configured: str | Path | None = None) -> Path:
    """The schema bundle ``configured`` (else ``RTCC_EIDO_SCHEMA``), or EidoSchemaMissing saying how to install one."""
    configured = str(configured if configured is not None else os.environ.get(SCHEMA_ENV, "")).strip()
    if not configured:
        raise EidoSchemaMissing(
            "EIDO needs NENA's EIDO 1.0 schema, which is not shipped: derive it with 'python "
            "tools/derive_eido_schema.py --schema EIDO-JSON/Schema --out FILE' from a clone of NENA's EIDO-JSON "
            f"repository (https://github.com/NENA911/EIDO-JSON) and set {SCHEMA_ENV}=FILE (see docs/eido_schema.md)"
        )
    path = Path(configured)
    if not path.is_file():
        raise EidoSchemaMissing(f"EIDO schema {configured}: no such file (see docs/eido_schema.md)")
    return path


def schema(path: str | Path | None = None) -> dict[str, Any]:
    """The EIDO 1.0 JSON Schema bundle (draft 7) at ``path`` (``schema_path``)."""
    return _load(str(schema_path(path)))


@cache
def _load(path: str) -> dict[str, Any]:
    data = Path(path).read_bytes()
    loaded: dict[str, Any] = json.loads(gzip.decompress(data) if path.endswith(".gz") else data)
    return loaded


def _validator(path: str | Path | None) -> Draft7Validator:
    return _validator_for(str(schema_path(path)))


@cache
def _validator_for(path: str) -> Draft7Validator:
    return Draft7Validator(_load(path), format_checker=_formats)


def _path(error: ValidationError) -> str:
    path = error.json_path
    if error.validator == "required" and isinstance(error.message, str):
        match = re.match(r"'([^']+)' is a required property", error.message)
        if match:
            return f"{path}.{match.group(1)}"
    return path


def _message(error: ValidationError) -> str:
    if error.validator == "required":
        return "required property missing"
    if error.validator == "type":
        return f"must be of type {error.validator_value}"
    if error.validator == "enum":
        allowed: Any = error.validator_value
        return f"must be one of {', '.join(str(v) for v in allowed)}"
    if error.validator == "format":
        return f"not a valid {error.validator_value}"
    return str(error.message)[:200]


def validate_eido(document: Any, *, schema: str | Path | None = None) -> list[EidoIssue]:
    """Every way ``document`` (decoded JSON) breaks the EIDO 1.0 schema (the bundle at ``schema``, see
    ``schema_path``), ordered by path; [] when it is valid."""
    errors = sorted(
        _validator(schema).iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.validator)
    )
    seen: set[tuple[str, str]] = set()
    issues: list[EidoIssue] = []
    for error in errors:
        found = EidoIssue(_path(error), _message(error))
        if (found.path, found.message) not in seen:
            seen.add((found.path, found.message))
            issues.append(found)
        if len(issues) >= MAX_ISSUES:
            break
    return issues


def check_eido(document: Any, *, schema: str | Path | None = None) -> None:
    """Raise EidoError naming every schema problem of ``document``; return when it is a valid EIDO 1.0."""
    issues = validate_eido(document, schema=schema)
    if issues:
        raise EidoError(issues)
