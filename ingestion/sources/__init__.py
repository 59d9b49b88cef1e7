"""Sources of raw observations: ``sample`` (default, synthetic), ``fred`` (live), ``csv``."""

from __future__ import annotations

import os
from pathlib import Path

from ingestion.sources.base import SeriesUnavailable, Source, SourceError

SOURCE_NAMES = ("sample", "fred", "csv")

__all__ = ["SOURCE_NAMES", "Source", "SourceError", "SeriesUnavailable", "make_source"]


def make_source(name: str, *, csv_dir: str | Path | None = None, **options) -> Source:
    """Build a source by name; imports lazily so a sample run never loads HTTP clients."""
    if name == "sample":
        from ingestion.sources.sample import SampleSource

        return SampleSource(**options)
    if name == "fred":
        from ingestion.sources.fred import FredSource

        return FredSource(**options)
    if name == "csv":
        from ingestion.sources.csv_folder import CsvFolderSource

        folder = csv_dir or os.environ.get("BONDHEDGE_CSV_DIR")
        if not folder:
            raise ValueError("source 'csv' needs a folder: set CSV_DIR / BONDHEDGE_CSV_DIR")
        return CsvFolderSource(folder)
    raise ValueError(f"unknown source {name!r}; expected one of {', '.join(SOURCE_NAMES)}")
