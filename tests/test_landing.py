"""Raw landing on a real DuckDB file: upsert, revisions, isolation of failures, source binding,
the writer lock, and the incremental window, through the csv and live (loopback) sources."""

from __future__ import annotations

import shutil
import threading
import time
from datetime import date, timedelta

import duckdb
import polars as pl
import pytest

from ingestion.catalog import get_series, load_catalog
from ingestion.landing import INVALID, LANDED, UNAVAILABLE, land_series, land_series_batch
from ingestion.sources.csv_folder import CsvFolderSource
from ingestion.sources.fred import FredSource
from ingestion.warehouse import (
    SourceMismatch,
    WarehouseBusy,
    open_warehouse,
    upsert_many,
    upsert_series,
    writer_lock,
)


def rows_of(path, series_id):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select observation_date, value from raw.observations where series_id = ? order by 1",
            [series_id],
        ).fetchall()
    finally:
        con.close()


def write_csv(folder, series_id, rows, header="observation_date"):
    lines = [f"{header},{series_id}"] + [f"{d},{v}" for d, v in rows]
    (folder / f"{series_id}.csv").write_text("\n".join(lines) + "\n")


def frame(pairs):
    return pl.DataFrame(
        {"observation_date": [p[0] for p in pairs], "value": [p[1] for p in pairs]},
        schema={"observation_date": pl.Date, "value": pl.Float64},
    )


def test_upsert_is_idempotent_and_keeps_revisions(tmp_path):
    path = tmp_path / "w.duckdb"
    d1, d2, d3 = date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)
    with open_warehouse(path) as con:
        first = upsert_series(
            con, "DGS10", frame([(d1, 4.0), (d2, None)]), source="csv", run_id="a"
        )
        again = upsert_series(
            con, "DGS10", frame([(d1, 4.0), (d2, None)]), source="csv", run_id="b"
        )
        revised = upsert_series(
            con, "DGS10", frame([(d2, 4.1), (d3, 4.2)]), source="csv", run_id="c"
        )
        revisions = con.execute(
            "select observation_date, old_value, new_value, old_run_id, run_id from raw.revisions"
        ).fetchall()
        run_ids = dict(
            con.execute("select observation_date, run_id from raw.observations").fetchall()
        )
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert (revised.inserted, revised.updated, revised.unchanged) == (1, 1, 0)
    assert rows_of(path, "DGS10") == [(d1, 4.0), (d2, 4.1), (d3, 4.2)]
    assert revisions == [(d2, None, 4.1, "a", "c")]
    assert run_ids[d1] == "a"  # an unchanged row keeps the run that wrote it


