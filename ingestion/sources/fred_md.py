"""FRED-MD, the St. Louis Fed's monthly macro database, as a source of catalog series.

FRED-MD is one CSV (McCracken & Ng 2016, "FRED-MD: A Monthly Database for Macroeconomic
Research", JBES 34(4)), not a FRED series, so its columns cannot be fetched by series id.
The catalog names a FRED-MD column as a series (``FRED_MD_COLUMNS``: catalog series id ->
column header); this module fetches the file once per source and cuts that column out.

* ``fred``: the file is downloaded from ``fred_md_url`` (env ``FRED_MD_URL``, default
  ``DEFAULT_FRED_MD_URL``, the current vintage) through the FRED source's own HTTP path
  (:meth:`FredSource._get`): the same session, rate limiter, retries with backoff and
  ``Retry-After``, timeouts and content checks as every FRED download. With a FRED mirror
  (``FRED_API_BASE_URL`` / ``FRED_CSV_BASE_URL`` not FRED's own) and no FRED-MD URL set,
  the FRED-MD series is asked of the mirror by its catalog id like any series, so an
  air-gapped mirror (or the loopback test server) serves it and nothing leaves the network.
* ``csv``: the folder holds the file as ``current.csv`` or a vintage ``YYYY-MM-MD.csv``
  (the latest by name is used); no file -> :class:`SeriesUnavailable` for the FRED-MD series.

File format: a header row (``sasdate,RPI,...,S&P div yield,...``), a ``Transform:`` row
(McCracken-Ng stationarity codes, skipped: values are landed as published, untransformed),
then one row per month dated ``M/D/YYYY`` (the 1st of the month, FRED's convention for
monthly data); an empty field is missing (the latest month often is). Values are landed as
published (``S&P div yield`` in percent) and validated like any series.

:func:`with_fred_md` wraps a source so that FRED-MD series go here and all others to it.
"""

from __future__ import annotations

import io
import os
import threading
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from ingestion.catalog import SeriesInfo
from ingestion.sources.base import FRAME_SCHEMA, SeriesUnavailable, Source, SourceError, clip_range
from ingestion.sources.fred_format import MISSING_TOKENS

#: catalog series id -> FRED-MD column header (the only list of FRED-MD series)
FRED_MD_COLUMNS = {"FREDMD_SP_DIV_YIELD": "S&P div yield"}
DEFAULT_FRED_MD_URL = (
    "https://www.stlouisfed.org/-/media/project/frbstl/stlouisfed/research/fred-md/monthly/"
    "current.csv"
)
DATE_HEADER = "sasdate"
CSV_CONTENT_TYPES = frozenset(
    {"text/csv", "text/plain", "application/csv", "application/octet-stream",
     "application/vnd.ms-excel"}
)  # fmt: skip


def is_fred_md(series_id: str) -> bool:
    return series_id in FRED_MD_COLUMNS


def parse_fred_md(data: str | bytes, series_id: str) -> pl.DataFrame:
    """The ``series_id`` column of a FRED-MD file as a source frame; errors name the series."""
    column = FRED_MD_COLUMNS[series_id]
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceError(series_id, f"FRED-MD file is not UTF-8 (byte {exc.start})") from None
    data = data.lstrip("\ufeff")
    head = data.lstrip()[:200].lower()
    if not data.strip():
        raise SourceError(series_id, "FRED-MD file is empty")
    if head.startswith("<") or "<html" in head:
        raise SourceError(series_id, "expected the FRED-MD CSV but got an HTML page")
    try:
        raw = pl.read_csv(io.StringIO(data), infer_schema=False, has_header=True)
    except Exception as exc:  # polars raises several error types for malformed text
        raise SourceError(series_id, f"malformed FRED-MD CSV: {exc}") from None
    if not raw.columns or raw.columns[0].strip().lower() != DATE_HEADER:
        raise SourceError(
            series_id, f"FRED-MD file must start with column {DATE_HEADER!r}, got {raw.columns[:1]}"
        )
    if column not in raw.columns:
        raise SourceError(series_id, f"FRED-MD file has no column {column!r} (wrong file?)")
    frame = (
        raw.select(
            pl.col(raw.columns[0]).str.strip_chars().alias("date_text"),
            pl.col(column).str.strip_chars().fill_null("").alias("value_text"),
        )
        .with_row_index("row", offset=2)  # line 1 is the header
        .filter(
            pl.col("date_text").is_not_null()
            & (pl.col("date_text") != "")
            & ~pl.col("date_text").str.to_lowercase().str.starts_with("transform")
        )
        .with_columns(
            pl.col("date_text").str.to_date("%m/%d/%Y", strict=False).alias("observation_date"),
            pl.when(pl.col("value_text").is_in(MISSING_TOKENS))
            .then(None)
            .otherwise(pl.col("value_text"))
            .cast(pl.Float64, strict=False)
            .alias("value"),
        )
    )
    bad = frame.filter(pl.col("observation_date").is_null())
    if bad.height:
        first = bad.row(0, named=True)
        raise SourceError(
            series_id,
            f"unparseable FRED-MD date {first['date_text']!r} on line {first['row']} "
            f"(rule: M/D/YYYY); {bad.height} bad row(s)",
        )
    bad = frame.filter(pl.col("value").is_null() & ~pl.col("value_text").is_in(MISSING_TOKENS))
    if bad.height:
        first = bad.row(0, named=True)
        raise SourceError(
            series_id,
            f"non-numeric value {first['value_text']!r} in FRED-MD column {column!r} on line "
            f"{first['row']}; {bad.height} bad row(s)",
        )
    return frame.select(list(FRAME_SCHEMA)).cast(FRAME_SCHEMA)


