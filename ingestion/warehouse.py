"""The raw landing zone in the working DuckDB warehouse.

``raw.observations`` is one long table keyed by (series_id, observation_date). Each series is
upserted in its own transaction, so a failure leaves that series exactly as it was and never
touches the others. A revised value replaces the old one and the old one is kept in
``raw.revisions``; ``raw.load_log`` records every attempt. A warehouse is bound to one source
(``raw.warehouse_meta``): sample and market data never mix in one file.

DuckDB allows a single writer process. :func:`open_warehouse` takes an exclusive advisory lock
on ``<file>.lock`` first, so a second writer waits (up to a timeout) and then fails with a
clear message instead of a lock error deep inside DuckDB.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

DDL = """
create schema if not exists raw;
create table if not exists raw.observations (
    series_id        varchar   not null,
    observation_date date      not null,
    value            double,
    source           varchar   not null,
    run_id           varchar   not null,
    loaded_at        timestamp not null,
    primary key (series_id, observation_date)
);
create table if not exists raw.revisions (
    series_id        varchar   not null,
    observation_date date      not null,
    old_value        double,
    new_value        double,
    old_run_id       varchar,
    run_id           varchar   not null,
    revised_at       timestamp not null
);
create table if not exists raw.load_log (
    run_id           varchar   not null,
    series_id        varchar   not null,
    source           varchar   not null,
    requested_start  date,
    requested_end    date,
    rows_fetched     integer,
    rows_inserted    integer,
    rows_updated     integer,
    rows_unchanged   integer,
    status           varchar   not null,
    error            varchar,
    started_at       timestamp not null,
    finished_at      timestamp not null
);
create table if not exists raw.warehouse_meta (
    key   varchar primary key,
    value varchar not null
);
"""


class WarehouseBusy(RuntimeError):
    """Another process holds the writer lock on this warehouse."""


class SourceMismatch(RuntimeError):
    """The warehouse already holds data from a different source."""


@dataclass(frozen=True)
class UpsertCounts:
    fetched: int
    inserted: int
    updated: int
    unchanged: int


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def writer_lock(path: Path, timeout_seconds: float = 600.0) -> Iterator[None]:
    """Hold the exclusive writer lock for ``path`` (a sibling ``.lock`` file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout_seconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"warehouse {path} is being written by another run (lock {lock_path} "
                        f"held for more than {timeout_seconds:g}s); try again when it finishes"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def open_warehouse(
    path: Path, *, lock_timeout_seconds: float = 600.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the warehouse, under the writer lock, schema ensured."""
    deadline = time.monotonic() + lock_timeout_seconds
    with writer_lock(path, lock_timeout_seconds):
        con = _connect_when_free(Path(path), deadline, lock_timeout_seconds)
        try:
            con.execute(DDL)
            yield con
        finally:
            con.close()


def _connect_when_free(
    path: Path, deadline: float, timeout_seconds: float
) -> duckdb.DuckDBPyConnection:
    """Connect read-write, waiting while a process outside the writer lock holds the file.

    Such a process is the orphan of a killed run: kill -9 of the run's process releases the
    writer lock but not its `dbt build` child, which keeps DuckDB's own file lock until it
    exits. Waiting for it (up to the lock timeout) beats failing with DuckDB's lock error.
    """
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"warehouse {path} is held by another process outside the writer lock for "
                    f"more than {timeout_seconds:g}s (a dbt left behind by a killed run?): {exc}"
                ) from None
            time.sleep(0.5)


def bind_source(con: duckdb.DuckDBPyConnection, source_name: str, path: Path | str = "") -> None:
    """Record the warehouse's source on first load; refuse a different one later."""
    row = con.execute("select value from raw.warehouse_meta where key = 'source'").fetchone()
    if row is None:
        con.execute(
            "insert into raw.warehouse_meta values ('source', ?), ('created_at', ?)",
            [source_name, _utcnow().isoformat(timespec="seconds")],
        )
        return
    if row[0] != source_name:
        raise SourceMismatch(
            f"warehouse {path} holds data from source {row[0]!r}; refusing to load "
            f"{source_name!r} into it (sources never mix in one file). Point "
            f"BONDHEDGE_WAREHOUSE at another file, or delete {path} to start over."
        )


def bound_source(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("select value from raw.warehouse_meta where key = 'source'").fetchone()
    return row[0] if row else None


def last_stored_date(con: duckdb.DuckDBPyConnection, series_id: str) -> date | None:
    row = con.execute(
        "select max(observation_date) from raw.observations where series_id = ?", [series_id]
    ).fetchone()
    return row[0] if row else None


def upsert_series(
    con: duckdb.DuckDBPyConnection,
    series_id: str,
    frame: pl.DataFrame,
    *,
    source: str,
    run_id: str,
) -> UpsertCounts:
    """Insert new dates, replace revised values (keeping the old one), all or nothing."""
    now = _utcnow()
    incoming = frame.select("observation_date", "value")  # noqa: F841 - read by DuckDB below
    con.execute("begin transaction")
    try:
        con.execute(
            "create or replace temp table _incoming as "
            "select ?::varchar as series_id, observation_date, value from incoming",
            [series_id],
        )
        inserted, updated, unchanged = con.execute(
            """
            select
                count(*) filter (where o.series_id is null),
                count(*) filter (where o.series_id is not null
                                   and o.value is distinct from i.value),
                count(*) filter (where o.series_id is not null
                                   and o.value is not distinct from i.value)
            from _incoming i
            left join raw.observations o
              on o.series_id = i.series_id and o.observation_date = i.observation_date
            """
        ).fetchone()
        if updated:
            con.execute(
                """
                insert into raw.revisions
                select o.series_id, o.observation_date, o.value, i.value, o.run_id, ?, ?
                from _incoming i
                join raw.observations o
                  on o.series_id = i.series_id and o.observation_date = i.observation_date
                where o.value is distinct from i.value
                """,
                [run_id, now],
            )
        con.execute(
            """
            insert into raw.observations
            select series_id, observation_date, value, ?, ?, ?
            from _incoming
            on conflict (series_id, observation_date) do update
                set value = excluded.value,
                    source = excluded.source,
                    run_id = excluded.run_id,
                    loaded_at = excluded.loaded_at
                where raw.observations.value is distinct from excluded.value
            """,
            [source, run_id, now],
        )
        con.execute("drop table _incoming")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return UpsertCounts(frame.height, inserted, updated, unchanged)


def log_load(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    series_id: str,
    source: str,
    requested_start: date | None,
    requested_end: date | None,
    counts: UpsertCounts | None,
    status: str,
    error: str | None,
    started_at: datetime,
) -> None:
    con.execute(
        "insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            series_id,
            source,
            requested_start,
            requested_end,
            counts.fetched if counts else None,
            counts.inserted if counts else None,
            counts.updated if counts else None,
            counts.unchanged if counts else None,
            status,
            error,
            started_at,
            _utcnow(),
        ],
    )
