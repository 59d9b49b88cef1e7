"""Landing per series vs in one batch, at several multiples of the sample's series.

    .venv/bin/python bench/landing_bench.py --scales 1,16,64 --repeats 3

Every timed landing runs in a fresh interpreter (so no cache or DuckDB instance carries over)
on a fresh warehouse file: ``cold`` lands the whole history (1962 -> the fixed end date), then
``warm`` lands again on that file one business day later (the 30-day revision look-back is
re-fetched and compared, one new row per series), which is what an incremental run does. The
sample frames are generated before the clock starts (:class:`Prefetched`), so the figure is
validation plus writing, the part that differs between the two paths. Repeats are interleaved
(per-series, batch, batch, per-series, ...) so both see the same machine load; medians are
printed with the command that produced them. Clones are ``<ID>_Xnn`` catalog rows with the same
attributes (see ``run_bench.scaled_catalog``); the sample derives a series from its attributes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
END_DATE = date(2026, 6, 30)
MODES = ("per_series", "batch")
_PYCACHE = shutil.ignore_patterns("__pycache__", "*.pyc")


def clones(scale: int):
    """The catalog plus ``scale - 1`` clones of every series (as the scale bench writes it)."""
    from ingestion.catalog import load_catalog

    base = list(load_catalog())
    out = list(base)
    for k in range(1, scale):
        out += [
            dataclasses.replace(s, series_id=f"{s.series_id}_X{k:02d}", title=f"{s.title} ({k})")
            for s in base
        ]
    return out


class Prefetched:
    """The sample's frames generated up front; ``fetch`` only clips (costs no generation)."""

    name = "sample"

    def __init__(self, series, end_date: date):
        from ingestion.sources.sample import sample_frame

        self.frames = {s.series_id: sample_frame(s, end_date) for s in series}

    def fetch(self, series, start, end):
        from ingestion.sources.base import clip_range

        return clip_range(self.frames[series.series_id], start, end)


def child(warehouse: str, mode: str, scale: int, end: str) -> None:
    """One timed landing (run in its own process); prints a JSON line."""
    import ingestion.landing

    series = clones(scale)
    source = Prefetched(series, date.fromisoformat(end))
    # "per_series@REV" runs land_series of an older checkout (PYTHONPATH set by run_child)
    land = getattr(ingestion.landing, "land_series_batch" if mode == "batch" else "land_series")
    cpu, t = time.process_time(), time.perf_counter()
    report = land(Path(warehouse), source, series, fetch_workers=1)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    landed = [r for r in report.results if r.ok]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "series": len(series),
                "landed": len(landed),
                "rows": sum(r.counts.fetched for r in landed),
                "inserted": sum(r.counts.inserted for r in landed),
            }
        )
    )


def run_child(warehouse: Path, mode: str, scale: int, end: date, code: Path = REPO) -> dict:
    cmd = [sys.executable, __file__, "--child", str(warehouse), mode, str(scale), end.isoformat()]
    env = dict(os.environ, PYTHONPATH=str(code))
    out = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"{mode} {scale}x failed:\n{out.stderr[-3000:]}")
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    if doc["landed"] != doc["series"]:
        raise RuntimeError(f"{mode} {scale}x: only {doc['landed']} of {doc['series']} landed")
    return doc


