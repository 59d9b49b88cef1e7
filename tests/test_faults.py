"""Fault suite: the pipeline under crashes, concurrency, bad input, secrets and read load.

Real processes and real files throughout, end to end (unit-level fault cases live in
test_fred_source.py, test_csv_source.py, test_landing.py and test_validation.py):

* kill -9 of a `dagster job execute -j refresh_all` run during landing (its whole process
  group), during `dbt build` (the run's process only: its dbt child lives on, holding DuckDB's
  file lock, until it is killed too) and during publish (process group); after each kill the
  published file is byte-for-byte the last good one, no series is left half-landed, the next
  run releases the dead runs' pool slots and waits out the orphaned dbt, and later runs
  complete without losing rows;
* two runs started at once (their writing steps take turns on the ``duckdb_writer`` pool;
  nothing is corrupted) while eight read-only clients query the published file (p50/p95
  latency written to bench/results/fault_read_load.json);
* bad input through the live path (a loopback FRED) and a CSV folder with schema drift: each
  bad series is named with its cause in ``raw.load_log``, its stored rows stay as they were,
  and the other series land;
* the FRED API key, set in the environment of a full Dagster run against the loopback FRED,
  appears in no log line, event, metadata, table, artifact or file.

The Dagster subprocess runs use a sandbox: a copy of the code with its own dbt target,
DAGSTER_HOME, warehouse and published file (the repository's own are never touched). The
sample (and the loopback FRED) only go through FAULT_END: the code paths are the same as for
the full history, at about half of its dbt time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingestion.catalog import PROJECT_ROOT, get_series, load_catalog
from ingestion.landing import FAILED, INVALID, LANDED, UNAVAILABLE, land_series
from ingestion.sources.csv_folder import CsvFolderSource
from ingestion.sources.fred import FredSource
from ingestion.sources.sample import sample_frame
from tests.fred_server import FakeFred
from tests.sandbox import CodeSandbox

FAULT_END = date(1971, 12, 31)
#: the first good run stops a quarter earlier, so the runs killed later have rows to write
BASE_END = date(1971, 9, 30)
BIN = Path(sys.executable).parent
RESULTS = PROJECT_ROOT / "bench" / "results"
WRITER_STEPS = ("land_raw_series", "bondhedge_dbt_models", "published__bondhedge")
READER_QUERIES = (
    "select count(*) from marts.hedge_scorecard",
    "select * from marts.hedge_monitor_latest",
    "select equity_asset_id, bond_asset_id, avg(correlation) from marts.rolling_correlations "
    "where window_periods = 252 group by all",
    "select count(*), max(as_of_date) from marts.rolling_correlations",
    "select * from marts.portfolio_60_40_summary",
    "select * from meta.publications",
)


# -- helpers -------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_only(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=True)
    con.execute("set enable_progress_bar = false")
    return con


def published_state(path: Path) -> dict:
    """Hash, publish history and per-table row counts (which must match meta.published_tables)."""
    with read_only(path) as con:
        listed = dict(
            con.execute("select table_name, row_count from meta.published_tables").fetchall()
        )
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in listed}
        pubs = con.execute("select * from meta.publications order by published_at").fetchall()
    assert counts == listed, "published tables do not hold the rows meta.published_tables lists"
    return {"sha256": sha256(path), "publications": pubs, "tables": counts}


def raw_counts(warehouse: Path) -> dict[str, int]:
    with read_only(warehouse) as con:
        return dict(
            con.execute("select series_id, count(*) from raw.observations group by 1").fetchall()
        )


def stored_rows(warehouse: Path, series_id: str) -> list[tuple]:
    with read_only(warehouse) as con:
        return con.execute(
            "select observation_date, value, run_id from raw.observations where series_id = ? "
            "order by 1",
            [series_id],
        ).fetchall()


def load_log(warehouse: Path, run_id: str) -> dict[str, tuple[str, str | None]]:
    with read_only(warehouse) as con:
        rows = con.execute(
            "select series_id, status, error from raw.load_log where run_id = ?", [run_id]
        ).fetchall()
    return {s: (st, err) for s, st, err in rows}


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def wait_until(
    predicate: Callable[[], bool], timeout: float, what: str, run=None, every: float = 0.01
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if run is not None and run.proc.poll() is not None:
            pytest.fail(f"run exited ({run.proc.returncode}) before {what}:\n{run.tail()}")
        time.sleep(every)
    pytest.fail(
        f"timed out after {timeout:g}s waiting for {what}" + (f":\n{run.tail()}" if run else "")
    )


# -- the sandbox: a private copy of the code, its manifest and instance --------------------------


class Sandbox(CodeSandbox):
    """The shared sandbox (tests/sandbox.py), plus the runs it started and the dbt it paused."""

    def __init__(self, root: Path):
        super().__init__(root, FAULT_END)
        self.runs: list[Run] = []  # every run started, so none outlives the tests
        self.paused: list = []  # dbt processes the tests suspended
        self.copy_code()
        if not self.reuse_manifest():  # what `make test` prepared, else prepare it here
            subprocess.run(
                self.prepare_command(), cwd=root, env=self.env(), check=True, capture_output=True
            )

    def building_files(self) -> list[Path]:
        return sorted(self.published.parent.glob(f".{self.published.name}.building-*"))

    def marts(self) -> set[str]:
        manifest = json.loads((self.root / "target" / "manifest.json").read_text())
        return {
            n["name"]
            for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["config"].get("schema") == "marts"
        }

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.home))


class Run:
    """`dagster job execute -j refresh_all` in its own process group, output pumped to a list."""

    def __init__(self, sb: Sandbox, name: str, end: date = FAULT_END):
        self.sb, self.name = sb, name
        self.started = time.time()
        self.proc = subprocess.Popen(
            [str(BIN / "dagster"), "job", "execute", "-m", "orchestration.definitions",
             "-j", "refresh_all"],
            cwd=sb.root, env=sb.env(end),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
        )  # fmt: skip
        sb.runs.append(self)
        self.lines: list[str] = []
        self._pump = threading.Thread(target=self._read, daemon=True)
        self._pump.start()

    def _read(self) -> None:
        with open(self.sb.root / f"{self.name}.log", "w") as log:
            for line in self.proc.stdout:
                self.lines.append(line)
                log.write(line)

    def count(self, text: str) -> int:
        return sum(text in line for line in list(self.lines))

    def tail(self, n: int = 60) -> str:
        return "".join(self.lines[-n:])

    def dbt_children(self) -> list:
        import psutil

        try:
            kids = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            return []
        found = []
        for k in kids:
            try:
                if "build" in k.cmdline() and any("dbt" in part for part in k.cmdline()):
                    found.append(k)
            except psutil.Error:
                pass
        return found

    def kill(self, whole_group: bool = True) -> None:
        if whole_group:
            os.killpg(self.proc.pid, signal.SIGKILL)
        else:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._pump.join(timeout=10)

    def finish(self, timeout: float = 900) -> int:
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            pytest.fail(f"{self.name} did not finish in {timeout:g}s:\n{self.tail()}")
        self._pump.join(timeout=10)
        return rc

    @property
    def output(self) -> str:
        return "".join(self.lines)


def assert_run_succeeded(run: Run) -> None:
    rc = run.finish()
    assert rc == 0, f"{run.name} failed ({rc}):\n{run.tail(120)}"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    sb = Sandbox(tmp_path_factory.mktemp("faults"))
    yield sb
    for p in sb.paused:
        try:
            p.resume()
            p.kill()
        except Exception:
            pass
    for run in sb.runs:
        if run.proc.poll() is None:
            os.killpg(run.proc.pid, signal.SIGKILL)
            run.proc.wait()


# -- kill -9 at each phase -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crashes(sandbox):
    """A good run, then runs killed during landing, dbt build and publish; what each left."""
    sb = sandbox
    seen: dict = {}
    baseline = Run(sb, "baseline", end=BASE_END)
    assert_run_succeeded(baseline)
    seen["baseline"] = {"published": published_state(sb.published), "raw": raw_counts(sb.warehouse)}

    # 1. during landing: a few series have landed their new quarter, the others are in flight
    run = Run(sb, "killed_in_landing")
    wait_until(lambda: run.count(": landed ") >= 3, 300, "three series landed", run)
    run.kill()
    seen["landing"] = {
        "landed_before_kill": run.count(": landed "),
        "published": published_state(sb.published),
        "raw": raw_counts(sb.warehouse),  # the warehouse opens (WAL replayed) and is whole
    }

    # 2. during dbt build, once it builds the intermediate models: kill the run's process only,
    # so its dbt child is orphaned and keeps DuckDB's file lock (left alone it would go on
    # building to the end: the kill leaves it nothing worse than a closed stdout)
    for old in sb.dbt_target.glob("dbt.log*"):
        old.unlink()
    run = Run(sb, "killed_in_dbt")

    def dbt_building(model: str) -> Callable[[], bool]:
        def check() -> bool:
            for log in sb.dbt_target.glob("dbt.log*"):
                for line in log.read_text(errors="replace").splitlines():
                    if f'"node_name": "{model}"' in line and "NodeExecuting" in line:
                        return True
            return False

        return check

    wait_until(dbt_building("int_asset_returns_daily"), 600, "dbt mid-build", run, every=0.2)
    orphans = run.dbt_children()
    assert orphans, f"no dbt child found:\n{run.tail()}"
    run.kill(whole_group=False)
    for o in orphans:  # pause it: it must still hold the file when the next run lands
        o.suspend()
        sb.paused.append(o)
    seen["dbt"] = {
        "orphan_alive": all(o.is_running() and o.status() != "zombie" for o in orphans),
        "published": published_state(sb.published),
    }

    # 3. during publish: the new file is being built beside the published one. This run first
    # releases the dead runs' pool slots, then waits in landing while the orphaned dbt holds
    # DuckDB's file lock; the orphan is then killed -9 too (a second kill in mid-build), which
    # lets go of the lock.
    run = Run(sb, "killed_in_publish")
    wait_until(lambda: run.count("land_raw_series - STEP_START") > 0, 300, "landing", run)
    time.sleep(3)
    seen["dbt"]["next_run_waited"] = run.proc.poll() is None and run.count(": landed ") == 0
    for o in orphans:
        o.kill()
    wait_until(lambda: bool(sb.building_files()), 900, "the publish step building its file", run)
    run.kill()
    seen["publish"] = {
        "left_behind": [p.name for p in sb.building_files()],
        "published": published_state(sb.published),
        "raw": raw_counts(sb.warehouse),
        "output": run.output,
    }
    return seen


@pytest.mark.slow
def test_kill_during_landing_keeps_published_file_and_landed_rows(crashes):
    base, after = crashes["baseline"], crashes["landing"]
    assert after["published"] == base["published"]
    assert 3 <= after["landed_before_kill"] < len(load_catalog())
    # each series holds either its old history or all of its new quarter: never a part of it
    grown = 0
    for s in load_catalog():
        old, new = (len(sample_frame(s, end)) for end in (BASE_END, FAULT_END))
        assert base["raw"][s.series_id] == old
        assert after["raw"][s.series_id] in (old, new), s.series_id
        grown += after["raw"][s.series_id] == new
    assert grown >= 3


@pytest.mark.slow
def test_kill_during_dbt_build_keeps_published_file(crashes):
    after = crashes["dbt"]
    assert after["published"] == crashes["baseline"]["published"]
    assert after["orphan_alive"], "the test meant to leave an orphaned dbt; it had already exited"


@pytest.mark.slow
def test_run_after_dbt_kill_waits_for_the_orphaned_dbt_and_reaps_the_dead_run(crashes, sandbox):
    out = crashes["publish"]["output"]
    # the dead run's pool slot was released (else this run would wait forever) ...
    assert "released the pool slots of dead run" in out
    # ... it waited while the orphaned dbt held DuckDB's lock, then went on through dbt to
    # publish (before the fix, landing failed at once with DuckDB's "Could not set lock")
    assert crashes["dbt"]["next_run_waited"]
    with sandbox.instance() as instance:
        failed = [r for r in instance.get_runs() if r.status == dg.DagsterRunStatus.FAILURE]
    assert len(failed) >= 2  # the runs killed in landing and in dbt, marked failed by later runs


@pytest.mark.slow
def test_kill_during_publish_keeps_published_file(crashes):
    after = crashes["publish"]
    assert after["published"] == crashes["baseline"]["published"]
    assert after["left_behind"], "the kill was meant to land while the new file was being built"
    for series_id, n in crashes["baseline"]["raw"].items():
        assert after["raw"][series_id] >= n


# -- then two runs at once, under read load ------------------------------------------------------

READER = textwrap.dedent(
    """
    import json, random, sys, time
    import duckdb
    path, stop, out, queries = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    from pathlib import Path
    lat, errors, i = [], [], random.randrange(len(queries))
    while not Path(stop).exists():
        q = queries[i % len(queries)]
        i += 1
        t = time.perf_counter()
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                con.execute(q).fetchall()
            finally:
                con.close()
            lat.append(time.perf_counter() - t)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
        time.sleep(0.5)  # a BI client's think time between queries
    Path(out).write_text(json.dumps({"latencies": lat, "errors": errors}))
    """
)


@pytest.mark.slow
def test_two_runs_at_once_under_read_load_recover_everything(crashes, sandbox, tmp_path):
    sb = sandbox
    before = crashes["baseline"]
    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                READER,
                str(sb.published),
                str(stop),
                str(tmp_path / f"reader{i}.json"),
                json.dumps(READER_QUERIES),
            ],
        )
        for i in range(8)
    ]
    try:
        first, second = Run(sb, "together_a"), Run(sb, "together_b")
        codes = {first.name: first.finish(), second.name: second.finish()}
    finally:
        stop.touch()
        for r in readers:
            r.wait(timeout=60)

    # both complete, or the second refuses with the writer-lock message; never anything else
    runs = [first, second]
    assert any(code == 0 for code in codes.values()), {r.name: r.tail(80) for r in runs}
    for r in runs:
        if codes[r.name] != 0:
            assert "being written by another run" in r.output, r.tail(120)
    succeeded = sum(code == 0 for code in codes.values())

    # no two writing steps ever overlapped (DuckDB has one writer; the pool and the
    # writer lock serialize the steps of the two runs, which may interleave)
    with sb.instance() as instance:
        recent = instance.get_runs(limit=2)
        spans = {
            r.run_id: [
                (s.start_time, s.end_time)
                for s in instance.get_run_step_stats(r.run_id)
                if s.step_key in WRITER_STEPS and s.start_time and s.end_time
            ]
            for r in recent
        }
        claimed = [
            s
            for key in instance.event_log_storage.get_concurrency_keys()
            for s in instance.event_log_storage.get_concurrency_info(key).claimed_slots
        ]
    steps = sorted(span for run_spans in spans.values() for span in run_spans)
    for (_, end), (start, _) in zip(steps, steps[1:], strict=False):
        assert end <= start, f"two writing steps overlapped: {spans}"
    assert claimed == []

    # nothing lost, nothing half-published, both files open and agree
    assert sb.building_files() == []
    after_raw = raw_counts(sb.warehouse)
    for series_id, n in before["raw"].items():
        assert after_raw[series_id] >= n, series_id
    state = published_state(sb.published)
    assert (
        state["publications"][: len(before["published"]["publications"])]
        == (before["published"]["publications"])
    )
    assert len(state["publications"]) == len(before["published"]["publications"]) + succeeded
    with read_only(sb.warehouse) as con:
        in_warehouse = {
            t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in sb.marts()
        }
    assert {f"marts.{t}": n for t, n in in_warehouse.items()}.items() <= state["tables"].items()

    # every read-only client query succeeded throughout
    results = [json.loads((tmp_path / f"reader{i}.json").read_text()) for i in range(8)]
    latencies = [x for r in results for x in r["latencies"]]
    errors = [e for r in results for e in r["errors"]]
    summary = {
        "clients": 8,
        "queries": len(latencies),
        "errors": len(errors),
        "p50_ms": round(1000 * percentile(latencies, 0.5), 1),
        "p95_ms": round(1000 * percentile(latencies, 0.95), 1),
        "max_ms": round(1000 * max(latencies, default=float("nan")), 1),
        "during": "two concurrent refresh_all runs (sample through " + FAULT_END.isoformat() + ")",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "fault_read_load.json").write_text(json.dumps(summary, indent=2))
    print(f"\nread load on the published file: {summary}")
    assert not errors and len(latencies) > 8, f"{summary}; first errors: {errors[:5]}"


# -- bad input through the live path (loopback FRED) ----------------------------------------------


def fred_rows(series_id: str, end: date) -> list[tuple[str, str]]:
    frame = sample_frame(get_series(series_id), end)
    return [(d.isoformat(), "." if v is None else repr(v)) for d, v in frame.iter_rows()]


HTTP_FAULTS = {  # series -> (what the server does from now on, status, words in the error)
    "DGS3MO": (429, FAILED, ["3 attempts", "HTTP 429"]),
    "DGS2": (503, FAILED, ["3 attempts", "HTTP 503"]),
    "DGS5": ("slow", FAILED, ["timed out"]),
    "DTB3": ("truncated", FAILED, ["truncated"]),
    "DGS30": ("wrong_type", FAILED, ["Content-Type", "application/pdf"]),
    "BAMLC0A0CM": ("html", FAILED, ["HTML page"]),
}
DATA_FAULTS = {  # series -> (rows appended after the stored history, status, words)
    "DFII10": ("backwards", INVALID, ["dates_strictly_increasing"]),
    "T5YIE": ("duplicate", INVALID, ["uniqueness"]),
    "T10YIE": ("1e308", INVALID, ["in_range", "1e+308"]),
    "DGS10": ("900", INVALID, ["in_range", "900"]),
}
GONE = "DFII5"
HEALTHY = ("SP500", "NASDAQCOM", "VIXCLS")  # VIXCLS: a 429 then a 500, then served normally


def test_bad_live_input_is_named_and_isolated(tmp_path):
    key = "f00dfeedf00dfeedf00dfeedf00dfeed"
    end = date(2024, 6, 28)
    new_day = date(2024, 7, 1)
    series = [*HTTP_FAULTS, *DATA_FAULTS, GONE, *HEALTHY]
    path = tmp_path / "warehouse_fred.duckdb"
    with FakeFred(api_key=key, slow_seconds=3) as fake:
        for sid in series:
            fake.set_series(sid, fred_rows(sid, end)[-300:])
        source = FredSource(
            api_key=key,
            api_base_url=fake.api_base_url,
            backoff_base_seconds=0.001,
            max_retries=2,
            timeout_seconds=0.5,
            max_requests_per_minute=60_000,
        )
        first = land_series(path, source, [get_series(s) for s in series])
        assert all(r.ok for r in first.results), [r.error for r in first.failed]
        before = {sid: stored_rows(path, sid) for sid in series}

        # every series gets a new business day; then the faults
        for sid in series:
            fake.set_series(sid, fake.rows(sid) + [(new_day.isoformat(), "4.5")])
        for sid, (behaviour, _, _) in HTTP_FAULTS.items():
            fake.always(sid, behaviour)
        saturday = (end + timedelta(days=1)).isoformat()  # not stored: only goes backwards
        for sid, (fault, _, _) in DATA_FAULTS.items():
            rows = fake.rows(sid)[:-1]
            extra = {
                "backwards": [(new_day.isoformat(), "1.0"), (saturday, "1.1")],
                "duplicate": [(new_day.isoformat(), "1.0"), (new_day.isoformat(), "1.0")],
                "1e308": [(new_day.isoformat(), "1e308")],
                "900": [(new_day.isoformat(), "900")],
            }[fault]
            fake.set_series(sid, rows + extra)
        fake.remove_series(GONE)
        fake.behave("VIXCLS", 429, 500)

        second = land_series(path, source, [get_series(s) for s in series])

    results = second.by_id()
    logged = load_log(path, second.run_id)
    for sid, (_, status, words) in {**HTTP_FAULTS, **DATA_FAULTS}.items():
        r = results[sid]
        assert r.status == status, (sid, r.status, r.error)
        assert sid in r.error and all(w in r.error for w in words), (sid, r.error)
        assert logged[sid] == (status, r.error)
        assert stored_rows(path, sid) == before[sid], f"{sid}: stored rows changed"
    assert results[GONE].status == UNAVAILABLE and "does not exist" in results[GONE].error
    assert logged[GONE][0] == UNAVAILABLE
    assert stored_rows(path, GONE) == before[GONE]
    for sid in HEALTHY:
        assert results[sid].status == LANDED, results[sid].error
        assert results[sid].counts.inserted == 1 and logged[sid] == (LANDED, None)
        assert stored_rows(path, sid)[-1][:2] == (new_day, 4.5)
    with read_only(path) as con:  # and no bad value slipped in anywhere
        bad = con.execute(
            """
            select o.series_id, o.observation_date, o.value
            from raw.observations o join (values """
            + ", ".join(f"('{s.series_id}', {s.valid_min}, {s.valid_max})" for s in load_catalog())
            + """) c(series_id, lo, hi) using (series_id)
            where not isfinite(o.value) or o.value < c.lo or o.value > c.hi
            """
        ).fetchall()
    assert bad == []


# -- schema drift in a CSV folder -----------------------------------------------------------------


def write_csv(folder: Path, series_id: str, rows, header: str | None = None) -> None:
    lines = [header or f"observation_date,{series_id}"] + [",".join(r) for r in rows]
    (folder / f"{series_id}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_csv_schema_drift_is_named_per_series_and_the_rest_lands(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    days = [(date(2024, 1, 2) + timedelta(days=i)).isoformat() for i in range(5)]
    names = ["DGS10", "DGS2", "DGS5", "DGS30", "SP500", "DGS3MO"]
    for sid in names:
        write_csv(folder, sid, [(d, f"{4 + i / 10:.2f}") for i, d in enumerate(days)])
    path = tmp_path / "warehouse_csv.duckdb"
    series = [get_series(s) for s in names]
    assert all(r.ok for r in land_series(path, CsvFolderSource(folder), series).results)
    before = {sid: stored_rows(path, sid) for sid in names}

    new = "2024-01-08"
    good = [(d, f"{4 + i / 10:.2f}") for i, d in enumerate(days)] + [(new, "4.90")]
    write_csv(folder, "DGS10", [(d, v, "1") for d, v in good], "observation_date,DGS10,EXTRA")
    write_csv(folder, "DGS2", good, "observation_date,DGS2_RENAMED")
    (folder / "DGS5.csv").write_bytes(b"")
    (folder / "DGS30.csv").write_bytes(b"observation_date,DGS30\n2024-01-08,4\xe9\xff\n")
    write_csv(folder, "SP500", good)
    # documented repairs: a UTF-8 byte-order mark and FRED's older DATE header are accepted
    text = "\ufeffDATE,DGS3MO\n" + "\n".join(f"{d},{v}" for d, v in good) + "\n"
    (folder / "DGS3MO.csv").write_text(text, encoding="utf-8")

    report = land_series(path, CsvFolderSource(folder), series)
    res = report.by_id()
    logged = load_log(path, report.run_id)
    expected = {
        "DGS10": "expected 2 columns",
        "DGS2": "value column is 'DGS2_RENAMED'",
        "DGS5": "CSV is empty",
        "DGS30": "not UTF-8",
    }
    for sid, words in expected.items():
        assert res[sid].status == FAILED and words in res[sid].error, (sid, res[sid].error)
        assert sid in res[sid].error and logged[sid] == (FAILED, res[sid].error)
        assert stored_rows(path, sid) == before[sid]
    for sid in ("SP500", "DGS3MO"):
        assert res[sid].status == LANDED and res[sid].counts.inserted == 1, res[sid].error
        assert stored_rows(path, sid)[-1][:2] == (date(2024, 1, 8), 4.9)


# -- the API key never leaks -----------------------------------------------------------------------

SECRET = "q7w3e9r1t5y8u2i6o4p0a7s3d9f1g5h8"  # FRED's key shape: 32 lower-case alphanumerics


def text_of_database(path: Path) -> list[str]:
    """Every table and view, every column as text: where in it the secret occurs, if anywhere."""
    hits = []
    with read_only(path) as con:
        relations = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "union all select schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
        for schema, name in relations:
            cols = [c[0] for c in con.execute(f'describe "{schema}"."{name}"').fetchall()]
            for col in cols:
                n = con.execute(
                    f'select count(*) from "{schema}"."{name}" '
                    f'where contains(cast("{col}" as varchar), ?)',
                    [SECRET],
                ).fetchone()[0]
                if n:
                    hits.append(f"{path.name}: {schema}.{name}.{col} ({n} rows)")
    return hits


def files_containing(root: Path, needle: bytes) -> list[str]:
    return [
        str(p)
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink() and needle in p.read_bytes()
    ]


@pytest.mark.slow
def test_api_key_never_leaks_from_a_full_live_run(tmp_path, monkeypatch, caplog, capfd):
    from dagster._serdes import serialize_value

    from orchestration.definitions import defs
    from orchestration.defs.resources import SourceResource, WarehouseResource

    caplog.set_level(logging.DEBUG)
    target = PROJECT_ROOT / "target" / "dagster_run"
    started = time.time()
    with FakeFred(api_key=SECRET) as fake:
        for s in load_catalog():
            fake.set_series(s.series_id, fred_rows(s.series_id, FAULT_END))
        fake.behave("DGS10", 429)  # failing requests, retried: Retry-After absent -> backoff
        fake.behave("SP500", 500, 503)
        monkeypatch.setenv("FRED_API_KEY", SECRET)
        monkeypatch.setenv("FRED_API_BASE_URL", fake.api_base_url)
        (tmp_path / "dagster_home").mkdir()
        instance = dg.DagsterInstance.local_temp(tempdir=str(tmp_path / "dagster_home"))
        result = defs.resolve_job_def("refresh_all").execute_in_process(
            instance=instance,
            resources={
                "warehouse": WarehouseResource(
                    path=str(tmp_path / "warehouse_fred.duckdb"),
                    published_path=str(tmp_path / "published" / "bondhedge_fred.duckdb"),
                ),
                "source": SourceResource(name="fred"),
            },
            raise_on_error=False,
        )
        keyed = [r for r in fake.requests if r.api_key == SECRET]
        retried = [r for r in fake.requests if r.status in (429, 500, 503)]
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert len(keyed) >= len(load_catalog()) and len(retried) == 3  # the key was really used

    leaks = []
    logs = instance.all_logs(result.run_id)
    assert logs
    for entry in logs:  # every event: messages, step output, asset and check metadata
        if SECRET in serialize_value(entry):
            leaks.append(f"event {entry.dagster_event_type}: {entry.message[:200]}")
    for record in caplog.records:
        if SECRET in record.getMessage() or SECRET in str(record.__dict__):
            leaks.append(f"log record {record.name}: {record.getMessage()[:200]}")
    out, err = capfd.readouterr()
    if SECRET in out or SECRET in err:
        leaks.append("process stdout/stderr")
    for db in (
        tmp_path / "warehouse_fred.duckdb",
        tmp_path / "published" / "bondhedge_fred.duckdb",
    ):
        leaks += text_of_database(db)
    # every file the run wrote: both DuckDB files, the instance (event log, compute logs),
    # any report; and dbt's artifacts and logs from this run
    leaks += files_containing(tmp_path, SECRET.encode())
    leaks += [
        f for f in files_containing(target, SECRET.encode()) if Path(f).stat().st_mtime >= started
    ]
    logs_dir = PROJECT_ROOT / "logs"
    if logs_dir.is_dir():
        leaks += files_containing(logs_dir, SECRET.encode())
    assert leaks == []
