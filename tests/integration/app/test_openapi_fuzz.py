"""A schemathesis run over the whole OpenAPI document, unauthenticated and as an administrator (issue 15).

Every operation gets generated requests, valid ones (positive) and invalid ones (negative: wrong types, values out
of range, missing fields), sent through the app in process. Each response must not be a server error, must carry a
status code the document states (every route documents the problem+json answers, ``rtcc.core.problems``), a content
type it states and, for a documented body, a body that matches its schema. Failures are collected over every
operation and reported together (operation, who, what failed), so one run shows them all.

``RTCC_FUZZ_EXAMPLES`` sets the examples per operation and mode (default 6: the whole API in a few minutes).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("RTCC_FUZZ_EXAMPLES", "6"))
#: Routes that stream until the client leaves (SSE): a generated request would hold the run.
STREAMING = {"/api/v1/live/stream"}


def _run_operation(
    operation: Any, mode: GenerationMode, client: TestClient, who: dict[str, dict[str, str] | None]
) -> list[str]:
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
        database=None,
        derandomize=True,
    )
    def run(case: Any) -> None:
        for name, headers in who.items():
            response = case.call(session=client, headers=headers)
            try:
                case.validate_response(response, checks=CHECKS)
            except (Exception, FailureGroup) as exc:
                first = str(exc).strip().splitlines()
                failures.append(
                    f"{operation.method.upper()} {operation.path} [{mode.value}, {name}]: {' '.join(first[:12])}"
                )

    try:
        run()
    except Unsatisfiable:  # negative mode, an operation with nothing to get wrong (no parameters, no body)
        assert mode is GenerationMode.NEGATIVE, f"{operation.method.upper()} {operation.path}: no valid request"
    return failures


def test_no_server_errors_and_every_answer_documented(
    app_client: TestClient, login: Callable[..., dict[str, str]]
) -> None:
    admin = login("admin")  # the schema is not public (api:docs)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app_client.app, headers=admin)
    who: dict[str, dict[str, str] | None] = {"anonymous": None, "admin": admin}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in STREAMING:
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _run_operation(operation, mode, app_client, who)
    assert operations > 100  # the whole API, not a corner of it
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(sorted(set(failures))[:60])
