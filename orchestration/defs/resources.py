"""Dagster resources: the working warehouse (single writer) and the configured source.

Neither opens anything when constructed; connections and HTTP sessions are made inside runs.
The FRED API key is never a resource field: the fred source reads ``FRED_API_KEY`` from the
environment itself, so the key cannot reach run config, the UI or event logs.

The source, its warehouse and its published file are read from the environment once, when the
definitions load (``make run SOURCE=... CSV_DIR=...`` sets it), into resource configuration;
from there every step, dbt included, gets them explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from ingestion.sources import make_source
from ingestion.sources.base import Source
from ingestion.warehouse import writer_lock
from orchestration.lib import settings
from orchestration.run_launcher import ensure_writer_pool, release_slots_of_dead_runs


class WarehouseResource(dg.ConfigurableResource):
    """The working DuckDB file. Every write goes through its exclusive writer lock."""

    path: str
    #: the read-only analytics file BI tools open (write-audit-publish target)
    published_path: str
    lock_timeout_seconds: float = 900.0

    @property
    def file(self) -> Path:
        return Path(self.path)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Runs before any step of the run claims a pool slot (in-process executor).
        if context.instance is not None and context.run is not None:
            ensure_writer_pool(context.instance)
            release_slots_of_dead_runs(context.instance, context.run.run_id, context.log)

    @property
    def published_file(self) -> Path:
        return Path(self.published_path)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writer lock (for a dbt subprocess, for instance)."""
        with writer_lock(self.file, self.lock_timeout_seconds):
            yield

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection, taken under the writer lock so no writer is blocked by it."""
        with writer_lock(self.file, self.lock_timeout_seconds):
            con = duckdb.connect(str(self.file), read_only=True)
            try:
                yield con
            finally:
                con.close()


class SourceResource(dg.ConfigurableResource):
    """Which source raw assets fetch from: ``sample`` (default), ``fred`` or ``csv``."""

    name: str = "sample"
    csv_dir: str | None = None
    #: the sample's last date (ISO); empty means today. Tests pin it for reproducible runs.
    sample_end_date: str | None = None
    fetch_workers: int = 4

    def build(self) -> Source:
        if self.name == "sample":
            end = date.fromisoformat(self.sample_end_date) if self.sample_end_date else None
            return make_source("sample", end_date=end)
        if self.name == "csv":
            return make_source("csv", csv_dir=self.csv_dir)
        return make_source(self.name)


def default_resources() -> dict[str, dg.ConfigurableResource]:
    """The warehouse and source resources, configured from the environment (read once, here)."""
    source = settings.source_name()
    return {
        "warehouse": WarehouseResource(
            path=str(settings.warehouse_path(source)),
            published_path=str(settings.published_path(source)),
        ),
        "source": SourceResource(
            name=source,
            csv_dir=os.environ.get("BONDHEDGE_CSV_DIR") or None,
            sample_end_date=os.environ.get("BONDHEDGE_SAMPLE_END_DATE") or None,
        ),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=default_resources())
