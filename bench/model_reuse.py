"""Node times of the two dbt Python models: a full refresh vs a build after +1 business day.

    .venv/bin/python bench/model_reuse.py [WORKDIR]

Lands the sample through a Monday, builds, then for Tuesday..Thursday lands one more business day
and times a normal build (reuse: only cells whose input changed are recomputed) against a
`--full-refresh` of the same two models; prints each pair and the medians from
`run_results.json`. About 5 minutes on 2 cores.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import land, run_dbt  # noqa: E402

MODELS = ["int_hedge_bootstrap", "int_markov_regimes"]
DAYS = [date(2026, 6, 22), date(2026, 6, 23), date(2026, 6, 24), date(2026, 6, 25)]  # Mon..Thu


def node_times(work: Path, tag: str) -> dict[str, float]:
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    times = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results}
    out = {m: round(times[m], 2) for m in MODELS}
    print(tag, out, flush=True)
    return out


def main() -> None:
    work = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/bondhedge_model_reuse")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    warehouse = work / "warehouse.duckdb"
    land(warehouse, end_date=DAYS[0])
    run_dbt(warehouse, work, "seed")
    run_dbt(warehouse, work, "run", "--select", *(f"+{m}" for m in MODELS))
    incremental, full = [], []
    for day in DAYS[1:]:
        land(warehouse, end_date=day)
        run_dbt(warehouse, work, "run", "--select", *(f"+{m}" for m in MODELS))
        incremental.append(node_times(work, f"+1 day {day}"))
        run_dbt(warehouse, work, "run", "--select", *MODELS, "--full-refresh")
        full.append(node_times(work, f"full refresh {day}"))
    for m in MODELS:
        a = statistics.median(x[m] for x in full)
        b = statistics.median(x[m] for x in incremental)
        print(f"{m}: full median {a:.2f} s, +1 day median {b:.2f} s, ratio {b / a:.3f}")


if __name__ == "__main__":
    main()
