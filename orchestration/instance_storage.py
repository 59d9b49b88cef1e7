"""Dagster's SQLite storage, keeping its connections open between statements (issue 15).

Dagster's SQLite storages (runs, event logs, schedules) create an engine and open the database
file for every statement: every event of a run (about a thousand in a `make run`, most of them
dbt results and checks) pays for opening the file, reading its schema
and closing it. Measured here: 4.8 ms an event that way, 1.0 ms on a kept connection (same
insert, one commit each); a warm `make run` spends 19.4 s instead of 25.4 s outside dbt's
nodes (4 interleaved pairs; the closing note of issue 15 has the figures).

Here each database file keeps one engine whose pool holds one idle connection (a nested or
concurrent use gets another, closed when returned), so each statement group stays one
transaction and SQLite's locking still orders writers across processes. An idle connection is
outside any transaction and holds no snapshot: other processes' writes are seen at once. Of the
run-sharded event files only the most recently used stay open (:data:`KEPT_RUN_FILES`), so a
long-lived daemon or web server does not collect open files. Files, schema and everything else
are Dagster's own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.base_storage import DagsterStorage
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.schedules import SqliteScheduleStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine

#: run-sharded event files kept open at once besides the index (the running run's, and a few a
#: UI or daemon reads repeatedly); the least recently used one closes when another opens
KEPT_RUN_FILES = 4


def kept_engine(conn_string: str, **connect_args) -> Engine:
    """An engine that keeps one idle connection to the file (any thread may use it)."""
    return create_engine(
        conn_string,
        pool_size=1,
        max_overflow=16,
        connect_args={**connect_args, "check_same_thread": False},
    )


class _KeptConnection:
    """``connect()`` on a kept engine, for Dagster's one-file SQLite storages (runs, schedules)."""

    def __init__(self, conn_string: str, inst_data: ConfigurableClassData | None = None):
        super().__init__(conn_string, inst_data)
        self._kept = kept_engine(conn_string)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls.from_local(inst_data=inst_data, **config_value)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self._kept.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        super().dispose()
        self._kept.dispose()


class KeptConnectionSqliteRunStorage(_KeptConnection, SqliteRunStorage):
    """Dagster's SQLite run storage (``history/runs.db``) on a kept connection."""


class KeptConnectionSqliteScheduleStorage(_KeptConnection, SqliteScheduleStorage):
    """Dagster's SQLite schedule storage (``schedules/schedules.db``) on a kept connection."""


class KeptConnectionSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's run-sharded SQLite event log, one kept engine per database file."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)
        # reentrant: Dagster asks has_table() while it holds an index connection
        self._db_lock = threading.RLock()

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptConnectionSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, opened (its database created) on first use; under _db_lock."""
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = kept_engine(self.conn_string_for_shard(shard), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
        for old in runs[: max(len(runs) - KEPT_RUN_FILES, 0)]:
            self._engines.pop(old).dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def has_table(self, table_name: str) -> bool:
        """Whether the index has the table (asked for every asset event; a table stays)."""
        if table_name in self._tables:
            return True
        with self._db_lock:
            engine = self._engine(INDEX_SHARD_NAME)
            with engine.connect() as conn:  # another connection of the pool if one is in use
                found = bool(engine.dialect.has_table(conn, table_name))
        if found:
            self._tables.add(table_name)
        return found

    def _close_all(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_all()  # the run files are deleted: no connection may outlive them
        super().wipe()

    def upgrade(self) -> None:
        self._close_all()
        super().upgrade()

    def dispose(self) -> None:
        super().dispose()
        self._close_all()


class KeptConnectionSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage, same files, with the three storages above."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self.base_dir = base_dir
        self._run_storage = KeptConnectionSqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = KeptConnectionSqliteEventLogStorage(
            _event_logs_directory(base_dir)
        )
        self._schedule_storage = KeptConnectionSqliteScheduleStorage.from_local(
            _schedule_directory(base_dir)
        )
        self._inst_data = inst_data
        DagsterStorage.__init__(self)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptConnectionSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
