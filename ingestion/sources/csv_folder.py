"""The ``csv`` source: a folder of FRED-format CSV downloads, one ``<SERIES_ID>.csv`` per series.

For air-gapped users and for tests on real history. A catalog series with no file raises
:class:`SeriesUnavailable`, so the landing step reports it and the other series still land.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from ingestion.catalog import SeriesInfo
from ingestion.sources.base import SeriesUnavailable, SourceError, clip_range
from ingestion.sources.fred_format import parse_fred_csv


class CsvFolderSource:
    name = "csv"

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(f"csv source: folder {self.folder} does not exist")

    def path_for(self, series_id: str) -> Path:
        return self.folder / f"{series_id}.csv"

    def fetch(self, series: SeriesInfo, start: date | None, end: date | None) -> pl.DataFrame:
        path = self.path_for(series.series_id)
        if path.is_symlink() and not path.exists():
            raise SourceError(
                series.series_id,
                f"{path} is a dangling symbolic link (to {path.readlink()}); point it at the "
                "series' CSV file or remove it",
            )
        if path.exists() and not path.is_file():
            raise SourceError(
                series.series_id,
                f"{path} is a directory, not a CSV file; put the series' FRED CSV at that path "
                "or remove it",
            )
        if not path.is_file():
            raise SeriesUnavailable(
                series.series_id, f"no file {path} in the csv folder (series not provided)"
            )
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceError(series.series_id, f"cannot read {path}: {exc}") from None
        frame = parse_fred_csv(data, series.series_id)
        # File order is kept: validation rejects dates that go backwards rather than hide them.
        return clip_range(frame, start, end)

    def __repr__(self) -> str:
        return f"CsvFolderSource({str(self.folder)!r})"
