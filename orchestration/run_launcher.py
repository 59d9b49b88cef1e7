"""The instance's run launcher and the writer pool's upkeep (named in ``dagster.yaml``).

DuckDB takes one writer process, so every writing step claims the ``duckdb_writer`` pool
(limit 1) and the instance runs one run at a time. A run killed mid-step would hold both
forever; the helpers here find such runs from the instance's own records, fail them and free
their slots, both from the next run's resources and from the daemon's run monitoring.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import sqlalchemy
from dagster import DagsterEventType
from dagster._core.launcher import DefaultRunLauncher
from dagster._core.launcher.base import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.event_log import SqliteEventLogStorage

from ingestion.warehouse import writer_lock

#: the Dagster pool every step that writes the working warehouse claims (limit 1: DuckDB takes
#: one writer process)
WRITER_POOL = "duckdb_writer"


#: SQLite trigger on Dagster's pool slots table: a slot that has a holder cannot be given to
#: another step (the update is ignored, so Dagster reads the claim as blocked and retries it)
ONE_HOLDER_TRIGGER = "bondhedge_one_holder_per_slot"
_ONE_HOLDER_SQL = f"""
CREATE TRIGGER IF NOT EXISTS {ONE_HOLDER_TRIGGER}
BEFORE UPDATE OF step_key ON concurrency_slots
WHEN OLD.step_key IS NOT NULL AND NEW.step_key IS NOT NULL
BEGIN SELECT RAISE(IGNORE); END
"""


def ensure_writer_pool(instance: dg.DagsterInstance) -> None:
    """Create the writer pool (at the instance's default limit) so that one step holds it.

    Two races in Dagster's SQLite storage let two runs that start together both write:

    * it creates a pool lazily, at the first claim, by counting its slots and adding the missing
      ones; two runs claiming at once on an instance that has never seen the pool both count
      zero and both add a slot. The warehouse's own file lock, on a file in the instance
      directory, makes the creation happen once.
    * it claims a slot as a select of a free slot's id, then an update by id alone. Postgres
      locks the row in between (``FOR UPDATE SKIP LOCKED``); SQLite ignores that clause, so two
      runs can both read the slot as free and both take it (seen in CI: two landing steps
      started 3 ms apart). A trigger on the slots table ignores an update that would give a
      held slot a second holder; Dagster counts the ignored update as a blocked claim and
      retries the step, as it does for any blocked step. It is created (if missing) every run,
      so an instance migration that rebuilds the table gets it back.
    """
    storage = instance.event_log_storage
    if not getattr(storage, "supports_global_concurrency_limits", False):
        return
    root = getattr(instance, "root_directory", None)
    if not root or not Path(root).is_dir():
        return  # an ephemeral instance lives in one process: no race
    with writer_lock(Path(root) / "writer_pool", timeout_seconds=60):
        if WRITER_POOL not in storage.get_concurrency_keys():
            storage.initialize_concurrency_limit_to_default(WRITER_POOL)
        if isinstance(storage, SqliteEventLogStorage):
            with storage.index_connection() as conn:
                conn.execute(sqlalchemy.text(_ONE_HOLDER_SQL))


#: run statuses whose process should be alive (a killed run stays in one of them forever)
_LIVE_STATUSES = (dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED)


def dead_run_pid(instance: dg.DagsterInstance, record) -> int | None:
    """The pid of a run whose process is gone (kill -9, OOM), or None if it may be alive.

    The pid comes from the run's own RUN_START event (the process that executes its steps,
    whichever way it was launched: UI, schedule, queue or ``dagster job execute``). A run counts
    as dead only when that process no longer exists on this machine, is a zombie, or is a newer
    process that reused the pid.
    """
    if record is None or record.dagster_run.status not in _LIVE_STATUSES:
        return None
    starts = instance.all_logs(record.dagster_run.run_id, of_type=DagsterEventType.RUN_START)
    pid = starts[-1].dagster_event.pid if starts and starts[-1].dagster_event else None
    began = record.start_time or record.create_timestamp.timestamp()
    if pid is None or _process_alive(pid, began):
        return None
    return pid


def dead_run_message(run_id: str, pid: int, by: str) -> str:
    return (
        f"run {run_id}: its process {pid} is gone (killed or crashed), so the run can never "
        f"finish; marked failed by {by} so that it no longer holds the run queue or the "
        f"{WRITER_POOL} pool. Relaunch it if its work is still wanted."
    )


def release_slots_of_dead_runs(
    instance: dg.DagsterInstance, current_run_id: str, log=None
) -> list[str]:
    """Fail every run whose process died (in any step), and free the pool slots it held.

    Dagster frees a run's slots and its place in the run queue when the run ends; a run killed
    mid-step never ends, so without this every later run waits forever ("Step blocked by limit
    for pool duckdb_writer", or "Maximum is 1, won't launch more" in the queue). Candidates are
    every STARTING/STARTED run in the instance's own run records, not only the slot holders: a
    run killed in a step outside the pool (the report) holds the queue just the same. The
    daemon does the same through :class:`BondhedgeRunLauncher` for runs still queued.
    """
    records = instance.get_run_records(filters=dg.RunsFilter(statuses=list(_LIVE_STATUSES)))
    dead = {r.dagster_run.run_id for r in records if r.dagster_run.run_id != current_run_id}
    released = []
    for record in records:
        run_id = record.dagster_run.run_id
        if run_id not in dead:
            continue
        pid = dead_run_pid(instance, record)
        if pid is None:
            dead.discard(run_id)
            continue
        instance.report_run_failed(
            record.dagster_run, dead_run_message(run_id, pid, f"run {current_run_id}")
        )
        if log is not None:
            log.warning(f"failed dead run {run_id} (process {pid} is gone)")
    storage = instance.event_log_storage
    if getattr(storage, "supports_global_concurrency_limits", False):
        holders: set[str] = set()
        for key in storage.get_concurrency_keys():
            info = storage.get_concurrency_info(key)
            holders |= {s.run_id for s in info.claimed_slots}
            holders |= {p.run_id for p in info.pending_steps}
        for run_id in sorted(holders - {current_run_id}):
            record = instance.get_run_record_by_id(run_id)
            if record is not None and not record.dagster_run.is_finished:
                continue  # alive: its slots are its own
            storage.free_concurrency_slots_for_run(run_id)
            released.append(run_id)
            if log is not None:
                log.warning(f"released the pool slots of dead run {run_id}")
    return released


class BondhedgeRunLauncher(DefaultRunLauncher):
    """Dagster's default launcher, plus a worker health check the daemon's run monitoring uses.

    The default launcher has none, so run monitoring (``run_monitoring`` in dagster.yaml) cannot
    see that a run's process was killed, and with ``max_concurrent_runs: 1`` every queued and
    scheduled run waits behind the dead one forever. This check reads the run's pid from its
    own records (:func:`dead_run_pid`), so it covers runs launched any way, in any step.
    """

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        if not self.has_instance:
            return CheckRunHealthResult(WorkerStatus.UNKNOWN)
        instance = self._instance
        pid = dead_run_pid(instance, instance.get_run_record_by_id(run.run_id))
        if pid is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(
            WorkerStatus.FAILED, dead_run_message(run.run_id, pid, "the daemon's run monitoring")
        )


def _process_alive(pid: int, run_started: float) -> bool:
    """Whether ``pid`` is a live process that was already running when the run started."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # Linux: state and start time (clock ticks after boot) from /proc
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, IndexError, ValueError):
        return True  # cannot tell: never fail a run that may be alive
    if fields[0] in ("Z", "X"):
        return False
    started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return started <= run_started + 1.0
