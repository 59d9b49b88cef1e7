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


_COLUMNS = (
    "series_id",
    "title",
    "category",
    "tenor_years",
    "unit",
    "frequency",
    "role",
    "valid_min",
    "valid_max",
)


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


def _number(row: dict[str, str], column: str, path: Path, line: int) -> float:
    text = (row.get(column) or "").strip()
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(
            f"catalog {path} line {line}: series {row.get('series_id', '?').strip()} has "
            f"{column}={text!r}, not a finite number; fix that cell"
        ) from None
    return value


def _parse(row: dict[str, str], path: Path = CATALOG_PATH, line: int = 0) -> SeriesInfo:
    missing = [c for c in _COLUMNS if row.get(c) is None]
    if missing:
        raise ValueError(f"catalog {path} line {line}: missing column(s) {', '.join(missing)}")
    tenor = row["tenor_years"].strip()
    info = SeriesInfo(
        series_id=row["series_id"].strip(),
        title=row["title"].strip(),
        category=row["category"].strip(),
        tenor_years=_number(row, "tenor_years", path, line) if tenor else None,
        unit=row["unit"].strip(),
        frequency=row["frequency"].strip(),
        role=row["role"].strip(),
        valid_min=_number(row, "valid_min", path, line),
        valid_max=_number(row, "valid_max", path, line),
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
        rows = [_parse(r, path, i) for i, r in enumerate(csv.DictReader(fh), start=2)]
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
