"""The ``dbt`` resource: dagster-dbt's CLI resource on this project's dbt-core.

Its ``target`` (profiles.yml: ``dev`` = DuckDB, ``spark``) defaults to ``BONDHEDGE_DBT_TARGET``
and can be set per run in the launchpad (``resources.dbt.config.target``). Each target runs
its own dbt: DuckDB's is the one beside this interpreter, Spark's the one in ``.venv-spark``
(``make spark-env``), so the main environment never gets pyspark.
"""

from __future__ import annotations

import importlib.metadata
import sys
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
    """dagster-dbt's resource, minus a ``dbt --version`` subprocess on every invocation, and
    with the dbt of the configured target.

    DbtCliResource asks the executable for its version (a second dbt process start, about 3.5 s
    on this machine class) to choose between dbt-core and the Fusion engine. The executable we
    configure is the dbt-core installed beside this interpreter, so its version is the
    installed package's; a different executable still gets asked.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable).resolve() == Path(DBT_EXECUTABLE).resolve():
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version

    @property
    def is_spark(self) -> bool:
        return is_spark(self.target)

    def _initialize_dbt_core_adapter(self, args):
        # dagster-dbt opens an adapter in this process (row counts, column metadata); the
        # Spark adapter is not installed here (it lives in .venv-spark) and is not needed
        return None if self.is_spark else super()._initialize_dbt_core_adapter(args)

    def cli(self, args, **kwargs):
        """dagster-dbt's ``cli``, run by the Spark environment's dbt on the spark target."""
        if self.is_spark and Path(self.dbt_executable).resolve() == Path(DBT_EXECUTABLE).resolve():
            spark_dbt = settings.spark_dbt_executable()
            if not spark_dbt.exists():
                raise dg.Failure(
                    f"dbt target 'spark' needs the Spark environment: {spark_dbt} is missing. "
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
