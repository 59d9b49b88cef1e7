"""Write the bondhedge Superset dashboard (Superset's v1 export format) into bi/dashboard/.

The YAML files it writes are committed; ``bi/superset.py`` zips them, with the published
file's path filled in, and imports them. Edit the specs here and re-run
``.venv/bin/python bi/build_dashboard.py [published.duckdb]`` rather than editing the YAML.

Every dataset is a *virtual* (SQL) dataset, so it can be repointed at another mart (e.g.
``marts.hedge_answer``) by changing its SQL only; the column list is read from DuckDB by
running that SQL against the published file.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import duckdb
import yaml

HERE = Path(__file__).resolve().parent
OUT = HERE / "dashboard"
PUBLISHED_PLACEHOLDER = "__BONDHEDGE_PUBLISHED__"
NS = uuid.UUID("5b0e2c8e-4f5c-4b1c-9a57-6b6f2d1b0d11")
DATABASE_UUID = str(uuid.uuid5(NS, "database:bondhedge"))


def uid(name: str) -> str:
    return str(uuid.uuid5(NS, name))


DATASETS = {
    # eras (with block-bootstrap intervals) from the answer mart, decades from the scorecard
    "bondhedge_hit_rate_by_era": """
select case when h.era_order = 1 then 'all' else 'era' end as regime_dimension,
       h.era, h.bond_asset_id, a.asset_name as bond,
       h.hit_rate, h.hit_rate_ci_low, h.hit_rate_ci_high, h.stock_down_periods,
       h.mean_bond_return_when_stock_down, h.data_source
from marts.hedge_answer h
join reference.asset_catalog a on a.asset_id = h.bond_asset_id
where h.equity_asset_id = 'sp500' and h.frequency = 'monthly' and h.return_basis = 'total'
union all
select s.regime_dimension, s.regime_value as era, s.bond_asset_id, a.asset_name as bond,
       s.hit_rate, s.hit_rate_ci_low, s.hit_rate_ci_high, s.stock_down_periods,
       s.mean_bond_return_when_stock_down, s.data_source
from marts.hedge_scorecard s
join reference.asset_catalog a on a.asset_id = s.bond_asset_id
where s.equity_asset_id = 'sp500' and s.frequency = 'monthly' and s.regime_dimension = 'decade'
""",
    "bondhedge_hit_rate_by_regime_and_tenor": """
select s.regime_dimension || ' = ' || s.regime_value as regime, a.maturity_years,
       lpad(cast(a.sort_order as varchar), 2, '0') || ' ' || a.asset_name as bond,
       s.hit_rate, s.hit_rate_ci_low, s.hit_rate_ci_high, s.stock_down_periods, s.data_source
from marts.hedge_scorecard s
join reference.asset_catalog a on a.asset_id = s.bond_asset_id
where s.equity_asset_id = 'sp500' and s.frequency = 'monthly' and a.asset_class = 'treasury'
  and s.regime_dimension not in ('all', 'decade')
""",
    "bondhedge_rolling_correlation": """
select r.as_of_date, r.correlation as correlation_252d, g.correlation_63d,
       case g.hedge_regime when 'positive' then 1 when 'negative' then -1 else 0 end
           as hedge_regime_band,
       g.hedge_regime, r.data_source
from marts.rolling_correlations r
left join marts.regime_daily g on g.calendar_date = r.as_of_date
where r.equity_asset_id = 'sp500' and r.bond_asset_id = 'ust_10y'
  and r.frequency = 'daily' and r.window_periods = 252
""",
    "bondhedge_drawdown_episodes": """
select d.peak_date, d.trough_date, d.depth as sp500_drawdown,
       d.bond_return_peak_to_trough as ust_10y_return, d.bond_hedged,
       d.inflation_regime_at_peak, d.hedge_regime_at_peak, d.data_source
