"""``rtcc users`` and ``rtcc apikeys``: create staff users and sensor keys from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from rtcc.core.db import Database
from rtcc.identity import service
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import ApiKeyCreate, UserCreate
from rtcc.settings import get_settings

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
    db = Database(get_settings().database_url)
    with db.uow() as session:
        user = service.create_user(
            session,
            UserCreate(
                username=username,
                display_name=display_name or username,
                password=password,
                role=role,
                unit=unit,
            ),
            actor=SYSTEM,
        )
        typer.echo(f"created user {user.username} ({user.role})")
    db.dispose()


@users.command("list")
def list_users() -> None:
    """List staff users."""
    db = Database(get_settings().database_url)
    with db.read() as session:
        for u in service.list_users(session):
            typer.echo(f"{u.username:<20} {u.role:<12} {'active' if u.is_active else 'disabled'}")
    db.dispose()


@apikeys.command("create")
def create_key(
    name: str,
    camera: Annotated[list[str], typer.Option(help="Camera code the key may report for ('*' for any); repeat.")],
) -> None:
    """Create a sensor API key and print its secret once."""
    db = Database(get_settings().database_url)
    with db.uow() as session:
        _key, secret = service.create_api_key(session, ApiKeyCreate(name=name, camera_codes=camera), actor=SYSTEM)
    typer.echo(secret)
    db.dispose()
