"""The instance's SQLite event log keeps its connections, and loses or hides nothing for it.

Real instances from the repository's ``dagster.yaml`` under temporary homes, real Dagster
materializations and Dagster's stock SQLite storage as the independent reader and writer.
Connections are counted where SQLite opens them (SQLAlchemy's ``connect`` event, naming the
file with ``PRAGMA database_list``): Dagster's own SQLite event log opens a run's file for every
event it writes.
"""

import threading
import time
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage

from orchestration.instance import BondhedgeInstance
from orchestration.instance_storage import KEPT_RUN_FILES, KeptConnectionSqliteEventLogStorage


@pytest.fixture
def home(instance_home: Path) -> Path:
    return instance_home


@pytest.fixture
def opened_files():
    """How many times each SQLite file was opened while the test ran."""
    counts: Counter[str] = Counter()

    def on_connect(dbapi_connection, _record):
        for _seq, _name, path in dbapi_connection.execute("PRAGMA database_list").fetchall():
            if path:
                counts[Path(path).name] += 1

    sa.event.listen(sa.engine.Engine, "connect", on_connect)
    yield counts
    sa.event.remove(sa.engine.Engine, "connect", on_connect)


@dg.asset
def numbers(context: dg.AssetExecutionContext) -> list[int]:
    for i in range(20):
        context.log.info(f"step {i}")
    return list(range(10))


@dg.asset_check(asset=numbers)
def numbers_are_ten(numbers: list[int]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=len(numbers) == 10)


def entry(run_id: str, text: str) -> EventLogEntry:
    return EventLogEntry(
        error_info=None, level=20, user_message=text, run_id=run_id, timestamp=time.time()
    )


def messages(storage, run_id: str) -> list[str]:
    return [e.user_message for e in storage.get_logs_for_run(run_id)]


def test_the_instance_stores_in_its_own_directory_on_kept_connections(
    home, tmp_path, monkeypatch, opened_files
):
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("DAGSTER_HOME", str(elsewhere))  # must not be read
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance, BondhedgeInstance)
        assert isinstance(instance.event_log_storage, KeptConnectionSqliteEventLogStorage)
        first = dg.materialize([numbers, numbers_are_ten], instance=instance)
        assert first.success
        opened_files.clear()  # the databases exist: what does a second run open?
        result = dg.materialize([numbers, numbers_are_ten], instance=instance)
        assert result.success
        run_id = result.run_id
        events = instance.all_logs(run_id)
        assert len(events) >= 30
        materialized = instance.fetch_materializations(numbers.key, limit=1).records
        assert [r.run_id for r in materialized] == [run_id]
        check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [numbers_are_ten.check_key]
        )[numbers_are_ten.check_key]
        assert check.run_id == run_id
    # Dagster's layout under the instance's own directory, nothing under DAGSTER_HOME
    assert (home / "history" / "runs" / f"{run_id}.db").exists()
    assert not elsewhere.exists()
    # the new run's event file is opened when it is created, then kept for its ~40 events; the
    # index and runs files stay open from the first run (Dagster's storage opens a file for
    # every statement: 46 times the run's file, 18 the index, 18 the runs file for this run)
    assert opened_files[f"{run_id}.db"] <= 2, opened_files
    assert opened_files.keys() <= {f"{run_id}.db"}, opened_files
    # and Dagster's stock storage reads back every event
    stock = SqliteEventLogStorage(str(home / "history" / "runs"))
    assert len(stock.get_logs_for_run(run_id)) == len(events)


def test_writes_through_another_connection_are_seen_at_once_both_ways(home):
    runs = str(home / "history" / "runs")
    kept = KeptConnectionSqliteEventLogStorage(runs)
    stock = SqliteEventLogStorage(runs)  # another connection each time: another process's view
    for i in range(5):
        kept.store_event(entry("r", f"kept {i}"))
        assert messages(stock, "r")[-1] == f"kept {i}"
        stock.store_event(entry("r", f"stock {i}"))
        assert messages(kept, "r")[-1] == f"stock {i}"  # no snapshot held between calls
    assert len(messages(kept, "r")) == 10


def test_threads_share_the_kept_connection_without_losing_a_write(home):
    storage = KeptConnectionSqliteEventLogStorage(str(home / "history" / "runs"))

    def write(t: int) -> None:
        for i in range(50):
            storage.store_event(entry("r", f"{t}:{i}"))

    threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = messages(storage, "r")
    assert sorted(stored) == sorted(f"{t}:{i}" for t in range(4) for i in range(50))


def test_only_recent_run_files_stay_open_and_a_wipe_closes_them(home):
    storage = KeptConnectionSqliteEventLogStorage(str(home / "history" / "runs"))
    for r in range(10):
        storage.store_event(entry(f"run{r}", "hello"))
    open_runs = [s for s in storage._engines if s != "index"]
    assert open_runs == [f"run{r}" for r in range(10 - KEPT_RUN_FILES, 10)]
    assert messages(storage, "run0") == ["hello"]  # a closed file opens again
    storage.wipe()
    assert set(storage._engines) <= {"index"}  # the run files' connections closed first
    assert not (home / "history" / "runs" / "run0.db").exists()
    storage.store_event(entry("run0", "again"))
    assert messages(storage, "run0") == ["again"]
    storage.dispose()
    assert storage._engines == {}
