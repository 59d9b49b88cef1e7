"""The raw landing zone in the working DuckDB warehouse.

``raw.observations`` is one long table keyed by (series_id, observation_date). A landing
upserts either each series in its own transaction (:func:`upsert_series`) or all of them in
one (:func:`upsert_many`); either way a failed write leaves what it covered exactly as it was.
A revised value replaces the old one and the old one is kept in ``raw.revisions``;
``raw.load_log`` records every attempt. A warehouse is bound to one source
(``raw.warehouse_meta``): sample and market data never mix in one file.

DuckDB allows a single writer process. :func:`open_warehouse` takes an exclusive advisory lock
on ``<file>.lock`` first, so a second writer waits (up to a timeout) and then fails with a
clear message instead of a lock error deep inside DuckDB.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping
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


log = logging.getLogger(__name__)

#: how DuckDB reports that another process holds the file (the one error worth waiting out)
_LOCK_CONFLICT = re.compile(
    r'Could not set lock on file "(?P<file>[^"]*)": Conflicting lock is held in '
    r"(?P<program>.*?) \(PID (?P<pid>\d+)\)"
)
#: how often the wait for a process holding the file is logged again
_HOLDER_LOG_EVERY_SECONDS = 60.0
READER_FIX = (
    "if it is a reader (a notebook, a BI tool, the duckdb CLI), close it: readers belong on "
    "the published file (data/published/bondhedge*.duckdb, or BONDHEDGE_PUBLISHED), opened "
    "read_only, which the pipeline never blocks on; if it is a dbt left behind by a killed "
    "run, it exits when its build ends (or kill it)"
)


class WarehouseBusy(RuntimeError):
    """Another process holds the writer lock on this warehouse."""


class WarehouseDamaged(RuntimeError):
    """The working warehouse cannot be opened for a reason waiting will not fix (corruption)."""


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


def ensure_folder(path: Path, setting: str) -> None:
    """Create ``path``'s folder, or fail naming the setting and what is in the way."""
    if path.exists() and path.is_dir():
        raise ValueError(f"{setting} {path} is a folder; it must name a file, e.g. {path}/x.duckdb")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), path.parent)
        raise ValueError(
            f"{setting} {path} cannot be used: {blocker} is a file, not a folder; point the "
            "setting at a file inside a folder"
        ) from None
    except PermissionError as exc:
        raise ValueError(f"{setting} {path}: cannot create its folder ({exc})") from None


@contextmanager
def writer_lock(path: Path, timeout_seconds: float = 600.0) -> Iterator[None]:
    """Hold the exclusive writer lock for ``path`` (a sibling ``.lock`` file)."""
    path = Path(path)
    ensure_folder(path, "warehouse path (BONDHEDGE_WAREHOUSE, or the warehouse resource's path)")
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
        # from here on the WAL holds this writer's changes (raw data), never set aside
        build_marker(path).unlink(missing_ok=True)
        try:
            con.execute(DDL)
            yield con
        finally:
            con.close()


def _connect_when_free(
    path: Path, deadline: float, timeout_seconds: float
) -> duckdb.DuckDBPyConnection:
    """Connect read-write, waiting while a process outside the writer lock holds the file.

    Such a process is a reader someone left open on the working file, or the orphan of a
    killed run (kill -9 of the run's process releases the writer lock but not its `dbt build`
    child, which keeps DuckDB's own file lock until it exits). Only DuckDB's lock conflict is
    waited out (recognized by its shape, with the holder's pid), and the holder is named in a
    log line at once; any other error (a corrupt file) fails at once with the recovery.
    """
    logged_at: float | None = None
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.InternalException as exc:
            if not _set_aside_unreplayable_build_wal(path, exc):
                raise damaged(path, exc) from None
        except duckdb.IOException as exc:
            holder = lock_holder(exc)
            if holder is None:
                raise damaged(path, exc) from None
            now = time.monotonic()
            who = f"process {holder[1]} ({_cmdline(holder[1]) or holder[0]})"
            if now >= deadline:
                raise WarehouseBusy(
                    f"warehouse {path} is held open by {who}, outside the pipeline's writer "
                    f"lock, for more than {timeout_seconds:g}s; {READER_FIX}"
                ) from None
            if logged_at is None or now - logged_at >= _HOLDER_LOG_EVERY_SECONDS:
                log.warning(
                    "warehouse %s is held open by %s; waiting up to %.0fs more for it: %s",
                    path,
                    who,
                    deadline - now,
                    READER_FIX,
                )
                logged_at = now
            time.sleep(0.5)


