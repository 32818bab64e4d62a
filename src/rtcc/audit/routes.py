"""HTTP routes of the audit log: filtered, keyset-paginated listing and CSV/JSONL export for auditors, and chain
verification.

Filters (all optional, combined with AND): actor, role, unit, action prefix, purpose, case_number, target_type,
target_id, since, until (see ``AuditFilters``). The listing pages newest first: pass the ``X-Next-Before-Seq``
response header back as ``before_seq`` for the next page. The export (``audit:export``) returns the filtered entries
in chain order and is itself recorded in the chain (``audit.export``).

The Merkle tree (``rtcc.audit.tree``): the public endpoints under ``/api/v1/transparency/audit-log`` give the signing
key, every signed tree head, and inclusion and consistency proofs over published heads (hashes only, no login);
staff read an entry with its proof and check the log against every head.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from rtcc.audit import service, signing, tree
from rtcc.audit.schemas import (
    AuditEntryRead,
    AuditFilters,
    ConsistencyProofRead,
    EntryProofRead,
    ExportFormat,
    InclusionProofRead,
    SigningKeyRead,
    SigningKeyValidityRead,
    TreeCheckRead,
    TreeHeadRead,
    VerificationRead,
)
from rtcc.core.errors import NotFound
from rtcc.core.pagination import DB_INT_MAX
from rtcc.deps import DbDep, SettingsDep
from rtcc.governance import service as governance
from rtcc.identity.deps import public, require
from rtcc.identity.logic import Perm, Principal

staff_router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

_MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


@staff_router.get("/entries")
def list_entries(
    db: DbDep,
    _p: Annotated[Principal, require(Perm.audit_read)],
    filters: Annotated[AuditFilters, Query()],
    response: Response,
    before_seq: Annotated[
        int | None, Query(ge=1, le=DB_INT_MAX, description="Entries older than this seq (next page).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryRead]:
    """Audit entries, newest first, filtered; ``X-Next-Before-Seq`` names the next page when there is one."""
    with db.read() as session:
        rows = service.search(session, before_seq=before_seq, limit=limit, **filters.as_kwargs())
        items = [AuditEntryRead.model_validate(r) for r in rows]
    if len(items) == limit:
        response.headers["X-Next-Before-Seq"] = str(items[-1].seq)
    return items


@staff_router.get("/export")
def export_entries(
    db: DbDep,
    actor: Annotated[Principal, require(Perm.audit_export)],
    filters: Annotated[AuditFilters, Query()],
    fmt: Annotated[ExportFormat, Query(alias="format", description="csv or jsonl.")] = "csv",
    limit: Annotated[int, Query(ge=1, le=governance.EXPORT_MAX)] = governance.EXPORT_MAX,
) -> Response:
    """The filtered entries in chain order as CSV or JSON Lines (at most ``limit``); the export is audited."""
    with db.uow() as session:
        body, count = governance.export_audit(session, actor=actor, filters=filters, fmt=fmt, limit=limit)
    return Response(
        content=body,
        media_type=_MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="audit-export.{fmt}"',
            "X-Entry-Count": str(count),
        },
    )


@staff_router.post("/verify")
def verify(db: DbDep, actor: Annotated[Principal, require(Perm.audit_verify)]) -> VerificationRead:
    """Walk the whole chain; the outcome is itself recorded in the chain."""
    with db.uow() as session:
        result = service.verify(session)
        service.record_for(
            session,
            actor,
            "audit.verify",
            details={
                "ok": result.ok,
                "checked": result.checked,
                "first_bad_seq": result.first_bad_seq,
                "problem": result.problem,
            },
        )
    return VerificationRead(**asdict(result))


# --- the Merkle tree: signed heads and proofs. Public (no entry contents), except the entry with its proof -----------

#: The public half: the transparency portal's audit-log endpoints.
public_router = APIRouter(prefix="/api/v1/transparency/audit-log", tags=["transparency"])


@public_router.get("/key", dependencies=[public()])
def signing_key(settings: SettingsDep) -> SigningKeyRead:
    """The Ed25519 public key that signs the audit log's tree heads."""
    if settings.audit_signing_key_file is None:
        raise NotFound("this deployment publishes no signed tree heads (no signing key configured)")
    pub = signing.public_key_of(signing.load_private_key(settings.audit_signing_key_file))
    return SigningKeyRead(**asdict(pub))


