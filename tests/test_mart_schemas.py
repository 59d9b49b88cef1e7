"""orchestration.lib.mart_schemas: the pandera mart schemas are generated from the dbt
manifest, hold exactly the YAML's per-row and per-table rules, pass on every built mart, and
reject a corrupted frame with a message naming the mart, the column, the value and the rule."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys

import duckdb
import polars as pl
import pytest
import yaml

from ingestion.catalog import PROJECT_ROOT
from orchestration.lib.mart_schemas import (
    MANIFEST,
    MartSchema,
    mart_schemas,
    mart_warnings,
    schemas_from_manifest,
    validate_mart,
)

SCHEMAS = mart_schemas()
#: the test's own reading of the YAML's data types (not the module's DTYPES)
POLARS_TYPES = {
    "varchar": "String",
    "double": "Float64",
    "integer": "Int32",
    "bigint": "Int64",
    "boolean": "Boolean",
    "date": "Date",
    "timestamp": "Datetime(time_unit='us', time_zone=None)",
}
#: dbt tests that join another table: pandera sees one frame, so they stay dbt-only
CROSS_TABLE = {"relationships"}


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


# ------------------------------------------------------------------------------ the YAML, walked


def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def render_vars(text: str) -> str:
    """``{{ var('x') }}`` -> its value in dbt_project.yml (the test's own rendering)."""
    values = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]
    return re.sub(r"\{\{\s*var\(\s*'([^']+)'\s*\)\s*\}\}", lambda m: str(values[m.group(1)]), text)


def dbt_test_text(name: str, kwargs: dict, column: str | None) -> str:
    if name in ("not_null", "unique"):
        return name.replace("_", " ")
    if name == "accepted_values":
        return f"{column} in ({', '.join(repr(v) for v in kwargs['values'])})"
    if name == "accepted_range":  # as macros/generic_tests.sql words it
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        op_low, op_high = (">=", "<=") if kwargs.get("inclusive", True) else (">", "<")
        parts = [f"not isnan({column}::double)"]
        parts += [f"{column} {op_low} {low}"] if low is not None else []
        parts += [f"{column} {op_high} {high}"] if high is not None else []
        return " and ".join(parts)
    if name == "row_condition":
        return render_vars(kwargs["expression"])
    if name == "unique_combination":
        return ", ".join(kwargs["columns"])
    if name == "min_row_count":
        return str(kwargs["min_rows"])
    if name == "exact_row_count":
        return str(kwargs["n_rows"])
    raise AssertionError(f"a new kind of dbt rule the schemas must learn: {name}")


def yaml_rules(m: dict) -> tuple[set[tuple], dict[str, dict[str, str]]]:
    """Every rule the dbt YAML states on every mart, as (mart, column, kind, text), and each
    mart's columns with their data types, read straight from the manifest."""
    marts = {
        uid: n
        for uid, n in m["nodes"].items()
        if n["resource_type"] == "model" and n["config"].get("schema") == "marts"
    }
    rules: set[tuple] = set()
    columns: dict[str, dict[str, str]] = {}
    for node in marts.values():
        columns[node["name"]] = {c["name"]: c["data_type"] for c in node["columns"].values()}
        for column in node["columns"].values():
            for constraint in column["constraints"]:
                text = render_vars(constraint["expression"] or "not null")
                rules.add((node["name"], column["name"], constraint["type"], text))
    for test in m["nodes"].values():
        if test["resource_type"] != "test" or test.get("attached_node") not in marts:
            continue
        mart = marts[test["attached_node"]]["name"]
        name, kwargs = test["test_metadata"]["name"], test["test_metadata"]["kwargs"]
        column = test.get("column_name")
        if name in CROSS_TABLE:
            continue
        text = dbt_test_text(name, kwargs, column)
        rules.add((mart, column, name, text))
    return rules, columns


def schema_rules(schemas: dict[str, MartSchema]) -> set[tuple]:
    """Every rule the generated pandera schemas enforce, as (mart, column, kind, text)."""
    rules: set[tuple] = set()
    for name, spec in schemas.items():
        for column, col in spec.schema.columns.items():
            if not col.nullable:
                rules.add((name, column, "not_null", "not null"))
            if col.unique:
                rules.add((name, column, "unique", "unique"))
            for check in col.checks:
                rules.add((name, column, check.title, check.description))
        for check in spec.schema.checks:
            rules.add((name, None, check.title, check.description))
        if spec.schema.unique:
            rules.add((name, None, "unique_combination", ", ".join(spec.schema.unique)))
    return rules


def test_generated_schemas_hold_exactly_the_yaml_rules():
    expected, columns = yaml_rules(manifest())
    actual = schema_rules(SCHEMAS)
    assert expected - actual == set(), "dbt rules missing from the pandera schemas"
    assert actual - expected == set(), "pandera rules the dbt YAML lacks"
    assert set(SCHEMAS) == set(columns)
    for name, spec in SCHEMAS.items():
        assert set(spec.schema.columns) == set(columns[name]), name
        for column, data_type in columns[name].items():
            assert str(spec.schema.columns[column].dtype) == POLARS_TYPES[data_type], (
                name,
                column,
            )


