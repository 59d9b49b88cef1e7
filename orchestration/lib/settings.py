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
from orchestration.lib import table_stats

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
    """The ``--vars`` of every dbt invocation: the warehouse file (profiles.yml's path) and
    the rules of the metadata post-hook (``table_stats.dbt_var()``).

    One function for the Dagster run's dbt step and for the manifest `make` prepares
    (``transform/project.py``): dbt keeps its partial-parse cache only while the ``--vars``
    and the rendered profile (the path included) match the ones it was parsed with.
    """
    return json.dumps(
        {
            "warehouse_path": str(warehouse or warehouse_path()),
            "dagster_table_stats": table_stats.dbt_var(),
        }
    )


#: the dbt targets and the dbt executable each runs with: DuckDB's dbt is the main venv's;
#: Spark's (dbt-spark, pyspark, Java) lives in its own venv, never the main one
DBT_TARGETS = ("dev", "spark")


def dbt_target() -> str:
    """The dbt target of the pipeline's dbt step (``BONDHEDGE_DBT_TARGET``; ``make run
    TARGET=spark``): ``dev`` (DuckDB, the default) or ``spark``."""
    target = os.environ.get("BONDHEDGE_DBT_TARGET", "dev").strip() or "dev"
    if target not in DBT_TARGETS:
        raise ValueError(
            f"BONDHEDGE_DBT_TARGET={target!r} is not a dbt target of profiles.yml "
            f"(one of {', '.join(DBT_TARGETS)})"
        )
    return target


def spark_dir() -> Path:
    """Spark's warehouse, metastore, raw Parquet and mart export (``BONDHEDGE_SPARK_DIR``,
    the variable profiles.yml's `spark` target reads; default ``data/spark``)."""
    explicit = os.environ.get("BONDHEDGE_SPARK_DIR")
    return Path(explicit).expanduser().resolve() if explicit else DATA_DIR / "spark"


def spark_dbt_executable() -> Path:
    """The dbt of the Spark environment (``make spark-env``): ``spark/dbt``, which runs
    .venv-spark's dbt with the dbt Python models' local-session submission registered."""
    return PROJECT_ROOT / "spark" / "dbt"


def spark_python() -> Path:
    """The interpreter of the Spark environment; missing until ``make spark-env``."""
    return PROJECT_ROOT / ".venv-spark" / "bin" / "python"
