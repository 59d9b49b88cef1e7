"""Run several dbt commands on the `spark` target in ONE process, so they share one local
Spark session (its start-up dominates small builds). Runs in .venv-spark (`make spark-env`).

    .venv-spark/bin/python spark/run_dbt.py "seed" "run --select stg_observations+"

Each argument is one dbt command line; `--target spark` and the project/profiles dirs are
added. Stops at the first failing command with its exit code. Prints each command's wall
time, and the summed node execution time from dbt's run results.

dbt Python models run in this process's Spark session: spark/python_session.py adds that
submission method to dbt-spark (registered here, so only this entry point has it), and the
models import their I/O helper dbt_project/python/model_io.py from the project root."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

from dbt.cli.main import dbtRunner

ROOT = Path(__file__).resolve().parents[1]
# the dbt Python models import dbt_project/python/model_io.py; spark.python_session below
sys.path.insert(0, str(ROOT))

from spark.python_session import register  # noqa: E402

register()  # dbt Python models run in this process's Spark session


def main(commands: list[str]) -> int:
    runner = dbtRunner()
    for command in commands:
        args = [*shlex.split(command), "--target", "spark"]
        args += ["--project-dir", str(ROOT), "--profiles-dir", str(ROOT)]
        start = time.perf_counter()
        result = runner.invoke(args)
        wall = time.perf_counter() - start
        nodes = getattr(result.result, "results", None) or []
        node_time = sum(getattr(r, "execution_time", 0.0) or 0.0 for r in nodes)
        print(f"[spark] dbt {command}: wall {wall:.1f} s, nodes {node_time:.1f} s", flush=True)
        if not result.success:
            print(f"[spark] dbt {command} failed: {result.exception or 'see log'}", flush=True)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
