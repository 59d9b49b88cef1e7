"""Shared fixtures. Warehouses are built once per session (real landing + real dbt build)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support import SHARED_CSV_DIR, build_warehouse


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory):
    """A warehouse built from the synthetic sample (fixed end date)."""
    return build_warehouse(tmp_path_factory.mktemp("sample"), "sample")


@pytest.fixture(scope="session")
def real_csv_dir():
    if not (SHARED_CSV_DIR / "MANIFEST.csv").is_file():
        pytest.skip(f"real FRED CSV history not present at {SHARED_CSV_DIR}")
    return SHARED_CSV_DIR


@pytest.fixture(scope="session")
def real_warehouse(tmp_path_factory, real_csv_dir):
    """A warehouse built from the real FRED-format CSV history in ../shared (skips if absent)."""
    return build_warehouse(tmp_path_factory.mktemp("real"), "csv", csv_dir=real_csv_dir)


@pytest.fixture
def fake_fred():
    """A running loopback FRED (tests/fred_server.py): empty; add data with ``set_series``."""
    from tests.fred_server import FakeFred

    with FakeFred() as server:
        yield server


@pytest.fixture(scope="session")
def published_sample(tmp_path_factory, sample_warehouse):
    """The published analytics file (write-audit-publish) built from ``sample_warehouse``.

    Read-only for tests: open it with ``read_only=True``. Tests that publish again or corrupt
    something make their own copy.
    """
    from orchestration.lib.publication import publish

    target = tmp_path_factory.mktemp("published") / "published" / "bondhedge.duckdb"
    publish(sample_warehouse, target, run_id="tests-sample")
    return target


@pytest.fixture(scope="session")
def published_real(tmp_path_factory, real_warehouse):
    """The published analytics file built from the real FRED CSV history (skips if absent)."""
    from orchestration.lib.publication import publish

    target = tmp_path_factory.mktemp("published_real") / "published" / "bondhedge_csv.duckdb"
    publish(real_warehouse, target, run_id="tests-real")
    return target


@pytest.fixture
def instance_home(tmp_path):
    """A fresh DAGSTER_HOME holding the repository's dagster.yaml, as `make` sets one up."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy2(Path(__file__).resolve().parents[1] / "orchestration" / "dagster.yaml", home)
    return home
