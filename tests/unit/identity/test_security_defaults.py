"""Outside the demo, staff need a second factor and the session cookie is Secure by default; ``rtcc demo`` turns
both off unless they are set explicitly (``RTCC_MFA_REQUIRED=true rtcc demo`` is the demo's production mode)."""

from __future__ import annotations

import pytest

from rtcc.demo.runner import demo_security
from rtcc.settings import Settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RTCC_MFA_REQUIRED", raising=False)  # the suite's conftest turns both off for its servers
    monkeypatch.delenv("RTCC_COOKIE_SECURE", raising=False)


@pytest.mark.usefixtures("clean_env")
def test_production_defaults_are_strict() -> None:
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.mfa_required is True and s.cookie_secure is True


@pytest.mark.usefixtures("clean_env")
def test_the_demo_turns_them_off_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    demo = demo_security(Settings(_env_file=None))  # type: ignore[call-arg]
    assert demo.mfa_required is False and demo.cookie_secure is False
    monkeypatch.setenv("RTCC_MFA_REQUIRED", "true")
    production_mode = demo_security(Settings(_env_file=None))  # type: ignore[call-arg]
    assert production_mode.mfa_required is True and production_mode.cookie_secure is False


@pytest.mark.usefixtures("clean_env")
def test_demo_production_mode_flag_keeps_mfa_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """``rtcc demo --production-mode`` (issue 15): the demo's staff sign in with a second factor."""
    from typer.testing import CliRunner

    from rtcc import cli
    from rtcc.demo import runner
    from rtcc.settings import get_settings

    seen: list[Settings] = []
    monkeypatch.setattr(runner, "run_demo", lambda settings, **kw: seen.append(demo_security(settings)))
    get_settings.cache_clear()
    try:
        assert CliRunner().invoke(cli.app, ["demo", "--production-mode"]).exit_code == 0
        assert CliRunner().invoke(cli.app, ["demo"]).exit_code == 0
    finally:
        get_settings.cache_clear()
    assert [s.mfa_required for s in seen] == [True, False]