def test_the_drift_the_issue_found_is_gone():
    """asset_returns.period_start is NOT NULL and n_days is 0-23 in dbt: so in pandera too."""
    columns = SCHEMAS["asset_returns"].schema.columns
    assert columns["period_start"].nullable is False
    assert [c.description for c in columns["n_days"].checks] == ["n_days >= 0 and n_days <= 23"]


def test_an_unknown_dbt_test_is_an_error_not_a_silently_missing_rule():
    m = manifest()
    test = next(
        n
        for n in m["nodes"].values()
        if n["resource_type"] == "test"
        and n.get("attached_node") == "model.bondhedge.asset_returns"
    )
    odd = copy.deepcopy(test)
    odd["unique_id"] = "test.bondhedge.odd_rule"
    odd["test_metadata"] = {"name": "expect_something_new", "kwargs": {}}
    m["nodes"][odd["unique_id"]] = odd
    with pytest.raises(ValueError, match="expect_something_new.*asset_returns"):
        schemas_from_manifest(m)


def test_warn_severity_rule_warns_and_does_not_block(sample_warehouse):
    m = manifest()
    test = next(
        n
        for n in m["nodes"].values()
        if n["resource_type"] == "test"
        and n["test_metadata"]["name"] == "row_condition"
        and n["attached_node"] == "model.bondhedge.drawdown_episodes"
        and n["test_metadata"]["kwargs"]["expression"] == "trough_level < peak_level"
    )
    test["config"]["severity"] = "warn"
    schemas = schemas_from_manifest(m)
    df = read_mart(sample_warehouse, "drawdown_episodes")
    bad = set_value(df, 0, "trough_level", float(df["peak_level"][0]) + 1.0)
    assert not any(
        "trough_level < peak_level" in x for x in validate_mart("drawdown_episodes", bad, schemas)
    )
    [warning] = mart_warnings("drawdown_episodes", bad, schemas)
    assert warning.startswith("drawdown_episodes.rows: warning rule 'trough_level < peak_level'")


def test_accepted_range_and_values_tests_become_rules(sample_warehouse):
    """A soft range (severity warn) and accepted values added to the YAML reach pandera."""
    m = manifest()
    template = next(
        n
        for n in m["nodes"].values()
        if n["resource_type"] == "test" and n["attached_node"] == "model.bondhedge.regime_daily"
    )
    for uid, name, kwargs, severity in (
        ("test.x.vix_range", "accepted_range", {"min_value": 5, "max_value": 90}, "warn"),
        ("test.x.basis", "accepted_values", {"values": ["hy_oas", "baa_spread"]}, "ERROR"),
    ):
        node = copy.deepcopy(template)
        column = "vix" if name == "accepted_range" else "credit_stress_basis"
        node.update(unique_id=uid, column_name=column)
        node["test_metadata"] = {"name": name, "kwargs": {**kwargs, "column_name": column}}
        node["config"] = {**node["config"], "severity": severity}
        m["nodes"][uid] = node
    schemas = schemas_from_manifest(m)
    df = read_mart(sample_warehouse, "regime_daily").filter(pl.col("vix").is_not_null()).head(20)
    [warning] = mart_warnings("regime_daily", set_value(df, 3, "vix", 95.0), schemas)
    assert warning == (
        "regime_daily.vix: warning rule 'not isnan(vix::double) and vix >= 5 and vix <= 90' "
        "failed (1 failing value), e.g. 95.0 at row 3"
    )
    blocked = validate_mart("regime_daily", set_value(df, 1, "credit_stress_basis", "oas"), schemas)
    assert any(
        x.startswith(
            "regime_daily.credit_stress_basis: blocking rule "
            "'credit_stress_basis in ('hy_oas', 'baa_spread')'"
        )
        and "oas" in x
        for x in blocked
    )


# ------------------------------------------------------------------------------ built marts


def test_every_built_mart_has_a_schema(sample_warehouse):
    assert mart_tables(sample_warehouse) == set(SCHEMAS)
    for name, spec in SCHEMAS.items():
        assert isinstance(spec, MartSchema) and spec.name == name
        assert set(spec.key) <= set(spec.schema.columns), name
        assert spec.blocking is True


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_built_sample_marts_pass(sample_warehouse, name):
    df = read_mart(sample_warehouse, name)
    assert df.height > 0
    assert validate_mart(name, df) == []
    assert mart_warnings(name, df) == []


@pytest.mark.realdata
@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_built_real_marts_pass(real_warehouse, name):
    assert validate_mart(name, read_mart(real_warehouse, name)) == []


# ------------------------------------------------------------------------------ corrupted frames


@pytest.fixture(scope="module")
def scorecard(sample_warehouse) -> pl.DataFrame:
    return read_mart(sample_warehouse, "hedge_scorecard").head(20)


