"""The published file as a BI client sees it: SQLAlchemy + duckdb_engine, read-only.

Superset, Metabase (through its DuckDB driver) and Jupyter users connect with
``create_engine("duckdb:///<published>", connect_args={"read_only": True})``. These tests do
exactly that, and check the write-audit-publish promises from the reader's side:

* a reader holding a connection open through a whole pipeline run (a real ``dagster job
  execute`` subprocess) never sees an error and keeps its own consistent snapshot, while
  readers that connect per query (Superset's default) pick up the new publication;
* a blocking pandera check that fails leaves the previous publication byte-for-byte untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from ingestion.catalog import PROJECT_ROOT
from orchestration.lib.publication import publish
from tests.support import SAMPLE_END

MARTS = {
    "asset_returns",
    "calendar_year_returns",
    "rolling_correlations",
    "breakevens",
    "regime_daily",
    "hedge_scorecard",
    "drawdown_episodes",
    "portfolio_60_40",
    "portfolio_60_40_summary",
    "hedge_monitor_latest",
}
SNAPSHOT_SQL = """
    select
        (select count(*) from meta.publications) as publications,
        (select max(run_id) filter (where published_at = (select max(published_at)
            from meta.publications)) from meta.publications) as latest_run,
        (select count(*) from marts.hedge_scorecard) as scorecard_rows,
        (select sum(periods) from marts.hedge_scorecard) as scorecard_periods,
        (select round(sum(hit_rate), 9) from marts.hedge_scorecard) as hit_rate_sum,
        (select count(*) from marts.asset_returns) as return_rows
"""


def engine_for(published: Path, **kw):
    return create_engine(f"duckdb:///{published}", connect_args={"read_only": True}, **kw)


def snapshot(conn) -> dict:
    return dict(conn.execute(text(SNAPSHOT_SQL)).mappings().one())


def file_state(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mtime_ns, stat.st_ino


# ------------------------------------------------------------------------------ plain reads


def test_bi_client_reads_every_mart_read_only(published_sample):
    engine = engine_for(published_sample)
    try:
        insp = inspect(engine)
        # duckdb_engine lists schemas qualified by the catalog (the file's stem), as BI tools
        # show them: bondhedge.marts, bondhedge.reference, ...
        schemas = set(insp.get_schema_names())
        assert {f"bondhedge.{s}" for s in ("marts", "reference", "meta")} <= schemas
        assert MARTS <= set(insp.get_table_names(schema="marts"))

        with engine.connect() as conn:
            frame = pd.read_sql(
                text(
                    "select regime_value, hit_rate, hit_rate_ci_low, hit_rate_ci_high "
                    "from marts.hedge_scorecard where equity_asset_id = 'sp500' "
                    "and bond_asset_id = :bond and frequency = 'monthly' "
                    "and regime_dimension = :dimension order by regime_value"
                ),
                conn,
                params={"bond": "ust_10y", "dimension": "inflation_regime"},
            )
            assert list(frame["regime_value"]) == ["high", "low", "moderate"]
            assert (frame["hit_rate_ci_low"] <= frame["hit_rate"]).all()
            assert (frame["hit_rate"] <= frame["hit_rate_ci_high"]).all()

            columns = set(
                conn.execute(
                    text(
                        "select column_name from information_schema.columns "
                        "where table_schema = 'marts' and table_name = 'hedge_scorecard'"
                    )
                ).scalars()
            )
            assert {"hit_rate", "hit_rate_ci_low", "hit_rate_ci_high", "data_source"} <= columns

            for mart in sorted(MARTS):
                sources = conn.execute(
                    text(f"select distinct data_source from marts.{mart}")
                ).scalars()
                assert set(sources) == {"sample"}, mart
            (synthetic,) = conn.execute(
                text("select is_synthetic from meta.publications order by published_at desc")
            ).first()
            assert synthetic is True

            with pytest.raises(DBAPIError, match="(?i)read.only"):
                conn.execute(text("create table marts.scratch as select 1 as x"))
    finally:
        engine.dispose()


# Superset and Metabase list a table's columns by reflection. SQLAlchemy 2.0.45+ breaks that
# on DuckDB 1.5 (duckdb_engine#1379), hence the pin below 2.0.45 in pyproject.toml.
def test_sqlalchemy_column_reflection(published_sample):
    engine = engine_for(published_sample)
    try:
        columns = inspect(engine).get_columns("hedge_scorecard", schema="marts")
    finally:
        engine.dispose()
    assert "hit_rate" in {c["name"] for c in columns}


def _manifest_docs() -> dict[str, tuple[str, dict[str, str]]]:
    """Each mart's dbt description and column descriptions, from the dbt manifest."""
    manifest = json.loads((PROJECT_ROOT / "target" / "manifest.json").read_text())
    return {
        node["name"]: (
            node["description"],
            {c: col["description"] for c, col in node["columns"].items()},
        )
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    }


