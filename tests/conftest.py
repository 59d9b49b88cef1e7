"""Shared fixtures. Warehouses are built once per session (real landing + real dbt build)."""

from __future__ import annotations

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