def build_marker(path: Path) -> Path:
    """Present while a dbt build writes the warehouse (see :func:`derived_build`)."""
    return Path(f"{path}.dbt-building")


@contextmanager
def derived_build(path: Path, *, lock_timeout_seconds: float = 600.0) -> Iterator[None]:
    """Checkpoint the warehouse, then mark that what follows writes only derived tables.

    The caller holds the writer lock. After the checkpoint every change the write-ahead log
    can hold is the build's own (rebuildable from raw), so if the build is killed and DuckDB
    then cannot replay that log (a DuckDB bug: "Failure while replaying WAL ...
    GetDefaultDatabase with no default database set", duckdb#19712/#20543/#22124, hit after a
    kill -9 of `dbt build`), :func:`_connect_when_free` may set the log aside and reopen the
    file at the checkpoint: raw data and the last complete build are intact.
    """
    deadline = time.monotonic() + lock_timeout_seconds
    con = _connect_when_free(Path(path), deadline, lock_timeout_seconds)
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    marker = build_marker(path)
    marker.write_text(f"{os.getpid()}\n")
    try:
        yield
    finally:  # not reached on kill -9: then the marker says the WAL is the build's
        marker.unlink(missing_ok=True)


def _set_aside_unreplayable_build_wal(path: Path, exc: BaseException) -> bool:
    """Move aside the WAL of a killed dbt build that DuckDB cannot replay; True if done."""
    wal = Path(f"{path}.wal")
    marker = build_marker(path)
    if "replaying WAL" not in str(exc) or not marker.exists() or not wal.exists():
        return False
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    kept = wal.with_name(f"{wal.name}.unreplayable-{stamp}")
    os.replace(wal, kept)
    marker.unlink(missing_ok=True)
    log.warning(
        "warehouse %s: the write-ahead log of a dbt build that was killed could not be "
        "replayed by DuckDB (%s); it held only that build's derived tables (the file was "
        "checkpointed before the build), so it was moved to %s and the warehouse reopened at "
        "that checkpoint. Raw data and the last complete build are intact; this run's dbt "
        "build recomputes the rest.",
        path,
        str(exc).splitlines()[0][:160],
        kept,
    )
    return True


def lock_holder(exc: BaseException) -> tuple[str, int] | None:
    """(program, pid) of the process holding the file, if ``exc`` is DuckDB's lock conflict."""
    if not isinstance(exc, duckdb.IOException):
        return None
    match = _LOCK_CONFLICT.search(str(exc))
    return (match["program"], int(match["pid"])) if match else None


def damaged(path: Path, exc: BaseException) -> WarehouseDamaged:
    return WarehouseDamaged(
        f"warehouse {path} cannot be opened ({exc}); waiting would not help. If the file is "
        f"damaged, move it aside (mv '{path}' '{path}.damaged') and rerun: the pipeline "
        "rebuilds the working warehouse from the raw sources (full history refetched). The "
        "published file BI tools read is untouched and stays the last good one."
    )


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    text = " ".join(raw.decode(errors="replace").split("\0")).strip()
    return text if len(text) <= 200 else text[:200] + "…"


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
    return upsert_many(con, {series_id: frame}, source=source, run_id=run_id)[series_id]


