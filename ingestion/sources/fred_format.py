"""Parsing of FRED's CSV download format, shared by the ``fred`` (keyless) and ``csv`` sources.

FRED serves ``observation_date,<SERIES_ID>`` (older files: ``DATE,<SERIES_ID>``), ISO dates,
and ``.`` (or an empty field) for a missing value; ``NaN`` in any case is refused by validation.
"""

from __future__ import annotations

import io

import polars as pl

from ingestion.sources.base import FRAME_SCHEMA, SourceError

DATE_HEADERS = ("observation_date", "date")
#: FRED's markers for "no value" (stored as null). "NaN" in any spelling is not one of them: it
#: parses as a float NaN and validation's ``value:finite`` rule rejects it, naming the date.
MISSING_TOKENS = (".", "", "NA")


def parse_fred_csv(data: str | bytes, series_id: str) -> pl.DataFrame:
    """Parse one FRED CSV body into the source frame; errors name the series, row and value."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceError(
                series_id,
                f"CSV is not UTF-8 text (byte {exc.start}: {data[exc.start : exc.start + 4]!r})",
            ) from None
    # editors and export tools leave blank or whitespace-only lines at the end: not rows
    data = data.lstrip("\ufeff").rstrip() + "\n"
    if not data.strip():
        raise SourceError(series_id, "CSV is empty (no header, no rows)")
    head = data.lstrip()[:200].lower()
    if head.startswith("<") or "<html" in head:
        raise SourceError(series_id, "expected FRED CSV but got an HTML page")
    try:
        raw = pl.read_csv(
            io.StringIO(data),
            infer_schema=False,  # every column as text; we convert with our own rules
            has_header=True,
        )
    except Exception as exc:  # polars raises several error types for malformed text
        raise SourceError(series_id, f"malformed CSV: {exc}") from None
    cols = raw.columns
    if len(cols) != 2:
        raise SourceError(
            series_id,
            f"expected 2 columns (date, {series_id}) but header is {cols!r}",
        )
    date_col, value_col = cols
    if date_col.strip().lower() not in DATE_HEADERS:
        raise SourceError(
            series_id, f"first column must be observation_date or DATE, got {date_col!r}"
        )
    if value_col.strip().upper() != series_id.upper():
        raise SourceError(
            series_id, f"value column is {value_col!r}, expected {series_id!r} (wrong file?)"
        )
    frame = raw.select(
        pl.col(date_col).str.strip_chars().alias("date_text"),
        pl.col(value_col).str.strip_chars().fill_null("").alias("value_text"),
    ).with_row_index("row", offset=2)  # line 1 is the header
    frame = frame.with_columns(
        pl.col("date_text").str.to_date("%Y-%m-%d", strict=False).alias("observation_date"),
        pl.when(pl.col("value_text").is_in(MISSING_TOKENS))
        .then(None)
        .otherwise(pl.col("value_text"))
        .cast(pl.Float64, strict=False)
        .alias("value"),
    )
    bad_dates = frame.filter(pl.col("observation_date").is_null())
    if bad_dates.height:
        first = bad_dates.row(0, named=True)
        raise SourceError(
            series_id,
            f"unparseable date {first['date_text']!r} on line {first['row']} "
            f"(rule: ISO date YYYY-MM-DD); {bad_dates.height} bad row(s)",
        )
    bad_values = frame.filter(
        pl.col("value").is_null() & ~pl.col("value_text").is_in(MISSING_TOKENS)
    )
    if bad_values.height:
        first = bad_values.row(0, named=True)
        raise SourceError(
            series_id,
            f"non-numeric value {first['value_text']!r} on line {first['row']} "
            f"(rule: number or '.' for missing); {bad_values.height} bad row(s)",
        )
    return frame.select(list(FRAME_SCHEMA)).cast(FRAME_SCHEMA)