from marts.drawdown_episodes d
where d.equity_asset_id = 'sp500' and d.bond_asset_id = 'ust_10y'
""",
}


def metric(sql: str, label: str) -> dict:
    return {
        "expressionType": "SQL",
        "sqlExpression": sql,
        "label": label,
        "hasCustomLabel": True,
        "optionName": "metric_" + uid(label).replace("-", "")[:12],
    }


def where(sql: str) -> dict:
    return {"clause": "WHERE", "expressionType": "SQL", "sqlExpression": sql}


HIT = metric("MAX(hit_rate)", "hit rate")
LOW = metric("MAX(hit_rate_ci_low)", "95 % interval: low")
HIGH = metric("MAX(hit_rate_ci_high)", "95 % interval: high")

# (name, dataset, viz_type, params, query: (columns, metrics, filters), width, height)
CHARTS = [
    (
        "Headline: bonds rose when stocks fell (10-year Treasury, monthly)",
        "bondhedge_hit_rate_by_era",
        "big_number_total",
        {
            "metric": HIT,
            "adhoc_filters": [where("regime_dimension = 'all' and bond_asset_id = 'ust_10y'")],
            "y_axis_format": ".0%",
            "subheader": "of the months the S&P 500 fell",
        },
        ([], [HIT], "regime_dimension = 'all' and bond_asset_id = 'ust_10y'"),
        3,
        40,
    ),
    (
        "Hit rate by era, with 95 % block-bootstrap interval (S&P 500 vs 10-year Treasury)",
        "bondhedge_hit_rate_by_era",
        "echarts_timeseries_bar",
        {
            "x_axis": "era",
            "metrics": [LOW, HIT, HIGH],
            "groupby": [],
            "adhoc_filters": [
                where("regime_dimension in ('all', 'era') and bond_asset_id = 'ust_10y'")
            ],
            "y_axis_format": ".0%",
            "x_axis_sort_asc": True,
            "x_axis_sort": "era",
            "orientation": "vertical",
            "show_legend": True,
            "legendOrientation": "top",
            "row_limit": 100,
            "color_scheme": "supersetColors",
            "rich_tooltip": True,
        },
        (
            ["era"],
            [LOW, HIT, HIGH],
            "regime_dimension in ('all', 'era') and bond_asset_id = 'ust_10y'",
        ),
        12,
        40,
    ),
    (
        "Hit rate by decade, with 95 % interval (S&P 500 vs 10-year Treasury)",
        "bondhedge_hit_rate_by_era",
        "echarts_timeseries_bar",
        {
            "x_axis": "era",
            "metrics": [LOW, HIT, HIGH],
            "groupby": [],
            "adhoc_filters": [where("regime_dimension = 'decade' and bond_asset_id = 'ust_10y'")],
            "y_axis_format": ".0%",
            "x_axis_sort_asc": True,
            "x_axis_sort": "era",
            "orientation": "vertical",
            "show_legend": True,
            "legendOrientation": "top",
            "row_limit": 100,
            "color_scheme": "supersetColors",
            "rich_tooltip": True,
        },
        (["era"], [LOW, HIT, HIGH], "regime_dimension = 'decade' and bond_asset_id = 'ust_10y'"),
        9,
        40,
    ),
    (
        "Hit rate by regime and Treasury tenor (S&P 500 monthly declines)",
        "bondhedge_hit_rate_by_regime_and_tenor",
        "pivot_table_v2",
        {
            "groupbyRows": ["regime"],
            "groupbyColumns": ["bond"],
            "metrics": [HIT],
            "metricsLayout": "COLUMNS",
            "aggregateFunction": "Sum",
            "valueFormat": ".0%",
            "rowOrder": "key_a_to_z",
            "colOrder": "key_a_to_z",
            "adhoc_filters": [],
            "row_limit": 1000,
        },
        (["regime", "bond"], [HIT], None),
        12,
        60,
    ),
    (
        "Rolling stock–bond correlation (63 and 252 days) with the hedge regime (+1 positive, "
        "−1 negative; the regime reads the 63-day correlation)",
        "bondhedge_rolling_correlation",
        "echarts_area",
        {
            "x_axis": "as_of_date",
            "time_grain_sqla": "P1M",
            "metrics": [
                metric("AVG(correlation_63d)", "correlation (63 days)"),
                metric("AVG(correlation_252d)", "correlation (252 days)"),
                metric("AVG(hedge_regime_band)", "hedge regime band"),
            ],
            "groupby": [],
            "adhoc_filters": [
                {
                    "clause": "WHERE",
                    "comparator": "No filter",
                    "expressionType": "SIMPLE",
                    "operator": "TEMPORAL_RANGE",
                    "subject": "as_of_date",
                }
            ],
            "stack": None,
            "opacity": 0.25,
            "show_legend": True,
            "legendOrientation": "top",
            "y_axis_format": ".2f",
            "row_limit": 10000,
            "color_scheme": "supersetColors",
            "rich_tooltip": True,
        },
        (
            ["as_of_date"],
            [
                metric("AVG(correlation_63d)", "correlation (63 days)"),
                metric("AVG(correlation_252d)", "correlation (252 days)"),
                metric("AVG(hedge_regime_band)", "hedge regime band"),
            ],
            None,
        ),
        12,
        50,
    ),
    (
        "S&P 500 drawdowns beyond 10 %: did the 10-year Treasury hedge?",
        "bondhedge_drawdown_episodes",
        "table",
        {
            "query_mode": "raw",
            "all_columns": [
                "peak_date",
                "trough_date",
                "sp500_drawdown",
                "ust_10y_return",
                "bond_hedged",
                "inflation_regime_at_peak",
                "hedge_regime_at_peak",
            ],
            "order_by_cols": [json.dumps(["peak_date", True])],
            "row_limit": 1000,
            "adhoc_filters": [],
            "column_config": {
                "sp500_drawdown": {"d3NumberFormat": ".1%"},
                "ust_10y_return": {"d3NumberFormat": "+.1%"},
            },
            "table_timestamp_format": "%Y-%m-%d",
        },
        (
            [
                "peak_date",
                "trough_date",
                "sp500_drawdown",
                "ust_10y_return",
                "bond_hedged",
                "inflation_regime_at_peak",
                "hedge_regime_at_peak",
            ],
            [],
            None,
        ),
        12,
        60,
    ),
]

DASHBOARD_TITLE = "bondhedge: do bonds go up when stocks fall?"


def dataset_columns(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    described = con.execute(f"describe ({sql})").fetchall()
    return [
        {
            "column_name": name,
            "type": dtype,
            "is_dttm": dtype in ("DATE", "TIMESTAMP"),
            "groupby": True,
            "filterable": True,
            "is_active": True,
            "expression": None,
            "description": None,
            "verbose_name": None,
            "python_date_format": None,
            "advanced_data_type": None,
            "extra": None,
        }
        for name, dtype, *_ in described
    ]


def query_context(dataset: str, columns, metrics, filter_sql) -> str:
    """What the chart data API runs; the datasource id is set by the importer's caller."""
    query = {
        "columns": columns,
        "metrics": metrics,
        "filters": [],
        "extras": {"where": filter_sql or "", "having": ""},
        "orderby": [],
        "row_limit": 10000,
    }
    return json.dumps(
        {
            "datasource": {"id": 0, "type": "table"},
            "queries": [query],
            "result_format": "json",
            "result_type": "full",
        }
    )


