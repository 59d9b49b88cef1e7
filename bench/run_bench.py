"""bondhedge benchmarks: end-to-end pipeline, incremental refresh, scale, transform efficiency.

    .venv/bin/python bench/run_bench.py            # the full set (tens of minutes on 2 cores)
    .venv/bin/python bench/run_bench.py --quick    # one run of each, scales 1x and 4x: a smoke run

Prints one table (figure, median, runs, target, met?) and writes every sample, the table and
the machine's load to ``bench/results/latest.json``. Nothing here is a test: timings depend on
the machine and on whatever else it runs, so they are reported, never asserted.

Every run happens in a sandbox: a temporary copy of the code (``ingestion``, ``orchestration``,
``dbt_project``, ``dbt_project.yml``, ``profiles.yml``) with its own dbt manifest, target
folder, DAGSTER_HOME, warehouse and published file. The repository's ``target/``, ``data/``
and ``.dagster_home/`` are never touched, so the bench can run while others work in the repo.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `python bench/run_bench.py`: the sandbox tests/ shares with us
from tests.sandbox import CodeSandbox  # noqa: E402

PY = Path(sys.executable)
BIN = PY.parent
RESULTS = REPO / "bench" / "results"
#: the sample's last date for every run: fixed, so the runs are comparable over time. A
#: Tuesday inside a month: the incremental run (+1 business day) is a routine day, which adds no
#: complete week or month; MONTH_END's next business day is the first of a month (the open
#: eras' bootstrap cells are resampled then: `incremental, first business day of a month`)
END_DATE = date(2026, 6, 23)
MONTH_END = date(2026, 6, 30)
JOB = "refresh_all"
WINDOWS = (("daily", 63), ("daily", 126), ("daily", 252), ("daily", 756))
WINDOWS += (("monthly", 36), ("monthly", 60))

try:
    import psutil
except ImportError:  # psutil is a dev dependency; RSS then comes from getrusage only
    psutil = None


# -- small utilities ------------------------------------------------------------------------


def log(msg: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {msg}", flush=True)


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def next_business_day(d: date) -> date:
    d += timedelta(days=1)
    while d.weekday() >= 5 or (d.month, d.day) in ((1, 1), (7, 4), (12, 25)):
        d += timedelta(days=1)
    return d


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else math.nan


class PeakRss:
    """Samples the summed RSS of a process tree every ``interval`` seconds (needs psutil)."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval = pid, interval
        self.peak_tree = 0
        self.peak_single = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        if psutil is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    def _run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    try:
                        rss = p.memory_info().rss
                    except psutil.Error:
                        continue
                    total += rss
                    self.peak_single = max(self.peak_single, rss)
            except psutil.Error:
                break
            self.peak_tree = max(self.peak_tree, total)
            self._stop.wait(self.interval)


@dataclass
class Proc:
    seconds: float
    peak_rss_tree: int
    stdout: str
    returncode: int
    cpu_seconds: float  # user + system time of the process and every descendant it waited for


def run(cmd: Sequence[str], *, env: dict, cwd: Path, check: bool = True) -> Proc:
    """Run a command, timing it and sampling the peak RSS of its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        p = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        with PeakRss(p.pid) as rss:
            rc = p.wait()
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.seek(0)
        text = out.read()
    if check and rc != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {rc}:\n{text[-5000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Proc(seconds, rss.peak_tree, text, rc, cpu)


# -- sandboxes --------------------------------------------------------------------------------


def scaled_catalog(src: Path, dest: Path, scale: int) -> int:
    """Write the catalog with ``scale - 1`` clones of every series (``DGS10_X01`` ...)."""
    with open(src, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    out = list(rows)
    for k in range(1, scale):
        for r in rows:
            clone = dict(r)
            clone["series_id"] = f"{r['series_id']}_X{k:02d}"
            clone["title"] = f"{r['title']} (bench clone {k})"
            out.append(clone)
    with open(dest, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(out)
    return len(out)


class Sandbox(CodeSandbox):
    """The shared sandbox (tests/sandbox.py) with a catalog scaled ``scale`` times."""

    def __init__(self, root: Path, scale: int = 1):
        super().__init__(root, END_DATE)
        self.scale = scale
        self.n_series = 0
        self.prepare_seconds = math.nan

    def create(self) -> Sandbox:
        self.copy_code()
        seed = self.root / "dbt_project" / "seeds" / "series_catalog.csv"
        self.n_series = scaled_catalog(seed, seed, self.scale)
        # the manifest Dagster loads (what `make` does once per dbt change)
        proc = run(self.prepare_command(), env=self.env(), cwd=self.root)
        self.prepare_seconds = proc.seconds
        return self

    def wipe_data(self) -> None:
        shutil.rmtree(self.data, ignore_errors=True)
        self.data.mkdir(parents=True)

    def raw_rows(self) -> int:
        """Rows of raw.observations in the sandbox's warehouse (after a run)."""
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute("select count(*) from raw.observations").fetchone()[0]
        finally:
            con.close()


# -- end-to-end runs --------------------------------------------------------------------------


@dataclass
class PipelineRun:
    label: str
    wall: float
    steps: dict[str, float]
    dbt_execution: float  # run_results.json elapsed_time (dbt's own execution of the nodes)
    peak_rss_tree: int
    run_id: str
    cpu: float
    events: int  # Dagster events the run wrote to the instance's event log (SQLite)
    before_start: float  # run created -> RUN_START
    node_times: dict[str, float] = field(default_factory=dict)
    dbt_phases: dict[str, float] = field(default_factory=dict)

    def step(self, *prefixes: str) -> float:
        return sum(v for k, v in self.steps.items() if k.startswith(prefixes))

    @property
    def land(self) -> float:
        return self.step("land_raw_series")

    @property
    def dbt(self) -> float:
        return self.step("bondhedge_dbt_models")

    @property
    def checks(self) -> float:
        return self.step("mart_pandera_checks")

    @property
    def publish(self) -> float:
        return self.step("published")

    @property
    def other_steps(self) -> float:
        return sum(self.steps.values()) - self.land - self.dbt - self.checks - self.publish

    @property
    def dbt_start(self) -> float:
        return self.dbt_phases.get("start", math.nan)

    @property
    def dbt_parse(self) -> float:
        return self.dbt_phases.get("parse", math.nan)

    @property
    def dbt_after(self) -> float:
        return self.dbt_phases.get("after", math.nan)

    @property
    def overhead(self) -> float:
        return self.wall - sum(self.steps.values())