def test_failing_series_leaves_others_and_stored_rows_intact(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    good = [("2024-01-02", "4.00"), ("2024-01-03", ".")]
    write_csv(folder, "DGS10", good)
    write_csv(folder, "DGS2", [("2024-01-02", "4.30"), ("2024-01-03", "4.35")])
    path = tmp_path / "w.duckdb"
    series = [get_series("DGS10"), get_series("DGS2"), get_series("DGS5")]
    first = land_series(path, CsvFolderSource(folder), series)
    assert [r.status for r in first.results] == [LANDED, LANDED, UNAVAILABLE]
    assert "DGS5" in first.by_id()["DGS5"].error and "no file" in first.by_id()["DGS5"].error
    stored_dgs2 = rows_of(path, "DGS2")

    # DGS2 now carries a 900 % yield next to a revision of an existing day: nothing of it lands
    write_csv(folder, "DGS2", [("2024-01-02", "4.31"), ("2024-01-03", "900")])
    write_csv(folder, "DGS10", good + [("2024-01-04", "4.05")])
    second = land_series(path, CsvFolderSource(folder), series)
    res = second.by_id()
    assert res["DGS10"].status == LANDED and res["DGS10"].counts.inserted == 1
    assert res["DGS2"].status == INVALID
    assert "DGS2" in res["DGS2"].error and "900" in res["DGS2"].error
    assert "in_range" in res["DGS2"].rule
    assert rows_of(path, "DGS2") == stored_dgs2  # the revision to 4.31 was not half-applied

    con = duckdb.connect(str(path), read_only=True)
    log = con.execute(
        "select series_id, status, error from raw.load_log where run_id = ? order by 1",
        [second.run_id],
    ).fetchall()
    con.close()
    assert [(s, st) for s, st, _ in log] == [
        ("DGS10", LANDED),
        ("DGS2", INVALID),
        ("DGS5", UNAVAILABLE),
    ]
    assert "900" in log[1][2]


def test_switching_source_is_refused(tmp_path, fake_fred):
    folder = tmp_path / "csv"
    folder.mkdir()
    write_csv(folder, "DGS10", [("2024-01-02", "4.00")])
    path = tmp_path / "w.duckdb"
    land_series(path, CsvFolderSource(folder), [get_series("DGS10")])
    fake_fred.set_series("DGS10", [("2024-01-02", "9.00")])
    live = FredSource(api_key="", csv_base_url=fake_fred.csv_base_url)
    with pytest.raises(SourceMismatch, match="holds data from source 'csv'"):
        land_series(path, live, [get_series("DGS10")])
    assert rows_of(path, "DGS10") == [(date(2024, 1, 2), 4.0)]


def test_second_writer_waits_then_fails_clearly(tmp_path):
    path = tmp_path / "w.duckdb"
    holding = threading.Event()
    release = threading.Event()

    def hold():
        with writer_lock(path):
            holding.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    assert holding.wait(5)
    started = time.monotonic()
    with (
        pytest.raises(WarehouseBusy, match="being written by another run"),
        open_warehouse(path, lock_timeout_seconds=0.5),
    ):
        pass
    assert time.monotonic() - started >= 0.5
    release.set()
    t.join()
    with open_warehouse(path, lock_timeout_seconds=0.5):  # free again
        pass


def test_live_source_is_incremental_with_revision_lookback(tmp_path, fake_fred):
    start = date(2024, 1, 1)
    days = [start + timedelta(days=i) for i in range(120)]
    fake_fred.set_series(
        "DGS10", [(d.isoformat(), f"{4 + i / 1000:.3f}") for i, d in enumerate(days)]
    )
    source = FredSource(api_key="", csv_base_url=fake_fred.csv_base_url, backoff_base_seconds=0.01)
    path = tmp_path / "w.duckdb"
    series = [get_series("DGS10")]
    first = land_series(path, source, series)
    assert first.results[0].counts.inserted == 120
    first_query = fake_fred.requests_for("DGS10")[-1].query
    assert not first_query.get("cosd")  # nothing stored: the whole history

    # FRED revises one old day inside the look-back and adds a new day
    rows = fake_fred.rows("DGS10")
    rows[-5] = (rows[-5][0], "9.999")
    fake_fred.set_series("DGS10", rows + [((days[-1] + timedelta(days=1)).isoformat(), "4.5")])
    second = land_series(path, source, series, lookback_days=30)
    asked = fake_fred.requests_for("DGS10")[-1].query
    assert asked["cosd"] == (days[-1] - timedelta(days=30)).isoformat()
    counts = second.results[0].counts
    assert (counts.inserted, counts.updated) == (1, 1)
    assert counts.fetched == 32  # 31 days of look-back window + the new day
    assert len(rows_of(path, "DGS10")) == 121


def test_live_source_failures_are_isolated(tmp_path, fake_fred):
    for sid in ("DGS10", "DGS2"):
        fake_fred.set_series(sid, [("2024-01-02", "4.0"), ("2024-01-03", "4.1")])
    fake_fred.always("DGS2", 500)
    source = FredSource(
        api_key="", csv_base_url=fake_fred.csv_base_url, backoff_base_seconds=0.001, max_retries=2
    )
    report = land_series(tmp_path / "w.duckdb", source, [get_series("DGS10"), get_series("DGS2")])
    res = report.by_id()
    assert res["DGS10"].status == LANDED
    assert res["DGS2"].status == "failed"
    assert "DGS2" in res["DGS2"].error and "3 attempts" in res["DGS2"].error


@pytest.mark.realdata
def test_csv_source_lands_every_real_file(tmp_path, real_csv_dir):
    """Every real file lands; DGS10 ends with blank and whitespace-only lines (issue 14)."""
    folder = tmp_path / "fred-csv"
    shutil.copytree(real_csv_dir, folder)
    with open(folder / "DGS10.csv", "a") as fh:
        fh.write("\n  \n\t\n")
    real_csv_dir = folder
    path = tmp_path / "w.duckdb"
    report = land_series(path, CsvFolderSource(real_csv_dir))
    manifest = pl.read_csv(real_csv_dir / "MANIFEST.csv")
    expected = {r["series_id"]: r["rows"] for r in manifest.iter_rows(named=True)}
    res = report.by_id()
    for s in load_catalog():
        if s.series_id in expected:
            assert res[s.series_id].status == LANDED, res[s.series_id].error
            assert res[s.series_id].counts.fetched == expected[s.series_id]
        else:  # e.g. DTWEXBGS is not in the folder: reported, not fatal
            assert res[s.series_id].status == UNAVAILABLE
            assert f"{s.series_id}.csv" in res[s.series_id].error
    again = land_series(path, CsvFolderSource(real_csv_dir))
    assert all(r.counts.inserted == 0 and r.counts.updated == 0 for r in again.results if r.ok)


# ---- batch landing: one transaction for every valid series ------------------------------

#: what must be identical whichever way a run lands (timestamps differ by construction)
RAW_TABLES = {
    "raw.observations": "series_id, observation_date, value, source, run_id",
    "raw.revisions": "series_id, observation_date, old_value, new_value, old_run_id, run_id",
    "raw.load_log": "run_id, series_id, source, requested_start, requested_end, rows_fetched, "
    "rows_inserted, rows_updated, rows_unchanged, status, error",
}


def raw_tables(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: con.execute(f"select {cols} from {t} order by all").fetchall()
            for t, cols in RAW_TABLES.items()
        }
    finally:
        con.close()


def outcome(report):
    return [
        (r.series_id, r.status, r.counts, r.error, r.rule, r.first_date, r.last_date)
        + (r.last_value, r.stored_rows)
        for r in report.results
    ]


def test_batch_and_per_series_landing_give_identical_tables_and_logs(tmp_path):
    """Same input through land_series and land_series_batch, three runs: first load, then
    revisions + new days + a refused series + a missing file, then an unchanged rerun."""
    folder = tmp_path / "csv"
    folder.mkdir()
    series = [get_series(s) for s in ("DGS10", "DGS2", "DGS5", "DGS30", "SP500")]
    runs = [
        {
            "DGS10": [("2024-01-02", "4.00"), ("2024-01-03", "."), ("2024-01-04", "4.02")],
            "DGS2": [("2024-01-02", "4.30"), ("2024-01-03", "4.35")],
            "DGS30": [("2024-01-02", "4.20")],
            "SP500": [("2024-01-02", "4700.5"), ("2024-01-03", "4690.1")],
        },
        {  # DGS10: a null filled in and a revision; DGS2 refused (900 %); DGS30's file gone
            "DGS10": [("2024-01-03", "4.01"), ("2024-01-04", "4.05"), ("2024-01-05", "4.1")],
            "DGS2": [("2024-01-03", "4.36"), ("2024-01-04", "900")],
            "SP500": [("2024-01-02", "4700.5"), ("2024-01-03", "4690.1"), ("2024-01-04", "4688")],
        },
        None,  # the same files again: nothing new
    ]
    per_series, batch = tmp_path / "per_series.duckdb", tmp_path / "batch.duckdb"
    for i, files in enumerate(runs):
        if files is not None:
            for f in folder.iterdir():
                f.unlink()
            for sid, rows in files.items():
                write_csv(folder, sid, rows)
        a = land_series(per_series, CsvFolderSource(folder), series, run_id=f"run{i}")
        b = land_series_batch(batch, CsvFolderSource(folder), series, run_id=f"run{i}")
        assert outcome(a) == outcome(b), f"run {i}"
        assert raw_tables(per_series) == raw_tables(batch), f"run {i}"
    tables = raw_tables(batch)
    # the comparison covered every kind of outcome, not three empty tables
    assert {row[9] for row in tables["raw.load_log"]} == {LANDED, INVALID, UNAVAILABLE}
    assert [r[:4] for r in tables["raw.revisions"]] == [
        ("DGS10", date(2024, 1, 3), None, 4.01),
        ("DGS10", date(2024, 1, 4), 4.02, 4.05),
    ]
    second = [r for r in tables["raw.load_log"] if r[0] == "run1"]
    assert [(r[1], r[6], r[7], r[8]) for r in second if r[9] == LANDED] == [
        ("DGS10", 1, 2, 0),
        ("SP500", 1, 0, 2),
    ]


def test_batch_landing_isolates_a_failing_series_in_the_middle(tmp_path):
    """The middle series of five is refused: the error names series, value and rule, its
    stored rows stay as they were, and the four around it land in the one transaction."""
    folder = tmp_path / "csv"
    folder.mkdir()
    ids = ["DGS2", "DGS5", "DGS10", "DGS30", "SP500"]
    for sid in ids:
        write_csv(folder, sid, [("2024-01-02", "4.0"), ("2024-01-03", "4.1")])
    path = tmp_path / "w.duckdb"
    series = [get_series(s) for s in ids]
    assert all(r.ok for r in land_series_batch(path, CsvFolderSource(folder), series).results)
    stored = rows_of(path, "DGS10")
    for sid in ids:
        write_csv(folder, sid, [("2024-01-03", "4.2"), ("2024-01-04", "4.3")])
    write_csv(folder, "DGS10", [("2024-01-03", "4.2"), ("2024-01-04", "-99")])
    seen = []
    report = land_series_batch(path, CsvFolderSource(folder), series, on_result=seen.append)
    assert [r.series_id for r in seen] == ids  # every series reported, in catalog order
    res = report.by_id()
    bad = res["DGS10"]
    assert bad.status == INVALID and bad.counts is None
    assert "DGS10" in bad.error and "-99" in bad.error and "in_range" in bad.rule
    assert "2024-01-04" in bad.error
    assert rows_of(path, "DGS10") == stored
    assert bad.stored_rows == 2 and bad.last_date == date(2024, 1, 3)
    for sid in ("DGS2", "DGS5", "DGS30", "SP500"):
        c = res[sid].counts
        assert res[sid].status == LANDED and (c.inserted, c.updated, c.unchanged) == (1, 1, 0)
        assert rows_of(path, sid)[-2:] == [(date(2024, 1, 3), 4.2), (date(2024, 1, 4), 4.3)]
        assert res[sid].stored_rows == 3 and res[sid].last_value == 4.3
    con = duckdb.connect(str(path), read_only=True)
    log = con.execute(
        "select series_id, status, rows_updated, error from raw.load_log where run_id = ? "
        "order by series_id",
        [report.run_id],
    ).fetchall()
    revised = con.execute("select series_id from raw.revisions order by 1").fetchall()
    con.close()
    assert [(s, st) for s, st, _, _ in log] == sorted(
        (s, INVALID if s == "DGS10" else LANDED) for s in ids
    )
    assert next(e for s, _, _, e in log if s == "DGS10") == bad.error
    assert revised == [(s,) for s in sorted(set(ids) - {"DGS10"})]


def test_upsert_many_is_all_or_nothing(tmp_path):
    """A write that fails part-way (a frame with a repeated date, which validation would
    have refused) changes nothing for any series in the batch."""
    path = tmp_path / "w.duckdb"
    d1, d2 = date(2024, 1, 2), date(2024, 1, 3)
    with open_warehouse(path) as con:
        upsert_many(con, {"DGS2": frame([(d1, 4.0)])}, source="csv", run_id="a")
        with pytest.raises(duckdb.Error):
            upsert_many(
                con,
                {"DGS2": frame([(d1, 4.5), (d2, 4.6)]), "DGS5": frame([(d1, 1.0), (d1, 2.0)])},
                source="csv",
                run_id="b",
            )
        assert con.execute("select count(*) from raw.revisions").fetchone() == (0,)
    assert rows_of(path, "DGS2") == [(d1, 4.0)]
    assert rows_of(path, "DGS5") == []
