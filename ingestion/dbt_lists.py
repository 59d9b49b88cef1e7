"""The lists dbt defines once (vars in ``dbt_project.yml``), for the Python that needs them.

Source names, rolling-correlation windows, regime dimensions and answer eras are dbt vars:
the models and the YAML constraints render them, and Python reads the same values here rather
than keeping a copy. Plain YAML reading (no dbt run, no manifest needed), so ingestion and the
CLI can use it before anything is built.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ingestion.catalog import PROJECT_ROOT

DBT_PROJECT_FILE = PROJECT_ROOT / "dbt_project.yml"

__all__ = [
    "answer_eras",
    "data_sources",
    "dbt_var",
    "hedge_regime_windows",
    "regime_dimensions",
    "regime_labels",
    "rolling_correlation_windows",
    "scorecard_dimensions",
]


@cache
def _vars(path: Path = DBT_PROJECT_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        return (yaml.safe_load(f) or {}).get("vars") or {}


def dbt_var(name: str) -> Any:
    """One var of ``dbt_project.yml``; a missing one is an error naming it and the file."""
    values = _vars()
    if name not in values:
        raise KeyError(f"dbt var {name!r} is not defined in {DBT_PROJECT_FILE}")
    return values[name]


def data_sources() -> tuple[str, ...]:
    """The sources a warehouse can hold (var ``data_sources``): sample, fred, csv."""
    return tuple(dbt_var("data_sources"))


def rolling_correlation_windows() -> dict[str, tuple[int, ...]]:
    """Window lengths by frequency (var ``rolling_correlation_windows``)."""
    return {freq: tuple(n) for freq, n in dbt_var("rolling_correlation_windows").items()}


def regime_dimensions() -> tuple[str, ...]:
    """The regime dimensions the scorecard and the 60/40 summary are cut by."""
    return tuple(dbt_var("regime_dimensions"))


def scorecard_dimensions() -> tuple[str, ...]:
    """The scorecard's dimensions: the regime dimensions and the Markov regime."""
    return (*regime_dimensions(), *dbt_var("scorecard_extra_dimensions"))


def answer_eras() -> tuple[str, ...]:
    """The names of the eras the answer is given for, in order (var ``answer_eras``)."""
    return tuple(era["name"] for era in dbt_var("answer_eras"))


def regime_labels(dimension: str) -> tuple[str, ...]:
    """The labels a rule-based regime can take, in display order (var ``regime_labels``)."""
    labels = dbt_var("regime_labels")
    if dimension not in labels:
        raise KeyError(f"dbt var 'regime_labels' has no entry {dimension!r} in {DBT_PROJECT_FILE}")
    return tuple(labels[dimension])


def hedge_regime_windows() -> tuple[int, int]:
    """(fast, slow) trailing windows of the hedge regime, in business days: the fast one sets
    the regime, the slow one is kept beside it (vars ``regime_hedge_fast_correlation_window``,
    ``regime_hedge_correlation_window``)."""
    return (
        int(dbt_var("regime_hedge_fast_correlation_window")),
        int(dbt_var("regime_hedge_correlation_window")),
    )
