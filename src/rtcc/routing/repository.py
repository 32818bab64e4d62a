"""Queries on stored road networks (never commits): the active network, a network by name, the bulk write of a
network's nodes and edges, and reading them back as arrays."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, delete, insert, select, update
from sqlalchemy.orm import Session

from rtcc.routing.logic import RoadNetwork
from rtcc.routing.models import RoutingEdge, RoutingNetwork, RoutingNode

#: Rows per INSERT statement of a bulk write (executemany batches; keeps each statement's parameters bounded).
CHUNK = 20_000


def active(session: Session) -> RoutingNetwork | None:
    """The active network, if any."""
    return session.scalars(select(RoutingNetwork).where(RoutingNetwork.active.is_(True)).limit(1)).first()


def active_id(session: Session) -> uuid.UUID | None:
    """The active network's id (the one cheap query a process makes per travel-time request)."""
    return session.scalars(select(RoutingNetwork.id).where(RoutingNetwork.active.is_(True)).limit(1)).first()


def by_name(session: Session, name: str) -> RoutingNetwork | None:
    """The network stored under ``name``."""
    return session.scalars(select(RoutingNetwork).where(RoutingNetwork.name == name)).first()


def every(session: Session) -> list[RoutingNetwork]:
    """Every stored network, by name."""
    return list(session.scalars(select(RoutingNetwork).order_by(RoutingNetwork.name)))


def remove(session: Session, network_id: uuid.UUID) -> None:
    """Delete a network and its nodes and edges (explicitly: SQLite may run without foreign-key cascades)."""
    session.execute(delete(RoutingEdge).where(RoutingEdge.network_id == network_id))
    session.execute(delete(RoutingNode).where(RoutingNode.network_id == network_id))
    session.execute(delete(RoutingNetwork).where(RoutingNetwork.id == network_id))


def deactivate_all(session: Session) -> None:
    """Clear the active flag of every network."""
    session.execute(update(RoutingNetwork).where(RoutingNetwork.active.is_(True)).values(active=False))


def _chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_arrays(session: Session, network_id: uuid.UUID, net: RoadNetwork) -> None:
    """Bulk-insert a network's nodes and edges (executemany in chunks)."""
    nodes = (
        {"network_id": network_id, "idx": i, "lat": lat, "lon": lon}
        for i, (lat, lon) in enumerate(zip(net.lat.tolist(), net.lon.tolist(), strict=True))
    )
    for batch in _chunks(nodes, CHUNK):
        session.execute(insert(RoutingNode), batch)
    edges = (
        {"network_id": network_id, "idx": i, "src": s, "dst": d, "length_m": length, "road_class": c}
        for i, (s, d, length, c) in enumerate(
            zip(net.src.tolist(), net.dst.tolist(), net.length_m.tolist(), net.road_class.tolist(), strict=True)
        )
    )
    for batch in _chunks(edges, CHUNK):
        session.execute(insert(RoutingEdge), batch)


def _columns(session: Session, stmt: Select[*tuple[Any, ...]], width: int) -> npt.NDArray[np.float64]:
    """A query's rows as one float array, built a partition at a time (no list of every row object in memory)."""
    # np.fromiter over the flattened rows: np.asarray on Row objects is ~70x slower (it inspects each one)
    parts = [
        np.fromiter(itertools.chain.from_iterable(part), dtype=np.float64, count=len(part) * width).reshape(-1, width)
        for part in session.execute(stmt.execution_options(yield_per=CHUNK)).partitions(CHUNK)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, width))


def read_arrays(session: Session, row: RoutingNetwork) -> RoadNetwork:
    """A stored network's arrays, in ``idx`` order."""
    nodes = _columns(
        session,
        select(RoutingNode.lat, RoutingNode.lon).where(RoutingNode.network_id == row.id).order_by(RoutingNode.idx),
        2,
    )
    edges = _columns(
        session,
        select(RoutingEdge.src, RoutingEdge.dst, RoutingEdge.length_m, RoutingEdge.road_class)
        .where(RoutingEdge.network_id == row.id)
        .order_by(RoutingEdge.idx),
        4,
    )
    return RoadNetwork(
        lat=np.ascontiguousarray(nodes[:, 0]),
        lon=np.ascontiguousarray(nodes[:, 1]),
        src=edges[:, 0].astype(np.int64),
        dst=edges[:, 1].astype(np.int64),
        length_m=np.ascontiguousarray(edges[:, 2]),
        road_class=edges[:, 3].astype(np.int64),
        classes=tuple(c for c in row.classes.split(",") if c),
    )