def step_stats(home: Path) -> dict:
    """The newest run's id, step durations and event count, read from the instance in ``home``.

    ``before_start``: seconds from the run's creation to its RUN_START (execution plan, planned
    materialization events), part of the fixed overhead.
    """
    code = textwrap.dedent(
        """
        import json, dagster as dg
        i = dg.DagsterInstance.get()
        run = i.get_runs(limit=1)[0]
        steps = i.get_run_step_stats(run.run_id)
        stats = {s.step_key: (s.end_time or 0) - (s.start_time or 0) for s in steps}
        spans = {s.step_key: [s.start_time, s.end_time] for s in steps}
        rec = i.get_run_record_by_id(run.run_id)
        print(json.dumps({"run_id": run.run_id, "status": run.status.value, "steps": stats,
                          "spans": spans,
                          "events": len(i.all_logs(run.run_id)),
                          "before_start": rec.start_time - rec.create_timestamp.timestamp()}))
        """
    )
    env = dict(os.environ, DAGSTER_HOME=str(home))
    out = subprocess.run([str(PY), "-c", code], env=env, capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    if doc["status"] != "SUCCESS":
        raise RuntimeError(f"run {doc['run_id']} ended {doc['status']}")
    return doc


def run_results(target: Path) -> tuple[float, dict[str, float]]:
    doc = json.loads((target / "run_results.json").read_text())
    return doc["elapsed_time"], {r["unique_id"]: r["execution_time"] for r in doc["results"]}


def dbt_phases(target: Path, step: list[float]) -> dict[str, float]:
    """The dbt step in four phases, from its Dagster start/end and dbt's run_results.json.

    ``start``: step start -> dbt's invocation start (dagster-dbt setup, the dbt process and
    its imports); ``parse``: invocation start -> first node (partial parse, adapter, graph);
    ``execute``: dbt running the nodes (``elapsed_time``); ``after``: dbt's end -> step end
    (dagster-dbt turning ~370 results into events, writing them to the event log, and the
    asset's row-count/date-range/preview queries per relation).
    """
    doc = json.loads((target / "run_results.json").read_text())
    meta, elapsed = doc["metadata"], doc["elapsed_time"]

    def ts(text: str) -> float:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

    invoked, done = ts(meta["invocation_started_at"]), ts(meta["generated_at"])
    return {
        "start": invoked - step[0],
        "parse": done - elapsed - invoked,
        "execute": elapsed,
        "after": step[1] - done,
    }


def pipeline(sb: Sandbox, label: str, end: date = END_DATE) -> PipelineRun:
    cmd = [str(BIN / "dagster"), "job", "execute", "-m", "orchestration.definitions", "-j", JOB]
    proc = run(cmd, env=sb.env(end), cwd=sb.root)
    stats = step_stats(sb.home)
    elapsed, nodes = run_results(sb.dbt_target)
    phases = dbt_phases(sb.dbt_target, stats["spans"]["bondhedge_dbt_models"])
    result = PipelineRun(
        label,
        proc.seconds,
        stats["steps"],
        elapsed,
        proc.peak_rss_tree,
        stats["run_id"],
        proc.cpu_seconds,
        stats["events"],
        stats["before_start"],
        nodes,
        phases,
    )
    log(
        f"  {label}: {result.wall:.1f}s (land {result.land:.1f}, dbt {result.dbt:.1f}, "
        f"checks {result.checks:.1f}, publish {result.publish:.1f}, overhead "
        f"{result.overhead:.1f}; CPU {result.cpu:.1f}s; {result.events} events; load "
        f"{loadavg()})"
    )
    return result


def definitions_load(sb: Sandbox) -> float:
    """Interpreter start plus `import orchestration.definitions` (what every run pays)."""
    code = "import orchestration.definitions as d; d.defs.resolve_job_def('refresh_all')"
    return run([str(PY), "-c", code], env=sb.env(), cwd=sb.root).seconds


def install_seconds(workdir: Path) -> float:
    """`uv sync --frozen` into an empty virtualenv, as `make` does on a fresh clone.

    The package cache is whatever this machine has (warm after the first install): the figure
    is unpacking, linking and byte-compiling the locked environment, not downloading it.
    """
    uv = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    venv = workdir / "install-venv"
    shutil.rmtree(venv, ignore_errors=True)
    env = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(venv), UV_COMPILE_BYTECODE="1")
    env.pop("VIRTUAL_ENV", None)
    try:
        return run([uv, "sync", "--frozen", "--quiet"], env=env, cwd=REPO).seconds
    finally:
        shutil.rmtree(venv, ignore_errors=True)


# -- scale ------------------------------------------------------------------------------------

