"""Sources of raw observations: ``sample`` (default, synthetic), ``fred`` (live), ``csv``.

``fred`` and ``csv`` also serve the FRED-MD columns of the catalog (``sources.fred_md``).
"""

from __future__ import annotations

import os
from pathlib import Path

from ingestion.dbt_lists import data_sources
from ingestion.sources.base import SeriesUnavailable, Source, SourceError

#: the source names, defined once as the dbt var ``data_sources`` (dbt_project.yml)
SOURCE_NAMES = data_sources()

__all__ = ["SOURCE_NAMES", "Source", "SourceError", "SeriesUnavailable", "make_source"]


def make_source(name: str, *, csv_dir: str | Path | None = None, **options) -> Source:
    """Build a source by name; imports lazily so a sample run never loads HTTP clients."""
    if name == "sample":
        from ingestion.sources.sample import SampleSource

        return SampleSource(**options)
    if name == "fred":
        from ingestion.sources.fred import FredSource
        from ingestion.sources.fred_md import with_fred_md

        fred_md_url = options.pop("fred_md_url", None)
        return with_fred_md(FredSource(**options), fred_md_url=fred_md_url)
    if name == "csv":
        from ingestion.sources.csv_folder import CsvFolderSource
        from ingestion.sources.fred_md import with_fred_md

        folder = csv_dir or os.environ.get("BONDHEDGE_CSV_DIR")
        if not folder:
            raise ValueError("source 'csv' needs a folder: set CSV_DIR / BONDHEDGE_CSV_DIR")
        return with_fred_md(CsvFolderSource(folder))
    raise ValueError(f"unknown source {name!r}; expected one of {', '.join(SOURCE_NAMES)}")