def upsert_many(
    con: duckdb.DuckDBPyConnection,
    frames: Mapping[str, pl.DataFrame],
    *,
    source: str,
    run_id: str,
) -> dict[str, UpsertCounts]:
    """:func:`upsert_series` for many series in one transaction: all of them or none.

    The frames are stacked into one Arrow table and compared with what is stored in a single
    join; new rows are appended with a plain insert and revised ones updated in place (the old
    value copied to ``raw.revisions`` first), so the cost is one pass over the batch and the
    stored rows of its series instead of one transaction, join and conflict check per series.
    Each frame must already be valid (unique dates): validation happens before, per series.
    """
    if not frames:
        return {}
    now = _utcnow()
    batch = pl.concat(  # noqa: F841 - read by DuckDB below
        [
            f.select(
                pl.lit(sid, pl.String).alias("series_id"),
                pl.col("observation_date").cast(pl.Date),
                pl.col("value").cast(pl.Float64),
            )
            for sid, f in frames.items()
        ],
        how="vertical",
    ).to_arrow()
    con.execute("begin transaction")
    try:
        # one join labels every incoming row: new (no stored row), changed, or unchanged
        con.execute(
            """
            create or replace temp table _incoming as
            select i.series_id, i.observation_date, i.value,
                   o.series_id is not null as is_stored,
                   o.value as old_value, o.run_id as old_run_id
            from batch i
            left join (
                -- a constant range lets DuckDB skip the row groups of other series (zonemaps)
                select * from raw.observations where series_id between ? and ?
            ) o
              on o.series_id = i.series_id and o.observation_date = i.observation_date
            """,
            [min(frames), max(frames)],
        )
        counted = con.execute(
            """
            select series_id,
                   count(*) filter (where not is_stored),
                   count(*) filter (where is_stored and old_value is distinct from value),
                   count(*) filter (where is_stored and old_value is not distinct from value)
            from _incoming group by series_id
            """
        ).fetchall()
        if any(updated for _, _, updated, _ in counted):
            con.execute(
                """
                insert into raw.revisions
                select series_id, observation_date, old_value, value, old_run_id, ?, ?
                from _incoming
                where is_stored and old_value is distinct from value
                """,
                [run_id, now],
            )
            con.execute(
                """
                update raw.observations as o
                set value = i.value, source = ?, run_id = ?, loaded_at = ?
                from _incoming i
                where o.series_id = i.series_id and o.observation_date = i.observation_date
                  and i.is_stored and i.old_value is distinct from i.value
                """,
                [source, run_id, now],
            )
        con.execute(
            """
            insert into raw.observations
            select series_id, observation_date, value, ?, ?, ?
            from _incoming where not is_stored
            order by series_id, observation_date
            """,
            [source, run_id, now],
        )
        con.execute("drop table _incoming")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    by_id = {sid: (ins, upd, same) for sid, ins, upd, same in counted}
    return {sid: UpsertCounts(f.height, *by_id.get(sid, (0, 0, 0))) for sid, f in frames.items()}


def stored_stats(
    con: duckdb.DuckDBPyConnection, series_ids: Iterable[str]
) -> dict[str, tuple[date | None, date | None, int, float | None]]:
    """(first date, last date, rows, last non-null value) per stored series, in one scan."""
    ids = sorted(set(series_ids))
    if not ids:
        return {}
    rows = con.execute(
        """select series_id, min(observation_date), max(observation_date), count(*),
                  arg_max(value, observation_date) filter (where value is not null)
           from raw.observations
           where series_id between ? and ? and series_id in (select unnest(?::varchar[]))
           group by series_id""",
        [ids[0], ids[-1], ids],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def last_stored_dates(
    con: duckdb.DuckDBPyConnection, series_ids: Iterable[str]
) -> dict[str, date | None]:
    """:func:`last_stored_date` for many series in one scan (None where nothing is stored)."""
    ids = list(series_ids)
    stats = stored_stats(con, ids)
    return {sid: stats[sid][1] if sid in stats else None for sid in ids}


#: raw.load_log's columns, in order, as polars types (for :func:`log_loads`)
_LOAD_LOG_SCHEMA = {
    "run_id": pl.String,
    "series_id": pl.String,
    "source": pl.String,
    "requested_start": pl.Date,
    "requested_end": pl.Date,
    "rows_fetched": pl.Int32,
    "rows_inserted": pl.Int32,
    "rows_updated": pl.Int32,
    "rows_unchanged": pl.Int32,
    "status": pl.String,
    "error": pl.String,
    "started_at": pl.Datetime("us"),
    "finished_at": pl.Datetime("us"),
}


def log_loads(con: duckdb.DuckDBPyConnection, entries: list[dict]) -> None:
    """Many :func:`log_load` rows in one statement (one commit, not one per series)."""
    if not entries:
        return
    finished = _utcnow()
    rows = [
        (
            e["run_id"],
            e["series_id"],
            e["source"],
            e["requested_start"],
            e["requested_end"],
            *(
                (c.fetched, c.inserted, c.updated, c.unchanged)
                if (c := e["counts"])
                else (None, None, None, None)
            ),
            e["status"],
            e["error"],
            e["started_at"],
            finished,
        )
        for e in entries
    ]
    entries_frame = pl.DataFrame(  # noqa: F841 - read by DuckDB below
        rows,
        schema=_LOAD_LOG_SCHEMA,
        orient="row",
    )
    columns = ", ".join(_LOAD_LOG_SCHEMA)
    con.execute(f"insert into raw.load_log ({columns}) select {columns} from entries_frame")


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