LAND_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys, time
    from datetime import date
    from pathlib import Path
    from ingestion.catalog import load_catalog
    from ingestion.landing import land_series
    from ingestion.sources.sample import SampleSource
    t = time.perf_counter()
    report = land_series(Path(sys.argv[1]), SampleSource(end_date=date.fromisoformat(sys.argv[2])),
                         load_catalog(), fetch_workers=int(sys.argv[3]))
    seconds = time.perf_counter() - t
    # VmHWM: this process's own peak RSS. (ru_maxrss would not do: Linux carries the parent's
    # high-water mark across fork and exec, so it never reads below the bench's own RSS.)
    hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
    peak = int(hwm[0].split()[1]) * 1024 if hwm else resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({
        "seconds": seconds,
        "rows": sum(r.counts.fetched for r in report.results if r.ok),
        "landed": sum(r.ok for r in report.results),
        "failed": [r.series_id for r in report.results if not r.ok],
        "maxrss_bytes": peak,
    }))
    """
)


@dataclass
class ScaleRun:
    scale: int
    series: int
    rows: int
    land_wall: float
    land_seconds: float
    land_maxrss: int
    land_peak_tree: int
    dbt_wall: float
    dbt_execution: float
    dbt_peak_tree: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.land_seconds


def scale_once(sb: Sandbox, workers: int) -> ScaleRun:
    sb.wipe_data()
    proc = run(
        [str(PY), "-c", LAND_SCRIPT, str(sb.warehouse), END_DATE.isoformat(), str(workers)],
        env=sb.env(),
        cwd=sb.root,
    )
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    if doc["failed"]:
        raise RuntimeError(f"series not landed at {sb.scale}x: {doc['failed'][:5]}")
    target = sb.root / "target" / "bench_scale"
    dbt = run(
        [
            str(BIN / "dbt"),
            "build",
            "--select",
            "resource_type:seed",
            "staging",
            "intermediate",
            "--indirect-selection",
            "cautious",  # only tests whose parents are all selected (not marts' tests)
            "--project-dir",
            str(sb.root),
            "--profiles-dir",
            str(sb.root),
        ],
        env=sb.env(DBT_TARGET_PATH=str(target), DBT_LOG_PATH=str(target)),
        cwd=sb.root,
    )
    elapsed, _ = run_results(target)
    r = ScaleRun(
        sb.scale,
        doc["landed"],
        doc["rows"],
        proc.seconds,
        doc["seconds"],
        doc["maxrss_bytes"],
        proc.peak_rss_tree,
        dbt.seconds,
        elapsed,
        dbt.peak_rss_tree,
    )
    log(
        f"  {sb.scale}x: {r.series} series, {r.rows:,} rows: land {r.land_seconds:.1f}s "
        f"({r.rows_per_second:,.0f} rows/s, max RSS {r.land_maxrss / 2**20:.0f} MiB), dbt "
        f"staging+intermediate {r.dbt_wall:.1f}s (peak tree RSS {r.dbt_peak_tree / 2**20:.0f} "
        f"MiB); load {loadavg()}"
    )
    return r


# -- transform efficiency ---------------------------------------------------------------------


def topo_nodes(manifest: dict) -> list[dict]:
    """Models, seeds and tests of the project in dependency order."""
    nodes = {
        uid: n
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] in ("model", "seed", "test") and n["package_name"] == "bondhedge"
    }
    order, seen = [], set()

    def visit(uid: str) -> None:
        if uid in seen or uid not in nodes:
            return
        seen.add(uid)
        for dep in nodes[uid]["depends_on"].get("nodes", []):
            visit(dep)
        order.append(nodes[uid])

    for uid in sorted(nodes):
        visit(uid)
    return order


def direct_sql(warehouse: Path, manifest: dict, dbt_times: dict[str, float]) -> dict[str, float]:
    """Run every compiled model and test of a dbt build straight in DuckDB; seconds per node.

    A dbt Python model (resampling, numpy) has no SQL to replay: its time is dbt's own
    (``dbt_times``, from run_results.json), and its table, already in the copied warehouse
    from the same build's inputs, feeds the nodes after it.
    """
    times: dict[str, float] = {}
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set enable_progress_bar = false")
        for node in topo_nodes(manifest):
            uid, kind = node["unique_id"], node["resource_type"]
            started = time.perf_counter()
            if kind == "seed":
                continue  # seeds are already loaded in the copied warehouse (two tiny CSVs)
            if kind == "model" and node.get("language") == "python":
                times[uid] = dbt_times[uid]
                continue
            if kind == "model":
                sql = node["compiled_code"]
                mat = node["config"]["materialized"]
                what = "view" if mat == "view" else "table"
                con.execute(f"create schema if not exists {node['schema']}")
                con.execute(f"create or replace {what} {node['relation_name']} as {sql}")
            else:
                con.execute(
                    f"select count(*) from ({node['compiled_code']}) as dbt_internal_test"
                ).fetchone()
            times[uid] = time.perf_counter() - started
    finally:
        con.close()
    return times


def as_float(column) -> np.ndarray:
    """A fetched numeric column as floats with NULL -> NaN (fetchnumpy masks NULLs)."""
    return np.ma.filled(np.ma.asarray(column).astype(float), np.nan)


def load_pairs(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], dict]:
    """The equity/bond return pairs rolling_correlations windows over, per frequency."""
    rows = con.execute(
        """
        with catalog as (
            select asset_id, asset_class = 'equity' as is_equity from reference.asset_catalog
        ),
        returns as (
            select asset_id, 'daily' as frequency, calendar_date as period_key,
                   calendar_date as period_end, total_return
            from intermediate.int_asset_returns_daily
            union all
            select asset_id, frequency, period_key, period_end,
                   case when is_complete_period then total_return end
            from intermediate.int_asset_returns_periodic where frequency = 'monthly'
        )
        select e.frequency, e.asset_id, b.asset_id,
               greatest(e.period_end, b.period_end) as as_of_date,
               e.total_return, b.total_return
        from returns e
        join catalog ec on e.asset_id = ec.asset_id and ec.is_equity
        join returns b on e.frequency = b.frequency and e.period_key = b.period_key
        join catalog bc on b.asset_id = bc.asset_id and not bc.is_equity
        order by 1, 2, 3, 4
        """
    ).fetchnumpy()
    freq, eq, bond = rows["frequency"], rows["asset_id"], rows["asset_id_1"]
    x, y = as_float(rows["total_return"]), as_float(rows["total_return_1"])
    keys = np.char.add(np.char.add(freq.astype(str), "|"), np.char.add(eq.astype(str), "|"))
    keys = np.char.add(keys, bond.astype(str))
    out = {}
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    for s, e in zip(starts, ends, strict=True):
        f, a, b = str(keys[s]).split("|")
        out[(f, a, b)] = {"x": x[s:e], "y": y[s:e], "dates": rows["as_of_date"][s:e]}
    return out


def _window_sum(values: np.ndarray, n: int) -> np.ndarray:
    c = np.concatenate(([0.0], np.cumsum(values)))
    out = c[n:] - c[:-n]
    head = c[1:n]  # partial windows at the start
    return np.concatenate((head, out))[: len(values)]


def rolling_stats(x: np.ndarray, y: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """O(len) trailing-window corr/beta/downside beta by cumulative sums (same NULL rules)."""
    mx, my = ~np.isnan(x), ~np.isnan(y)
    both = mx & my
    # centre first: cumulative sums of centred returns keep full precision
    xc = np.where(mx, x - np.nanmean(x), 0.0)
    yc = np.where(my, y - np.nanmean(y), 0.0)
    down = both & (np.where(mx, x, 0.0) < 0)
    down_x = mx & (np.where(mx, x, 0.0) < 0)

    def moments(mask_xy, mask_x, mask_y):
        nb = _window_sum(mask_xy.astype(float), n)
        sx = _window_sum(np.where(mask_xy, xc, 0.0), n)
        sy = _window_sum(np.where(mask_xy, yc, 0.0), n)
        sxy = _window_sum(np.where(mask_xy, xc * yc, 0.0), n)
        nx = _window_sum(mask_x.astype(float), n)
        sxx1 = _window_sum(np.where(mask_x, xc, 0.0), n)
        sxx = _window_sum(np.where(mask_x, xc * xc, 0.0), n)
        cov = (sxy - sx * sy / np.maximum(nb, 1)) / np.maximum(nb - 1, 1)
        varx = (sxx - sxx1**2 / np.maximum(nx, 1)) / np.maximum(nx - 1, 1)
        # a constant window has variance exactly 0 in DuckDB; sums leave ~1e-16 relative noise
        varx = np.where(varx > 1e-9 * sxx / np.maximum(nx, 1), varx, 0.0)
        out = {"n": nb, "cov": cov, "varx": varx}
        if mask_y is not None:
            ny = _window_sum(mask_y.astype(float), n)
            syy1 = _window_sum(np.where(mask_y, yc, 0.0), n)
            syy = _window_sum(np.where(mask_y, yc * yc, 0.0), n)
            vary = (syy - syy1**2 / np.maximum(ny, 1)) / np.maximum(ny - 1, 1)
            out["vary"] = np.where(vary > 1e-9 * syy / np.maximum(ny, 1), vary, 0.0)
            # Pearson on the pairs (DuckDB corr uses pairwise-complete rows)
            sxxb = _window_sum(np.where(both, xc * xc, 0.0), n)
            syyb = _window_sum(np.where(both, yc * yc, 0.0), n)
            vxb = sxxb - sx**2 / np.maximum(nb, 1)
            vyb = syyb - sy**2 / np.maximum(nb, 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                out["corr"] = (sxy - sx * sy / np.maximum(nb, 1)) / np.sqrt(vxb * vyb)
        return out

    full = moments(both, mx, my)
    dn = moments(down, down_x, None)
    is_full = (full["n"] == n) & (full["varx"] > 0) & (full["vary"] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(is_full, np.clip(full["corr"], -1, 1), np.nan)
        beta = np.where(is_full, full["cov"] / full["varx"], np.nan)
        dbeta = np.where(
            is_full & (dn["n"] >= 2) & (dn["varx"] > 0), dn["cov"] / dn["varx"], np.nan
        )
    return {"corr": corr, "beta": beta, "downside_beta": dbeta}


def numpy_rolling(pairs: dict) -> tuple[float, dict]:
    started = time.perf_counter()
    out = {}
    for (freq, eq, bond), p in pairs.items():
        for f, n in WINDOWS:
            if f == freq:
                out[(freq, n, eq, bond)] = rolling_stats(p["x"], p["y"], n)
    return time.perf_counter() - started, out


def compare_with_mart(con, pairs: dict, computed: dict) -> float:
    """Largest |numpy - mart| correlation over every row both define (a correctness guard)."""
    mart = con.execute(
        "select frequency, window_periods, equity_asset_id, bond_asset_id, as_of_date, "
        "correlation from marts.rolling_correlations order by 1, 2, 3, 4, 5"
    ).fetchnumpy()
    worst = 0.0
    keys = list(
        zip(
            mart["frequency"],
            mart["window_periods"],
            mart["equity_asset_id"],
            mart["bond_asset_id"],
            strict=True,
        )
    )
    corr = as_float(mart["correlation"])
    start = 0
    while start < len(keys):
        end = start
        while end < len(keys) and keys[end] == keys[start]:
            end += 1
        f, n, eq, bond = keys[start]
        ours = computed.get((str(f), int(n), str(eq), str(bond)))
        if ours is not None and len(ours["corr"]) == end - start:
            both = ~np.isnan(ours["corr"]) & ~np.isnan(corr[start:end])
            if both.any():
                worst = max(
                    worst, float(np.max(np.abs(ours["corr"][both] - corr[start:end][both])))
                )
            if (np.isnan(ours["corr"]) != np.isnan(corr[start:end])).any():
                worst = max(worst, 1.0)  # NULL where the mart has a value (or the reverse)
        else:
            worst = max(worst, 1.0)
        start = end
    return worst


# -- the table --------------------------------------------------------------------------------


@dataclass
class Figure:
    name: str
    samples: list[float]
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""
    #: the target as a number in ``unit``: ``met`` is then whether the median is at most it
    limit: float | None = None

    def __post_init__(self) -> None:
        if self.limit is not None and self.met is None:
            self.met = self.median <= self.limit

    @property
    def median(self) -> float:
        return median(self.samples)

    def row(self) -> list[str]:
        m = self.median
        if self.unit == "s":
            value = f"{m:.1f} s"
        elif self.unit == "MiB":
            value = f"{m:,.0f} MiB"
        elif self.unit == "rows/s":
            value = f"{m:,.0f} rows/s"
        elif self.unit == "events":
            value = f"{m:,.0f} events"
        elif self.unit == "x":
            value = f"{m:.2f}x"
        else:
            value = f"{m:.3g} {self.unit}".strip()
        met = "" if self.met is None else ("yes" if self.met else "NO")
        return [self.name, value, str(len(self.samples)), self.target, met]


def print_table(figures: list[Figure]) -> str:
    header = ["figure", "median", "runs", "target", "met?"]
    rows = [header] + [f.row() for f in figures]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    text = "\n".join(lines)
    print(text)
    return text


def markdown_table(figures: list[Figure]) -> str:
    """The table as Markdown, for the README's Performance section (bench/results/latest.md)."""
    lines = ["| figure | median | runs | target | met? |", "| --- | --- | --- | --- | --- |"]
    for f in figures:
        name, value, runs, target, met = f.row()
        name = name.replace("|", "\\|")
        indent = len(name) - len(name.lstrip())
        shown = ("… " if indent else "") + name.strip()
        lines.append(f"| {shown} | {value} | {runs} | {target} | {met} |")
    return "\n".join(lines) + "\n"


