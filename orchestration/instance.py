"""The Dagster instance class named in ``dagster.yaml``: Dagster's own, storing in its own files.

Its one change is the default storage: Dagster's SQLite storage under the instance directory
(``history/``, ``history/runs/``, ``schedules/``, exactly Dagster's layout), with an event log
that keeps its SQLite connections (``instance_storage.py``). It is a default, resolved from the
directory the instance is opened from, so ``DagsterInstance.from_config(home)`` reads ``home``
whatever ``DAGSTER_HOME`` says, and a ``storage:`` block in ``dagster.yaml`` (Postgres, see
``docs/scaling_out.md``) replaces it as it replaces Dagster's default.
"""

from __future__ import annotations

from collections.abc import Mapping

import yaml
from dagster._core.instance import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster._serdes import ConfigurableClassData


class BondhedgeInstance(DagsterInstance):
    """Dagster's instance with :class:`KeptConnectionSqliteStorage` as the default storage."""

    @classmethod
    def config_schema(cls) -> dict:
        return {}  # no settings of its own: dagster.yaml's keys are Dagster's

    @staticmethod
    def config_defaults(base_dir: str) -> Mapping[str, ConfigurableClassData | None]:
        return {
            **InstanceRef.config_defaults(base_dir),
            "storage": ConfigurableClassData(
                "orchestration.instance_storage",
                "KeptConnectionSqliteStorage",
                yaml.dump({"base_dir": base_dir}, default_flow_style=False),
            ),
        }