def baseline_checkout(rev: str, workdir: Path) -> Path:
    """``ingestion/`` and the catalog seed of git revision ``rev``, extracted under workdir."""
    dest = workdir / f"baseline-{rev}"
    dest.mkdir(parents=True, exist_ok=True)
    paths = ["ingestion", "dbt_project/seeds"]
    # newer revisions read their lists from dbt_project.yml's vars
    has_vars = subprocess.run(["git", "cat-file", "-e", f"{rev}:dbt_project.yml"], cwd=REPO)
    if has_vars.returncode == 0:
        paths.append("dbt_project.yml")
    archive = subprocess.run(
        ["git", "archive", rev, *paths],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def bench(
    scales: list[int],
    repeats: int,
    workdir: Path,
    log=print,
    baseline: str | None = None,
    modes: tuple[str, ...] = MODES,
) -> list[dict]:
    """Interleaved cold + warm landings per mode; one row per (scale, mode, phase).

    ``baseline``: a git revision whose ``land_series`` is timed too (mode ``per_series@REV``).
    """
    samples: dict[tuple[int, str, str], list[dict]] = {}
    later = END_DATE + timedelta(days=1)  # 2026-07-01, a Wednesday
    # a snapshot of the code, so edits made while the bench runs do not leak into it
    current = workdir / "current"
    shutil.copytree(REPO / "ingestion", current / "ingestion", ignore=_PYCACHE)
    shutil.copytree(REPO / "dbt_project" / "seeds", current / "dbt_project" / "seeds")
    shutil.copy2(REPO / "dbt_project.yml", current / "dbt_project.yml")  # ingestion reads its vars
    code = {m: current for m in modes}
    if baseline:
        code[f"per_series@{baseline}"] = baseline_checkout(baseline, workdir)
    names = list(code)
    for scale in scales:
        for rep in range(repeats):
            order = names if rep % 2 == 0 else names[::-1]
            for mode in order:
                wh = workdir / f"land_{scale}x_{mode.replace('@', '_')}_{rep}.duckdb"
                for phase, end in (("cold", END_DATE), ("warm +1 day", later)):
                    doc = run_child(wh, mode, scale, end, code[mode])
                    samples.setdefault((scale, mode, phase), []).append(doc)
                    log(
                        f"  land {scale}x {mode} {phase} #{rep + 1}: {doc['seconds']:.2f}s "
                        f"({doc['series']} series, {doc['rows']:,} rows; load {os.getloadavg()})"
                    )
                for p in wh.parent.glob(wh.name + "*"):
                    p.unlink()
    rows = []
    for (scale, mode, phase), docs in samples.items():
        secs = [d["seconds"] for d in docs]
        rows.append(
            {
                "scale": scale,
                "mode": mode,
                "phase": phase,
                "series": docs[0]["series"],
                "rows": docs[0]["rows"],
                "median_seconds": statistics.median(secs),
                "median_cpu": statistics.median(d["cpu"] for d in docs),
                "seconds": secs,
                "per_series_ms": 1000 * statistics.median(secs) / docs[0]["series"],
            }
        )
    return rows


def ratios(rows: list[dict]) -> list[dict]:
    """per-series / batch median for every (scale, phase) measured in the same loop."""
    by = {(r["scale"], r["mode"], r["phase"]): r for r in rows}
    out = []
    for (scale, mode, phase), r in by.items():
        if mode.startswith("per_series") and (scale, "batch", phase) in by:
            b = by[(scale, "batch", phase)]
            ratio = r["median_seconds"] / b["median_seconds"]
            out.append({"scale": scale, "phase": phase, "mode": mode, "ratio": ratio})
    return out


def print_rows(rows: list[dict], command: str) -> None:
    print(f"\nlanding, validation + write (medians of interleaved repeats): {command}")
    print(
        f"{'scale':>5} {'series':>6} {'rows':>11} {'phase':<12} {'mode':<18} {'median':>9} "
        f"{'CPU':>8} {'ms/series':>9}  samples"
    )
    for r in sorted(rows, key=lambda r: (r["scale"], r["phase"], r["mode"])):
        print(
            f"{r['scale']:>4}x {r['series']:>6} {r['rows']:>11,} {r['phase']:<12} {r['mode']:<18} "
            f"{r['median_seconds']:>8.2f}s {r['median_cpu']:>7.2f}s {r['per_series_ms']:>9.1f}  "
            + " ".join(f"{s:.2f}" for s in r["seconds"])
        )
    for q in ratios(rows):
        print(f"  {q['scale']}x {q['phase']}: {q['mode']} / batch = {q['ratio']:.2f}x")


def main(argv=None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:4], int(sys.argv[4]), sys.argv[5])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="1,16,64")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--baseline", help="also time land_series of this git revision (e.g. the last release)"
    )
    ap.add_argument("--modes", default=",".join(MODES), help="of per_series,batch")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "landing.json")
    args = ap.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",")]
    with tempfile.TemporaryDirectory(prefix="bondhedge-landing-") as tmp:
        modes = tuple(m for m in args.modes.split(",") if m)
        rows = bench(scales, args.repeats, Path(tmp), baseline=args.baseline, modes=modes)
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    print_rows(rows, command)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": command, "rows": rows, "ratios": ratios(rows)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
