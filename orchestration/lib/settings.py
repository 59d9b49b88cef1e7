"""Where things live, from the environment (read when called, never at import time).

One warehouse file per source, so sample and market data never mix: the sample lands in
``data/warehouse.duckdb`` (the README's `make run`), other sources in
``data/warehouse_<source>.duckdb``. ``BONDHEDGE_WAREHOUSE`` overrides the path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ingestion.catalog import PROJECT_ROOT

DATA_DIR = PROJECT_ROOT / "data"


def source_name() -> str:
    return os.environ.get("BONDHEDGE_SOURCE", "sample").strip() or "sample"


def warehouse_path(source: str | None = None) -> Path:
    explicit = os.environ.get("BONDHEDGE_WAREHOUSE")
    if explicit:
        return Path(explicit).expanduser().resolve()
    source = source or source_name()
    name = "warehouse.duckdb" if source == "sample" else f"warehouse_{source}.duckdb"
    return DATA_DIR / name


def published_path(source: str | None = None) -> Path:
    explicit = os.environ.get("BONDHEDGE_PUBLISHED")
    if explicit:
        return Path(explicit).expanduser().resolve()
    source = source or source_name()
    name = "bondhedge.duckdb" if source == "sample" else f"bondhedge_{source}.duckdb"
    return DATA_DIR / "published" / name


def dbt_vars(warehouse: Path | None = None) -> str:
    """The ``--vars`` of every dbt invocation: the warehouse file (profiles.yml's path).

    One function for the Dagster run's dbt step and for the manifest `make` prepares
    (``transform/project.py``): dbt keeps its partial-parse cache only while the ``--vars``
    and the rendered profile (the path included) match the ones it was parsed with.
    """
    return json.dumps({"warehouse_path": str(warehouse or warehouse_path())})
