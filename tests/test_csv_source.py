"""The csv source and FRED's CSV format: variants FRED serves, and the ways files go wrong."""

from __future__ import annotations

from datetime import date

import pytest

from ingestion.catalog import get_series
from ingestion.sources.base import SeriesUnavailable, SourceError
from ingestion.sources.csv_folder import CsvFolderSource

DGS10 = get_series("DGS10")


def fetch(tmp_path, body: bytes | str, start=None, end=None):
    path = tmp_path / "DGS10.csv"
    path.write_bytes(body.encode() if isinstance(body, str) else body)
    return CsvFolderSource(tmp_path).fetch(DGS10, start, end)


@pytest.mark.parametrize("header", ["observation_date", "DATE"])
def test_both_fred_headers_and_missing_markers(tmp_path, header):
    frame = fetch(
        tmp_path, f"{header},DGS10\n2020-01-02,1.88\n2020-01-03,.\n2020-01-06,\n2020-01-07,1.81\n"
    )
    assert frame["observation_date"].to_list() == [
        date(2020, 1, 2),
        date(2020, 1, 3),
        date(2020, 1, 6),
        date(2020, 1, 7),
    ]
    assert frame["value"].to_list() == [1.88, None, None, 1.81]


def test_range_is_applied(tmp_path):
    frame = fetch(
        tmp_path,
        "observation_date,DGS10\n2020-01-02,1\n2020-01-03,2\n2020-01-06,3\n",
        start=date(2020, 1, 3),
        end=date(2020, 1, 3),
    )
    assert frame["value"].to_list() == [2.0]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "empty"),
        ("observation_date,DGS10,extra\n2020-01-02,1,2\n", "expected 2 columns"),
        ("when,DGS10\n2020-01-02,1\n", "first column must be observation_date"),
        ("observation_date,DGS2\n2020-01-02,1\n", "value column is 'DGS2'"),
        ("observation_date,DGS10\n2020-01-02,abc\n", "non-numeric value 'abc' on line 2"),
        ("observation_date,DGS10\n01/02/2020,1\n", "unparseable date '01/02/2020'"),
        (b"observation_date,DGS10\n2020-01-02,1\xff\xfe\n", "not UTF-8"),
        ("<html><body>Service unavailable</body></html>", "HTML"),
    ],
)
def test_bad_files_get_a_clear_error_naming_the_series(tmp_path, body, message):
    with pytest.raises(SourceError, match=message) as info:
        fetch(tmp_path, body)
    assert str(info.value).startswith("DGS10: ")


def test_missing_file_is_unavailable(tmp_path):
    with pytest.raises(SeriesUnavailable, match="no file"):
        CsvFolderSource(tmp_path).fetch(DGS10, None, None)


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        CsvFolderSource(tmp_path / "nope")


@pytest.mark.parametrize("tail", ["\n", "\n\n", "\n   \n\t\n", "\r\n\r\n", "\n \n\n"])
def test_trailing_blank_or_whitespace_lines_are_not_rows(tmp_path, tail):
    """Issue 14: one blank line at the end rejected the whole series ("unparseable date None")."""
    frame = fetch(tmp_path, "observation_date,DGS10\r\n2020-01-02,1.88\r\n2020-01-03,." + tail)
    assert frame["observation_date"].to_list() == [date(2020, 1, 2), date(2020, 1, 3)]
    assert frame["value"].to_list() == [1.88, None]


def test_a_blank_line_inside_the_rows_is_still_an_error(tmp_path):
    with pytest.raises(SourceError, match="line 3"):
        fetch(tmp_path, "observation_date,DGS10\n2020-01-02,1\n\n2020-01-06,2\n")


def test_a_directory_in_place_of_a_file_is_an_error_naming_the_path(tmp_path):
    """Issue 14: a directory named DGS10.csv was reported as "series not provided"."""
    (tmp_path / "DGS10.csv").mkdir()
    with pytest.raises(SourceError, match="is a directory") as info:
        CsvFolderSource(tmp_path).fetch(DGS10, None, None)
    assert not isinstance(info.value, SeriesUnavailable)
    assert str(tmp_path / "DGS10.csv") in str(info.value)


def test_a_dangling_link_is_an_error_naming_the_path(tmp_path):
    (tmp_path / "DGS10.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(SourceError, match="dangling symbolic link") as info:
        CsvFolderSource(tmp_path).fetch(DGS10, None, None)
    assert not isinstance(info.value, SeriesUnavailable)
    assert str(tmp_path / "DGS10.csv") in str(info.value)
