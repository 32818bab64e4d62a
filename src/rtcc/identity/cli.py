"""``rtcc users`` and ``rtcc apikeys``: create staff users (and reset their second factors) and sensor keys from the
command line."""

from __future__ import annotations

from typing import Annotated

import typer

from rtcc.commands import command_errors, run_command
from rtcc.identity import service
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import ApiKeyCreate, UserCreate
from rtcc.runtime import Runtime

users = typer.Typer(no_args_is_help=True, help="Staff user accounts.")
apikeys = typer.Typer(no_args_is_help=True, help="Sensor API keys.")


@users.command("create")
def create_user(
    username: str,
    role: Annotated[Role, typer.Option(help="Role of the user.")],
    display_name: Annotated[str | None, typer.Option(help="Full name (default: username).")] = None,
    unit: Annotated[str | None, typer.Option(help="Unit or station.")] = None,
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters."),
    ] = "",
) -> None:
    """Create a staff user."""

    def work(rt: Runtime) -> str:
        body = UserCreate(
            username=username, display_name=display_name or username, password=password, role=role, unit=unit
        )
        with rt.db.uow() as session:
            user = service.create_user(session, body, actor=SYSTEM)
            return f"created user {user.username} ({user.role})"

    typer.echo(run_command(work, bus=False))


@users.command("list")
def list_users() -> None:
    """List staff users."""

    def work(rt: Runtime) -> list[str]:
        with rt.db.read() as session:
            return [
                f"{u.username:<20} {u.role:<12} {'active' if u.is_active else 'disabled'}"
                for u in service.list_users(session)
            ]

    for line in run_command(work, bus=False):
        typer.echo(line)


@users.command("mfa-reset")
def mfa_reset(username: str) -> None:
    """Remove a user's second factors and recovery codes (a lost device, or the last administrator locked out);
    they enrol again at next sign-in. Audited."""

    def work(rt: Runtime) -> str:
        from rtcc.identity import mfa, repository

        with rt.db.uow() as session:
            user = repository.user_by_username(session, username)
            if user is None:
                raise typer.BadParameter(f"no user {username!r}", param_hint="USERNAME")
            removed = mfa.reset(session, user, actor_name=SYSTEM.audit_name, actor_role=SYSTEM.role)
            return f"removed {removed} second factor(s) of {username}; they enrol again at next sign-in"

    typer.echo(run_command(work, bus=False))


@users.command("mfa-new-key")
def mfa_new_key() -> None:
    """Put a new key first in the TOTP secrets' key file (RTCC_MFA_KEY_FILE); the old keys stay for reading. Then
    run `rtcc users mfa-reencrypt`, and delete the old lines. Prints the key ids, never a key."""
    from rtcc.identity import secretbox
    from rtcc.settings import get_settings

    settings = get_settings()
    path = secretbox.default_path(settings.data_dir, settings.mfa_key_file)
    with command_errors():
        box = secretbox.add_key(path)
    ids = ", ".join(secretbox.key_id(k) for k in box.keys)
    typer.echo(f"{path}: new key {box.current_id} encrypts from now on; keys: {ids}")


@users.command("mfa-reencrypt")
def mfa_reencrypt() -> None:
    """Seal every stored TOTP secret under the first key of the key file (after `mfa-new-key`, or for secrets stored
    in clear before encryption existed). Prints how many were rewritten."""
    from rtcc.identity import mfa, secretbox

    def work(rt: Runtime) -> str:
        box = secretbox.load(secretbox.default_path(rt.settings.data_dir, rt.settings.mfa_key_file))
        with rt.db.uow() as session:
            n = mfa.reseal_all(session, box)
        return f"{n} TOTP secret(s) sealed again under key {box.current_id}"

    typer.echo(run_command(work, bus=False))


@apikeys.command("create")
def create_key(
    name: str,
    camera: Annotated[
        list[str] | None, typer.Option(help="Camera code the key may report for ('*' for any); repeat.")
    ] = None,
    monitoring: Annotated[
        bool, typer.Option("--monitoring", help="A Prometheus scraper's key: it may only read /metrics.")
    ] = False,
) -> None:
    """Create a sensor API key (or, with --monitoring, a metrics scraper's key) and print its secret once."""

    def work(rt: Runtime) -> str:
        body = ApiKeyCreate(name=name, camera_codes=camera or [], monitoring=monitoring)
        with rt.db.uow() as session:
            _key, secret = service.create_api_key(session, body, actor=SYSTEM)
        return secret

    typer.echo(run_command(work, bus=False))
