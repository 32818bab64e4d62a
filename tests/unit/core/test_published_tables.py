"""Published table views (``core.db.published_table``): other domains query a domain's tables only through the
columns its ``queries`` module publishes, typed as the owner defines them."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table

from rtcc.core.db import UTCDateTime, published_table

QUERY_MODULES = (
    "rtcc.alpr.queries",
    "rtcc.alerts.queries",
    "rtcc.matching.queries",
    "rtcc.hotlists.queries",
    "rtcc.audit.queries",
)


def _owner() -> Table:
    return Table(
        "things",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String(8)),
        Column("at", UTCDateTime),
    )


def test_a_view_keeps_the_owner_types_and_only_the_published_columns() -> None:
    view = published_table(_owner(), "id", "at")
    assert view.name == "things" and set(view.c.keys()) == {"id", "at"}
    assert isinstance(view.c.at.type, UTCDateTime)
    with pytest.raises(AttributeError):
        _ = view.c.name  # not published: another domain cannot name it


def test_a_column_the_owner_lacks_fails_at_import() -> None:
    with pytest.raises(KeyError, match="things has no column"):
        published_table(_owner(), "id", "renamed")


@pytest.mark.parametrize("module", QUERY_MODULES)
def test_every_published_column_exists_on_its_owner(module: str) -> None:
    mod = importlib.import_module(module)
    views = [v for v in vars(mod).values() if hasattr(v, "c") and hasattr(v, "name") and not isinstance(v, type)]
    assert views
    from rtcc.core.db import Base

    for view in views:
        owner = Base.metadata.tables[view.name]
        for col in view.c:
            assert type(col.type) is type(owner.c[col.name].type), (view.name, col.name)
