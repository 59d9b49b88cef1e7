"""The shipped Superset dashboard, driven for real: install, import, query, during a republish.

Superset 6.1 runs from its own venv (``make bi-install`` installs it when missing, a few
minutes the first time) on 127.0.0.1 with a free port, with the published file registered
read-only. Every chart of the imported dashboard has its query run through Superset's chart
data API in a loop while a real pipeline run (``python -m orchestration.run``, what ``make run``
does) republishes the file; no query may fail, and each must return rows. The headline chart's
hit rate is compared with the same figure read directly from the published file with DuckDB.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
import requests

from bi import run_superset as rs
from ingestion.catalog import PROJECT_ROOT
from orchestration.lib.publication import publish
from tests.test_bi_client import pipeline_env

EXPECTED_CHARTS = {
    "big_number_total",
    "echarts_timeseries_bar",
    "pivot_table_v2",
    "echarts_area",
    "table",
}


@pytest.fixture(scope="module")
def superset_installed():
    if not (rs.VENV / ".installed").exists():
        subprocess.run(
            ["make", "bi-install"], cwd=PROJECT_ROOT, check=True, timeout=900,
            capture_output=True,
        )  # fmt: skip
    assert (rs.VENV / "bin" / "superset").exists()


class Superset:
    def __init__(self, base: str, password: str) -> None:
        self.base = base
        token = requests.post(
            f"{base}/api/v1/security/login",
            json={"username": "admin", "password": password, "provider": "db", "refresh": False},
            timeout=30,
        ).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params):
        r = requests.get(self.base + path, headers=self.headers, params=params, timeout=60)
        r.raise_for_status()
        return r.json()

    def charts(self) -> list[dict]:
        listing = self.get("/api/v1/chart/", q=json.dumps({"page_size": 100}))["result"]
        return [self.get(f"/api/v1/chart/{c['id']}")["result"] for c in listing]

    def chart_data(self, chart: dict) -> dict:
        """Run the chart's saved query context against its dataset, as a dashboard refresh does."""
        context = json.loads(chart["query_context"])
        ds_id, ds_type = json.loads(chart["params"])["datasource"].split("__")
        context["datasource"] = {"id": int(ds_id), "type": ds_type}
        context["force"] = True  # no cache: every call reads the file
        r = requests.post(
            f"{self.base}/api/v1/chart/data", headers=self.headers, json=context, timeout=120
        )
        if r.status_code != 200:
            raise AssertionError(f"{chart['slice_name']}: HTTP {r.status_code}: {r.text[:300]}")
        return r.json()["result"][0]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_dashboard_charts_answer_through_superset_during_a_republish(
    superset_installed, sample_warehouse, tmp_path
):
    published = tmp_path / "published" / "bondhedge.duckdb"
    publish(sample_warehouse, published, run_id="before")
    home = tmp_path / "superset"
    with open(tmp_path / "setup.log", "w") as log:
        password = rs.setup(home, published, log)
    port = rs.free_port()
    server_log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed in finally
    server = rs.start(home, "127.0.0.1", port, server_log)
    try:
        rs.wait_until_up("127.0.0.1", port)
        api = Superset(f"http://127.0.0.1:{port}", password)

        dashboards = api.get("/api/v1/dashboard/", q=json.dumps({"page_size": 10}))["result"]
        assert [d["dashboard_title"] for d in dashboards] == [
            "bondhedge: do bonds go up when stocks fall?"
        ]
        charts = api.charts()
        assert {c["viz_type"] for c in charts} == EXPECTED_CHARTS
        database = api.get("/api/v1/database/", q=json.dumps({"page_size": 10}))["result"]
        assert [d["database_name"] for d in database] == ["bondhedge"]

        # before the run: each chart returns rows, and the headline equals DuckDB's own figure
        first = {c["slice_name"]: api.chart_data(c) for c in charts}
        assert all(r["rowcount"] > 0 and not r.get("error") for r in first.values()), first
        (headline,) = [r for name, r in first.items() if name.startswith("Headline")]
        with duckdb.connect(str(published), read_only=True) as con:
            (direct,) = con.execute(
                "select hit_rate from marts.hedge_answer where equity_asset_id = 'sp500' "
                "and bond_asset_id = 'ust_10y' and frequency = 'monthly' "
                "and return_basis = 'total' and era = 'full history'"
            ).fetchone()
        assert headline["data"][0]["hit rate"] == pytest.approx(direct, abs=1e-12)

        # during a real pipeline run that republishes the file: query every chart in a loop
        results: list[tuple[str, int]] = []
        failures: list[str] = []
        stop = threading.Event()

        def hammer() -> None:
            while not stop.is_set():
                for chart in charts:
                    try:
                        res = api.chart_data(chart)
                        if res.get("error") or res["rowcount"] == 0:
                            failures.append(f"{chart['slice_name']}: {res.get('error')}")
                        results.append((chart["slice_name"], res["rowcount"]))
                    except Exception as exc:  # collected, asserted below
                        failures.append(f"{chart['slice_name']}: {type(exc).__name__}: {exc}")

        thread = threading.Thread(target=hammer, daemon=True)
        thread.start()
        env = pipeline_env(tmp_path)
        proc = subprocess.run(
            [sys.executable, "-m", "orchestration.run", "--log-dir", str(tmp_path / "logs")],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1200,
        )  # fmt: skip
        time.sleep(3)  # a few queries against the new publication
        stop.set()
        thread.join(timeout=300)

        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        # what `make run` shows: a short, plain progress log and the summary; the rest is in
        # the log file
        out = proc.stdout
        assert "SUCCESS" in out
        assert "\x1b[" not in out and "DEBUG" not in out and "Warning" not in out
        assert len(out.splitlines()) < 80, out
        for line in ("▸ land raw series", "✓ dbt build", "✓ publish the read-only file",
                     "✓ write the hedge report", "SYNTHETIC", "answer:", "make answer",
                     "make ui", "make bi"):  # fmt: skip
            assert line in out, line
        log_text = (tmp_path / "logs" / "latest.log").read_text()
        assert "DEBUG" in log_text and "STEP_SUCCESS" in log_text and "PASS" in log_text
        assert "AssetObservation" not in log_text and "SupersessionWarning" not in log_text
        assert failures == []
        assert len(results) >= 2 * len(charts)
        with duckdb.connect(str(published), read_only=True) as con:
            runs = [r[0] for r in con.execute("select run_id from meta.publications").fetchall()]
        assert len(runs) == 2 and runs[0] == "before"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)
        server_log.close()
        shutil.rmtree(home, ignore_errors=True)


