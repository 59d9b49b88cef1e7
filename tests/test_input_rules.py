"""Input rules found by adversarial testing (issue 14, case 7), on real files, a real DuckDB
warehouse and the loopback FRED: NaN in any spelling is one rule; an empty answer where history
is stored is ``invalid``; dates before 1900 are refused; settings that are wrong are named."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from ingestion.catalog import CATALOG_PATH, get_series, load_catalog
from ingestion.landing import INVALID, LANDED, land_series
from ingestion.sources.csv_folder import CsvFolderSource
from ingestion.sources.fred import FredSource
from ingestion.warehouse import open_warehouse
from tests.fred_server import VALID_API_KEY

DGS10 = get_series("DGS10")


def write(folder, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "DGS10.csv").write_text("observation_date,DGS10\n" + body)


@pytest.mark.parametrize("spelling", ["NaN", "nan", "NAN", "nAn"])
def test_nan_in_any_spelling_is_refused_naming_series_and_date(tmp_path, spelling):
    write(tmp_path / "csv", f"2020-01-02,1.5\n2020-01-03,{spelling}\n")
    report = land_series(tmp_path / "w.duckdb", CsvFolderSource(tmp_path / "csv"), [DGS10])
    (result,) = report.results
    assert result.status == INVALID, result
    assert result.rule == "value:finite"
    assert "DGS10" in result.error and "2020-01-03" in result.error


@pytest.mark.parametrize("spelling", ["NaN", "nan", "NAN"])
def test_nan_through_the_api_is_the_same_rule(tmp_path, fake_fred, spelling):
    fake_fred.set_series("DGS10", [("2020-01-02", "1.5"), ("2020-01-03", spelling)])
    source = FredSource(api_key=VALID_API_KEY, api_base_url=fake_fred.api_base_url)
    (result,) = land_series(tmp_path / "w.duckdb", source, [DGS10]).results
    assert result.status == INVALID and result.rule == "value:finite"
    assert "2020-01-03" in result.error


def test_an_empty_answer_where_history_is_stored_is_invalid(tmp_path, fake_fred):
    rows = [(f"2024-01-{d:02d}", "4.0") for d in range(2, 31) if date(2024, 1, d).weekday() < 5]
    fake_fred.set_series("DGS10", rows)
    source = FredSource(api_key=VALID_API_KEY, api_base_url=fake_fred.api_base_url)
    path = tmp_path / "w.duckdb"
    assert land_series(path, source, [DGS10]).results[0].status == LANDED
    fake_fred.set_series("DGS10", [])  # the server now answers with no observations
    (result,) = land_series(path, source, [DGS10], lookback_days=30).results
    assert result.status == INVALID
    assert result.rule == "rows:not_empty_where_stored"
    assert f"where {len(rows)} are already stored" in result.error
    with open_warehouse(path) as con:
        assert con.execute("select count(*) from raw.observations").fetchone()[0] == len(rows)
        logged = con.execute(
            "select status from raw.load_log order by finished_at desc limit 1"
        ).fetchone()
    assert logged == (INVALID,)


def test_an_empty_answer_for_a_new_window_still_lands(tmp_path, fake_fred):
    fake_fred.set_series("DGS10", [])
    source = FredSource(api_key=VALID_API_KEY, api_base_url=fake_fred.api_base_url)
    (result,) = land_series(tmp_path / "w.duckdb", source, [DGS10]).results
    assert result.status == LANDED and result.counts.fetched == 0


def test_dates_before_1900_are_refused(tmp_path):
    write(tmp_path / "csv", "0001-01-01,1.5\n2020-01-03,1.6\n")
    (result,) = land_series(
        tmp_path / "w.duckdb", CsvFolderSource(tmp_path / "csv"), [DGS10]
    ).results
    assert result.status == INVALID
    assert "greater_than_or_equal_to(1900-01-01)" in result.error and "0001-01-01" in result.error


def test_a_warehouse_path_under_a_file_names_the_setting(tmp_path):
    blocker = tmp_path / "hostname"
    blocker.write_text("not a folder")
    write(tmp_path / "csv", "2020-01-02,1.5\n")
    with pytest.raises(ValueError, match="BONDHEDGE_WAREHOUSE") as info:
        land_series(blocker / "w.duckdb", CsvFolderSource(tmp_path / "csv"), [DGS10])
    assert f"{blocker} is a file, not a folder" in str(info.value)


def test_a_bad_number_in_the_catalog_names_series_and_column(tmp_path):
    bad = tmp_path / "series_catalog.csv"
    shutil.copy(CATALOG_PATH, bad)
    lines = bad.read_text().splitlines()
    header = lines[0].split(",")
    at = next(i for i, line in enumerate(lines) if line.startswith("DGS10,"))
    cells = lines[at].split(",")
    cells[header.index("valid_max")] = "abc"
    lines[at] = ",".join(cells)
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError) as info:
        load_catalog(bad)
    message = str(info.value)
    assert "DGS10" in message and "valid_max='abc'" in message and str(bad) in message
    assert f"line {at + 1}" in message
