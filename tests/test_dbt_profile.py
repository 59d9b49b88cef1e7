"""The dbt profile's DuckDB settings reach the connection dbt opens (profiles.yml)."""

from __future__ import annotations

import json

import pytest

from tests.support import run_dbt


def _memory_limit(tmp_path, monkeypatch, value: str | None) -> str:
    if value is None:
        monkeypatch.delenv("BONDHEDGE_DUCKDB_MEMORY_LIMIT", raising=False)
    else:
        monkeypatch.setenv("BONDHEDGE_DUCKDB_MEMORY_LIMIT", value)
    proc = run_dbt(
        tmp_path / "warehouse.duckdb",
        tmp_path,
        "show",
        "--inline",
        "select current_setting('memory_limit') as memory_limit",
        "--output",
        "json",
        "--log-format",
        "json",
    )
    for line in proc.stdout.splitlines():
        event = json.loads(line)
        preview = event.get("data", {}).get("preview")
        if preview:
            return json.loads(preview)[0]["memory_limit"]
    raise AssertionError(f"no preview in dbt show's output:\n{proc.stdout[-3000:]}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "3.7 GiB"), ("1GB", "953.6 MiB"), ("2GiB", "2.0 GiB")],
)
def test_duckdb_memory_limit_follows_the_variable(tmp_path, monkeypatch, value, expected):
    """Default 4 GB (DuckDB prints 1000^3 units as GiB); the variable overrides it."""
    assert _memory_limit(tmp_path, monkeypatch, value) == expected
