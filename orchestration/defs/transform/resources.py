"""The ``dbt`` resource: dagster-dbt's CLI resource on this project's dbt-core.

Its ``target`` (profiles.yml: ``dev`` = DuckDB, ``spark``) defaults to ``BONDHEDGE_DBT_TARGET``
and can be set per run in the launchpad (``resources.dbt.config.target``). Each target runs
its own dbt: DuckDB's is the one beside this interpreter, Spark's the one in ``.venv-spark``
(``make spark-env``), so the main environment never gets pyspark.
"""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.defs.transform.project import dbt_project
from orchestration.lib import settings

#: the dbt installed beside this interpreter, whatever PATH says
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


def is_spark(target: str | None) -> bool:
    return target == "spark"


class BondhedgeDbtResource(DbtCliResource):
    """dagster-dbt's resource, minus two fixed costs paid on every invocation, and with the dbt
    of the configured target.

    - ``dbt --version``: DbtCliResource asks the executable for its version (a second dbt
      process start, about 3.5 s on this machine class) to choose between dbt-core and the
      Fusion engine. The executable we configure is the dbt-core installed beside this
      interpreter, so its version is the installed package's; a different executable still
      gets asked.
    - an in-process dbt adapter: before starting dbt, DbtCliResource imports dbt-core into the
      Dagster step, loads the profile and project and registers the adapter (about 4.5 s under
      load), only for ``fetch_row_counts()`` / ``fetch_column_metadata()``. We use neither:
      dbt measures row counts, date ranges and previews itself, in a post-hook, while it holds
      DuckDB's writer lock (``lib/table_stats.py``). Without an adapter dagster-dbt skips
      nothing else.
    """

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable).resolve() == Path(DBT_EXECUTABLE).resolve():
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version

    @property
    def is_spark(self) -> bool:
        return is_spark(self.target)

    def cli(self, args, **kwargs):
        """dagster-dbt's ``cli``, run by the Spark environment's dbt on the spark target."""
        if self.is_spark and Path(self.dbt_executable).resolve() == Path(DBT_EXECUTABLE).resolve():
            spark_dbt = settings.spark_dbt_executable()
            if not settings.spark_python().exists():
                raise dg.Failure(
                    f"dbt target 'spark' needs the Spark environment: {settings.spark_python()} "
                    "is missing. "
                    "Run `make spark-env` (dbt-spark, pyspark and Java 17 in .venv-spark)."
                )
            return self.model_copy(update={"dbt_executable": str(spark_dbt)}).cli(args, **kwargs)
        return super().cli(args, **kwargs)


def default_dbt_resource() -> BondhedgeDbtResource:
    """The dbt resource, its target read from the environment (once, when definitions load)."""
    return BondhedgeDbtResource(
        project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE, target=settings.dbt_target()
    )


@dg.definitions
def dbt_resource() -> dg.Definitions:
    return dg.Definitions(resources={"dbt": default_dbt_resource()})