def test_dashboard_bundle_is_superset_export_format(tmp_path):
    """The shipped files zip into Superset's v1 export layout, pointing at the given file."""
    import zipfile

    import yaml

    published = tmp_path / "bondhedge.duckdb"
    zipped = rs.bundle(published, tmp_path / "bundle.zip")
    with zipfile.ZipFile(zipped) as zf:
        names = set(zf.namelist())
        docs = {n: yaml.safe_load(zf.read(n)) for n in names}
    assert "bondhedge_dashboard/metadata.yaml" in names
    assert docs["bondhedge_dashboard/metadata.yaml"]["type"] == "Dashboard"
    (db,) = [d for n, d in docs.items() if "/databases/" in n]
    assert db["sqlalchemy_uri"] == f"duckdb:///{published.resolve()}"
    assert db["extra"]["engine_params"]["connect_args"] == {"read_only": True}
    datasets = [d for n, d in docs.items() if "/datasets/" in n]
    charts = [d for n, d in docs.items() if "/charts/" in n]
    # virtual datasets only, so each can be repointed at another mart by its SQL
    assert datasets and all(d["sql"] and d["database_uuid"] == db["uuid"] for d in datasets)
    assert {c["dataset_uuid"] for c in charts} <= {d["uuid"] for d in datasets}
    (dashboard,) = [d for n, d in docs.items() if "/dashboards/" in n]
    placed = {
        v["meta"]["uuid"]
        for v in dashboard["position"].values()
        if "meta" in v and "uuid" in v.get("meta", {})
    }
    assert placed == {c["uuid"] for c in charts}
    assert Path(rs.BI / "requirements.txt").read_text().count("apache-superset==6.1.0") == 1
