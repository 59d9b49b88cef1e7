"""What a user sees at the end of ``make run`` and from ``bondhedge answer`` without a file.

The full ``make run`` terminal output (quiet progress, the summary, the log file) is asserted
on the real run inside tests/test_superset_dashboard.py, which needs one anyway.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest

from orchestration.lib.headline import headline_answer


def test_headline_is_the_answer_marts_verdicts(published_sample):
    """The headline is hedge_answer's own verdict text for the first (whole history) and the
    last era, read back here with an independent query (sp500 x ust_10y, monthly, total)."""
    with duckdb.connect(str(published_sample), read_only=True) as con:
        headline = headline_answer(con)
        eras = con.execute(
            "select era, verdict from marts.hedge_answer where equity_asset_id = 'sp500' "
            "and bond_asset_id = 'ust_10y' and frequency = 'monthly' "
            "and return_basis = 'total' order by era_order"
        ).fetchall()
    assert headline.source_table == "marts.hedge_answer"
    assert headline.verdicts == (eras[0][1], eras[-1][1])
    assert eras[0][0] == "full history"
    assert headline.data_source == "sample"
    assert headline.sentence().startswith("full history (monthly, total return)")


def test_headline_is_none_without_the_answer_mart(published_sample, tmp_path):
    """An older published file without hedge_answer gives no headline, not an error."""
    copy = tmp_path / "bondhedge.duckdb"
    shutil.copy(published_sample, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table marts.hedge_answer")
    with duckdb.connect(str(copy), read_only=True) as con:
        assert headline_answer(con) is None


def test_headline_is_none_without_marts(tmp_path):
    with duckdb.connect(str(tmp_path / "empty.duckdb")) as con:
        assert headline_answer(con) is None


@pytest.mark.parametrize(
    ("source", "hint"),
    [
        ("csv", "make run SOURCE=csv CSV_DIR="),
        ("fred", "make run SOURCE=fred"),
        ("sample", "make run`"),
    ],
)
def test_answer_without_a_published_file_says_how_to_build_it(tmp_path, source, hint):
    env = {"PATH": "/usr/bin:/bin", "BONDHEDGE_SOURCE": source, "HOME": str(tmp_path)}
    name = "bondhedge.duckdb" if source == "sample" else f"bondhedge_{source}.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.lib.cli", "answer", "--source", source,
         "--published", str(tmp_path / name)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert hint in proc.stderr
