"""The whole pipeline under a directory with an apostrophe and a space; publication history
that survives a damaged published file (issue 14, cases 6 and 8).

Real `dagster job execute -j refresh_all` runs in a sandbox whose code, DAGSTER_HOME, working
warehouse and published file all live under ``…/o'brien data/``. Before the fix the publish step
failed with a SQL parser error (the path was pasted into ``attach '…'``), and a damaged
published file silently reset the history to one row.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.publication import publish
from tests.test_faults import Run, Sandbox, assert_run_succeeded, published_state, read_only


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("paths") / "o'brien data"
    root.mkdir()
    sb = Sandbox(root)
    yield sb
    for run in sb.runs:
        if run.proc.poll() is None:
            run.kill()


@pytest.mark.slow
def test_whole_pipeline_under_an_apostrophe_and_a_space_keeps_its_history(sandbox):
    sb = sandbox
    assert "'" in str(sb.warehouse) and " " in str(sb.warehouse)
    first = Run(sb, "first")
    assert_run_succeeded(first)
    assert "reports__hedge_report - STEP_SUCCESS" in first.output
    state = published_state(sb.published)
    assert len(state["publications"]) == 1
    with read_only(sb.warehouse) as con:  # the working warehouse keeps a copy of the history
        mirrored = con.execute(
            "select * exclude (published_path) from meta.publication_history "
            "where published_path = ?",
            [str(sb.published.resolve())],
        ).fetchall()
        assert mirrored == state["publications"]

    # damage the published file (truncated, as by a full disk or a bad copy)
    data = sb.published.read_bytes()
    sb.published.write_bytes(data[: len(data) // 3])

    second = Run(sb, "second")
    assert_run_succeeded(second)
    after = published_state(sb.published)
    assert len(after["publications"]) == 2, "the damaged file's history was lost"
    assert after["publications"][0] == state["publications"][0]
    assert "could not be read" in second.output and "restored from the working" in second.output


def small_warehouse(path: Path) -> None:
    """The relations publish reads, as plain tables (a real DuckDB file; no dbt needed)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging; create schema marts")
        con.execute(
            "create table staging.stg_warehouse_source as select 'sample' as data_source, "
            "true as is_synthetic, 'SYNTHETIC sample' as data_source_label"
        )
        con.execute('create table marts."it\'s a mart" as select 1 as x')


def test_publish_quotes_paths_and_restores_history_from_the_working_warehouse(tmp_path, caplog):
    root = tmp_path / "o'brien data"
    root.mkdir()
    warehouse, target = root / "warehouse.duckdb", root / "published" / "bondhedge.duckdb"
    small_warehouse(warehouse)
    publish(warehouse, target, run_id="one")
    publish(warehouse, target, run_id="two")
    with read_only(target) as con:
        assert con.execute("select run_id from meta.publications").fetchall() == [
            ("one",),
            ("two",),
        ]
        assert con.execute('select * from marts."it\'s a mart"').fetchall() == [(1,)]
    target.write_bytes(target.read_bytes()[:5000])  # damaged
    with caplog.at_level(logging.WARNING, logger="orchestration.lib.publication"):
        publish(warehouse, target, run_id="three")
    with read_only(target) as con:
        runs = con.execute("select run_id from meta.publications order by published_at").fetchall()
    assert runs == [("one",), ("two",), ("three",)]
    assert any(
        str(target) in r.getMessage() and "restored" in r.getMessage() for r in caplog.records
    )