def build(published: Path) -> None:
    for sub in ("databases", "datasets/bondhedge", "charts", "dashboards"):
        (OUT / sub).mkdir(parents=True, exist_ok=True)
        for old in (OUT / sub).glob("*.yaml"):
            old.unlink()
    write = lambda rel, doc: (OUT / rel).write_text(yaml.safe_dump(doc, sort_keys=False))  # noqa: E731
    write(
        "metadata.yaml",
        {"version": "1.0.0", "type": "Dashboard", "timestamp": "2026-12-01T00:00:00+00:00"},
    )
    write(
        "databases/bondhedge.yaml",
        {
            "database_name": "bondhedge",
            "sqlalchemy_uri": f"duckdb:///{PUBLISHED_PLACEHOLDER}",
            "expose_in_sqllab": True,
            "allow_dml": False,
            "allow_ctas": False,
            "allow_cvas": False,
            "allow_run_async": False,
            "extra": {
                "engine_params": {"connect_args": {"read_only": True}},
                "allows_virtual_table_explore": True,
            },
            "uuid": DATABASE_UUID,
            "version": "1.0.0",
        },
    )
    with duckdb.connect(str(published), read_only=True) as con:
        for name, sql in DATASETS.items():
            write(
                f"datasets/bondhedge/{name}.yaml",
                {
                    "table_name": name,
                    "schema": None,
                    "catalog": None,
                    "sql": sql.strip(),
                    "main_dttm_col": None,
                    "description": "virtual dataset over the published bondhedge marts",
                    "default_endpoint": None,
                    "offset": 0,
                    "cache_timeout": None,
                    "params": None,
                    "template_params": None,
                    "filter_select_enabled": True,
                    "fetch_values_predicate": None,
                    "extra": None,
                    "normalize_columns": False,
                    "always_filter_main_dttm": False,
                    "uuid": uid(f"dataset:{name}"),
                    "metrics": [],
                    "columns": dataset_columns(con, sql),
                    "version": "1.0.0",
                    "database_uuid": DATABASE_UUID,
                },
            )
    position: dict = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"children": ["GRID_ID"], "id": "ROOT_ID", "type": "ROOT"},
        "GRID_ID": {"children": [], "id": "GRID_ID", "parents": ["ROOT_ID"], "type": "GRID"},
        "HEADER_ID": {"id": "HEADER_ID", "meta": {"text": DASHBOARD_TITLE}, "type": "HEADER"},
    }
    rows: list[list[str]] = [[]]
    row_width = 0
    for i, (title, dataset, viz, params, (cols, mets, flt), width, height) in enumerate(CHARTS):
        chart_uuid = uid(f"chart:{title}")
        slug = f"chart_{i + 1}"
        write(
            f"charts/{slug}.yaml",
            {
                "slice_name": title,
                "description": None,
                "certified_by": None,
                "certification_details": None,
                "viz_type": viz,
                "params": {**params, "viz_type": viz, "datasource": "0__table"},
                "query_context": query_context(dataset, cols, mets, flt),
                "cache_timeout": None,
                "uuid": chart_uuid,
                "version": "1.0.0",
                "dataset_uuid": uid(f"dataset:{dataset}"),
            },
        )
        if row_width + width > 12:
            rows.append([])
            row_width = 0
        key = f"CHART-{slug}"
        rows[-1].append(key)
        row_width += width
        position[key] = {
            "children": [],
            "id": key,
            "meta": {
                "chartId": i + 1,
                "height": height,
                "sliceName": title,
                "uuid": chart_uuid,
                "width": width,
            },
            "type": "CHART",
        }
    for r, keys in enumerate(rows):
        row = f"ROW-{r + 1}"
        position["GRID_ID"]["children"].append(row)
        position[row] = {
            "children": keys,
            "id": row,
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
            "parents": ["ROOT_ID", "GRID_ID"],
            "type": "ROW",
        }
        for key in keys:
            position[key]["parents"] = ["ROOT_ID", "GRID_ID", row]
    write(
        "dashboards/bondhedge.yaml",
        {
            "dashboard_title": DASHBOARD_TITLE,
            "description": None,
            "css": "",
            "slug": "bondhedge",
            "certified_by": "",
            "certification_details": "",
            "published": True,
            "uuid": uid("dashboard:bondhedge"),
            "position": position,
            "metadata": {
                "color_scheme": "supersetColors",
                "refresh_frequency": 0,
                "expanded_slices": {},
                "label_colors": {},
                "timed_refresh_immune_slices": [],
                "cross_filters_enabled": False,
                "native_filter_configuration": [],
            },
            "version": "1.0.0",
        },
    )


if __name__ == "__main__":
    default = HERE.parent / "data" / "published" / "bondhedge.duckdb"
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
    print(f"wrote {OUT}")