def folder_file(folder: Path) -> Path | None:
    """The FRED-MD file of a csv folder: ``current.csv``, else the latest ``*-MD.csv``."""
    current = folder / "current.csv"
    if current.is_file():
        return current
    vintages = sorted(p for p in folder.glob("*-MD.csv") if p.is_file())
    return vintages[-1] if vintages else None


class WithFredMd:
    """A source that serves FRED-MD series from one cached file and the rest from ``base``."""

    def __init__(self, base: Source, fred_md_url: str | None = None):
        self.base = base
        self.name = base.name
        explicit = fred_md_url or os.environ.get("FRED_MD_URL")
        self._explicit_url = bool(explicit)
        self.fred_md_url = explicit or DEFAULT_FRED_MD_URL
        self._body: bytes | None = None
        self._lock = threading.Lock()

    def fetch(self, series: SeriesInfo, start: date | None, end: date | None) -> pl.DataFrame:
        if not is_fred_md(series.series_id) or self._mirror_serves_fred_md():
            return self.base.fetch(series, start, end)
        return clip_range(parse_fred_md(self._file(series.series_id), series.series_id), start, end)

    def _mirror_serves_fred_md(self) -> bool:
        if self._explicit_url or not hasattr(self.base, "_get"):
            return False
        from ingestion.sources.fred import DEFAULT_API_BASE_URL, DEFAULT_CSV_BASE_URL

        base: Any = self.base
        return (base.api_base_url, base.csv_base_url) != (
            DEFAULT_API_BASE_URL,
            DEFAULT_CSV_BASE_URL,
        )

    def _file(self, series_id: str) -> bytes:
        with self._lock:  # one download per source, even with parallel fetches
            if self._body is None:
                self._body = self._read(series_id)
            return self._body

    def _read(self, series_id: str) -> bytes:
        folder = getattr(self.base, "folder", None)
        if folder is not None:  # the csv source
            path = folder_file(Path(folder))
            if path is None:
                raise SeriesUnavailable(
                    series_id,
                    f"no FRED-MD file (current.csv or YYYY-MM-MD.csv) in the csv folder {folder}",
                )
            try:
                return path.read_bytes()
            except OSError as exc:
                raise SourceError(series_id, f"cannot read {path}: {exc}") from None
        if hasattr(self.base, "_get"):  # the fred source: its HTTP path, retries, rate limit
            return self._download(series_id)
        raise SeriesUnavailable(series_id, f"source {self.name!r} has no FRED-MD input")

    def _download(self, series_id: str) -> bytes:
        base: Any = self.base
        reply = base._get(
            series_id, self.fred_md_url, {}, self.fred_md_url, None, None, accept="text/csv"
        )
        if reply.status == 404:
            raise SeriesUnavailable(series_id, f"no FRED-MD file at {reply.url} (HTTP 404)")
        if reply.status >= 300:
            raise SourceError(
                series_id, f"FRED-MD download refused (HTTP {reply.status} {reply.reason})"
            )
        base._check_content_type(series_id, reply, CSV_CONTENT_TYPES, "FRED-MD CSV")
        return reply.body

    def __getattr__(self, attr: str) -> Any:  # close(), mode, ... of the wrapped source
        return getattr(self.base, attr)

    def __enter__(self) -> WithFredMd:
        return self

    def __exit__(self, *exc_info: object) -> None:
        close = getattr(self.base, "close", None)
        if close is not None:
            close()

    def __repr__(self) -> str:
        return f"WithFredMd({self.base!r}, fred_md_url={self.fred_md_url!r})"


def with_fred_md(source: Source, **options: Any) -> Source:
    """``source`` with FRED-MD series routed to the FRED-MD file (fred and csv sources)."""
    return WithFredMd(source, **options)