@public_router.get("/keys", dependencies=[public()])
def signing_keys(db: DbDep) -> list[SigningKeyValidityRead]:
    """Every public key that has signed tree heads, with its validity (key rotation: a head verifies with the key
    its ``key_id`` names, and its timestamp lies within that key's validity)."""
    with db.read() as session:
        return [SigningKeyValidityRead(**tree.key_json(k)) for k in tree.signing_keys(session)]


@public_router.get("/heads", dependencies=[public()])
def list_heads(
    db: DbDep,
    response: Response,
    after_id: Annotated[int, Query(ge=0, le=2**62, description="Heads published after this id (next page).")] = 0,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> list[TreeHeadRead]:
    """Every signed tree head, oldest first; ``X-Next-After-Id`` names the next page when there is one."""
    with db.read() as session:
        items = [TreeHeadRead(**tree.head_json(h)) for h in tree.heads(session, after_id=after_id, limit=limit)]
    if len(items) == limit:
        response.headers["X-Next-After-Id"] = str(items[-1].id)
    return items


@public_router.get("/heads/latest", dependencies=[public()])
def get_latest_head(db: DbDep) -> TreeHeadRead:
    """The newest signed tree head."""
    with db.read() as session:
        head = tree.latest_head(session)
        if head is None:
            raise NotFound("no tree head has been published yet")
        return TreeHeadRead(**tree.head_json(head))


@public_router.get("/inclusion", dependencies=[public()])
def inclusion_proof(
    db: DbDep,
    seq: Annotated[int, Query(ge=1, le=2**62, description="The entry's seq (leaf seq - 1).")],
    tree_size: Annotated[
        int | None, Query(ge=1, le=2**62, description="Size of a published head (default: the latest).")
    ] = None,
) -> InclusionProofRead:
    """The inclusion proof of entry ``seq`` in a published head (hashes only; the entry stays staff-only)."""
    with db.read() as session:
        return InclusionProofRead(**asdict(tree.inclusion(session, seq=seq, tree_size=tree_size)))


@public_router.get("/consistency", dependencies=[public()])
def consistency_proof(
    db: DbDep,
    first: Annotated[int, Query(ge=1, le=2**62, description="Size of the older published head.")],
    second: Annotated[int, Query(ge=1, le=2**62, description="Size of the newer published head.")],
) -> ConsistencyProofRead:
    """The consistency proof between two published heads (by tree size)."""
    with db.read() as session:
        return ConsistencyProofRead(**asdict(tree.consistency(session, first=first, second=second)))


@staff_router.get("/entries/{seq}/proof")
def entry_with_proof(
    seq: Annotated[int, Path(ge=1, le=2**62)],
    db: DbDep,
    _p: Annotated[Principal, require(Perm.audit_read)],
    tree_size: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> EntryProofRead:
    """One entry with its inclusion proof in a published head (default: the latest)."""
    with db.read() as session:
        entry = service.entry(session, seq)
        proof = tree.inclusion(session, seq=seq, tree_size=tree_size)
        return EntryProofRead(entry=AuditEntryRead.model_validate(entry), proof=InclusionProofRead(**asdict(proof)))


@staff_router.post("/tree-check")
def tree_check(
    db: DbDep, settings: SettingsDep, actor: Annotated[Principal, require(Perm.audit_verify)]
) -> TreeCheckRead:
    """Check the log against every published head (signatures too); the outcome is recorded in the chain."""
    pub = None
    if settings.audit_signing_key_file is not None:
        pub = signing.public_key_of(signing.load_private_key(settings.audit_signing_key_file)).public_key
    with db.uow() as session:
        result = tree.check(session, public_key_b64=pub, verify_signatures=True)
        service.record_for(session, actor, "audit.tree_check", details=asdict(result))
    return TreeCheckRead(**asdict(result))


#: What the manifest mounts: the staff routes and the public transparency endpoints.
router = APIRouter()
router.include_router(staff_router)
router.include_router(public_router)
