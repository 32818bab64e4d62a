"""Bounded integer parameters shared by list routes and routes addressed by a numeric id.

Every integer a client sends ends up in a SQL statement, and a database integer has 64 bits: an ``offset`` of 2**70
or a ``before_seq`` of 10**20 used to reach the driver and come back as a 500 (SQLite's OverflowError, PostgreSQL's
"out of range"). These types bound them where FastAPI validates the request, so such a value is a 422 problem that
names the parameter, and the OpenAPI document states the bound (a schemathesis run generates within it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

#: The largest value a 64-bit signed database integer holds (ids, sequence numbers).
DB_INT_MAX = 2**63 - 1
#: The furthest a list may be paged by offset (a screen pages far less; a larger offset is a mistake or a probe).
MAX_OFFSET = 10_000_000

#: ``?offset=``: rows to skip (0 to MAX_OFFSET).
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")]
#: A numeric id in the path (1 to DB_INT_MAX).
RowId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="The row's numeric id.")]