def print_where_time_goes(detail: dict) -> None:
    """The incremental run's dbt time by node (run_results.json), and the run's overhead."""
    pipe = detail.get("pipeline")
    if not pipe:
        return
    kinds = pipe["incremental_node_seconds_by_kind"]
    print(
        f"\nwhere an incremental run's dbt time goes ({pipe['incremental_nodes']} nodes; "
        "seconds are dbt's execution_time per node, median over runs; 2 threads, so the sum "
        "exceeds the wall time):"
    )
    print("  by kind: " + ", ".join(f"{k}s {v:.1f} s" for k, v in kinds.items()))
    for uid, t in pipe["incremental_node_seconds_top"][:12]:
        print(f"  {t:6.2f} s  {uid}")


# -- the benchmarks ---------------------------------------------------------------------------


def bench_pipeline(base: Sandbox, runs: int, figures: list[Figure], detail: dict) -> None:
    log("end-to-end pipeline (dagster job execute refresh_all) on the default sample")
    later = next_business_day(END_DATE)
    # one run at END_DATE, kept as the "existing warehouse" the incremental runs start from
    base.wipe_data()
    setup = pipeline(base, "setup (cold, end date)")
    snapshot = base.root / "snapshot"
    shutil.rmtree(snapshot, ignore_errors=True)
    shutil.copytree(base.data, snapshot)
    # and one at the end of a month, for the first business day of the next
    month_start = next_business_day(MONTH_END)
    base.wipe_data()
    pipeline(base, "setup (cold, month end)", MONTH_END)
    month_snapshot = base.root / "snapshot_month"
    shutil.rmtree(month_snapshot, ignore_errors=True)
    shutil.copytree(base.data, month_snapshot)

    cold, warm, incr, incr_month = [], [], [], []
    defs_load, install = [], []
    for i in range(runs):
        base.wipe_data()
        cold.append(pipeline(base, f"cold #{i + 1} (fresh warehouse, end date + 1 day)", later))
        warm.append(pipeline(base, f"warm #{i + 1} (rerun, nothing new)", later))
        shutil.rmtree(base.data)
        shutil.copytree(snapshot, base.data)
        incr.append(pipeline(base, f"incremental #{i + 1} (+1 business day)", later))
        shutil.rmtree(base.data)
        shutil.copytree(month_snapshot, base.data)
        incr_month.append(
            pipeline(base, f"incremental #{i + 1} (first business day of a month)", month_start)
        )
        defs_load.append(definitions_load(base))
        install.append(install_seconds(base.root))

    def comp(name: str, runs_: list[PipelineRun], attr: str, **kw) -> Figure:
        return Figure(name, [getattr(r, attr) for r in runs_], "s", **kw)

    figures += [
        Figure("install: uv sync --frozen, fresh venv (package cache warm)", install, "s"),
        comp("e2e cold: total wall", cold, "wall"),
        comp("  cold: fetch/land", cold, "land"),
        comp("  cold: dbt build", cold, "dbt"),
        comp("  cold: checks", cold, "checks"),
        comp("  cold: publish", cold, "publish"),
        comp("  cold: fixed overhead", cold, "overhead"),
        comp("  cold: CPU time (user+sys, all processes)", cold, "cpu"),
        comp("e2e warm: total wall", warm, "wall", target="<= 60 s"),
        comp("  warm: fetch/land", warm, "land"),
        comp("  warm: dbt build", warm, "dbt"),
        comp("  warm:   dbt process start", warm, "dbt_start"),
        comp("  warm:   dbt parse", warm, "dbt_parse"),
        comp("  warm:   dbt executing nodes", warm, "dbt_execution"),
        comp("  warm:   after dbt: events + metadata", warm, "dbt_after"),
        comp("  warm: checks", warm, "checks"),
        comp("  warm: publish", warm, "publish"),
        comp("  warm: fixed overhead", warm, "overhead"),
        comp("  warm:   of which run created -> started", warm, "before_start"),
        Figure("  warm: Dagster events written per run", [r.events for r in warm], "events"),
        comp("  warm: CPU time (user+sys, all processes)", warm, "cpu"),
        Figure(
            "e2e warm / dbt's elapsed time (executing nodes) of the same run",
            [r.wall / r.dbt_execution for r in warm],
            "x",
            target="<= 2x",
            limit=2,
        ),
        Figure("  process start + definitions load", defs_load, "s"),
        Figure("  dbt manifest prepare (once per dbt change)", [base.prepare_seconds], "s"),
    ]
    warm_fig = next(f for f in figures if f.name == "e2e warm: total wall")
    warm_fig.met = warm_fig.median <= 60
    other = [r.other_steps for r in cold + warm]
    if any(other):
        figures.append(Figure("  hedge report + other steps (cold+warm)", other, "s"))

    ratios = [i.wall / c.wall for i, c in zip(incr, cold, strict=True)]
    node_ratios = [i.dbt_execution / c.dbt_execution for i, c in zip(incr, cold, strict=True)]
    fixed = [r.wall - r.land - r.dbt_execution for r in incr]
    figures += [
        comp("incremental +1 business day: wall", incr, "wall"),
        comp("  incremental: fetch/land", incr, "land"),
        comp("  incremental: dbt build", incr, "dbt"),
        comp("  incremental:   dbt executing nodes", incr, "dbt_execution"),
        Figure("  incremental: all but land and dbt nodes", fixed, "s"),
        comp("  incremental: CPU time", incr, "cpu"),
        Figure(
            "incremental / full refresh (same loop)",
            ratios,
            "x",
            target="<= 0.33",
            limit=1 / 3,
        ),
        Figure(
            "  same, dbt node execution only",
            node_ratios,
            "x",
            target="<= 0.33",
            limit=1 / 3,
        ),
        comp("incremental, first business day of a month: wall", incr_month, "wall"),
        comp("  first of a month:   dbt executing nodes", incr_month, "dbt_execution"),
        Figure(
            "  first of a month / full refresh",
            [i.wall / c.wall for i, c in zip(incr_month, cold, strict=True)],
            "x",
        ),
        Figure(
            "  same, dbt node execution only",
            [i.dbt_execution / c.dbt_execution for i, c in zip(incr_month, cold, strict=True)],
            "x",
        ),
    ]
    # where the time goes: dbt's own per-node timings, median over the incremental runs
    nodes: dict[str, list[float]] = {}
    for r in incr:
        for uid, t in r.node_times.items():
            nodes.setdefault(uid, []).append(t)
    per_node = sorted(((median(v), k) for k, v in nodes.items()), reverse=True)
    totals = {
        kind: sum(t for t, k in per_node if k.startswith(kind + "."))
        for kind in ("model", "test", "seed")
    }
    detail["pipeline"] = {
        "setup": asdict(setup),
        "cold": [asdict(r) for r in cold],
        "warm": [asdict(r) for r in warm],
        "incremental": [asdict(r) for r in incr],
        "incremental_month_start": [asdict(r) for r in incr_month],
        "definitions_load": defs_load,
        "install": install,
        "manifest_prepare_seconds": base.prepare_seconds,
        "incremental_node_seconds_top": [[k, t] for t, k in per_node[:25]],
        "incremental_node_seconds_by_kind": totals,
        "incremental_nodes": len(per_node),
    }