# BI tools (Superset's dataset editor, Metabase's data model, DBeaver) show COMMENTs as table
# and column descriptions; dbt persist_docs writes them and publish copies them. Checked
# against the dbt manifest's descriptions (an independent read of the docs blocks).
def test_published_marts_carry_dbt_descriptions_as_comments(published_sample):
    docs = _manifest_docs()
    assert MARTS <= set(docs)
    engine = engine_for(published_sample)
    try:
        insp = inspect(engine)
        missing = []
        for mart in sorted(MARTS):
            table_doc, column_docs = docs[mart]
            assert table_doc.strip(), f"{mart} has no dbt description"
            assert insp.get_table_comment(mart, schema="marts")["text"] == table_doc
            for column in insp.get_columns(mart, schema="marts"):
                expected = column_docs.get(column["name"])
                if not expected:
                    missing.append(f"{mart}.{column['name']} (no dbt doc)")
                elif column["comment"] != expected:
                    missing.append(f"{mart}.{column['name']}")
        assert missing == []
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------ during a run

# A BI server that opens a connection per query (Superset's NullPool default), in its own
# process: DuckDB shares one database instance per path within a process, so a reader in this
# test process could not see a new publication while the long-lived connection is open.
FRESH_READER = r"""
import json, sys, time
from pathlib import Path
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

published, stop, log = sys.argv[1:4]
sql = text(
    "select (select count(*) from meta.publications), "
    "(select count(*) from marts.hedge_scorecard), "
    "(select hit_rate from marts.hedge_scorecard where equity_asset_id = 'sp500' "
    " and bond_asset_id = 'ust_10y' and frequency = 'monthly' and regime_dimension = 'all')"
)
with open(log, "a") as out:
    while not Path(stop).exists():
        started = time.time()
        try:
            engine = create_engine(
                f"duckdb:///{published}", connect_args={"read_only": True}, poolclass=NullPool
            )
            with engine.connect() as conn:
                pubs, rows, hit = conn.execute(sql).one()
            engine.dispose()
            record = {"t": started, "pubs": pubs, "rows": rows, "hit": hit}
        except Exception as exc:
            record = {"t": started, "error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(record) + "\n")
        out.flush()
        time.sleep(0.25)
"""


