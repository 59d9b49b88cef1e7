"""The closing summary of ``make run``: status, duration, source, the answer, paths, next steps."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import duckdb

from orchestration.lib.headline import headline_answer
from orchestration.lib.settings import published_path

if TYPE_CHECKING:  # only for the annotation: this module imports no Dagster
    import dagster as dg

RULE = "─" * 72
NEXT_STEPS = (
    ("make answer", "the answer table, by era, regime and tenor"),
    ("make ui", "the Dagster UI: assets, checks, this run (http://127.0.0.1:3000)"),
    ("make bi", "Superset with the bondhedge dashboard (http://127.0.0.1:8088)"),
)


def _materialized_paths(result) -> dict[str, str]:
    """Paths this run published and reported, from its own materialization metadata."""
    found: dict[str, str] = {}
    if result is None:
        return found
    for event in result.get_asset_materialization_events():
        key = event.asset_key.to_user_string()
        meta = event.materialization.metadata
        for name in ("path", "html"):
            if name in meta:
                found[key] = str(meta[name].value)
    return found


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _source_line(data_source: str | None) -> str:
    if data_source == "sample":
        return (
            "source:    SYNTHETIC SAMPLE — generated data with planted regimes, NOT market data"
            " (real data: make run SOURCE=fred)"
        )
    return f"source:    {data_source or 'unknown'}"


def print_summary(
    out: TextIO,
    result: dg.ExecuteJobResult | None,
    error: BaseException | None,
    seconds: float,
    log_file: Path,
    job: str,
) -> int:
    """Print the summary; the exit status is 0 only for a successful run."""
    ok = error is None and result is not None and result.success
    paths = _materialized_paths(result)
    published = Path(paths.get("published/bondhedge") or published_path())
    run_id = result.run_id[:8] if result is not None else "-"
    out.write(f"\n{RULE}\n")
    out.write(
        f"bondhedge {job}: {'SUCCESS' if ok else 'FAILED'} in {_duration(seconds)}"
        f"  (Dagster run {run_id})\n"
    )
    if not ok:
        reason = str(error).splitlines()[0] if error else "a step failed (see above)"
        out.write(f"reason:    {reason}\n")
        out.write(f"full log:  {log_file}\n")
        if published.exists():
            out.write(f"the last good published file is unchanged: {published}\n")
    headline = None
    if published.exists():
        try:
            with duckdb.connect(str(published), read_only=True) as con:
                headline = headline_answer(con)
        except duckdb.Error as exc:
            out.write(f"(could not read {published}: {exc})\n")
    if headline is not None:
        out.write(_source_line(headline.data_source) + "\n")
        out.write(f"answer:    {headline.sentence()}\n")
        out.write(f"           from {headline.source_table}\n")
    if ok:
        out.write(f"published: {published}\n")
        if "reports/hedge_report" in paths:
            out.write(f"report:    {paths['reports/hedge_report']}\n")
        out.write(f"full log:  {log_file}\n")
        out.write("next:\n")
        for command, what in NEXT_STEPS:
            out.write(f"  {command:<12} {what}\n")
    out.write(f"{RULE}\n")
    out.flush()
    return 0 if ok else 1