def bench_scale(
    scales: list[int],
    runs: int,
    workdir: Path,
    figures: list[Figure],
    detail: dict,
    full_runs: int,
    incremental_scale: int,
    full_scale: int,
) -> None:
    log(f"scale: sample at {', '.join(f'{s}x' for s in scales)} series")
    by_scale: dict[int, list[ScaleRun]] = {}
    sandboxes = {}
    for s in scales:
        sb = Sandbox(workdir / f"scale{s}", scale=s).create()
        sandboxes[s] = sb
        log(
            f"  sandbox {s}x: {sb.n_series} series (manifest prepared in {sb.prepare_seconds:.0f}s)"
        )
        by_scale[s] = [scale_once(sb, workers=4) for _ in range(runs)]
    largest = max(scales)
    for s in scales:
        rs = by_scale[s]
        rows = rs[0].rows
        figures += [
            Figure(
                f"scale {s}x ({rs[0].series} series, {rows / 1e6:.2f}M rows): land wall",
                [r.land_seconds for r in rs],
                "s",
            ),
            Figure(f"  {s}x: land rows/s", [r.rows_per_second for r in rs], "rows/s"),
            Figure(
                f"  {s}x: land peak RSS",
                [r.land_maxrss / 2**20 for r in rs],
                "MiB",
                target="<= 4096 MiB" if s == largest else "",
                met=(median([r.land_maxrss for r in rs]) <= 4 * 2**30) if s == largest else None,
            ),
            Figure(f"  {s}x: dbt build staging+intermediate", [r.dbt_wall for r in rs], "s"),
            Figure(
                f"  {s}x: dbt peak RSS (process tree)",
                [r.dbt_peak_tree / 2**20 for r in rs],
                "MiB",
                target="<= 4096 MiB" if s == largest else "",
                met=(median([r.dbt_peak_tree for r in rs]) <= 4 * 2**30) if s == largest else None,
            ),
        ]
    smallest = min(scales)
    if largest > smallest:
        k = largest / smallest

        def exponent(attr: str) -> list[float]:
            return [
                math.log(getattr(b, attr) / getattr(a, attr)) / math.log(k)
                for a, b in zip(by_scale[smallest], by_scale[largest], strict=False)
            ]

        land_exp, dbt_exp = exponent("land_seconds"), exponent("dbt_wall")
        exec_exp = exponent("dbt_execution")
        figures += [
            Figure(
                f"growth exponent land {smallest}x->{largest}x (1 = linear)",
                land_exp,
                "",
                target="<= 1.1",
                limit=1.1,
            ),
            Figure(
                f"growth exponent dbt {smallest}x->{largest}x (1 = linear)",
                dbt_exp,
                "",
                target="<= 1.1",
                limit=1.1,
            ),
            Figure(
                "  same, dbt's node execution only (no start/parse)",
                exec_exp,
                "",
                target="<= 1.1",
                limit=1.1,
            ),
        ]
    # incremental vs full at the incremental scale (16x), then the whole pipeline cold at the
    # full scale (64x): all series land, every model and mart
    later = next_business_day(END_DATE)

    def sandbox(s: int) -> Sandbox:
        if s not in sandboxes:
            sandboxes[s] = Sandbox(workdir / f"scale{s}", scale=s).create()
            log(f"  sandbox {s}x: {sandboxes[s].n_series} series")
        return sandboxes[s]

    sb = sandbox(incremental_scale)
    full, incr = [], []
    for i in range(runs):
        sb.wipe_data()
        full.append(pipeline(sb, f"{incremental_scale}x full pipeline cold #{i + 1}"))
        incr.append(
            pipeline(sb, f"{incremental_scale}x incremental +1 business day #{i + 1}", later)
        )
    sb = sandbox(full_scale)
    big = []
    for i in range(full_runs):
        sb.wipe_data()
        big.append(pipeline(sb, f"{full_scale}x full pipeline cold #{i + 1}"))
    detail["scale"] = {
        str(s): [asdict(r) | {"rows_per_second": r.rows_per_second} for r in by_scale[s]]
        for s in scales
    }
    detail["scale_full_pipeline"] = {
        str(incremental_scale): [asdict(r) for r in full],
        str(full_scale): [asdict(r) for r in big],
    }
    detail["scale_incremental_pipeline"] = [asdict(r) for r in incr]
    if full:
        figures += [
            Figure(f"{incremental_scale}x full pipeline (cold): wall", [r.wall for r in full], "s"),
            Figure(
                f"{incremental_scale}x incremental +1 business day: wall",
                [r.wall for r in incr],
                "s",
            ),
            Figure(
                f"  {incremental_scale}x incremental / full refresh",
                [i.wall / f.wall for i, f in zip(incr, full, strict=True)],
                "x",
                target="<= 0.33",
                limit=1 / 3,
            ),
            Figure(
                f"  {incremental_scale}x same, dbt node execution only",
                [i.dbt_execution / f.dbt_execution for i, f in zip(incr, full, strict=True)],
                "x",
                target="<= 0.33",
                limit=1 / 3,
            ),
        ]
    if big:
        rows = sb.raw_rows()
        figures += [
            Figure(
                f"{full_scale}x full pipeline (cold, {sb.n_series} series, {rows / 1e6:.1f}M "
                "raw rows): wall",
                [r.wall for r in big],
                "s",
                target="<= 300 s",
                limit=300,
            ),
            Figure(f"  {full_scale}x: land", [r.land for r in big], "s"),
            Figure(f"  {full_scale}x: dbt build", [r.dbt for r in big], "s"),
            Figure(f"  {full_scale}x: dbt executing nodes", [r.dbt_execution for r in big], "s"),
            Figure(
                f"  {full_scale}x full pipeline: peak RSS (process tree)",
                [r.peak_rss_tree / 2**20 for r in big],
                "MiB",
                target="<= 8192 MiB",
                limit=8192,
            ),
        ]
        if full and full_scale != incremental_scale:
            small_rows = sandboxes[incremental_scale].raw_rows()
            figures.append(
                Figure(
                    f"  growth exponent of the full pipeline in raw rows, "
                    f"{incremental_scale}x->{full_scale}x (1 = linear)",
                    [
                        math.log(b.wall / median([f.wall for f in full]))
                        / math.log(rows / small_rows)
                        for b in big
                    ],
                    "",
                    target="<= 1.1",
                    limit=1.1,
                )
            )


