"""``rtcc audit``: verify the hash chain, show recent entries, export the log for outside verification, and manage
the signed tree heads (key generation, publishing one now, checking the log against all of them)."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import orjson
import typer

from rtcc.audit import repository, service, signing, tree
from rtcc.audit.service import Verification
from rtcc.commands import run_command
from rtcc.runtime import Runtime

audit = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log.")


@audit.command("verify")
def verify() -> None:
    """Recompute the chain; exit 1 and name the first edited, inserted or deleted entry if it is broken."""

    def work(rt: Runtime) -> Verification:
        with rt.db.uow() as session:
            result = service.verify(session)
            service.record(
                session,
                actor="cli",
                actor_role="system",
                action="audit.verify",
                details={
                    "ok": result.ok,
                    "checked": result.checked,
                    "first_bad_seq": result.first_bad_seq,
                    "problem": result.problem,
                },
            )
        return result

    result = run_command(work, bus=False)
    if result.ok:
        typer.echo(f"audit chain OK: {result.checked} entries verified")
        return
    typer.echo(
        f"audit chain BROKEN at seq {result.first_bad_seq}: {result.problem} "
        f"({result.checked} entries verified before it)",
        err=True,
    )
    raise typer.Exit(1)


@audit.command("tail")
def tail(limit: int = 20) -> None:
    """Print the newest entries."""

    def work(rt: Runtime) -> list[str]:
        with rt.db.read() as session:
            return [
                f"{e.seq:>8} {e.at.isoformat()} {e.actor:<20} {e.action:<24} {e.target_type or ''} {e.target_id or ''}"
                for e in reversed(service.search(session, limit=limit))
            ]

    for line in run_command(work, bus=False):
        typer.echo(line)


@audit.command("export")
def export(
    output: Annotated[Path | None, typer.Option(help="File to write (default: standard output).")] = None,
) -> None:
    """Write every entry as JSON Lines for outside verification (``docs/audit-verification.md``): one object per line,
    in chain order, with ``seq``, ``prev_hash``, ``hash`` and ``body`` (base64 of the exact canonical bytes the chain
    hash covers). The export is itself recorded in the chain, after the exported entries."""

    def work(rt: Runtime) -> int:
        count = 0
        out = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            with rt.db.read() as session:
                for e in repository.iter_chain(session):
                    out.write(orjson.dumps(tree.export_line(e)).decode() + "\n")
                    count += 1
        finally:
            if output:
                out.close()
        with rt.db.uow() as session:
            service.record(session, actor="cli", actor_role="system", action="audit.export", details={"entries": count})
        return count

    count = run_command(work, bus=False)
    typer.echo(f"{count} audit entries exported", err=True)


@audit.command("keygen")
def keygen(path: Annotated[Path, typer.Argument(help="Where to write the new private key (must not exist).")]) -> None:
    """Create an Ed25519 key for signing tree heads (PEM, mode 0600); set RTCC_AUDIT_SIGNING_KEY_FILE to it."""
    try:
        pub = signing.generate_key_file(path)
    except FileExistsError:
        typer.echo(f"{path} exists; not overwritten", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"key id {pub.key_id}\npublic key (base64) {pub.public_key}")


@audit.command("publish-head")
def publish_head() -> None:
    """Publish a signed tree head now (the scheduled job does it every RTCC_AUDIT_TREE_HEAD_INTERVAL_S)."""

    def work(rt: Runtime) -> str:
        path = rt.settings.audit_signing_key_file
        if path is None:
            raise typer.BadParameter("set RTCC_AUDIT_SIGNING_KEY_FILE (create a key with `rtcc audit keygen`)")
        key = signing.load_private_key(path)
        with rt.db.uow() as session:
            head = tree.publish_head(session, key)
            return f"tree head {head.id}: {head.tree_size} entries, root {head.root_hash}"

    typer.echo(run_command(work, bus=False))


@audit.command("keys")
def list_keys() -> None:
    """The keys that have signed tree heads and their validity (what the transparency portal publishes at
    /api/v1/transparency/audit-log/keys). To rotate: `rtcc audit keygen NEW.pem`, point RTCC_AUDIT_SIGNING_KEY_FILE
    at it and restart the jobs worker; the next head registers the new key and closes the old one's validity."""

    def work(rt: Runtime) -> list[str]:
        with rt.db.read() as session:
            return [
                f"{k.key_id}  {k.algorithm}  from {k.valid_from_ms}  until {k.valid_until_ms or 'current'}"
                for k in tree.signing_keys(session)
            ]

    for line in run_command(work, bus=False) or ["no key has signed a tree head yet"]:
        typer.echo(line)


@audit.command("check-heads")
def check_heads() -> None:
    """Check the log against every published tree head; exit 1 and say what differs if it does not match."""

    def work(rt: Runtime) -> tree.TreeCheck:
        path = rt.settings.audit_signing_key_file
        pub = signing.public_key_of(signing.load_private_key(path)).public_key if path else None
        with rt.db.uow() as session:
            result = tree.check(session, public_key_b64=pub, verify_signatures=True)
            service.record(session, actor="cli", actor_role="system", action="audit.tree_check", details=asdict(result))
        return result

    result = run_command(work, bus=False)
    if result.ok:
        typer.echo(f"audit log matches {result.heads} published tree heads ({result.entries} entries checked)")
        return
    typer.echo(f"audit log does NOT match its published tree heads: {result.problem}", err=True)
    raise typer.Exit(1)
