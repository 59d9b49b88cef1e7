"""The same marts built by dbt on DuckDB and on Spark (issue 13), at multiples of the
sample from 2020 (tests/test_spark_python_models.py's LongerSample: the Markov fit needs 60
months).

    .venv/bin/python bench/spark_bench.py --scales 1,16

Per scale: a sandbox (tests/sandbox.py) with the catalog cloned ``scale`` times, one landing,
exported to Parquet; then ``dbt build`` of every model
on DuckDB (target dev) and on Spark (the same dbt commands the pipeline's Spark step runs:
register the raw export, seed, build, in one Spark process, spark/run_dbt.py). Reported: each
engine's wall (the dbt process, Spark's JVM and session start included) and node time (the sum
of dbt's per-node execution times: what a warm cluster would pay). Skips, saying so, when
.venv-spark is missing (``make spark-env``). Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from orchestration.lib.settings import spark_python  # noqa: E402

SPARK_PYTHON = spark_python()
from tests.sandbox import CodeSandbox  # noqa: E402
from tests.support import SAMPLE_END  # noqa: E402

LAND = """
import sys
from pathlib import Path
from ingestion.landing import land_series
from ingestion.parquet_export import export_raw
from tests.support import SAMPLE_END
from tests.test_spark_python_models import LongerSample
warehouse = Path(sys.argv[1])
assert land_series(warehouse, LongerSample(end_date=SAMPLE_END)).failed == []
print(export_raw(warehouse, Path(sys.argv[2]))["observations"])
"""


def _node_seconds(target: Path) -> float:
    doc = json.loads((target / "run_results.json").read_text())
    return sum(r["execution_time"] or 0.0 for r in doc["results"])


def _timed(cmd: list[str], env: dict, cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    return time.perf_counter() - start


def bench(scales: list[int], workdir: Path, log=print) -> list[dict]:
    """One row per (scale, engine): rows landed, wall and node seconds."""
    if not SPARK_PYTHON.exists():
        log("spark: skipped, .venv-spark is missing (make spark-env)")
        return []
    from run_bench import scaled_catalog

    rows = []
    for scale in scales:
        sb = CodeSandbox(workdir / f"spark_{scale}x", end_date=SAMPLE_END)
        sb.copy_code()
        shutil.copytree(REPO / "tests", sb.root / "tests", dirs_exist_ok=True)
        shutil.copytree(REPO / "spark", sb.root / "spark", dirs_exist_ok=True)
        seed = sb.root / "dbt_project" / "seeds" / "series_catalog.csv"
        n_series = scaled_catalog(seed, seed, scale)
        env = dict(os.environ, PYTHONPATH=str(sb.root), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
        raw = sb.data / "spark" / "raw"
        land = subprocess.run(
            [sys.executable, "-c", LAND, str(sb.warehouse), str(raw)],
            env=env,
            cwd=sb.root,
            capture_output=True,
            text=True,
            check=True,
        )
        n_rows = int(land.stdout.strip().splitlines()[-1])
        duck_target = sb.root / "target_duck"
        duck_env = dict(
            env, DBT_TARGET_PATH=str(duck_target), BONDHEDGE_WAREHOUSE=str(sb.warehouse)
        )
        wall = _timed(
            [
                str(Path(sys.executable).with_name("dbt")),
                "build",
                "--project-dir",
                str(sb.root),
                "--profiles-dir",
                str(sb.root),
            ],
            duck_env,
            sb.root,
        )
        rows.append(
            dict(
                scale=scale,
                series=n_series,
                rows=n_rows,
                engine="duckdb",
                wall=wall,
                nodes=_node_seconds(duck_target),
            )
        )
        log(f"spark bench {scale}x: duckdb wall {wall:.1f} s")
        spark_target = sb.root / "target_spark"
        spark_env = dict(
            env, DBT_TARGET_PATH=str(spark_target), BONDHEDGE_SPARK_DIR=str(sb.data / "spark")
        )
        register = f"run-operation register_raw_parquet --args '{{raw_dir: {raw}}}'"
        wall = _timed(
            [
                str(SPARK_PYTHON),
                str(sb.root / "spark" / "run_dbt.py"),
                register,
                "build",
            ],
            spark_env,
            sb.root,
        )
        rows.append(
            dict(
                scale=scale,
                series=n_series,
                rows=n_rows,
                engine="spark",
                wall=wall,
                nodes=_node_seconds(spark_target),
            )
        )
        log(f"spark bench {scale}x: spark wall {wall:.1f} s")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="1,16")
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bondhedge-spark-bench-"))
    rows = bench([int(s) for s in args.scales.split(",")], workdir)
    for r in rows:
        print(
            f"{r['scale']:>3}x {r['series']:>4} series {r['rows']:>8} rows  {r['engine']:<6} "
            f"wall {r['wall']:7.1f} s  nodes {r['nodes']:7.1f} s  (load {os.getloadavg()[0]:.1f})"
        )
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