def only(messages: list[str], rule: str) -> str:
    matching = [m for m in messages if f"'{rule}'" in m]
    assert len(matching) == 1, f"no single message for rule {rule!r} in {messages}"
    return matching[0]


def test_a_violated_range_names_table_column_value_and_rule(sample_warehouse):
    df = read_mart(sample_warehouse, "asset_returns").head(30)
    assert validate_mart("asset_returns", set_value(df, 4, "n_days", 23)) == []
    message = only(
        validate_mart("asset_returns", set_value(df, 4, "n_days", 24)),
        "n_days >= 0 and n_days <= 23",
    )
    assert message.startswith("asset_returns.n_days: blocking rule")
    assert "e.g. 24 at row 4" in message


def test_null_in_a_not_null_column_blocks(sample_warehouse):
    df = read_mart(sample_warehouse, "asset_returns").head(30)
    message = only(
        validate_mart("asset_returns", set_value(df, 2, "period_start", None)), "not null"
    )
    assert message.startswith("asset_returns.period_start: blocking rule 'not null'")
    assert "e.g. None at row 2" in message


def test_correlation_outside_minus_one_one_blocks(scorecard):
    message = only(
        validate_mart("hedge_scorecard", set_value(scorecard, 3, "correlation", 1.5)),
        "not isnan(correlation) and correlation >= -1 and correlation <= 1",
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
        "not isnan(correlation) and correlation >= -1 and correlation <= 1",
    )
    assert message.startswith("rolling_correlations.correlation:")
    assert "NaN" in message.split("e.g.")[1]


def test_unknown_accepted_value_blocks(scorecard):
    message = only(
        validate_mart("hedge_scorecard", set_value(scorecard, 1, "frequency", "hourly")),
        "frequency in ('daily', 'weekly', 'monthly')",
    )
    assert message.startswith("hedge_scorecard.frequency:") and "hourly" in message


def test_violated_row_condition_blocks(scorecard):
    row = scorecard.with_row_index().filter(pl.col("stock_down_periods") > 0)["index"][0]
    bad = set_value(scorecard, row, "bond_up_when_stock_down", 10_000)
    message = only(
        validate_mart("hedge_scorecard", bad),
        "bond_up_when_stock_down <= stock_down_periods and stock_down_periods <= periods",
    )
    assert message.startswith("hedge_scorecard.rows: blocking rule") and "10000" in message


def test_duplicate_key_blocks(scorecard):
    duplicated = pl.concat([scorecard, scorecard.head(1)])
    message = only(
        validate_mart("hedge_scorecard", duplicated),
        "unique key (equity_asset_id, bond_asset_id, frequency, regime_dimension, regime_value)",
    )
    first = scorecard.row(0, named=True)
    assert message.startswith("hedge_scorecard.key:")
    assert f"bond_asset_id={first['bond_asset_id']!r}" in message


def test_all_corruptions_reported_together(scorecard):
    bad = set_value(scorecard, 0, "correlation", 1.5)
    bad = set_value(bad, 2, "mean_bond_return", -1.2)
    bad = pl.concat([bad, bad.tail(1)])
    rules = {m.split("'")[1] for m in validate_mart("hedge_scorecard", bad)}
    assert "not isnan(correlation) and correlation >= -1 and correlation <= 1" in rules
    assert "not isnan(mean_bond_return) and mean_bond_return > -1" in rules
    assert any("unique key" in rule for rule in rules)


def test_single_row_monitor_and_wrong_type(sample_warehouse):
    monitor = read_mart(sample_warehouse, "hedge_monitor_latest")
    assert validate_mart("hedge_monitor_latest", monitor) == []
    two = pl.concat([monitor, monitor.with_columns(pl.col("as_of_date").dt.offset_by("-1d"))])
    assert (
        "hedge_monitor_latest.rows: blocking rule 'exactly 1 row' failed (the frame has 2 rows)"
        in " ".join(validate_mart("hedge_monitor_latest", two))
    )
    # a failed row count next to other failures is still reported, with them
    short = set_value(read_mart(sample_warehouse, "regime_daily").head(20), 0, "vix", -1.0)
    messages = validate_mart("regime_daily", short)
    assert any("'at least 250 rows' failed (the frame has 20 rows)" in m for m in messages)
    assert any(m.startswith("regime_daily.vix:") and "-1.0" in m for m in messages)
    empty = monitor.clear()
    assert any("'exactly 1 row'" in m for m in validate_mart("hedge_monitor_latest", empty))
    as_text = monitor.with_columns(pl.col("correlation_252d").cast(pl.String))
    assert any("correlation_252d" in m for m in validate_mart("hedge_monitor_latest", as_text))


def test_unknown_mart_is_an_error():
    with pytest.raises(KeyError, match="no schema for mart"):
        validate_mart("no_such_mart", pl.DataFrame())


def test_module_does_not_import_dagster():
    code = (
        "import sys, orchestration.lib.mart_schemas; "
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
