"""On SQLite, a process's writers queue on one gate per database file (held from BEGIN IMMEDIATE until the unit of
work has committed or rolled back) instead of sleeping in SQLite's busy handler."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from rtcc.core.db import Database, _WriterGate


@pytest.fixture
def sqlite_db(db: Database) -> Database:
    if db.dialect != "sqlite":
        pytest.skip("the writer gate is SQLite's (PostgreSQL has row locks)")
    return db


def test_the_gate_is_held_for_a_write_transaction_only(sqlite_db: Database) -> None:
    gate = _WriterGate.of(sqlite_db.url)
    with sqlite_db.uow() as session:
        assert not gate.locked()  # nothing executed yet: no transaction, no gate
        session.execute(text("SELECT 1"))
        assert gate.locked()
    assert not gate.locked()  # released once the commit is through
    with sqlite_db.read() as session:
        session.execute(text("SELECT 1"))
        assert not gate.locked()  # readers never take it


def test_a_failed_unit_of_work_releases_the_gate(sqlite_db: Database) -> None:
    gate = _WriterGate.of(sqlite_db.url)
    with pytest.raises(RuntimeError), sqlite_db.uow() as session:
        session.execute(text("SELECT 1"))
        raise RuntimeError("the work failed")
    assert not gate.locked()


def test_every_database_object_of_one_file_shares_its_gate(sqlite_db: Database) -> None:
    other = Database(sqlite_db.url)
    try:
        assert _WriterGate.of(other.url) is _WriterGate.of(sqlite_db.url)
    finally:
        other.dispose()


def test_a_second_writer_waits_at_the_gate_and_starts_when_the_first_commits(sqlite_db: Database) -> None:
    gate = _WriterGate.of(sqlite_db.url)
    first_in, second_started, second_done = threading.Event(), threading.Event(), threading.Event()
    order: list[str] = []

    def second() -> None:
        first_in.wait(5)
        second_started.set()
        with sqlite_db.uow() as session:
            session.execute(text("SELECT 1"))
            order.append("second")
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with sqlite_db.uow() as session:
        session.execute(text("SELECT 1"))
        first_in.set()
        second_started.wait(5)
        assert not second_done.wait(0.2)  # it waits while this transaction is open
        order.append("first")
    assert second_done.wait(5)
    thread.join(5)
    assert order == ["first", "second"] and not gate.locked()


def test_a_writer_of_another_process_holds_the_gate_until_it_commits(sqlite_db: Database) -> None:
    """Another process's unit of work (the ingest writer process, a CLI command) takes the file's lock file: this
    process's gate waits for it instead of entering SQLite's busy handler, and gets the file once it commits."""
    import subprocess
    import sys
    import time

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from sqlalchemy import text\n"
            "from rtcc.core.db import Database\n"
            "db = Database(sys.argv[1])\n"
            "with db.uow() as s:\n"
            "    s.execute(text('SELECT 1'))\n"
            "    print('holding', flush=True)\n"
            "    time.sleep(1.0)\n"
            "print('committed', flush=True)\n",
            sqlite_db.url,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        gate = _WriterGate.of(sqlite_db.url)
        assert not gate.acquire(timeout=0.2)  # the other process holds the file
        assert not gate.locked()  # a timed-out wait leaves nothing held in this process
        started = time.monotonic()
        with sqlite_db.uow() as session:
            session.execute(text("SELECT 1"))
            waited = time.monotonic() - started
        assert holder.stdout.readline().strip() == "committed"
        assert 0.3 < waited < 5.0  # it waited for the other process's commit, not for a busy-handler back-off
    finally:
        holder.wait(10)
