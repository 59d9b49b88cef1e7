"""One catalog serves Python and SQL: the seed dbt loads is the file ingestion reads."""

from __future__ import annotations

from ingestion.catalog import CATEGORIES, load_catalog
from tests.support import query

REQUIRED = {
    "DGS3MO", "DGS2", "DGS5", "DGS10", "DGS30", "DFII5", "DFII10", "T5YIE", "T10YIE", "SP500",
    "NASDAQCOM", "BAMLC0A0CM", "BAMLH0A0HYM2", "BAA10Y", "VIXCLS", "DFF", "CPIAUCSL", "DTB3",
    "DTWEXBGS",
}  # fmt: skip


def test_catalog_has_every_required_series_with_sane_attributes():
    catalog = {s.series_id: s for s in load_catalog()}
    assert REQUIRED <= set(catalog)
    assert {s.category for s in catalog.values()} <= set(CATEGORIES)
    for s in catalog.values():
        if s.category in ("treasury_yield", "real_yield", "breakeven"):
            assert s.tenor_years and s.tenor_years > 0, s.series_id
            assert s.unit == "percent"


def test_sql_sees_the_same_catalog(sample_warehouse):
    rows = query(
        sample_warehouse,
        "select series_id, category, tenor_years, unit, frequency, valid_min, valid_max "
        "from reference.series_catalog order by series_id",
    )
    python = sorted(
        (s.series_id, s.category, s.tenor_years, s.unit, s.frequency, s.valid_min, s.valid_max)
        for s in load_catalog()
    )
    assert rows == python


def test_every_catalog_series_is_staged_and_aligned(sample_warehouse):
    staged = dict(
        query(
            sample_warehouse, "select series_id, count(*) from staging.stg_observations group by 1"
        )
    )
    aligned = dict(
        query(
            sample_warehouse,
            "select series_id, count(*) from intermediate.int_observations_daily group by 1",
        )
    )
    ids = {s.series_id for s in load_catalog()}
    assert set(staged) == ids and set(aligned) == ids
    # percent series arrive as decimals: the sample's 10y yield is a few percent, not a few units
    lo, hi = query(
        sample_warehouse,
        "select min(value), max(value) from staging.stg_observations where series_id = 'DGS10'",
    )[0]
    assert 0 < lo and hi < 0.25


def test_forward_fill_is_bounded(sample_warehouse):
    # every aligned value comes from an observation at most the configured business days back
    worst = query(
        sample_warehouse,
        """select c.frequency, max(d.business_days_stale)
           from intermediate.int_observations_daily d
           join reference.series_catalog c using (series_id) group by 1""",
    )
    limits = {"daily": 5, "monthly": 25}
    for frequency, stale in worst:
        assert stale <= limits[frequency]
