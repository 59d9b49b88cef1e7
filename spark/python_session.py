"""dbt Python models on the `spark` target's local session: a submission method `session`.

dbt-spark 1.11 submits Python models to Databricks only (`job_cluster`,
`all_purpose_cluster`: SparkAdapter.python_submission_helpers); with `method: session` there
is nothing to submit to (dbt-spark issue #415, open; PR #1063 proposes this same method).
`SessionPythonJobHelper` runs the compiled model code (the model, dbt's `dbtObj` and
dbt-spark's `py_write_table`, which calls `model(dbt, spark)` and saves the result with
`saveAsTable`) in the dbt process, against the SparkSession dbt-spark's session connection
opened, so Python models read and write the same metastore and warehouse as the SQL models.

`register()` adds the method and makes it the default when the profile's method is
`session` (any other method keeps dbt-spark's default); spark/run_dbt.py calls it before
running dbt, so it is active only in that entry point, i.e. only for the `spark` target.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.base import PythonJobHelper
from dbt.adapters.spark.impl import SparkAdapter
from dbt_common.exceptions import DbtRuntimeError

SESSION = "session"


class SessionPythonJobHelper(PythonJobHelper):
    """Runs a compiled dbt Python model in the dbt process's SparkSession."""

    def __init__(self, parsed_model: dict, credentials: Any) -> None:
        if getattr(credentials.method, "value", credentials.method) != SESSION:
            raise DbtRuntimeError(
                f"submission_method 'session' needs the profile's `method: session` "
                f"(got {credentials.method!r}) for model {parsed_model['alias']}"
            )
        self.name = f"{parsed_model['schema']}.{parsed_model['alias']}"

    def submit(self, compiled_code: str) -> None:
        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
        namespace = {"__name__": f"dbt_python_model.{self.name}", "spark": spark}
        exec(compile(compiled_code, f"<dbt python model {self.name}>", "exec"), namespace)


_original_helpers = SparkAdapter.python_submission_helpers
_original_default = SparkAdapter.default_python_submission_method


def _helpers(self) -> dict[str, type[PythonJobHelper]]:
    return {**_original_helpers.fget(self), SESSION: SessionPythonJobHelper}


def _default(self) -> str:
    method = self.connections.profile.credentials.method
    if getattr(method, "value", method) == SESSION:
        return SESSION
    return _original_default.fget(self)


def register() -> None:
    """Add the `session` submission method to dbt-spark (idempotent)."""
    SparkAdapter.python_submission_helpers = property(_helpers)
    SparkAdapter.default_python_submission_method = property(_default)
