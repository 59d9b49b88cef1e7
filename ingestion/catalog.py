"""The one catalog of series, shared by Python (ingestion) and SQL (it is a dbt seed).

The CSV lives at ``dbt_project/seeds/series_catalog.csv`` so dbt loads it as the
``series_catalog`` table and staging joins it; ingestion reads the same file here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CATALOG_PATH = PROJECT_ROOT / "dbt_project" / "seeds" / "series_catalog.csv"

CATEGORIES = (
    "treasury_yield",
    "real_yield",
    "breakeven",
    "equity_index",
    "dividend_yield",
    "credit_spread",
    "volatility",
    "policy_rate",
    "inflation",
    "fx",
)
FREQUENCIES = ("daily", "monthly")


@dataclass(frozen=True)
class SeriesInfo:
    series_id: str
    title: str
    category: str
    tenor_years: float | None
    unit: str
    frequency: str
    role: str
    valid_min: float
    valid_max: float


def _parse(row: dict[str, str]) -> SeriesInfo:
    info = SeriesInfo(
        series_id=row["series_id"].strip(),
        title=row["title"].strip(),
        category=row["category"].strip(),
        tenor_years=float(row["tenor_years"]) if row["tenor_years"].strip() else None,
        unit=row["unit"].strip(),
        frequency=row["frequency"].strip(),
        role=row["role"].strip(),
        valid_min=float(row["valid_min"]),
        valid_max=float(row["valid_max"]),
    )
    if info.category not in CATEGORIES:
        raise ValueError(f"catalog: {info.series_id} has unknown category {info.category!r}")
    if info.frequency not in FREQUENCIES:
        raise ValueError(f"catalog: {info.series_id} has unknown frequency {info.frequency!r}")
    if not info.valid_min < info.valid_max:
        raise ValueError(f"catalog: {info.series_id} has valid_min >= valid_max")
    return info


@lru_cache(maxsize=4)
def load_catalog(path: Path = CATALOG_PATH) -> tuple[SeriesInfo, ...]:
    """All catalog series, in file order."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [_parse(r) for r in csv.DictReader(fh)]
    ids = [r.series_id for r in rows]
    if len(ids) != len(set(ids)):
        raise ValueError("catalog: duplicate series_id")
    return tuple(rows)


def series_by_id(path: Path = CATALOG_PATH) -> dict[str, SeriesInfo]:
    return {s.series_id: s for s in load_catalog(path)}


def get_series(series_id: str) -> SeriesInfo:
    try:
        return series_by_id()[series_id]
    except KeyError:
        raise KeyError(f"series {series_id!r} is not in the catalog ({CATALOG_PATH})") from None
