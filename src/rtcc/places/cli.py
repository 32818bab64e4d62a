"""``rtcc places`` commands: show the configured city profile and check a profile folder before using it.

``rtcc places check PATH`` loads a folder as ``RTCC_CITY_PROFILE=PATH`` would and prints what it holds, or the first
problem with the file and field named (exit status 1).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from rtcc.commands import command_errors
from rtcc.places import service
from rtcc.places.loader import load_profile
from rtcc.settings import get_settings

places = typer.Typer(no_args_is_help=True, help="The city profile: name, boundary, districts, neighborhoods.")


def _summary(ref: str) -> None:
    with command_errors():  # the first problem, file and field named, and exit 1
        prof = load_profile(ref)
    doc = service.profile_read(prof).model_dump(exclude={"divisions", "neighborhoods"})
    doc["divisions"] = len(prof.divisions)
    doc["neighborhoods"] = len(prof.neighborhoods)
    doc["source"] = prof.source
    typer.echo(json.dumps(doc, indent=2))


@places.command("show")
def show() -> None:
    """Print the configured city profile (RTCC_CITY_PROFILE) without its geometry."""
    _summary(get_settings().city_profile)


@places.command("check")
def check(path: Annotated[str, typer.Argument(help="A profile folder, or a packaged profile's name.")]) -> None:
    """Validate a city profile folder; print its summary, or the first problem (file and field) and exit 1."""
    _summary(path)


@places.command("list")
def list_profiles() -> None:
    """Print the names of the packaged city profiles."""
    for slug in service.available():
        typer.echo(slug)
