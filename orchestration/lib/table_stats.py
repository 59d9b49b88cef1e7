"""What the Dagster UI shows for each dbt model and seed: dates, preview, business metrics.

dbt measures them itself, in a post-hook (``macros/dagster_metadata.sql``) that runs one
query right after each node is built and logs the answer as one line: the dbt process holds
DuckDB's single writer lock for the whole build, so nothing else could read the warehouse
until dbt exits, and the Dagster events would wait for it. The rules live here and reach the
macro as the dbt var ``dagster_table_stats`` (``dbt_var()``); no Dagster imports.

* the date range uses the model's own time axis (``DATE_AXES``), not its first DATE column;
* the preview is the rows an operator wants to see: the latest ones, or the headline rows
  of the answer marts;
* numeric business metrics (headline hit rate, latest correlations, the monitor's readings)
  are attached to the marts so the asset's Plots tab tracks them across runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ingestion.dbt_lists import hedge_regime_windows

#: the first word of the post-hook's log line (dagster-dbt swallows log lines that are bare
#: JSON, taking them for its column metadata)
MARKER = "bondhedge_table_stats"

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

#: models whose preview is a fixed selection rather than the latest rows ({this}: the model)
PREVIEWS = {
    "hedge_answer": (
        "select era, return_basis, hit_rate, hit_rate_ci_low, hit_rate_ci_high, "
        "hit_rate_diff_p_value, correlation, correlation_ci_low, correlation_ci_high, verdict "
        f"from {{this}} where {HEADLINE} and frequency = 'monthly' "
        "order by era_order, return_basis desc"
    ),
    "hedge_scorecard": (
        "select equity_asset_id, bond_asset_id, frequency, hit_rate, hit_rate_ci_low, "
        "hit_rate_ci_high, stock_down_periods, mean_bond_return_when_stock_down "
        "from {this} where regime_dimension = 'all' and frequency = 'monthly' "
        "and equity_asset_id = 'sp500' order by bond_asset_id"
    ),
    "hedge_monitor_latest": (
        "select as_of_date, hedge_regime_current, correlation_252d, outlook, outlook_reason, "
        "inflation_regime, policy_regime, vix, spx_drawdown from {this}"
    ),
    "rolling_correlations": (
        "select as_of_date, frequency, window_periods, correlation, beta, downside_beta "
        f"from {{this}} where {HEADLINE} and frequency = 'daily' "
        "qualify row_number() over (partition by window_periods order by as_of_date desc) = 1 "
        "order by window_periods"
    ),
}

#: business metrics per model: the rows they are read from ({this}: the model) and, per
#: metadata name, the SQL aggregate giving one number (or short text)
METRICS = {
    "hedge_answer": {
        "from": f"{{this}} where {HEADLINE} and frequency = 'monthly' and return_basis = 'total'",
        "select": {
            # the whole history is the first era, the latest era the last (var answer_eras)
            "headline_hit_rate": "arg_min(hit_rate, era_order)",
            "headline_hit_rate_ci_low": "arg_min(hit_rate_ci_low, era_order)",
            "headline_hit_rate_ci_high": "arg_min(hit_rate_ci_high, era_order)",
            "headline_correlation": "arg_min(correlation, era_order)",
            "latest_era_hit_rate": "arg_max(hit_rate, era_order)",
            "latest_era_hit_rate_p_value": "arg_max(hit_rate_diff_p_value, era_order)",
        },
    },
    "hedge_scorecard": {
        "from": f"{{this}} where {HEADLINE} and frequency = 'monthly' and regime_dimension = 'all'",
        "select": {
            "headline_hit_rate": "any_value(hit_rate)",
            "headline_hit_rate_ci_low": "any_value(hit_rate_ci_low)",
            "headline_hit_rate_ci_high": "any_value(hit_rate_ci_high)",
            "headline_stock_down_months": "any_value(stock_down_periods)",
        },
    },
    "rolling_correlations": {
        "from": f"{{this}} where {HEADLINE} and frequency = 'daily'",
        "select": {
            f"correlation_{FAST}d_latest": (
                f"arg_max(correlation, as_of_date) filter (where window_periods = {FAST})"
            ),
            f"correlation_{SLOW}d_latest": (
                f"arg_max(correlation, as_of_date) filter (where window_periods = {SLOW})"
            ),
        },
    },
    "regime_daily": {
        "from": "{this}",
        "select": {
            "current_hedge_regime": "arg_max(hedge_regime, calendar_date)",
            "current_inflation_regime": "arg_max(inflation_regime, calendar_date)",
        },
    },
    "hedge_monitor_latest": {
        "from": "{this}",
        "select": {
            "outlook": "any_value(outlook)",
            "current_hedge_regime": "any_value(hedge_regime_current)",
            "correlation_252d": "any_value(correlation_252d)",
            "vix": "any_value(vix)",
            "spx_drawdown": "any_value(spx_drawdown)",
        },
    },
    "drawdown_episodes": {"from": "{this}", "select": {"episodes": "count(*)"}},
}


def dbt_var() -> dict[str, Any]:
    """The rules above as the dbt var the post-hook reads (absent: the hook does nothing)."""
    return {
        "marker": MARKER,
        "date_axes": [list(pair) for pair in DATE_AXES],
        "previews": PREVIEWS,
        "metrics": METRICS,
    }


def read_log_line(raw_event: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(node unique_id, measurements) when a dbt structured-log event is the hook's line."""
    info = raw_event.get("info") or {}
    msg = info.get("msg") or ""
    if info.get("name") != "JinjaLogInfo" or not msg.startswith(MARKER + " "):
        return None
    unique_id = ((raw_event.get("data") or {}).get("node_info") or {}).get("unique_id")
    if not unique_id:
        return None
    return unique_id, json.loads(msg[len(MARKER) + 1 :])


def summary(measured: Mapping[str, Any]) -> dict[str, Any]:
    """Row count, the time axis's range, a markdown preview and business metrics.

    Plain values: the Dagster layer wraps the preview as markdown. A metric whose inputs are
    missing (null) is left out.
    """
    stats = measured["stats"]
    out: dict[str, Any] = {"dagster/row_count": int(stats["row_count"])}
    axis = measured.get("axis")
    if axis:
        start, end = axis
        label = start if start == end else f"{start} .. {end}"
        out["date_range"] = f"{stats['lo']} .. {stats['hi']} ({label})"
        if stats["hi"] is not None:
            out["latest_date"] = str(stats["hi"])
    out["preview"] = f"*{measured['caption']}*\n\n" + markdown_table(measured.get("preview"))
    for metric, value in (measured.get("metrics") or {}).items():
        if value is None:
            continue
        out[metric] = float(value) if isinstance(value, int | float) else str(value)
    return out


def markdown_table(rows: Sequence[Mapping[str, Any]] | None) -> str:
    """Rows (dicts in column order) as a markdown table; floats to 4 significant digits."""
    if not rows:
        return "(no rows)"
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        cells = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
