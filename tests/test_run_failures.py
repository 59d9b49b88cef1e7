"""An outage is a failed run, not a success (issue 14, case 2).

Real Dagster runs of ``refresh_all`` (dbt, checks, publish) on a csv folder written from the
sample: a good run publishes; then every file is refused (the outage) and the run must fail
with the cause up front, publish nothing and not materialize raw/observations; a partial
failure (one series) goes on with a warning that lists it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingestion.catalog import load_catalog
from ingestion.sources.sample import sample_frame
from orchestration.definitions import defs
from orchestration.defs.ingest.assets import OBSERVATIONS
from orchestration.defs.resources import SourceResource, WarehouseResource

pytestmark = pytest.mark.slow

END = date(1971, 12, 31)


def write_folder(folder: Path, end: date, broken: set[str] = frozenset()) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for s in load_catalog():
        frame = sample_frame(s, end)
        lines = [f"observation_date,{s.series_id}"]
        if s.series_id in broken:
            lines.append("2020-13-45,oops")
        else:
            lines += [
                f"{d.isoformat()},{'.' if v is None else repr(v)}"
                for d, v in frame.select("observation_date", "value").iter_rows()
            ]
        (folder / f"{s.series_id}.csv").write_text("\n".join(lines) + "\n")


def run(tmp: Path, folder: Path) -> tuple[dg.ExecuteInProcessResult, dg.DagsterInstance]:
    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def("refresh_all").execute_in_process(
        instance=instance,
        resources={
            "warehouse": WarehouseResource(
                path=str(tmp / "warehouse.duckdb"),
                published_path=str(tmp / "published" / "bondhedge.duckdb"),
            ),
            "source": SourceResource(name="csv", csv_dir=str(folder)),
        },
        raise_on_error=False,
    )
    return result, instance


def publications(tmp: Path) -> int:
    with duckdb.connect(str(tmp / "published" / "bondhedge.duckdb"), read_only=True) as con:
        return con.execute("select count(*) from meta.publications").fetchone()[0]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("outage")
    write_folder(tmp / "good", END)
    result, _ = run(tmp, tmp / "good")
    assert result.success
    return tmp


def test_a_run_where_no_series_landed_fails_and_publishes_nothing(published):
    tmp = published
    before = (tmp / "published" / "bondhedge.duckdb").read_bytes()
    ids = {s.series_id for s in load_catalog()}
    write_folder(tmp / "bad", END, broken=ids)
    result, _ = run(tmp, tmp / "bad")
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.step_failure_data.error.message
    assert message.startswith("dagster._core.definitions.events.Failure: no series landed")
    assert "data was refused" in message and "last published file is unchanged" in message
    assert failure.step_key == "land_raw_series"
    # nothing republished, raw not marked fresh, the landing check still says why, per series
    assert (tmp / "published" / "bondhedge.duckdb").read_bytes() == before
    assert publications(tmp) == 1
    assert OBSERVATIONS not in {e.asset_key for e in result.get_asset_materialization_events()}
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == "valid_series" and not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert set(check.metadata["failed_series"].value.split(", ")) == ids
    rows = check.metadata["series"].value.records
    assert {r.data["series_id"] for r in rows} == ids
    assert all(r.data["status"] != "landed" and r.data["error"] for r in rows)
    assert check.description.startswith(f"landed 0 of {len(ids)} series; not landed: ")


def test_a_partial_failure_goes_on_with_a_warning_listing_the_series(published):
    tmp = published
    write_folder(tmp / "partial", END, broken={"DGS10"})
    result, instance = run(tmp, tmp / "partial")
    assert result.success
    warnings = [
        e.user_message
        for e in instance.all_logs(result.run_id)
        if "series not landed" in (e.user_message or "")
    ]
    assert len(warnings) == 1 and "DGS10 (failed)" in warnings[0], warnings
    # the one landing check fails, naming DGS10 (its row says why); the other series passed
    check = next(c for c in result.get_asset_check_evaluations() if c.check_name == "valid_series")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "DGS10" in check.metadata["failed_series"].value.split(", ")
    assert "DGS10 (failed): DGS10: unparseable date '2020-13-45'" in check.description
    rows = {r.data["series_id"]: r.data for r in check.metadata["series"].value.records}
    assert set(rows) == {s.series_id for s in load_catalog()}
    assert rows["DGS10"]["status"] == "failed" and "2020-13-45" in rows["DGS10"]["error"]
    # the rest landed, or are not offered by a csv folder (the FRED-MD file is not written)
    assert {r["status"] for sid, r in rows.items() if sid != "DGS10"} <= {"landed", "unavailable"}
    with duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True) as con:
        logged = con.execute(
            "select status, error from raw.load_log where series_id = 'DGS10' and run_id = ?",
            [result.run_id],
        ).fetchall()
    assert logged == [("failed", rows["DGS10"]["error"])]
    assert publications(tmp) == 2