def bench_transform(base: Sandbox, runs: int, figures: list[Figure], detail: dict) -> None:
    log("transform efficiency: dbt build vs the same compiled SQL straight in DuckDB")
    work = base.root / "direct"
    dbt_walls, dbt_exec, direct_totals, direct_models, roll_sql = [], [], [], [], []
    roll_dbt = []
    # the model that computes the statistics (the mart rolling_correlations copies its rows)
    uid_roll = "model.bondhedge.int_rolling_correlations"
    target = base.root / "target" / "bench_transform"
    for i in range(runs):
        # dbt build --full-refresh on a copy of the warm warehouse: every model computed in
        # full (the incremental ones too), so the compiled SQL below is the whole work
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        wh = work / "warehouse.duckdb"  # same file name: compiled SQL names the catalog
        shutil.copy2(base.warehouse, wh)
        proc = run(
            [
                str(BIN / "dbt"),
                "build",
                "--full-refresh",
                "--project-dir",
                str(base.root),
                "--profiles-dir",
                str(base.root),
            ],
            env=base.env(
                BONDHEDGE_WAREHOUSE=str(wh), DBT_TARGET_PATH=str(target), DBT_LOG_PATH=str(target)
            ),
            cwd=base.root,
        )
        elapsed, nodes = run_results(target)
        manifest = json.loads((target / "manifest.json").read_text())
        dbt_walls.append(proc.seconds)
        dbt_exec.append(elapsed)
        roll_dbt.append(nodes.get(uid_roll, math.nan))
        # the same compiled SQL, one statement after another, on a fresh copy
        shutil.copy2(base.warehouse, wh)
        times = direct_sql(wh, manifest, nodes)
        direct_totals.append(sum(times.values()))
        direct_models.append(sum(t for k, t in times.items() if k.startswith("model.")))
        roll_sql.append(times[uid_roll])
        log(
            f"  #{i + 1}: dbt build {proc.seconds:.1f}s (dbt's execution {elapsed:.1f}s); "
            f"direct {sum(times.values()):.1f}s; load {loadavg()}"
        )

    # the rolling-correlation mart vs an O(n) numpy cumulative-sum reference, same data
    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    try:
        con.execute("set enable_progress_bar = false")
        fetch, compute, worst = [], [], 0.0
        for _ in range(runs):
            t = time.perf_counter()
            pairs = load_pairs(con)
            fetch.append(time.perf_counter() - t)
            seconds, computed = numpy_rolling(pairs)
            compute.append(seconds)
        worst = compare_with_mart(con, pairs, computed)
        n_rows = con.execute("select count(*) from marts.rolling_correlations").fetchone()[0]
    finally:
        con.close()
    numpy_total = [f + c for f, c in zip(fetch, compute, strict=True)]
    ratio_build = [w / d for w, d in zip(dbt_walls, direct_totals, strict=True)]
    ratio_exec = [e / d for e, d in zip(dbt_exec, direct_totals, strict=True)]
    ratio_roll = [s / n for s, n in zip(roll_sql, numpy_total, strict=True)]
    figures += [
        Figure("dbt build --full-refresh (subprocess wall)", dbt_walls, "s"),
        Figure("  dbt's own node execution (run_results)", dbt_exec, "s"),
        Figure("  same compiled SQL direct in DuckDB (models+tests)", direct_totals, "s"),
        Figure("  of which models", direct_models, "s"),
        Figure("dbt build / direct SQL", ratio_build, "x", target="<= 3x", limit=3),
        Figure(
            "dbt node execution / direct SQL",
            ratio_exec,
            "x",
            target="<= 3x",
            limit=3,
        ),
        Figure(f"int_rolling_correlations SQL ({n_rows:,} rows)", roll_sql, "s"),
        Figure("  int_rolling_correlations inside dbt", roll_dbt, "s"),
        Figure("  numpy cumsum reference (fetch + compute)", numpy_total, "s"),
        Figure("  numpy compute only", compute, "s"),
        Figure(
            "int_rolling_correlations SQL / numpy",
            ratio_roll,
            "x",
            target="<= 2x",
            limit=2,
        ),
        Figure("  max |corr numpy - corr mart|", [worst], "", target="< 1e-6", met=worst < 1e-6),
    ]
    detail["transform"] = {
        "dbt_build_wall": dbt_walls,
        "dbt_execution": dbt_exec,
        "direct_total": direct_totals,
        "direct_models": direct_models,
        "rolling_sql": roll_sql,
        "rolling_in_dbt": roll_dbt,
        "numpy_fetch": fetch,
        "numpy_compute": compute,
        "max_abs_corr_diff": worst,
        "rolling_rows": n_rows,
    }


