"""The small interface every source implements, and the errors it raises.

A source turns a catalog series and a date range into a polars frame with exactly two
columns: ``observation_date`` (pl.Date) and ``value`` (pl.Float64, null where the
publisher has no value). Validation and landing happen elsewhere (``ingestion.validation``
and ``ingestion.warehouse``), so a source only fetches and parses.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol, runtime_checkable

import polars as pl

from ingestion.catalog import SeriesInfo

FRAME_SCHEMA = {"observation_date": pl.Date, "value": pl.Float64}


class SourceError(RuntimeError):
    """A fetch failed for one series; the message names the series and the cause."""

    def __init__(self, series_id: str, message: str):
        self.series_id = series_id
        super().__init__(f"{series_id}: {message}")


class SeriesUnavailable(SourceError):
    """The source does not have this series at all (e.g. no file, unknown id)."""


@runtime_checkable
class Source(Protocol):
    #: short name recorded in every raw row: "sample", "fred" or "csv"
    name: str

    def fetch(self, series: SeriesInfo, start: date | None, end: date | None) -> pl.DataFrame:
        """Observations of ``series`` with start <= observation_date <= end (None = open)."""
        ...


def clip_range(frame: pl.DataFrame, start: date | None, end: date | None) -> pl.DataFrame:
    """Keep rows inside [start, end]; used by sources that cannot filter server-side."""
    if start is not None:
        frame = frame.filter(pl.col("observation_date") >= start)
    if end is not None:
        frame = frame.filter(pl.col("observation_date") <= end)
    return frame
