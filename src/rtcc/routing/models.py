"""Tables of the routing domain: stored road networks, their nodes and their directed edges.

A network is written once by an import (all rows in one transaction, bulk inserts) and read whole by every process
that routes (``service.loaded``), which keeps it in memory until the active network changes. At most one network is
``active`` at a time (the service keeps it so; a re-import under the same name replaces the old rows). Edges keep
the road class (OSM ``highway``), not a speed: speeds are settings, applied when a process loads the network.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, SmallInteger, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class RoutingNetwork(Base):
    """One imported road network: its name, what it is (label), where it came from and its size."""

    __tablename__ = "routing_networks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(255))  # the file name, or what the network was derived from
    classes: Mapped[str] = mapped_column(String(512))  # the road classes, comma-separated: edges store indices
    node_count: Mapped[int] = mapped_column(Integer)
    edge_count: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str] = mapped_column(String(64))


class RoutingNode(Base):
    """A node of a network: ``idx`` is its position in the network's arrays (0..node_count-1)."""

    __tablename__ = "routing_nodes"

    network_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("routing_networks.id", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class RoutingEdge(Base):
    """A directed edge src -> dst (node idx) of a network, its length in metres and road class (an index into the
    network's ``classes``)."""

    __tablename__ = "routing_edges"

    network_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("routing_networks.id", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    src: Mapped[int] = mapped_column(Integer)
    dst: Mapped[int] = mapped_column(Integer)
    length_m: Mapped[float] = mapped_column(Float)
    road_class: Mapped[int] = mapped_column(SmallInteger)
