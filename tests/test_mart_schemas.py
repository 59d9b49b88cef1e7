"""orchestration.mart_schemas: every built mart passes its pandera schema; corrupted frames fail
with messages that name the mart, the column, the rule and an offending value."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import polars as pl
import pytest

from orchestration.mart_schemas import MART_SCHEMAS, MartSchema, mart_warnings, validate_mart


def read_mart(warehouse, name: str) -> pl.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.sql(f"select * from marts.{name}").pl()
    finally:
        con.close()


def mart_tables(warehouse) -> set[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    finally:
        con.close()
    return {name for (name,) in rows}


def set_value(df: pl.DataFrame, row: int, column: str, value) -> pl.DataFrame:
    return df.with_columns(
        pl.when(pl.int_range(pl.len()) == row)
        .then(pl.lit(value, dtype=df.schema[column]))
        .otherwise(pl.col(column))
        .alias(column)
    )


def test_every_mart_has_a_schema(sample_warehouse):
    assert mart_tables(sample_warehouse) <= set(MART_SCHEMAS)
    expected = {
        "asset_returns",
        "calendar_year_returns",
        "rolling_correlations",
        "breakevens",
        "regime_daily",
        "hedge_scorecard",
        "drawdown_episodes",
        "portfolio_60_40",
        "portfolio_60_40_summary",
        "hedge_monitor_latest",
        "hedge_answer",
        "markov_regimes",
        "markov_regime_fit",
        "vix_bucket_correlations",
    }
    assert expected <= set(MART_SCHEMAS)
    for name, spec in MART_SCHEMAS.items():
        assert isinstance(spec, MartSchema) and spec.name == name
        assert spec.key and set(spec.key) <= set(spec.schema.columns), name
        assert spec.blocking is True


@pytest.mark.parametrize("name", sorted(MART_SCHEMAS))
def test_built_sample_marts_pass(sample_warehouse, name):
    df = read_mart(sample_warehouse, name)
    assert df.height > 0
    assert validate_mart(name, df) == []
    assert isinstance(mart_warnings(name, df), list)


@pytest.mark.realdata
@pytest.mark.parametrize("name", sorted(MART_SCHEMAS))
def test_built_real_marts_pass(real_warehouse, name):
    assert validate_mart(name, read_mart(real_warehouse, name)) == []


@pytest.fixture(scope="module")
def scorecard(sample_warehouse) -> pl.DataFrame:
    return read_mart(sample_warehouse, "hedge_scorecard").head(20)


def only(messages: list[str], rule: str) -> str:
    matching = [m for m in messages if f"'{rule}'" in m]
    assert len(matching) == 1, f"no single message for rule {rule!r} in {messages}"
    return matching[0]


def test_correlation_outside_minus_one_one_blocks(scorecard):
    message = only(
        validate_mart("hedge_scorecard", set_value(scorecard, 3, "correlation", 1.5)),
        "correlation in [-1, 1]",
    )
    assert message.startswith("hedge_scorecard.correlation: blocking rule")
    assert "1.5" in message


def test_nan_correlation_blocks(sample_warehouse):
    df = (
        read_mart(sample_warehouse, "rolling_correlations")
        .filter(pl.col("correlation").is_not_null())
        .head(50)
    )
    message = only(
        validate_mart("rolling_correlations", set_value(df, 7, "correlation", float("nan"))),
        "not NaN",
    )
    assert message.startswith("rolling_correlations.correlation:")
    assert "NaN" in message.split("e.g.")[1]


def test_duplicate_key_blocks(scorecard):
    duplicated = pl.concat([scorecard, scorecard.head(1)])
    message = only(
        validate_mart("hedge_scorecard", duplicated),
        "unique key (equity_asset_id, bond_asset_id, frequency, regime_dimension, regime_value)",
    )
    first = scorecard.row(0, named=True)
    assert message.startswith("hedge_scorecard.key:")
    assert f"bond_asset_id={first['bond_asset_id']!r}" in message


def test_return_at_or_below_minus_100_percent_blocks(sample_warehouse):
    df = read_mart(sample_warehouse, "asset_returns").head(30)
    message = only(
        validate_mart("asset_returns", set_value(df, 2, "total_return", -1.2)), "return > -100 %"
    )
    assert message.startswith("asset_returns.total_return:")
    assert "-1.2" in message


def test_hit_rate_outside_zero_one_blocks(scorecard):
    row = scorecard.with_row_index().filter(pl.col("hit_rate").is_not_null())["index"][0]
    messages = validate_mart("hedge_scorecard", set_value(scorecard, row, "hit_rate", 1.2))
    message = only(messages, "share in [0, 1]")
    assert message.startswith("hedge_scorecard.hit_rate:") and "1.2" in message


def test_all_corruptions_reported_together(scorecard):
    bad = set_value(scorecard, 0, "correlation", 1.5)
    bad = set_value(bad, 1, "correlation", float("nan"))
    bad = set_value(bad, 2, "mean_bond_return", -1.2)
    bad = pl.concat([bad, bad.tail(1)])
    messages = validate_mart("hedge_scorecard", bad)
    rules = {m.split("'")[1] for m in messages}
    assert {"correlation in [-1, 1]", "not NaN", "return > -100 %"} <= rules
    assert any("unique key" in rule for rule in rules)


def test_single_row_monitor_and_wrong_type(sample_warehouse):
    monitor = read_mart(sample_warehouse, "hedge_monitor_latest")
    assert validate_mart("hedge_monitor_latest", monitor) == []
    two = pl.concat([monitor, monitor.with_columns(pl.col("as_of_date").dt.offset_by("-1d"))])
    assert any("'exactly one row'" in m for m in validate_mart("hedge_monitor_latest", two))
    as_text = monitor.with_columns(pl.col("correlation_252d").cast(pl.String))
    assert any("correlation_252d" in m for m in validate_mart("hedge_monitor_latest", as_text))


def test_unknown_mart_is_an_error():
    with pytest.raises(KeyError, match="no schema for mart"):
        validate_mart("no_such_mart", pl.DataFrame())


def test_module_does_not_import_dagster():
    code = (
        "import sys, orchestration.mart_schemas; "
        "assert not [m for m in sys.modules if m.split('.')[0].startswith('dagster')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# the marts' contracts (models/marts/<domain>/_marts_<domain>.yml) carry their column rules
# as DuckDB constraints
BAD_WRITES = {
    "correlation above 1": (
        "update marts.rolling_correlations set correlation = 1.5 where rowid = "
        "(select min(rowid) from marts.rolling_correlations where correlation is not null)",
        "correlation",
    ),
    "NaN return": (
        "update marts.asset_returns set total_return = 'nan'::double where rowid = 0",
        "total_return",
    ),
    "return of -100 %": (
        "update marts.asset_returns set total_return = -1 where rowid = 0",
        "total_return",
    ),
    "unknown frequency": (
        "update marts.hedge_scorecard set frequency = 'hourly' where rowid = 0",
        "frequency",
    ),
    "missing key": (
        "update marts.regime_daily set calendar_date = null where rowid = 0",
        "NOT NULL",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_WRITES))
def test_contract_constraints_refuse_bad_rows(sample_warehouse, tmp_path, case):
    sql, named = BAD_WRITES[case]
    copy = tmp_path / sample_warehouse.name
    copy.write_bytes(sample_warehouse.read_bytes())
    con = duckdb.connect(str(copy))
    try:
        table = sql.split()[1]
        fingerprint = f"select count(*), sum(hash(t)::hugeint) from {table} as t"
        before = con.execute(fingerprint).fetchone()
        with pytest.raises(duckdb.ConstraintException, match=named):
            con.execute(sql)
        assert con.execute(fingerprint).fetchone() == before
    finally:
        con.close()
