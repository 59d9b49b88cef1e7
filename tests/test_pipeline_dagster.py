"""The whole pipeline as Dagster runs it: every asset and check, on the sample, in a temp dir.

Real components throughout: the Definitions operators load, a real DuckDB file, a real dbt
build through dagster-dbt, pandera checks, and the publish step.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime

import dagster as dg
import duckdb
import pytest

from ingestion.catalog import load_catalog
from orchestration.definitions import defs
from orchestration.defs.ingest.assets import OBSERVATIONS
from orchestration.defs.resources import SourceResource, WarehouseResource
from orchestration.defs.transform.project import dbt_project
from tests.support import SAMPLE_END

pytestmark = pytest.mark.slow


def run_everything(
    tmp_path, run_config: dict | None = None, instance: dg.DagsterInstance | None = None
) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def("refresh_all")
    resources = {
        "warehouse": WarehouseResource(
            path=str(tmp_path / "warehouse.duckdb"),
            published_path=str(tmp_path / "published" / "bondhedge.duckdb"),
        ),
        "source": SourceResource(name="sample", sample_end_date=SAMPLE_END.isoformat()),
    }
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        resources=resources,
        run_config=run_config,
        raise_on_error=False,
    )


def counts(path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('raw', 'staging', 'intermediate', 'marts') "
            "and table_name not in ('load_log', 'stg_load_log')"
        ).fetchall()
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in tables}
    finally:
        con.close()


def built_at(path) -> list[tuple]:
    """(built_at, rows, first as-of date) of rolling_correlations, oldest build first."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select built_at, count(*), min(as_of_date) from marts.rolling_correlations "
            "group by built_at order by built_at"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dagster")
    instance = dg.DagsterInstance.ephemeral()
    first = run_everything(tmp, instance=instance)
    # dbt's own record of the first build (the next runs overwrite it), and when Dagster
    # stored each of its materializations
    shutil.copy(dbt_project.target_path / "dagster_run" / "run_results.json", tmp)
    stored = {
        entry.dagster_event.asset_key.to_user_string(): entry.timestamp
        for entry in instance.all_logs(
            first.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        )
    }
    (tmp / "stored_at.json").write_text(json.dumps(stored))
    after_first = counts(tmp / "warehouse.duckdb")
    second = run_everything(tmp)
    after_second = counts(tmp / "warehouse.duckdb")
    return tmp, first, second, after_first, after_second


def test_rerun_recomputes_only_the_trailing_window_and_full_refresh_everything(two_runs):
    """The incremental rerun rewrote the last 45 days; the launchpad's full_refresh rewrites all."""
    tmp, _, second, _, after_second = two_runs
    assert second.success
    builds = built_at(tmp / "warehouse.duckdb")
    assert len(builds) == 2
    (_, kept, _), (_, rebuilt, rebuilt_from) = builds
    assert kept > 10 * rebuilt > 0
    assert (SAMPLE_END - rebuilt_from).days <= 45 + 4  # look-back, to the next as-of date

    config = {"ops": {"bondhedge_dbt_models": {"config": {"full_refresh": True}}}}
    third = run_everything(tmp, config)
    assert third.success
    assert counts(tmp / "warehouse.duckdb") == after_second
    assert len(built_at(tmp / "warehouse.duckdb")) == 1


def test_definitions_load_with_lineage_from_raw_to_marts():
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert "raw/observations" in keys
    assert {"staging/stg_observations", "intermediate/int_observations_daily"} <= keys
    marts = {k for k in keys if k.startswith("marts/")}
    assert {"marts/asset_returns", "marts/hedge_scorecard", "marts/rolling_correlations"} <= marts
    # lineage: stg_observations reads the very asset the landing step writes
    parents = graph.get(dg.AssetKey(["staging", "stg_observations"])).parent_keys
    assert OBSERVATIONS in parents
    check_names = {c.name for c in graph.asset_check_keys}
    assert "valid_series" in check_names  # one landing check, a row per series in its result
    assert {f"pandera_{m.split('/')[1]}" for m in marts} <= check_names
    assert defs.resolve_schedule_def("weekday_refresh_after_fred_update").execution_timezone


def test_every_asset_materializes_and_every_check_passes(two_runs):
    tmp, first, _, after_first, _ = two_runs
    assert first.success
    materialized = {e.asset_key for e in first.get_asset_materialization_events()}
    expected = set(defs.get_repository_def().asset_graph.get_all_asset_keys())
    assert expected - materialized == set()
    failed = [c.check_name for c in first.get_asset_check_evaluations() if not c.passed]
    assert failed == []
    landing = next(c for c in first.get_asset_check_evaluations() if c.check_name == "valid_series")
    rows = landing.metadata["series"].value.records
    assert sorted(r.data["series_id"] for r in rows) == sorted(s.series_id for s in load_catalog())
    assert {r.data["status"] for r in rows} == {"landed"}
    assert landing.metadata["failed_series"].value == "none"
    con = duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)
    per_series = dict(
        con.execute("select series_id, count(*) from raw.observations group by 1").fetchall()
    )
    con.close()
    assert set(per_series) == {s.series_id for s in load_catalog()}
    assert (tmp / "published" / "bondhedge.duckdb").is_file()


