"""pandera (polars backend) schemas that every fetched frame must pass before it is stored.

Rules are per series: the plausible range comes from the catalog (``valid_min``/``valid_max``)
so Python and SQL agree on one definition. A failure raises :class:`ValidationFailed`, whose
message names the series, the rule and the first offending value and date.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from ingestion.catalog import SeriesInfo

# A publisher's timestamp may run a day ahead of the machine's clock; more is an error.
MAX_DAYS_AHEAD = 1
#: the earliest date any catalog series can have (the oldest, BAA, starts in 1919): an earlier
#: date is a parsing or publishing error (``0001-01-01``), not history
MIN_OBSERVATION_DATE = date(1900, 1, 1)


class ValidationFailed(ValueError):
    """A fetched frame broke a rule; nothing of that series is written."""

    def __init__(self, series_id: str, rule: str, value: object, when: object, n_failed: int):
        self.series_id = series_id
        self.rule = rule
        self.value = value
        self.when = when
        self.n_failed = n_failed
        at = f" on {when}" if when is not None else ""
        super().__init__(
            f"{series_id}: rule {rule} failed for value {value!r}{at} "
            f"({n_failed} failing row{'s' if n_failed != 1 else ''})"
        )


def _dates_strictly_increasing(data: pa.PolarsData) -> pl.LazyFrame:
    col = pl.col(data.key)
    return data.lazyframe.select((col > col.shift(1)).fill_null(True))


def series_schema(series: SeriesInfo, today: date | None = None) -> pa.DataFrameSchema:
    """The schema for one series' fetched frame (observation_date, value)."""
    latest = (today or date.today()) + timedelta(days=MAX_DAYS_AHEAD)
    return pa.DataFrameSchema(
        {
            "observation_date": pa.Column(
                pl.Date,
                nullable=False,
                unique=True,
                checks=[
                    pa.Check(_dates_strictly_increasing, name="dates_strictly_increasing"),
                    pa.Check.le(latest, name=f"not_after_{latest.isoformat()}"),
                    pa.Check.ge(
                        MIN_OBSERVATION_DATE,
                        name=f"not_before_{MIN_OBSERVATION_DATE.isoformat()}",
                    ),
                ],
            ),
            "value": pa.Column(
                pl.Float64,
                nullable=True,
                checks=[
                    pa.Check(
                        lambda d: d.lazyframe.select(pl.col(d.key).is_finite()),
                        name="finite",
                    ),
                    pa.Check.in_range(
                        series.valid_min,
                        series.valid_max,
                        name=f"in_range({series.valid_min:g}, {series.valid_max:g} {series.unit})",
                    ),
                ],
            ),
        },
        strict=True,
        name=f"raw_{series.series_id}",
    )


def validate_frame(
    series: SeriesInfo, frame: pl.DataFrame, today: date | None = None
) -> pl.DataFrame:
    """Validate a fetched frame; return it unchanged or raise ValidationFailed."""
    try:
        return series_schema(series, today).validate(frame, lazy=True)
    except SchemaErrors as exc:
        raise _first_failure(series, frame, exc) from None


def _first_failure(series: SeriesInfo, frame: pl.DataFrame, exc: SchemaErrors) -> ValidationFailed:
    cases = exc.failure_cases
    if not isinstance(cases, pl.DataFrame) or cases.is_empty():
        return ValidationFailed(series.series_id, "schema", str(exc).splitlines()[0], None, 1)
    first = cases.row(0, named=True)
    rule = str(first.get("check"))
    column = first.get("column")
    value = first.get("failure_case")
    n_failed = cases.filter(pl.col("check") == first.get("check")).height
    when = None
    idx = first.get("index")
    if idx is not None and column == "value" and 0 <= int(idx) < frame.height:
        when = frame["observation_date"][int(idx)]
        value = frame["value"][int(idx)]
    elif column == "observation_date":
        when = value
    return ValidationFailed(series.series_id, f"{column}:{rule}", value, when, n_failed)
