"""DuckDB threads for the dbt build: 1 vs 2 (dbt's own node threads stay at the profile's 2).

    .venv/bin/python bench/threads_bench.py data/warehouse.duckdb --repeats 2

Each run is a plain ``dbt build --full-refresh`` (every model computed in full, every test) on a
fresh copy of the given built warehouse, with a profile identical to ``profiles.yml``'s ``dev``
output plus ``settings: {threads: N}`` (DuckDB's worker threads). Runs are interleaved (1, 2,
2, 1, ...) so both settings see the same machine load; the medians of wall time, CPU time
(user + system of dbt and its children) and dbt's own node execution are printed with the
command that produced them. Nothing in the repository is changed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).parent / "dbt"
PROFILE = """bondhedge:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{path}"
      threads: 2
      settings:
        threads: {threads}
"""


def one_build(warehouse: Path, threads: int, work: Path) -> dict:
    run_dir = work / f"threads{threads}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    copy = run_dir / warehouse.name  # same file name: compiled SQL names the catalog
    shutil.copy2(warehouse, copy)
    (run_dir / "profiles.yml").write_text(PROFILE.format(path=copy, threads=threads))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BONDHEDGE_", "DBT_"))}
    env.update(
        BONDHEDGE_WAREHOUSE=str(copy),
        DBT_TARGET_PATH=str(run_dir / "target"),
        DBT_LOG_PATH=str(run_dir / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    cmd = [str(DBT), "build", "--full-refresh", "--project-dir", str(REPO)]
    cmd += ["--profiles-dir", str(run_dir)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise RuntimeError(f"dbt build (threads {threads}) failed:\n{proc.stdout[-3000:]}")
    elapsed = json.loads((run_dir / "target" / "run_results.json").read_text())["elapsed_time"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    shutil.rmtree(run_dir, ignore_errors=True)
    return {"threads": threads, "wall": wall, "cpu": cpu, "dbt_elapsed": elapsed}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("warehouse", type=Path, help="a built warehouse (e.g. after `make run`)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "threads.json")
    args = ap.parse_args(argv)
    samples: dict[int, list[dict]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="bondhedge-threads-") as tmp:
        for rep in range(args.repeats):
            for threads in (1, 2) if rep % 2 == 0 else (2, 1):
                doc = one_build(args.warehouse.resolve(), threads, Path(tmp))
                samples[threads].append(doc)
                print(
                    f"  threads {threads} #{rep + 1}: wall {doc['wall']:.1f}s, CPU "
                    f"{doc['cpu']:.1f}s, dbt nodes {doc['dbt_elapsed']:.1f}s; load "
                    f"{os.getloadavg()}",
                    flush=True,
                )
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    med = {
        t: {k: statistics.median(d[k] for d in docs) for k in ("wall", "cpu", "dbt_elapsed")}
        for t, docs in samples.items()
    }
    print(f"\ndbt build --full-refresh, DuckDB threads 1 vs 2 (medians): {command}")
    for t, m in med.items():
        print(
            f"  threads {t}: wall {m['wall']:.1f}s, CPU {m['cpu']:.1f}s, "
            f"nodes {m['dbt_elapsed']:.1f}s"
        )
    for k in ("wall", "cpu", "dbt_elapsed"):
        print(f"  {k}: 1 thread / 2 threads = {med[1][k] / med[2][k]:.2f}x")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": command, "samples": samples, "medians": med}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