def bench_reference(base: Sandbox, runs: int, figures: list[Figure], detail: dict) -> None:
    """The polars reference of the core marts (bench/reference.py) vs the pipeline's warm run."""
    import reference

    log("polars reference of the core marts from raw.observations (bench/reference.py)")
    walls, checks = [], None
    for i in range(runs):
        proc = run(
            [str(PY), str(REPO / "bench" / "reference.py"), str(base.warehouse)],
            env=base.env(),
            cwd=REPO,
            check=False,
        )
        walls.append(proc.seconds)
        log(f"  #{i + 1}: {proc.seconds:.1f}s (exit {proc.returncode}); load {loadavg()}")
        if proc.returncode:
            raise RuntimeError(f"the reference differs from the marts:\n{proc.stdout[-3000:]}")
    checks = reference.compare(reference.compute(base.warehouse), base.warehouse)
    figures.append(Figure("polars reference of core marts (process wall)", walls, "s"))
    warm = [r["wall"] for r in detail.get("pipeline", {}).get("warm", [])]
    if warm:
        figures.append(
            Figure(
                "e2e warm / polars reference",
                [w / r for w, r in zip(warm, walls, strict=False)],
                "x",
                target="<= 6x",
                limit=6,
            )
        )
    worst = max(
        v
        for c in checks.values()
        for k, v in c.items()
        if k not in ("rows", "only_ours", "only_mart") and not k.endswith(("_values", "_mismatch"))
    )
    figures.append(
        Figure("  max |reference - mart|", [worst], "", target="<= 1e-9", met=worst <= 1e-9)
    )
    detail["reference"] = {"walls": walls, "check": checks}


