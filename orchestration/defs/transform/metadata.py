"""What the Dagster UI shows for each dbt model and test: dates, preview, business metrics.

* the date range uses the model's own time axis (``DATE_AXES``), not its first DATE column;
* the preview is the rows an operator wants to see: the latest ones, or the headline rows
  of the answer marts;
* numeric business metrics (headline hit rate, latest correlations, the monitor's readings)
  are attached to the marts so the asset's Plots tab tracks them across runs;
* every dbt test gets a sentence saying what it checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
import duckdb

from ingestion.dbt_lists import hedge_regime_windows
from ingestion.sql_quote import ident

#: (start, end) columns of a table's time axis, in order of preference
DATE_AXES = (
    ("calendar_date", "calendar_date"),
    ("as_of_date", "as_of_date"),
    ("date", "date"),
    ("observation_date", "observation_date"),
    ("period_end", "period_end"),
    ("first_period_end", "last_period_end"),
    ("first_date", "last_date"),
    ("first_trading_day", "last_trading_day"),
    ("peak_date", "trough_date"),
)

HEADLINE = "equity_asset_id = 'sp500' and bond_asset_id = 'ust_10y'"
#: the hedge regime's fast and slow trailing windows (dbt vars)
FAST, SLOW = hedge_regime_windows()

#: marts whose preview is a fixed selection rather than the latest rows
PREVIEWS = {
    "hedge_answer": (
        "select era, return_basis, hit_rate, hit_rate_ci_low, hit_rate_ci_high, "
        "hit_rate_diff_p_value, correlation, correlation_ci_low, correlation_ci_high, verdict "
        f"from marts.hedge_answer where {HEADLINE} and frequency = 'monthly' "
        "order by era_order, return_basis desc"
    ),
    "hedge_scorecard": (
        "select equity_asset_id, bond_asset_id, frequency, hit_rate, hit_rate_ci_low, "
        "hit_rate_ci_high, stock_down_periods, mean_bond_return_when_stock_down "
        "from marts.hedge_scorecard where regime_dimension = 'all' and frequency = 'monthly' "
        "and equity_asset_id = 'sp500' order by bond_asset_id"
    ),
    "hedge_monitor_latest": (
        "select as_of_date, hedge_regime_current, correlation_252d, outlook, outlook_reason, "
        "inflation_regime, policy_regime, vix, spx_drawdown from marts.hedge_monitor_latest"
    ),
    "rolling_correlations": (
        "select as_of_date, frequency, window_periods, correlation, beta, downside_beta "
        f"from marts.rolling_correlations where {HEADLINE} and frequency = 'daily' "
        "qualify row_number() over (partition by window_periods order by as_of_date desc) = 1 "
        "order by window_periods"
    ),
}

#: numeric (or short text) business metrics per mart: metadata name -> SQL giving one value
METRICS = {
    "hedge_answer": {
        # the whole history is the first era, the latest era the last (var answer_eras)
        "headline_hit_rate": "arg_min(hit_rate, era_order)",
        "headline_hit_rate_ci_low": "arg_min(hit_rate_ci_low, era_order)",
        "headline_hit_rate_ci_high": "arg_min(hit_rate_ci_high, era_order)",
        "headline_correlation": "arg_min(correlation, era_order)",
        "latest_era_hit_rate": "arg_max(hit_rate, era_order)",
        "latest_era_hit_rate_p_value": "arg_max(hit_rate_diff_p_value, era_order)",
        "_from": (
            f"marts.hedge_answer where {HEADLINE} and frequency = 'monthly' "
            "and return_basis = 'total'"
        ),
    },
    "hedge_scorecard": {
        "headline_hit_rate": "hit_rate",
        "headline_hit_rate_ci_low": "hit_rate_ci_low",
        "headline_hit_rate_ci_high": "hit_rate_ci_high",
        "headline_stock_down_months": "stock_down_periods",
        "_from": (
            f"marts.hedge_scorecard where {HEADLINE} and frequency = 'monthly' "
            "and regime_dimension = 'all'"
        ),
    },
    "rolling_correlations": {
        f"correlation_{FAST}d_latest": (
            f"arg_max(correlation, as_of_date) filter (where window_periods = {FAST})"
        ),
        f"correlation_{SLOW}d_latest": (
            f"arg_max(correlation, as_of_date) filter (where window_periods = {SLOW})"
        ),
        "_from": f"marts.rolling_correlations where {HEADLINE} and frequency = 'daily'",
    },
    "regime_daily": {
        "current_hedge_regime": "arg_max(hedge_regime, calendar_date)",
        "current_inflation_regime": "arg_max(inflation_regime, calendar_date)",
        "_from": "marts.regime_daily",
    },
    "hedge_monitor_latest": {
        "outlook": "any_value(outlook)",
        "current_hedge_regime": "any_value(hedge_regime_current)",
        "correlation_252d": "any_value(correlation_252d)",
        "vix": "any_value(vix)",
        "spx_drawdown": "any_value(spx_drawdown)",
        "_from": "marts.hedge_monitor_latest",
    },
    "drawdown_episodes": {
        "episodes": "count(*)",
        "_from": "marts.drawdown_episodes",
    },
}


def table_metadata(con: duckdb.DuckDBPyConnection, key: dg.AssetKey) -> dict[str, Any]:
    """Row count, the time axis's range, a preview and business metrics for ``key``."""
    schema, name = key.path[0], key.path[-1]
    relation = f"{ident(schema)}.{ident(name)}"
    try:
        columns = {
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [schema, name],
            ).fetchall()
        }
    except duckdb.Error:
        return {}
    if not columns:
        return {}
    meta: dict[str, Any] = {
        "dagster/row_count": con.execute(f"select count(*) from {relation}").fetchone()[0]
    }
    axis = next(((a, b) for a, b in DATE_AXES if a in columns and b in columns), None)
    order = ""
    if axis:
        lo, hi = con.execute(
            f"select min({ident(axis[0])}), max({ident(axis[1])}) from {relation}"
        ).fetchone()
        label = axis[0] if axis[0] == axis[1] else f"{axis[0]} .. {axis[1]}"
        meta["date_range"] = f"{lo} .. {hi} ({label})"
        if hi is not None:
            meta["latest_date"] = str(hi)
        order = f" order by {ident(axis[1])} desc"
    if schema == "marts" and name in PREVIEWS:
        query, caption = PREVIEWS[name], "headline rows"
    else:
        query, caption = f"select * from {relation}{order} limit 5", "latest 5 rows"
    try:
        preview = con.execute(query).pl()
        meta["preview"] = dg.MetadataValue.md(f"*{caption}*\n\n" + _markdown_table(preview))
    except duckdb.Error:
        pass
    if schema == "marts":
        meta.update(business_metrics(con, name))
    return meta


