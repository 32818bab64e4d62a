"""The images of ALPR reads that sensors send inside their documents (OpenALPR/Rekor ``plate_crop_jpeg`` and
``vehicle_crop_jpeg``): stored durably with the read, and served to the people who verify hits.

Decision: files, not database rows. A crop is 5-50 KB and a city sends millions of reads a day, so image bytes stay
out of the reads database (and out of SQLite's single writer). Each image is a content-addressed file under
``RTCC_DATA_DIR/alpr-images/<sha[:2]>/<sha256>.jpg``, written through ``rtcc.core.blobs`` (the same durable write
as the footage evidence store: temporary file, fsync, atomic rename, folder fsync) BEFORE the read's transaction
commits, so an acknowledged read's images survive a SIGKILL right after the 202. The read's ``crop_ref`` /
``image_ref`` hold the path relative to the data directory (``logic.image_key``), which is also what retention
resolves and deletes when it purges a read or its images. Content addressing makes a resent document harmless (same
name, nothing rewritten) and means a stored picture can never be replaced by other bytes under the same ref. A file
whose transaction then fails stays unreferenced (the sensor's retry names the same file).

Viewing an image is an access to ALPR data: ``view_image`` audits it (``alpr.image.view``) in the request's unit of
work before the bytes are returned.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from rtcc.alpr import logic, repository
from rtcc.alpr.logic import ReadImage
from rtcc.audit import service as audit
from rtcc.core.blobs import write_durable
from rtcc.core.errors import NotFound
from rtcc.identity.logic import Principal

logger = logging.getLogger(__name__)

#: Image kinds a read may have, and the column that references each.
KINDS = ("crop", "vehicle")
_SCRATCH = ".incoming"


def image_path(data_dir: Path, key: str) -> Path:
    """The file of a stored image ref; NotFound for anything that is not a well-formed ref of our store."""
    parts = key.split("/")
    if (
        len(parts) != 3
        or parts[0] != logic.IMAGE_PREFIX
        or len(parts[1]) != 2
        or not parts[2].endswith(".jpg")
        or not parts[2].startswith(parts[1])
        or not all(c in "0123456789abcdef" for c in parts[2][:-4])
        or len(parts[2]) != 68
    ):
        raise NotFound("no such stored image")
    return Path(data_dir) / parts[0] / parts[1] / parts[2]


def store(data_dir: Path, images: Iterable[ReadImage]) -> int:
    """Write images durably (see the module docstring); returns how many files were new."""
    root = Path(data_dir) / logic.IMAGE_PREFIX
    written = 0
    done: set[str] = set()
    for img in images:
        if img.key in done:
            continue
        done.add(img.key)
        if write_durable(image_path(data_dir, img.key), img.data, scratch=root / _SCRATCH):
            written += 1
    if written:
        logger.debug("stored %d ALPR image file(s)", written)
    return written


@dataclass(frozen=True, slots=True)
class ImageFile:
    """A stored image ready to send."""

    data: bytes
    sha256: str
    content_type: str = "image/jpeg"


def view_image(session: Session, read_id: uuid.UUID, kind: str, *, actor: Principal, data_dir: Path) -> ImageFile:
    """One read's plate crop (``crop``) or vehicle image (``vehicle``) from our store, audited as
    ``alpr.image.view``; NotFound when the read has no such stored image (a vendor or remote ref is not ours)."""
    if kind not in KINDS:
        raise NotFound(f"no image kind {kind!r} (crop or vehicle)")
    refs = repository.image_refs(session, read_id)
    if refs is None:
        raise NotFound(f"no read {read_id}")
    ref = refs[0] if kind == "crop" else refs[1]
    if not logic.is_image_key(ref):
        raise NotFound(f"read {read_id} has no stored {kind} image")
    assert ref is not None
    path = image_path(data_dir, ref)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"the {kind} image of read {read_id} is missing from the image store") from None
    audit.record_for(
        session,
        actor,
        "alpr.image.view",
        target_type="alpr_read",
        target_id=str(read_id),
        details={"kind": kind, "ref": ref},
    )
    return ImageFile(data=data, sha256=ref.rsplit("/", 1)[1].removesuffix(".jpg"))