def pipeline_env(tmp: Path) -> dict[str, str]:
    home = tmp / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BONDHEDGE_", "DAGSTER_"))}
    env.update(
        BONDHEDGE_SOURCE="sample",
        BONDHEDGE_SAMPLE_END_DATE=SAMPLE_END.isoformat(),
        BONDHEDGE_WAREHOUSE=str(tmp / "warehouse.duckdb"),
        BONDHEDGE_PUBLISHED=str(tmp / "published" / "bondhedge.duckdb"),
        DAGSTER_HOME=str(home),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_readers_keep_working_through_a_full_pipeline_run(sample_warehouse, tmp_path):
    published = tmp_path / "published" / "bondhedge.duckdb"
    publish(sample_warehouse, published, run_id="before")

    # reader 1: one connection held open for the whole run, queried in a loop (a notebook)
    holder_engine = engine_for(published)
    holder = holder_engine.connect()
    opened = snapshot(holder)
    assert opened["publications"] == 1 and opened["latest_run"] == "before"
    held: list[dict] = []
    held_errors: list[str] = []
    stop = threading.Event()

    def hold() -> None:
        while not stop.is_set():
            try:
                held.append(snapshot(holder))
                frame = pd.read_sql(
                    text(
                        "select bond_asset_id, avg(hit_rate) as h from marts.hedge_scorecard "
                        "group by 1"
                    ),
                    holder,
                )
                assert len(frame) >= 10
            except Exception as exc:  # collected, asserted below
                held_errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.2)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()

    # reader 2: a connection per query, in another process (a BI server)
    script = tmp_path / "fresh_reader.py"
    script.write_text(FRESH_READER)
    stop_file, log = tmp_path / "stop", tmp_path / "fresh.jsonl"
    fresh = subprocess.Popen(
        [sys.executable, str(script), str(published), str(stop_file), str(log)], cwd=tmp_path
    )
    try:
        time.sleep(1.0)
        proc = subprocess.run(
            [
                str(Path(sys.executable).with_name("dagster")),
                "job",
                "execute",
                "-m",
                "orchestration.definitions",
                "-j",
                "refresh_all",
            ],
            cwd=PROJECT_ROOT,
            env=pipeline_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=840,
        )
        time.sleep(1.5)  # let the per-query reader see the new file a few times
    finally:
        stop_file.touch()
        stop.set()
        thread.join(timeout=30)
        fresh.wait(timeout=30)

    output = proc.stdout[-4000:] + proc.stderr[-4000:]
    assert proc.returncode == 0, output
    assert "RUN_SUCCESS" in proc.stdout + proc.stderr, output

    # the held connection: every query succeeded and saw the snapshot it opened, unchanged
    assert held_errors == []
    assert len(held) >= 20
    assert all(s == opened for s in held)
    assert snapshot(holder) == opened
    holder.close()
    holder_engine.dispose()

    # the per-query reader: never an error, and it moved from the old to the new publication
    records = [json.loads(line) for line in log.read_text().splitlines()]
    errors = [r["error"] for r in records if "error" in r]
    assert errors == []
    pubs = [r["pubs"] for r in records]
    assert len(records) >= 20
    assert pubs[0] == 1 and pubs[-1] == 2
    assert pubs == sorted(pubs), "a reader saw an older publication after a newer one"
    assert {r["rows"] for r in records} == {opened["scorecard_rows"]}

    # a new connection, once the old one is closed, sees the new publication
    engine = engine_for(published)
    try:
        with engine.connect() as conn:
            now = snapshot(conn)
            history = (
                conn.execute(text("select run_id from meta.publications order by published_at"))
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert now["publications"] == 2
    assert history[0] == "before" and history[1] != "before"
    assert now["latest_run"] == history[1]
    assert now["scorecard_rows"] > 0 and now["return_rows"] > 0
    assert not list(published.parent.glob(".bondhedge.duckdb.building-*"))


# ------------------------------------------------------------------------------ failed audit

CORRUPTIONS = {
    # the mart's contract refuses such a row (test_contract_constraints_refuse_bad_rows); a
    # copy of the table without its constraints stands for a mart written some other way
    "correlation_out_of_range": (
        "rolling_correlations",
        "create or replace table marts.rolling_correlations as "
        "select * from marts.rolling_correlations; "
        "update marts.rolling_correlations set correlation = 1.5 where rowid = "
        "(select min(rowid) from marts.rolling_correlations where correlation is not null)",
    ),
    "duplicate_key": (
        "hedge_scorecard",
        "insert into marts.hedge_scorecard select * from marts.hedge_scorecard limit 1",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_failed_blocking_check_leaves_the_previous_publication_untouched(
    sample_warehouse, tmp_path, corruption
):
    from orchestration.defs.publish.assets import MART_KEYS, published_warehouse
    from orchestration.defs.resources import WarehouseResource
    from orchestration.defs.transform.mart_checks import mart_pandera_checks
    from orchestration.defs.transform.resources import default_dbt_resource

    mart, corrupt_sql = CORRUPTIONS[corruption]
    # the working warehouse keeps its file name: dbt's views name their catalog after it
    working = tmp_path / sample_warehouse.name
    shutil.copy(sample_warehouse, working)
    published = tmp_path / "published" / "bondhedge.duckdb"
    publish(working, published, run_id="good")
    before = file_state(published)

    # a BI reader is connected while the bad run happens
    engine = engine_for(published)
    reader = engine.connect()
    opened = snapshot(reader)

    with duckdb.connect(str(working)) as con:
        con.execute(corrupt_sql)

    # one run with the mart checks and the publish step, as refresh_all runs them after dbt
    result = dg.materialize(
        [published_warehouse, mart_pandera_checks, *[dg.AssetSpec(k) for k in MART_KEYS]],
        selection=dg.AssetSelection.assets(published_warehouse)
        | dg.AssetSelection.checks(mart_pandera_checks),
        resources={
            "warehouse": WarehouseResource(path=str(working), published_path=str(published)),
            # the checks and the publish step read the dbt target (DuckDB here, the default)
            "dbt": default_dbt_resource(),
        },
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )

    # the run reports the failed check, and nothing was published
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [e.asset_check_key.name for e in failed] == [f"pandera_{mart}"]
    assert failed[0].asset_check_key.asset_key == dg.AssetKey(["marts", mart])
    assert mart in failed[0].metadata["failures"].value
    passed = [e for e in result.get_asset_check_evaluations() if e.passed]
    assert len(passed) == len(MART_KEYS) - 1
    assert result.get_asset_materialization_events() == []
    assert not any(
        e.step_key == "published__bondhedge" and e.is_step_success for e in result.all_events
    )

    # the previous publication is byte-for-byte what it was, and readers still read it
    assert file_state(published) == before
    assert snapshot(reader) == opened
    reader.close()
    engine.dispose()
    with duckdb.connect(str(published), read_only=True) as con:
        runs = con.execute("select run_id from meta.publications").fetchall()
    assert runs == [("good",)]
    assert not list(published.parent.glob(".bondhedge.duckdb.building-*"))