def bench_landing(
    scales: list[int], runs: int, workdir: Path, figures: list[Figure], detail: dict
) -> None:
    """Landing per series vs one batch (bench/landing_bench.py), interleaved, cold and warm."""
    import landing_bench

    log("landing: per series vs one batch transaction (bench/landing_bench.py)")
    rows = landing_bench.bench(scales, runs, workdir / "landing", log=log)
    for r in sorted(rows, key=lambda r: (r["scale"], r["phase"], r["mode"])):
        figures.append(
            Figure(
                f"land {r['scale']}x ({r['series']} series) {r['phase']}: {r['mode']}",
                r["seconds"],
                "s",
            )
        )
    for q in landing_bench.ratios(rows):
        figures.append(
            Figure(f"  land {q['scale']}x {q['phase']}: per series / batch", [q["ratio"]], "x")
        )
    detail["landing"] = rows


def bench_spark(scales: list[int], workdir: Path, figures: list[Figure], detail: dict) -> None:
    """Every model on DuckDB and on Spark, wall and node time (bench/spark_bench.py)."""
    import spark_bench

    log("spark: every model on DuckDB vs Spark (bench/spark_bench.py)")
    rows = spark_bench.bench(scales, workdir / "spark", log=log)
    for r in rows:
        for kind in ("wall", "nodes"):
            figures.append(
                Figure(
                    f"dbt build, every model, {r['scale']}x ({r['rows']} raw rows) "
                    f"{r['engine']} {kind}",
                    [r[kind]],
                    "s",
                )
            )
    detail["spark"] = rows


def bench_threads(base: Sandbox, runs: int, figures: list[Figure], detail: dict) -> None:
    """DuckDB threads 1 vs 2 for a full dbt build (bench/threads_bench.py), interleaved."""
    import threads_bench

    log("dbt build --full-refresh with DuckDB threads 1 vs 2 (bench/threads_bench.py)")
    samples: dict[int, list[dict]] = {1: [], 2: []}
    for rep in range(runs):
        for t in (1, 2) if rep % 2 == 0 else (2, 1):
            doc = threads_bench.one_build(base.warehouse, t, base.root / "threads")
            samples[t].append(doc)
            log(f"  threads {t}: wall {doc['wall']:.1f}s, CPU {doc['cpu']:.1f}s; load {loadavg()}")
    for key, unit in (("wall", "s"), ("cpu", "s")):
        for t in (1, 2):
            figures.append(
                Figure(f"dbt build, DuckDB threads {t}: {key}", [d[key] for d in samples[t]], unit)
            )
        figures.append(
            Figure(
                f"  {key}: threads 1 / threads 2",
                [median([d[key] for d in samples[1]]) / median([d[key] for d in samples[2]])],
                "x",
            )
        )
    detail["threads"] = samples


def git_rev() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help="one run of everything, scales 1x and 4x (a smoke run, not figures)",
    )
    ap.add_argument("--runs", type=int, help="runs per figure (default 3; 1 with --quick)")
    ap.add_argument("--scales", help="comma-separated series multipliers (default 1,4,16)")
    ap.add_argument(
        "--full-runs",
        type=int,
        default=None,
        help="cold full-pipeline runs at --full-scale (default 1)",
    )
    ap.add_argument(
        "--full-scale",
        type=int,
        help="series multiplier of the cold full-pipeline figure (default 64; 4 with --quick)",
    )
    ap.add_argument(
        "--incremental-scale",
        type=int,
        help="series multiplier of the incremental / full figure (default 16; 4 with --quick)",
    )
    ap.add_argument(
        "--only",
        default="pipeline,reference,transform,landing,scale,spark",
        help="which groups to run: pipeline, reference, transform, landing, scale, threads, spark",
    )
    ap.add_argument(
        "--landing-scales", help="series multipliers for the landing group (default 1,16)"
    )
    ap.add_argument("--workdir", type=Path, help="keep sandboxes here (default: a temp dir)")
    ap.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    args = ap.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    scales = [int(s) for s in (args.scales or ("1,4" if args.quick else "1,4,16")).split(",")]
    groups = set(args.only.split(","))
    landing_scales = [
        int(x) for x in (args.landing_scales or ("1,4" if args.quick else "1,16")).split(",")
    ]
    full_runs = args.full_runs if args.full_runs is not None else 1
    full_scale = args.full_scale or (4 if args.quick else 64)
    incremental_scale = args.incremental_scale or (4 if args.quick else 16)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bondhedge-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    detail: dict = {
        "started_at": started.isoformat(timespec="seconds"),
        "git": git_rev(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1) if psutil else None,
        },
        "load_before": loadavg(),
        "runs": runs,
        "quick": args.quick,
        "sample_end_date": END_DATE.isoformat(),
    }
    log(f"bench in {workdir} ({runs} run(s) per figure; load {loadavg()})")
    figures: list[Figure] = []
    try:
        base = None
        if groups & {"pipeline", "transform", "reference", "threads"}:
            base = Sandbox(workdir / "base").create()
            log(f"sandbox ready (manifest prepared in {base.prepare_seconds:.0f}s)")
        if "pipeline" in groups:
            bench_pipeline(base, runs, figures, detail)
        if groups & {"transform", "reference", "threads"} and not base.warehouse.exists():
            pipeline(base, "warehouse for the transform, reference and threads figures")
        if "reference" in groups:
            bench_reference(base, runs, figures, detail)
        if "transform" in groups:
            bench_transform(base, runs, figures, detail)
        if "threads" in groups:
            bench_threads(base, runs, figures, detail)
        if "landing" in groups:
            bench_landing(landing_scales, runs, workdir, figures, detail)
        if "scale" in groups:
            bench_scale(
                scales, runs, workdir, figures, detail, full_runs, incremental_scale, full_scale
            )
        if "spark" in groups:
            bench_spark([1, 4] if args.quick else [1, 16], workdir, figures, detail)
    finally:
        detail["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        detail["load_after"] = loadavg()
        detail["figures"] = [asdict(f) | {"median": f.median} for f in figures]
        print()
        detail["table"] = print_table(figures) if figures else ""
        print_where_time_goes(detail)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(detail, indent=2, default=str))
        args.out.with_suffix(".md").write_text(
            f"`{' '.join(['python', *sys.argv])}` at {detail['git']}, "
            f"{detail['started_at']} to {detail['finished_at']}, load before "
            f"{detail['load_before']}, after {detail['load_after']}\n\n" + markdown_table(figures)
        )
        print(f"\ncommand: {' '.join([Path(sys.executable).name, *sys.argv])}")
        print(
            f"\nresults: {args.out}  (load before {detail['load_before']}, "
            f"after {detail['load_after']}, {os.cpu_count()} CPUs)"
        )
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
