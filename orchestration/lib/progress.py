"""What the ``bondhedge_progress`` Dagster logger does: short lines on a terminal, every record
in a file (the logger itself is wired in ``orchestration/defs/execution.py``).

Only ``make run`` (orchestration/run.py) configures it; runs launched from the UI keep Dagster's
console logger. It reads Dagster's structured events (step start/success/failure, failed
checks) off each record, and the landing step's per-series messages, and draws the dbt step's
progress bar from the ``dbt progress N/M`` lines the dbt asset logs.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TextIO

STEP_LABELS = {
    "land_raw_series": "land raw series",
    "bondhedge_dbt_models": "dbt build (seeds, models, tests)",
    "mart_pandera_checks": "pandera checks on the marts",
    "published__bondhedge": "publish the read-only file",
    "reports__hedge_report": "write the hedge report",
}

#: where progress lines go; set by orchestration.run to the terminal it started on
terminal: TextIO | None = None
#: open log files by path: Dagster may close a logger's handlers between contexts of one run
_files: dict[str, TextIO] = {}


def log_stream(path: Path) -> TextIO:
    key = str(path)
    if key not in _files or _files[key].closed:
        _files[key] = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
    return _files[key]


def close_logs() -> None:
    for stream in _files.values():
        stream.close()
    _files.clear()


class _Progress(logging.Handler):
    """Turns Dagster log records into short terminal lines; writes every record to the log."""

    def __init__(self, log_file: Path | None, series_total: int) -> None:
        super().__init__(logging.DEBUG)
        self.log_file = log_file
        self.series_total = series_total
        self.series_done = 0
        self.started: dict[str, float] = {}
        self.failed_checks: list[str] = []

    def _say(self, text: str, end: str = "\n") -> None:
        out = terminal or sys.stderr
        out.write(text + end)
        out.flush()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        if self.log_file:
            stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
            log_stream(self.log_file).write(
                f"{stamp} {record.levelname:<7} {record.getMessage()}\n"
            )
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        message = meta.get("orig_message") or record.getMessage()
        if event is None:
            self._user_message(step, message, record.levelno)
            return
        kind = event.event_type_value
        label = STEP_LABELS.get(step, step)
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            self._say(f"▸ {label} …")
        elif kind == "STEP_SUCCESS":
            took = time.monotonic() - self.started.get(step, time.monotonic())
            self._say(f"✓ {label} ({took:.1f} s)")
        elif kind == "STEP_FAILURE":
            self._say(f"✗ {label} FAILED: {_first_line(message)}")
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            evaluation = getattr(data, "asset_check_evaluation", data)
            if evaluation is not None and not getattr(evaluation, "passed", True):
                name = f"{evaluation.check_name} on {evaluation.asset_key.to_user_string()}"
                self.failed_checks.append(name)
                why = getattr(evaluation, "description", None)
                self._say(f"  ! check failed: {name}" + (f": {_first_line(why)}" if why else ""))

    def _user_message(self, step: str, message: str, level: int) -> None:
        if step == "land_raw_series" and ": " in message:
            self.series_done += 1
            mark = "!" if level >= logging.WARNING else " "
            width = len(str(self.series_total))
            self._say(f"  {mark}[{self.series_done:>{width}}/{self.series_total}] {message}")
        elif message.startswith("dbt progress "):
            done, total = (int(x) for x in message.split()[2].split("/"))
            self._say("  " + _bar(done, total), end="\r" if _is_tty() and done < total else "\n")
        elif level >= logging.WARNING:
            self._say(f"  ! {_first_line(message)}")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else ""


def _bar(done: int, total: int, width: int = 30) -> str:
    filled = round(width * done / total) if total else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} dbt nodes"


def _is_tty() -> bool:
    out = terminal or sys.stderr
    return hasattr(out, "isatty") and out.isatty()


def progress_logger(log_file: Path | None) -> logging.Logger:
    """A logger whose handler prints progress lines and appends every record to ``log_file``."""
    from ingestion.catalog import load_catalog

    logger = logging.Logger("bondhedge_progress", logging.DEBUG)
    logger.addHandler(_Progress(log_file, len(load_catalog())))
    return logger
