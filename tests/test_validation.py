"""pandera rules applied before anything is written: each failure names series, rule, value."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from ingestion.catalog import get_series, load_catalog
from ingestion.validation import ValidationFailed, validate_frame

TODAY = date(2026, 1, 15)


def frame(dates, values):
    return pl.DataFrame(
        {"observation_date": dates, "value": values},
        schema={"observation_date": pl.Date, "value": pl.Float64},
    )


D1, D2, D3 = date(2025, 1, 2), date(2025, 1, 3), date(2025, 1, 6)


def test_clean_frame_passes_with_nulls():
    out = validate_frame(get_series("DGS10"), frame([D1, D2], [4.0, None]), today=TODAY)
    assert out.height == 2


@pytest.mark.parametrize(
    ("series_id", "dates", "values", "rule", "shown"),
    [
        ("DGS10", [D1, D2], [4.0, 900.0], "in_range", "900.0"),
        ("VIXCLS", [D1, D2], [20.0, 250.0], "in_range", "250.0"),
        ("SP500", [D1, D2], [5000.0, -1.0], "in_range", "-1.0"),
        ("DGS10", [D1, D2], [4.0, float("inf")], "finite", "inf"),
        ("DGS10", [D1, D1], [4.0, 4.1], "uniqueness", "2025-01-02"),
        ("DGS10", [D2, D1], [4.0, 4.1], "dates_strictly_increasing", "2025-01-02"),
        ("DGS10", [D1, TODAY + timedelta(days=10)], [4.0, 4.1], "less_than_or_equal", "2026-01-25"),
    ],
)
def test_rule_failures_name_series_rule_and_value(series_id, dates, values, rule, shown):
    with pytest.raises(ValidationFailed) as info:
        validate_frame(get_series(series_id), frame(dates, values), today=TODAY)
    msg = str(info.value)
    assert msg.startswith(f"{series_id}: rule ")
    assert rule in msg and shown in msg


def test_1e308_is_out_of_range_for_every_series():
    for s in load_catalog():
        with pytest.raises(ValidationFailed, match="in_range"):
            validate_frame(s, frame([D1], [1e308]), today=TODAY)


def test_unexpected_column_is_rejected():
    bad = frame([D1], [4.0]).with_columns(pl.lit(1).alias("extra"))
    with pytest.raises(ValidationFailed, match="extra"):
        validate_frame(get_series("DGS10"), bad, today=TODAY)