def test_rerun_leaves_row_counts_unchanged(two_runs):
    _, _, second, after_first, after_second = two_runs
    assert second.success
    assert after_second == after_first


def test_landing_metadata_tells_operators_what_landed(two_runs):
    _, first, _, _, _ = two_runs
    mat = next(
        e.materialization
        for e in first.get_asset_materialization_events()
        if e.asset_key == OBSERVATIONS
    )
    meta = mat.metadata
    assert meta["series_landed"].value == len(load_catalog())
    assert meta["failed_series"].value == "none"
    assert meta["source"].value == "sample"
    table = meta["series"].value
    assert {r.data["series_id"] for r in table.records} == {s.series_id for s in load_catalog()}


def test_operators_see_owners_tags_and_check_descriptions():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        spec = graph.get(key)
        assert spec.owners, key
        assert spec.tags.get("layer") == key.path[0], key
    undescribed = [k for k in graph.asset_check_keys if not graph.get_check_spec(k).description]
    assert undescribed == []
    # dbt's source tests on raw.observations are checks, not bare observations
    raw_checks = {k.name for k in graph.asset_check_keys if k.asset_key == OBSERVATIONS}
    assert "source_unique_combination_raw_observations_series_id__observation_date" in raw_checks
    assert defs.resolve_job_def("refresh_all").description.count("publish") == 1


def test_mart_metadata_tracks_business_metrics(two_runs):
    """Metadata figures equal the same figures queried directly from the working warehouse."""
    tmp, first, _, _, _ = two_runs
    meta = {
        e.asset_key.to_user_string(): e.materialization.metadata
        for e in first.get_asset_materialization_events()
    }
    con = duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)
    try:
        hit, first_end, last_end = con.execute(
            "select hit_rate, (select min(first_period_end) from marts.hedge_scorecard), "
            "(select max(last_period_end) from marts.hedge_scorecard) "
            "from marts.hedge_scorecard where equity_asset_id = 'sp500' "
            "and bond_asset_id = 'ust_10y' and frequency = 'monthly' and regime_dimension = 'all'"
        ).fetchone()
        corr252 = con.execute(
            "select correlation from marts.rolling_correlations where equity_asset_id = 'sp500' "
            "and bond_asset_id = 'ust_10y' and frequency = 'daily' and window_periods = 252 "
            "order by as_of_date desc limit 1"
        ).fetchone()[0]
        outlook = con.execute("select outlook from marts.hedge_monitor_latest").fetchone()[0]
    finally:
        con.close()
    scorecard = meta["marts/hedge_scorecard"]
    assert scorecard["headline_hit_rate"].value == pytest.approx(hit, abs=1e-12)
    assert scorecard["date_range"].value.startswith(f"{first_end} .. {last_end}")
    assert "headline rows" in scorecard["preview"].value
    rolling = meta["marts/rolling_correlations"]
    assert rolling["correlation_252d_latest"].value == pytest.approx(corr252, abs=1e-12)
    assert meta["marts/hedge_monitor_latest"]["outlook"].value == outlook


def test_dbt_materializations_stream_with_dbts_own_table_metadata(two_runs):
    """Each dbt model and seed is reported while dbt still builds, with the metadata dbt measured.

    The first dbt materialization is stored before dbt finished its last node (dbt's
    run_results.json), so events are not held until the dbt process exits; row counts and
    date ranges equal the warehouse's own.
    """
    tmp, first, _, _, _ = two_runs
    dbt_events = [
        e
        for e in first.get_asset_materialization_events()
        if "unique_id" in e.materialization.metadata
    ]
    results = json.loads((tmp / "run_results.json").read_text())["results"]
    last_done = max(
        datetime.fromisoformat(t["completed_at"].replace("Z", "+00:00")).timestamp()
        for r in results
        for t in r["timing"]
        if t.get("completed_at")
    )
    stored = json.loads((tmp / "stored_at.json").read_text())
    assert min(stored[e.asset_key.to_user_string()] for e in dbt_events) < last_done
    built = {r["unique_id"] for r in results if r["unique_id"].split(".")[0] in {"model", "seed"}}
    assert {e.materialization.metadata["unique_id"].value for e in dbt_events} == built
    missing = [
        e.asset_key.to_user_string()
        for e in dbt_events
        if not {"dagster/row_count", "preview"} <= set(e.materialization.metadata)
    ]
    assert missing == []
    con = duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)
    try:
        for e in dbt_events:
            schema, name = e.asset_key.path[0], e.asset_key.path[-1]
            meta = e.materialization.metadata
            if schema == "marts" or name == "series_catalog":
                rows = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
                assert meta["dagster/row_count"].value == rows, name
        regimes = next(e for e in dbt_events if e.asset_key.path[-1] == "regime_daily")
        lo, hi = con.execute(
            "select min(calendar_date), max(calendar_date) from marts.regime_daily"
        ).fetchone()
    finally:
        con.close()
    meta = regimes.materialization.metadata
    assert meta["date_range"].value == f"{lo} .. {hi} (calendar_date)"
    assert meta["latest_date"].value == str(hi)
    assert meta["preview"].value.startswith("*latest 5 rows*\n\n| calendar_date |")