def business_metrics(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Any]:
    """The mart's tracked metrics; a metric whose inputs are missing is left out."""
    spec = dict(METRICS.get(name, {}))
    source = spec.pop("_from", None)
    if not spec:
        return {}
    select = ", ".join(f"{sql} as {metric}" for metric, sql in spec.items())
    try:
        row = con.execute(f"select {select} from {source}").fetchone()
    except duckdb.Error:
        return {}
    out: dict[str, Any] = {}
    for metric, value in zip(spec, row or (), strict=False):
        if value is None:
            continue
        out[metric] = float(value) if isinstance(value, int | float) else str(value)
    return out


def _markdown_table(frame) -> str:
    cols = frame.columns
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.iter_rows():
        cells = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def describe_test(test: Mapping[str, Any]) -> str:
    """One sentence for a dbt test: its own description, or what its macro and arguments check."""
    if test.get("description"):
        return test["description"]
    meta = test.get("test_metadata") or {}
    kwargs = {k: v for k, v in (meta.get("kwargs") or {}).items() if k != "model"}
    column = kwargs.get("column_name")
    on = f"`{column}`" if column else "the table"
    kind = meta.get("name")
    severity = (test.get("config") or {}).get("severity", "error").lower()
    blocks = " Blocks downstream assets when it fails." if severity == "error" else ""
    sentences = {
        "not_null": f"{on} is never null.",
        "unique": f"{on} is unique: no two rows share a value.",
        "unique_combination": (
            f"One row per ({', '.join(kwargs.get('columns', []))}): no duplicate keys."
        ),
        "accepted_values": (
            f"{on} takes only the values {', '.join(map(str, kwargs.get('values', [])))}."
        ),
        "accepted_range": (
            f"{on} lies in [{kwargs.get('min_value', '−∞')}, {kwargs.get('max_value', '∞')}]."
        ),
        "relationships": (
            f"Every {on} exists in {str(kwargs.get('to', '')).replace('ref(', '').strip(')')}"
            f".{kwargs.get('field', '')}."
        ),
        "row_condition": f"Every row satisfies `{kwargs.get('expression', '')}`.",
        "min_row_count": f"The table has at least {kwargs.get('min_rows')} rows.",
        "exact_row_count": f"The table has exactly {kwargs.get('n_rows')} row(s).",
    }
    text = sentences.get(kind) or f"dbt test {test.get('name')}: returns no failing rows."
    return text + blocks
