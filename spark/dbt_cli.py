"""`dbt` of the Spark environment, as the pipeline's dbt step runs it (dagster-dbt calls it
with dbt's own arguments; spark/dbt is the executable). The same as .venv-spark's `dbt`, plus
the `session` submission method of the dbt Python models (spark/python_session.py), which
exists only where it is registered — here and in spark/run_dbt.py."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the dbt Python models import dbt_project/python/model_io.py; spark.python_session below
sys.path.insert(0, str(ROOT))

from spark.python_session import register  # noqa: E402

register()

from dbt.cli.main import cli  # noqa: E402

if __name__ == "__main__":
    sys.exit(cli())
