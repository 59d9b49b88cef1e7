"""How every job runs: one process, steps in order (DuckDB takes a single writer), and loggers.

The console logger stays the default; ``make run`` (orchestration/run.py) configures
``bondhedge_progress`` instead: short lines on the terminal, the full log in a file.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.lib.progress import progress_logger


@dg.logger(
    config_schema={"log_file": dg.Field(str, is_required=False)},
    description="Short progress lines on the terminal, the full log in a file (make run).",
)
def bondhedge_progress(init_context: dg.InitLoggerContext):
    log_file = init_context.logger_config.get("log_file")
    return progress_logger(Path(log_file) if log_file else None)


@dg.definitions
def execution() -> dg.Definitions:
    return dg.Definitions(
        executor=dg.in_process_executor,
        loggers={"console": dg.colored_console_logger, "bondhedge_progress": bondhedge_progress},
    )
