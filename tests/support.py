"""Helpers the tests share: build a real warehouse (landing + a real `dbt build`) in a folder."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb

from ingestion.catalog import PROJECT_ROOT
from ingestion.landing import LandingReport, land_series
from ingestion.sources import make_source

SHARED_CSV_DIR = (PROJECT_ROOT.parent / "shared" / "data" / "fred-csv").resolve()
SHARED_REAL_DIR = (PROJECT_ROOT.parent / "shared" / "data" / "real").resolve()
DBT = str(Path(sys.executable).with_name("dbt"))

# The sample's end date in tests is fixed so results do not move with the calendar.
SAMPLE_END = date(2026, 6, 30)


def dbt_env(warehouse: Path, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["BONDHEDGE_WAREHOUSE"] = str(warehouse)
    env["DBT_TARGET_PATH"] = str(workdir / "target")
    env["DBT_LOG_PATH"] = str(workdir / "logs")
    env["DBT_PROFILES_DIR"] = str(PROJECT_ROOT)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


def run_dbt(warehouse: Path, workdir: Path, *args: str, check: bool = True):
    """Run the dbt CLI against ``warehouse``; returns the CompletedProcess."""
    proc = subprocess.run(
        [DBT, *args, "--project-dir", str(PROJECT_ROOT)],
        cwd=PROJECT_ROOT,
        env=dbt_env(warehouse, workdir),
        capture_output=True,
        text=True,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr}")
    return proc


def land(warehouse: Path, source: str = "sample", **options) -> LandingReport:
    if source == "sample":
        options.setdefault("end_date", SAMPLE_END)
    return land_series(warehouse, make_source(source, **options))


def build_warehouse(workdir: Path, source: str = "sample", **options) -> Path:
    """Land every catalog series from ``source`` and `dbt build` on it; return the file."""
    workdir.mkdir(parents=True, exist_ok=True)
    warehouse = workdir / "warehouse.duckdb"
    land(warehouse, source, **options)
    run_dbt(warehouse, workdir, "build")
    return warehouse


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
