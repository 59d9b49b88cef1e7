"""``make run``: run a job quietly, one progress line per step, and end with the answer.

Everything Dagster, dbt and Python print (DEBUG events, dbt's log lines, warnings) goes to
``data/logs/run-<time>.log``; the terminal gets one line per step, one per series while
landing, a dbt progress bar, and a closing summary: status, duration, source, the headline
answer, the published file, the report and what to do next. ``VERBOSE=1`` (or ``--verbose``)
also prints the full Dagster log to the terminal.

The run is recorded in the Dagster instance ($DAGSTER_HOME) like any other, so ``make ui``
shows it. Progress comes from a Dagster logger (``bondhedge_progress``) that only this
command configures; runs launched from the UI keep Dagster's console logger.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import dagster as dg

from orchestration.lib import progress
from orchestration.lib.settings import DATA_DIR


def _redirect_output(log_file: Path) -> tuple[int, int]:
    """Point this process's stdout and stderr (fd 1 and 2) at the log; return the originals."""
    saved = os.dup(1), os.dup(2)
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    return saved


def _restore_output(saved: tuple[int, int]) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(saved[0], 1)
    os.dup2(saved[1], 2)
    os.close(saved[0])
    os.close(saved[1])


def _default_job() -> str:
    """``refresh_all``; on the dbt spark target (``make run TARGET=spark``), for now, the job of
    the models ported to Spark (schedules.SPARK_PORTED_JOB)."""
    from orchestration.defs.schedules import SPARK_PORTED_JOB
    from orchestration.lib.settings import dbt_target

    return SPARK_PORTED_JOB if dbt_target() == "spark" else "refresh_all"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.run", description=__doc__)
    parser.add_argument("--job", default=None, help="default: refresh_all (see _default_job)")
    parser.add_argument(
        "--verbose", action="store_true", default=os.environ.get("VERBOSE", "") not in ("", "0")
    )
    parser.add_argument("--log-dir", type=Path, default=DATA_DIR / "logs")
    args = parser.parse_args(argv)
    args.job = args.job or _default_job()

    args.log_dir.mkdir(parents=True, exist_ok=True)
    log_file = args.log_dir / f"run-{datetime.now():%Y%m%dT%H%M%S}.log"
    latest = args.log_dir / "latest.log"
    latest.unlink(missing_ok=True)
    latest.symlink_to(log_file.name)

    progress.terminal = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    loggers: dict = {"bondhedge_progress": {"config": {"log_file": str(log_file)}}}
    if args.verbose:
        loggers["console"] = {"config": {"log_level": "DEBUG"}}
    saved = None if args.verbose else _redirect_output(log_file)

    from orchestration.lib.run_summary import print_summary

    started = time.monotonic()
    error: BaseException | None = None
    result = None
    try:
        progress.terminal.write(f"bondhedge: running job {args.job} (full log: {log_file})\n")
        from dagster._core.definitions.reconstruct import ReconstructableRepository

        recon = ReconstructableRepository.for_module(
            "orchestration.definitions", "defs", working_directory=os.getcwd()
        ).get_reconstructable_job(args.job)
        with dg.DagsterInstance.get() as instance:
            result = dg.execute_job(
                recon,
                instance=instance,
                run_config={"loggers": loggers},
                tags={"bondhedge/launched_by": "make run"},
            )
    except Exception as exc:  # noqa: BLE001 - the summary names it; the log has the trace
        error = exc
        import traceback

        traceback.print_exc()
    finally:
        if saved:
            _restore_output(saved)
        progress.close_logs()
    return print_summary(
        progress.terminal, result, error, time.monotonic() - started, log_file, args.job
    )


if __name__ == "__main__":
    sys.exit(main())
