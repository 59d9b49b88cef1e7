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

from orchestration.headline import headline_answer


def test_headline_is_read_from_the_scorecard(published_sample):
    """The headline equals the scorecard row queried directly (sp500 × ust_10y, monthly, all)."""
    with duckdb.connect(str(published_sample), read_only=True) as con:
        headline = headline_answer(con)
        hit, low, high, down = con.execute(
            "select hit_rate, hit_rate_ci_low, hit_rate_ci_high, stock_down_periods "
            "from marts.hedge_scorecard where equity_asset_id = 'sp500' "
            "and bond_asset_id = 'ust_10y' and frequency = 'monthly' "
            "and regime_dimension = 'all'"
        ).fetchone()
    assert headline.source_table == "marts.hedge_scorecard"
    assert (headline.hit_rate, headline.ci_low, headline.ci_high) == (hit, low, high)
    assert headline.stock_down_periods == down
    assert headline.data_source == "sample"
    text = headline.sentence()
    assert f"{hit:.0%}" in text and f"{low:.0%}–{high:.0%}" in text and str(down) in text


def test_headline_prefers_hedge_answer_when_published(published_sample, tmp_path):
    """Once marts.hedge_answer exists, it is the source (here a copy with one changed rate)."""
    copy = tmp_path / "bondhedge.duckdb"
    shutil.copy(published_sample, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "create table marts.hedge_answer as select * replace (0.123::double as hit_rate) "
            "from marts.hedge_scorecard where regime_dimension = 'all'"
        )
    with duckdb.connect(str(copy), read_only=True) as con:
        headline = headline_answer(con)
    assert headline.source_table == "marts.hedge_answer"
    assert headline.hit_rate == pytest.approx(0.123)
    assert headline.frequency == "monthly"


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
        [sys.executable, "-m", "orchestration.cli", "answer", "--source", source,
         "--published", str(tmp_path / name)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert hint in proc.stderr
