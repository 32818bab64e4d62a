"""Tables of the investigations domain: the index of distinct plates that makes wildcard and partial plate search
fast, its substring postings (SQLite), and the high-water mark of its incremental catch-up.

Reads repeat plates (a commuter passes the same camera twice a day), so substring search runs over the few distinct
normalised plates rather than the many reads: ``plate_index`` holds one row per distinct ``plate_norm`` with its
OCR-class form and the first and last time it was seen; reads are then fetched through ``alpr_reads``'
(plate_norm, observed_at) index. The substring index is dialect-specific (DESIGN rule 7), behind one repository
function: on PostgreSQL ``pg_trgm`` GIN indexes on ``plate_norm`` and ``plate_ocr``; on SQLite the trigram
postings in ``plate_grams`` (what an FTS5 ``trigram`` table stores, as an ordinary table so that the one migration
history describes it exactly). ``plate_grams`` stays empty on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, PrimaryKeyConstraint, String, text
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime

_BIGINT = BigInteger().with_variant(Integer(), "sqlite")


class IndexedPlate(Base):
    """One distinct normalised plate seen in ``alpr_reads``; first/last seen merge by min/max (idempotent)."""

    __tablename__ = "plate_index"

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    plate_norm: Mapped[str] = mapped_column(String(16), unique=True)
    plate_ocr: Mapped[str] = mapped_column(String(16))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # PostgreSQL: trigram GIN indexes (LIKE with wildcards, and equality on the OCR form since PostgreSQL 14).
        # SQLite: ``ix_plate_index_ocr_trgm`` is a plain b-tree on plate_ocr (OCR-class equality), and the
        # plate_norm one is an empty partial index (WHERE 0): the unique constraint already indexes plate_norm and
        # substring search uses plate_grams there. One declaration keeps one schema for both databases.
        # fastupdate=off: no GIN pending list that every search would have to scan after a burst of new plates.
        Index(
            "ix_plate_index_ocr_trgm",
            "plate_ocr",
            postgresql_using="gin",
            postgresql_ops={"plate_ocr": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
        Index(
            "ix_plate_index_norm_trgm",
            "plate_norm",
            postgresql_using="gin",
            postgresql_ops={"plate_norm": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
            sqlite_where=text("0"),
        ),
    )


class PlateGram(Base):
    """SQLite substring postings: one row per (3-character gram of a plate's normalised or OCR form, plate)."""

    __tablename__ = "plate_grams"

    gram: Mapped[str] = mapped_column(String(3))
    plate_id: Mapped[int] = mapped_column(_BIGINT)

    __table_args__ = (PrimaryKeyConstraint("gram", "plate_id"), {"sqlite_with_rowid": False})


class PlateIndexState(Base):
    """The catch-up high-water mark: reads observed up to ``synced_to`` (minus the overlap) are in the index."""

    __tablename__ = "plate_index_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    synced_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rebuilt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
