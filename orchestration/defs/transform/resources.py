"""The ``dbt`` resource: dagster-dbt's CLI resource on this project's dbt-core."""

from __future__ import annotations

import importlib.metadata
import sys
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.defs.transform.project import dbt_project

#: the dbt installed beside this interpreter, whatever PATH says
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


class BondhedgeDbtResource(DbtCliResource):
    """dagster-dbt's resource, minus a ``dbt --version`` subprocess on every invocation.

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


@dg.definitions
def dbt_resource() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "dbt": BondhedgeDbtResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
        }
    )
