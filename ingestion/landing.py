"""Fetch, validate and land catalog series into ``raw.observations``.

Fetches may run in parallel threads (the live source is I/O bound); every write happens on the
calling thread through the single warehouse connection. :func:`land_series` writes each series
in its own transaction; :func:`land_series_batch` validates each series the same way and then
writes all valid ones in a single transaction (same rows, counts and load log, much less
per-series cost). A failing series is logged with its error and skipped; the others still land.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from ingestion.catalog import SeriesInfo, load_catalog
from ingestion.sources.base import SeriesUnavailable, Source
from ingestion.validation import ValidationFailed, validate_frame
from ingestion.warehouse import (
    UpsertCounts,
    _utcnow,
    bind_source,
    last_stored_date,
    last_stored_dates,
    log_load,
    log_loads,
    open_warehouse,
    stored_stats,
    upsert_many,
    upsert_series,
)

log = logging.getLogger(__name__)

DEFAULT_LOOKBACK_DAYS = 30
#: above this share of catalog series not landed, the landing is a failure (nothing downstream
#: runs, nothing is republished); at or below it, the run goes on and the failures are warned
DEFAULT_MAX_FAILED_SHARE = 0.5
#: the longest error text stored in raw.load_log (and so in staging and the marts)
MAX_ERROR_CHARS = 300

# statuses recorded in raw.load_log and reported back
LANDED, UNAVAILABLE, INVALID, FAILED = "landed", "unavailable", "invalid", "failed"


@dataclass
class SeriesResult:
    series_id: str
    status: str
    requested_start: date | None
    requested_end: date | None
    counts: UpsertCounts | None = None
    error: str | None = None
    rule: str | None = None
    first_date: date | None = None
    last_date: date | None = None
    last_value: float | None = None
    stored_rows: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == LANDED


@dataclass
class LandingReport:
    run_id: str
    source: str
    results: list[SeriesResult] = field(default_factory=list)

    @property
    def failed(self) -> list[SeriesResult]:
        return [r for r in self.results if not r.ok]

    def by_id(self) -> dict[str, SeriesResult]:
        return {r.series_id: r for r in self.results}

    def failure(self, max_failed_share: float = DEFAULT_MAX_FAILED_SHARE) -> str | None:
        """Why this landing counts as a failed run, or None if it may go on.

        A landing where no series landed (an outage, every file refused) or more than
        ``max_failed_share`` of the series did not land must not be published as a success:
        the message names the cause first, then the series.
        """
        if not self.results or not self.failed:
            return None
        total, bad = len(self.results), self.failed
        if len(bad) < total and len(bad) / total <= max_failed_share:
            return None
        # the cause is what happened to the series the source did provide; series it does not
        # have (unavailable) are named in the list but do not decide the cause
        provided = [r for r in bad if r.status != UNAVAILABLE]
        network = ("connection failed", "timed out", "connection refused", "failed after")
        if not provided:
            cause = "the source has none of these series"
        elif all(
            r.status == FAILED and any(w in (r.error or "") for w in network) for r in provided
        ):
            cause = "the source is unreachable (network down or the server refusing requests)"
        elif {r.status for r in provided} <= {INVALID, FAILED}:
            cause = "the source's data was refused (invalid or unreadable, see each series)"
        else:
            statuses = {r.status for r in bad}
            cause = "series failed: " + ", ".join(
                f"{sum(r.status == s for r in bad)} {s}" for s in sorted(statuses)
            )
        if provided and len(provided) < len(bad):
            cause += f"; {len(bad) - len(provided)} more not provided by the source"
        head = (
            f"no series landed ({len(bad)} of {total} failed)"
            if len(bad) == total
            else f"{len(bad)} of {total} series did not land, more than the allowed share "
            f"{max_failed_share:g} (setting max_failed_share)"
        )
        listed = "; ".join(f"{r.series_id} ({r.status}): {r.error}" for r in bad[:5])
        more = f"; and {len(bad) - 5} more" if len(bad) > 5 else ""
        return (
            f"{head} from source {self.source!r}: {cause}. Nothing downstream was rebuilt or "
            f"republished; the last published file is unchanged. Fix the cause and rerun. "
            f"{listed}{more} (see raw.load_log, run {self.run_id})"
        )


def fetch_window(
    last_date: date | None, lookback_days: int, end: date | None
) -> tuple[date | None, date | None]:
    """Incremental window: from the last stored date minus the revision look-back."""
    start = None if last_date is None else last_date - timedelta(days=lookback_days)
    return start, end


def land_series(
    warehouse: Path,
    source: Source,
    series: Iterable[SeriesInfo] | None = None,
    *,
    run_id: str | None = None,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    end: date | None = None,
    fetch_workers: int = 4,
    lock_timeout_seconds: float = 600.0,
    on_result: Callable[[SeriesResult], None] | None = None,
) -> LandingReport:
    """Land every given series (default: the whole catalog); never raises for one series."""
    series = list(series if series is not None else load_catalog())
    report = LandingReport(run_id=run_id or uuid.uuid4().hex[:12], source=source.name)
    with open_warehouse(warehouse, lock_timeout_seconds=lock_timeout_seconds) as con:
        bind_source(con, source.name, warehouse)
        windows = {
            s.series_id: fetch_window(last_stored_date(con, s.series_id), lookback_days, end)
            for s in series
        }

        def fetch(s: SeriesInfo) -> pl.DataFrame:
            start, stop = windows[s.series_id]
            return source.fetch(s, start, stop)

        with ThreadPoolExecutor(max_workers=max(1, fetch_workers)) as pool:
            futures = [(s, pool.submit(fetch, s)) for s in series]
            for s, fut in futures:
                result = _land_one(con, s, fut, windows[s.series_id], source.name, report.run_id)
                report.results.append(result)
                if on_result:
                    on_result(result)
    return report


def _refuse_empty_where_stored(con, series_id: str, start, end) -> None:
    """An empty answer for a window that already holds rows is a source fault, not news."""
    stored = con.execute(
        "select count(*) from raw.observations where series_id = ? "
        "and observation_date >= coalesce(?, date '0001-01-01') "
        "and observation_date <= coalesce(?, date '9999-12-31')",
        [series_id, start, end],
    ).fetchone()[0]
    if stored:
        window = f"{start or 'open'}..{end or 'open'}"
        exc = ValidationFailed(series_id, "rows:not_empty_where_stored", 0, window, stored)
        exc.args = (
            f"{series_id}: rule rows:not_empty_where_stored failed: the source sent no "
            f"observations for {window}, where {stored} are already stored; nothing was "
            "changed (a source that lost its history? check it before the next run)",
        )
        raise exc


def _fetched_valid(con, s: SeriesInfo, fut, result: SeriesResult) -> pl.DataFrame | None:
    """The fetched frame if it passes validation; else None, with ``result`` saying why."""
    try:
        frame = validate_frame(s, fut.result())
        if frame.is_empty():
            start, end = result.requested_start, result.requested_end
            _refuse_empty_where_stored(con, s.series_id, start, end)
        return frame
    except Exception as exc:  # one series' failure must not stop the others
        _record_failure(s.series_id, result, exc)
        return None


def _record_failure(series_id: str, result: SeriesResult, exc: Exception) -> None:
    if isinstance(exc, SeriesUnavailable):
        result.status, result.error = UNAVAILABLE, str(exc)
    elif isinstance(exc, ValidationFailed):
        result.status, result.error, result.rule = INVALID, str(exc), exc.rule
    else:
        result.status = FAILED
        result.error = (
            f"{series_id}: {type(exc).__name__}: {exc}" if series_id not in str(exc) else str(exc)
        )
    if len(result.error) > MAX_ERROR_CHARS:
        # load_log.error reaches staging and the marts: short, and never a server's body
        result.error = result.error[: MAX_ERROR_CHARS - 1] + "…"
    log.warning("series %s not landed (%s): %s", series_id, result.status, result.error)


def _log_row(result: SeriesResult, source_name: str, run_id: str, started) -> dict:
    return {
        "run_id": run_id,
        "series_id": result.series_id,
        "source": source_name,
        "requested_start": result.requested_start,
        "requested_end": result.requested_end,
        "counts": result.counts,
        "status": result.status,
        "error": result.error,
        "started_at": started,
    }


def _log_result(con, result: SeriesResult, source_name: str, run_id: str, started) -> None:
    log_load(con, **_log_row(result, source_name, run_id, started))


def _land_one(con, s: SeriesInfo, fut, window, source_name: str, run_id: str) -> SeriesResult:
    started = _utcnow()
    result = SeriesResult(s.series_id, FAILED, *window)
    frame = _fetched_valid(con, s, fut, result)
    if frame is not None:
        try:
            result.counts = upsert_series(
                con, s.series_id, frame, source=source_name, run_id=run_id
            )
            result.status = LANDED
        except Exception as exc:  # one series' failure must not stop the others
            _record_failure(s.series_id, result, exc)
    stats = stored_stats(con, [s.series_id]).get(s.series_id, (None, None, 0, None))
    result.first_date, result.last_date, result.stored_rows, result.last_value = stats
    _log_result(con, result, source_name, run_id, started)
    return result


def land_series_batch(
    warehouse: Path,
    source: Source,
    series: Iterable[SeriesInfo] | None = None,
    *,
    run_id: str | None = None,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    end: date | None = None,
    fetch_workers: int = 4,
    lock_timeout_seconds: float = 600.0,
    on_result: Callable[[SeriesResult], None] | None = None,
) -> LandingReport:
    """:func:`land_series` with every valid series written in one transaction.

    Fetching and validation are the same, series by series: a series that is unavailable or
    invalid is reported (its rule and value named) and left out, the others land. The valid
    frames are then upserted together (:func:`ingestion.warehouse.upsert_many`): the same rows,
    revisions, counts and load log as landing them one by one, at the cost of one join instead
    of one transaction per series. If that one write fails, every series it carried is
    ``failed`` with the error and none of them changed (the transaction is all or nothing).
    ``on_result`` is called per series once its outcome is final (after the write).
    """
    series = list(series if series is not None else load_catalog())
    report = LandingReport(run_id=run_id or uuid.uuid4().hex[:12], source=source.name)
    with open_warehouse(warehouse, lock_timeout_seconds=lock_timeout_seconds) as con:
        bind_source(con, source.name, warehouse)
        stored = last_stored_dates(con, [s.series_id for s in series])
        windows = {
            s.series_id: fetch_window(stored[s.series_id], lookback_days, end) for s in series
        }

        def fetch(s: SeriesInfo) -> pl.DataFrame:
            start, stop = windows[s.series_id]
            return source.fetch(s, start, stop)

        started, valid = {}, {}
        with ThreadPoolExecutor(max_workers=max(1, fetch_workers)) as pool:
            futures = [(s, pool.submit(fetch, s)) for s in series]
            for s, fut in futures:
                started[s.series_id] = _utcnow()
                result = SeriesResult(s.series_id, FAILED, *windows[s.series_id])
                frame = _fetched_valid(con, s, fut, result)
                if frame is not None:
                    valid[s.series_id] = frame
                report.results.append(result)
        try:
            counts = upsert_many(con, valid, source=source.name, run_id=report.run_id)
        except Exception as exc:
            counts = {}
            for r in report.results:
                if r.series_id in valid:
                    _record_failure(r.series_id, r, RuntimeError(f"batch write failed: {exc}"))
        stats = stored_stats(con, [s.series_id for s in series])
        for r in report.results:
            if r.series_id in counts:
                r.counts, r.status = counts[r.series_id], LANDED
            r.first_date, r.last_date, r.stored_rows, r.last_value = stats.get(
                r.series_id, (None, None, 0, None)
            )
        log_loads(
            con,
            [_log_row(r, source.name, report.run_id, started[r.series_id]) for r in report.results],
        )
        for r in report.results:
            if on_result:
                on_result(r)
    return report
