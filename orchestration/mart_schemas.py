"""Pandera (polars backend) schemas for every mart, and the rules that make a mart misleading.

Each mart has a :class:`MartSchema`: a *blocking* pandera schema (rules whose failure means the
mart would mislead a reader: a correlation outside [-1, 1] or NaN, a hit rate outside [0, 1], a
duplicate key, a return at or below -100 %, a label outside its vocabulary, a wrong type), the
columns of its unique key, ``blocking`` (whether a failure should stop downstream use), and a
*warning* schema of softer, non-blocking expectations (implausible but possible values).

``validate_mart(name, df)`` returns the blocking failures as messages naming the mart, the
column, the rule and an offending value (an empty list means the mart passes);
``mart_warnings(name, df)`` does the same for the soft rules. No Dagster here: the asset-check
wiring lives with the Dagster definitions.

Units: every rate, spread and return is a decimal (0.04 = 4 %), as in the marts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from ingestion import dbt_lists

__all__ = ["MART_SCHEMAS", "MartSchema", "mart_warnings", "validate_mart"]

# lists defined once as dbt vars (dbt_project.yml), read through ingestion.dbt_lists
DATA_SOURCES = dbt_lists.data_sources()
FREQUENCIES = ("daily", "weekly", "monthly")
REGIME_DIMENSIONS = dbt_lists.regime_dimensions()
#: the scorecard is also cut by the Markov-switching regime (markov_regimes)
SCORECARD_DIMENSIONS = dbt_lists.scorecard_dimensions()
INFLATION_REGIMES = ("high", "moderate", "low")
POLICY_REGIMES = ("tightening", "easing", "hold")
HEDGE_REGIMES = ("negative", "neutral", "positive")
OUTLOOKS = ("bonds likely hedge", "hedge at risk", "mixed", "insufficient data")


@dataclass(frozen=True)
class MartSchema:
    """How one mart is checked.

    ``schema`` holds the blocking rules (with the unique key), ``key`` the columns that
    identify a row, ``blocking`` whether a failure of ``schema`` must stop downstream use,
    and ``warnings`` the soft rules (reported, never blocking).
    """

    name: str
    schema: pa.DataFrameSchema
    key: tuple[str, ...]
    blocking: bool = True
    warnings: pa.DataFrameSchema | None = None
    description: str = ""


# ------------------------------------------------------------------------------ rules


def _rule(name: str, condition: Callable[[pl.Expr], pl.Expr]) -> pa.Check:
    """A column check from a polars expression on the column (nulls are not checked)."""
    return pa.Check(lambda data: data.lazyframe.select(condition(pl.col(data.key))), name=name)


def _frame_rule(name: str, condition: pl.Expr) -> pa.Check:
    """A row-wise check over several columns (a null result counts as satisfied)."""
    return pa.Check(lambda data: data.lazyframe.select(condition.fill_null(True)), name=name)


#: hedge_scorecard and hedge_answer count periods the same way
_HIT_COUNTS = _frame_rule(
    "hit counts consistent (hits <= stock-down periods <= periods)",
    (pl.col("bond_up_when_stock_down") <= pl.col("stock_down_periods"))
    & (pl.col("stock_down_periods") <= pl.col("periods")),
)


def _single_row() -> pa.Check:
    return pa.Check(lambda data: data.lazyframe.select(pl.len() == 1), name="exactly one row")


NOT_NAN = _rule("not NaN", lambda c: c.is_not_nan())


def _range(name: str, condition: Callable[[pl.Expr], pl.Expr]) -> list[pa.Check]:
    """A range rule plus a separate 'not NaN' rule (so a NaN is reported as such)."""
    return [NOT_NAN, _rule(name, lambda c: c.is_nan() | condition(c))]


CORRELATION = _range("correlation in [-1, 1]", lambda c: c.is_between(-1, 1))
SHARE = _range("share in [0, 1]", lambda c: c.is_between(0, 1))
RETURN = _range("return > -100 %", lambda c: c > -1)
DRAWDOWN = _range("drawdown in [-100 %, 0]", lambda c: c.is_between(-1, 0))
NEGATIVE_RETURN = _range("negative return above -100 %", lambda c: (c > -1) & (c < 0))
EXCESS_RETURN = _range("excess return > -200 %", lambda c: c > -2)
NON_NEGATIVE = _range(">= 0", lambda c: c >= 0)
POSITIVE = _range("> 0", lambda c: c > 0)


def one_of(values: Iterable[str]) -> pa.Check:
    allowed = tuple(values)
    return _rule(f"one of {', '.join(allowed)}", lambda c: c.is_in(allowed))


def soft_range(low: float, high: float, what: str) -> pa.Check:
    return _rule(
        f"{what} usually in [{low}, {high}]", lambda c: c.is_nan() | c.is_between(low, high)
    )


def _flat(checks) -> list[pa.Check]:
    flat: list[pa.Check] = []
    for check in checks:
        flat.extend(check if isinstance(check, list) else [check])
    return flat


def _col(dtype, *checks, nullable: bool = True) -> pa.Column:
    return pa.Column(dtype, checks=_flat(checks), nullable=nullable)


def _key(dtype, *checks) -> pa.Column:
    """A column that must never be null."""
    return pa.Column(dtype, checks=_flat(checks), nullable=False)


DATA_SOURCE = _key(pl.String, one_of(DATA_SOURCES))
F64 = pl.Float64
I64 = pl.Int64
I32 = pl.Int32


def _schema(
    name: str, columns: dict[str, pa.Column], key: Iterable[str], checks=()
) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        columns, unique=list(key), checks=list(checks), strict=False, coerce=False, name=name
    )


def _warnings(name: str, columns: dict[str, pa.Column], checks=()) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(columns, checks=list(checks), strict=False, coerce=False, name=name)


def _soft(*checks) -> pa.Column:
    """A warning-schema column: checks only, any dtype, nulls allowed, may be absent."""
    return pa.Column(None, checks=_flat(checks), nullable=True, required=False)


# ------------------------------------------------------------------------------ marts

_SPECS: list[MartSchema] = []


def _mart(name, columns, key, *, checks=(), warnings=None, warning_checks=(), description=""):
    _SPECS.append(
        MartSchema(
            name=name,
            schema=_schema(name, columns, key, checks),
            key=tuple(key),
            blocking=True,
            warnings=_warnings(f"{name} (warnings)", warnings or {}, warning_checks),
            description=description,
        )
    )


_mart(
    "asset_returns",
    {
        "asset_id": _key(pl.String),
        "frequency": _key(pl.String, one_of(FREQUENCIES)),
        "period_start": _col(pl.Date),
        "period_end": _key(pl.Date),
        "base_date": _col(pl.Date),
        "total_return": _col(F64, RETURN),
        "price_return": _col(F64, RETURN),
        "excess_return": _col(F64, EXCESS_RETURN),
        "return_basis": _col(pl.String),
        "n_days": _col(I32, NON_NEGATIVE),
        "is_complete_period": _col(pl.Boolean),
        "data_source": DATA_SOURCE,
    },
    ["asset_id", "frequency", "period_end"],
    checks=[
        _frame_rule("period_start <= period_end", pl.col("period_start") <= pl.col("period_end"))
    ],
    warnings={"total_return": _soft(soft_range(-0.5, 0.5, "a period return"))},
    description="Daily/weekly/monthly total, price and excess-over-cash returns of every asset.",
)

_mart(
    "calendar_year_returns",
    {
        "year": _key(I32),
        "asset_id": _key(pl.String),
        "total_return": _col(F64, RETURN),
        "price_return": _col(F64, RETURN),
        "excess_return": _col(F64, EXCESS_RETURN),
        "return_basis": _col(pl.String),
        "trading_days": _col(I32, NON_NEGATIVE),
        "first_trading_day": _col(pl.Date),
        "last_trading_day": _col(pl.Date),
        "is_complete_year": _col(pl.Boolean),
        "data_source": DATA_SOURCE,
    },
    ["year", "asset_id"],
    warnings={"total_return": _soft(soft_range(-0.7, 1.5, "a calendar-year return"))},
    description="Calendar-year total returns per asset.",
)

_mart(
    "rolling_correlations",
    {
        "as_of_date": _key(pl.Date),
        "frequency": _key(pl.String, one_of(("daily", "monthly"))),
        "window_periods": _key(I32, POSITIVE),
        "equity_asset_id": _key(pl.String),
        "bond_asset_id": _key(pl.String),
        "window_start_date": _col(pl.Date),
        "correlation": _col(F64, CORRELATION),
        "beta": _col(F64, NOT_NAN),
        "downside_beta": _col(F64, NOT_NAN),
        "n_obs": _col(I32, NON_NEGATIVE),
        "n_downside_obs": _col(I32, NON_NEGATIVE),
        "data_source": DATA_SOURCE,
    },
    ["as_of_date", "frequency", "window_periods", "equity_asset_id", "bond_asset_id"],
    checks=[
        _frame_rule("n_obs <= window_periods", pl.col("n_obs") <= pl.col("window_periods")),
    ],
    warnings={
        "beta": _soft(soft_range(-5, 5, "a bond-on-equity beta")),
        "downside_beta": _soft(soft_range(-5, 5, "a downside beta")),
    },
    description="Rolling stock-bond correlation, beta and downside beta.",
)

_mart(
    "breakevens",
    {
        "date": _key(pl.Date),
        "tenor_years": _key(I32, _rule("tenor 5 or 10 years", lambda c: c.is_in((5, 10)))),
        "nominal_yield": _col(F64, NOT_NAN),
        "real_yield": _col(F64, NOT_NAN),
        "breakeven_computed": _col(F64, NOT_NAN),
        "breakeven_published": _col(F64, NOT_NAN),
        "difference": _col(F64, NOT_NAN),
        "forward_5y5y_breakeven": _col(F64, NOT_NAN),
        "has_carried_input": _col(pl.Boolean),
        "data_source": DATA_SOURCE,
    },
    ["date", "tenor_years"],
    warnings={
        "difference": _soft(soft_range(-0.005, 0.005, "computed minus published breakeven")),
        "breakeven_computed": _soft(soft_range(-0.02, 0.10, "a breakeven")),
    },
    description="5y and 10y breakevens, computed and published, and the 5y5y forward.",
)

_mart(
    "regime_daily",
    {
        "calendar_date": _key(pl.Date),
        "inflation_regime": _col(pl.String, one_of(INFLATION_REGIMES)),
        "policy_regime": _col(pl.String, one_of(POLICY_REGIMES)),
        "risk_off": _col(pl.Boolean),
        "curve_inverted": _col(pl.Boolean),
        "credit_stress": _col(pl.Boolean),
        "credit_stress_basis": _col(pl.String, one_of(("hy_oas", "baa_spread"))),
        "hedge_regime": _col(pl.String, one_of(HEDGE_REGIMES)),
        "flight_to_quality_day": _col(pl.Boolean),
        "sell_america_day": _col(pl.Boolean),
        "sell_america_reason": _col(pl.String),
        "cpi_yoy": _col(F64, NOT_NAN),
        "fed_funds": _col(F64, NOT_NAN),
        "fed_funds_change": _col(F64, NOT_NAN),
        "vix": _col(F64, NON_NEGATIVE),
        "spx_drawdown": _col(F64, DRAWDOWN),
        "spx_return_1d": _col(F64, RETURN),
        "ust_10y_return_1d": _col(F64, RETURN),
        "curve_10y_2y": _col(F64, NOT_NAN),
        "correlation_252d": _col(F64, CORRELATION),
        "data_source": DATA_SOURCE,
    },
    ["calendar_date"],
    checks=[
        _frame_rule(
            "sell_america_reason set exactly when sell_america_day is null",
            pl.col("sell_america_day").is_null() == pl.col("sell_america_reason").is_not_null(),
        ),
    ],
    warnings={
        "cpi_yoy": _soft(soft_range(-0.05, 0.2, "CPI year-on-year inflation")),
        "vix": _soft(soft_range(5, 90, "VIX")),
        "fed_funds": _soft(soft_range(-0.01, 0.25, "the fed funds rate")),
    },
    description="One row per business day: regime flags and their inputs.",
)

_mart(
    "hedge_scorecard",
    {
        "equity_asset_id": _key(pl.String),
        "bond_asset_id": _key(pl.String),
        "frequency": _key(pl.String, one_of(FREQUENCIES)),
        "regime_dimension": _key(pl.String, one_of(SCORECARD_DIMENSIONS)),
        "regime_value": _key(pl.String),
        "periods": _key(I64, POSITIVE),
        "stock_down_periods": _key(I64, NON_NEGATIVE),
        "bond_up_when_stock_down": _key(I64, NON_NEGATIVE),
        "hit_rate": _col(F64, SHARE),
        "hit_rate_ci_low": _col(F64, SHARE),
        "hit_rate_ci_high": _col(F64, SHARE),
        "mean_bond_return_when_stock_down": _col(F64, RETURN),
        "median_bond_return_when_stock_down": _col(F64, RETURN),
        "mean_stock_return_when_stock_down": _col(F64, NEGATIVE_RETURN),
        "mean_bond_return": _col(F64, RETURN),
        "mean_stock_return": _col(F64, RETURN),
        "correlation": _col(F64, CORRELATION),
        "beta": _col(F64, NOT_NAN),
        "downside_beta": _col(F64, NOT_NAN),
        "first_period_end": _col(pl.Date),
        "last_period_end": _col(pl.Date),
        "data_source": DATA_SOURCE,
    },
    ["equity_asset_id", "bond_asset_id", "frequency", "regime_dimension", "regime_value"],
    checks=[
        _HIT_COUNTS,
        _frame_rule(
            "hit_rate_ci_low <= hit_rate <= hit_rate_ci_high",
            (pl.col("hit_rate_ci_low") <= pl.col("hit_rate") + 1e-12)
            & (pl.col("hit_rate") <= pl.col("hit_rate_ci_high") + 1e-12),
        ),
    ],
    warnings={
        "beta": _soft(soft_range(-5, 5, "a bond-on-equity beta")),
        "downside_beta": _soft(soft_range(-5, 5, "a downside beta")),
    },
    warning_checks=[
        _frame_rule(
            "regime cells with a hit rate have at least 10 stock-down periods",
            pl.col("hit_rate").is_null() | (pl.col("stock_down_periods") >= 10),
        )
    ],
    description="Hit rate, Wilson interval and co-movement of bonds when stocks fall, by regime.",
)

_mart(
    "drawdown_episodes",
    {
        "episode_id": _key(pl.String),
        "episode_number": _key(I64, POSITIVE),
        "equity_asset_id": _key(pl.String),
        "peak_date": _key(pl.Date),
        "trough_date": _key(pl.Date),
        "recovery_date": _col(pl.Date),
        "is_recovered": _key(pl.Boolean),
        "peak_level": _key(F64, POSITIVE),
        "trough_level": _key(F64, POSITIVE),
        "depth": _key(F64, NEGATIVE_RETURN),
        "business_days_peak_to_trough": _key(I64, POSITIVE),
        "bond_asset_id": _key(pl.String),
        "bond_return_peak_to_trough": _col(F64, RETURN),
        "bond_excess_return_peak_to_trough": _col(F64, EXCESS_RETURN),
        "bond_return_days": _key(I64, NON_NEGATIVE),
        "bond_hedged": _col(pl.Boolean),
        "inflation_regime_at_peak": _col(pl.String, one_of(INFLATION_REGIMES)),
        "policy_regime_at_peak": _col(pl.String, one_of(POLICY_REGIMES)),
        "hedge_regime_at_peak": _col(pl.String, one_of(HEDGE_REGIMES)),
        "correlation_252d_at_peak": _col(F64, CORRELATION),
        "data_source": DATA_SOURCE,
    },
    ["episode_id", "bond_asset_id"],
    checks=[
        _frame_rule(
            "peak_date < trough_date < recovery_date",
            (pl.col("peak_date") < pl.col("trough_date"))
            & (
                pl.col("recovery_date").is_null()
                | (pl.col("trough_date") < pl.col("recovery_date"))
            ),
        ),
    ],
    warnings={
        "bond_return_peak_to_trough": _soft(soft_range(-0.5, 1.0, "a peak-to-trough bond return"))
    },
    description="S&P 500 drawdown episodes x bond asset, with the bond's peak-to-trough return.",
)

_mart(
    "portfolio_60_40",
    {
        "portfolio_id": _key(pl.String, one_of(("balanced", "equity_only"))),
        "portfolio_name": _key(pl.String),
        "equity_weight": _key(F64, SHARE),
        "bond_weight": _key(F64, SHARE),
        "period_start": _key(pl.Date),
        "period_end": _key(pl.Date),
        "equity_return": _key(F64, RETURN),
        "equity_return_basis": _key(pl.String, one_of(("total", "price_only"))),
        "bond_return": _key(F64, RETURN),
        "portfolio_return": _key(F64, RETURN),
        "wealth_index": _key(F64, POSITIVE),
        "wealth_peak": _key(F64, POSITIVE),
        "drawdown": _key(F64, DRAWDOWN),
        "rolling_12m_return": _col(F64, RETURN),
        "rolling_12m_volatility": _col(F64, NON_NEGATIVE),
        "data_source": DATA_SOURCE,
    },
    ["portfolio_id", "period_end"],
    warnings={"rolling_12m_volatility": _soft(soft_range(0, 0.6, "an annualised volatility"))},
    description="Monthly 60/40 (sp500/ust_10y) vs 100 % sp500: returns, wealth, drawdowns, vol.",
)

_mart(
    "portfolio_60_40_summary",
    {
        "portfolio_id": _key(pl.String, one_of(("balanced", "equity_only"))),
        "portfolio_name": _key(pl.String),
        "regime_dimension": _key(pl.String, one_of(REGIME_DIMENSIONS)),
        "regime_value": _key(pl.String),
        "months": _key(I64, POSITIVE),
        "annualised_return": _key(F64, RETURN),
        "annualised_volatility": _col(F64, NON_NEGATIVE),
        "max_drawdown": _key(F64, DRAWDOWN),
        "worst_month_return": _key(F64, RETURN),
        "worst_month_end": _key(pl.Date),
        "share_negative_months": _key(F64, SHARE),
        "first_period_end": _key(pl.Date),
        "last_period_end": _key(pl.Date),
        "data_source": DATA_SOURCE,
    },
    ["portfolio_id", "regime_dimension", "regime_value"],
    warnings={"annualised_volatility": _soft(soft_range(0, 0.6, "an annualised volatility"))},
    description="portfolio_60_40 by regime: annualised return, volatility, max drawdown.",
)

_mart(
    "hedge_monitor_latest",
    {
        "as_of_date": _key(pl.Date),
        "latest_business_day": _key(pl.Date),
        "change_from_date": _col(pl.Date),
        "ust_2y_yield": _col(F64, NOT_NAN),
        "ust_10y_yield": _col(F64, NOT_NAN),
        "curve_10y_2y": _col(F64, NOT_NAN),
        "real_yield_10y": _col(F64, NOT_NAN),
        "breakeven_10y": _col(F64, NOT_NAN),
        "fed_funds": _col(F64, NOT_NAN),
        "ig_oas": _col(F64, NOT_NAN),
        "hy_oas": _col(F64, NOT_NAN),
        "vix": _col(F64, NON_NEGATIVE),
        "inflation_regime": _col(pl.String, one_of(INFLATION_REGIMES)),
        "policy_regime": _col(pl.String, one_of(POLICY_REGIMES)),
        "hedge_regime": _col(pl.String, one_of(HEDGE_REGIMES)),
        "hedge_regime_current": _col(pl.String, one_of(HEDGE_REGIMES)),
        "correlation_252d": _col(F64, CORRELATION),
        "outlook": _key(pl.String, one_of(OUTLOOKS)),
        "outlook_reason": _key(pl.String),
        "missing_indicators": _col(pl.String),
        "data_source": DATA_SOURCE,
    },
    ["as_of_date"],
    checks=[
        _single_row(),
        _frame_rule(
            "as_of_date <= latest_business_day",
            pl.col("as_of_date") <= pl.col("latest_business_day"),
        ),
    ],
    warning_checks=[
        _frame_rule("every indicator has a value", pl.col("missing_indicators").is_null()),
        _frame_rule(
            "as_of_date within 10 days of the latest business day",
            (pl.col("latest_business_day") - pl.col("as_of_date")).dt.total_days() <= 10,
        ),
    ],
    description="One row: the latest indicators, flags, correlation and outlook.",
)

_ANSWER_STATS = {
    "hit_rate": SHARE,
    "mean_bond_return_when_stock_down": RETURN,
    "median_bond_return_when_stock_down": RETURN,
    "offset_ratio": NOT_NAN,
    "correlation": CORRELATION,
    "beta": NOT_NAN,
    "downside_beta": NOT_NAN,
    "upside_beta": NOT_NAN,
}
_mart(
    "hedge_answer",
    {
        "equity_asset_id": _key(pl.String),
        "bond_asset_id": _key(pl.String),
        "frequency": _key(pl.String, one_of(FREQUENCIES)),
        "era": _key(pl.String),
        "era_order": _key(I32, POSITIVE),
        "return_basis": _key(pl.String, one_of(("total", "excess"))),
        "periods": _key(I64, POSITIVE),
        "stock_down_periods": _key(I64, NON_NEGATIVE),
        "bond_up_when_stock_down": _key(I64, NON_NEGATIVE),
        **{
            f"{name}{suffix}": _col(F64, check)
            for name, check in _ANSWER_STATS.items()
            for suffix in ("", "_ci_low", "_ci_high")
        },
        "hit_rate_wilson_low": _col(F64, SHARE),
        "hit_rate_wilson_high": _col(F64, SHARE),
        "correlation_fisher_low": _col(F64, CORRELATION),
        "correlation_fisher_high": _col(F64, CORRELATION),
        "mean_stock_return_when_stock_down": _col(F64, NEGATIVE_RETURN),
        "block_length": _key(F64, _range(">= 1", lambda c: c >= 1)),
        "hit_rate_diff_p_value": _col(
            F64, _range("p-value in (0, 1]", lambda c: (c > 0) & (c <= 1))
        ),
        "correlation_diff_p_value": _col(
            F64, _range("p-value in (0, 1]", lambda c: (c > 0) & (c <= 1))
        ),
        "verdict": _key(pl.String),
        "data_source": DATA_SOURCE,
    },
    ["equity_asset_id", "bond_asset_id", "frequency", "era", "return_basis"],
    checks=[
        _HIT_COUNTS,
        _frame_rule(
            "bootstrap intervals ordered (low <= high)",
            pl.all_horizontal(
                (pl.col(f"{n}_ci_low") <= pl.col(f"{n}_ci_high")).fill_null(True)
                for n in _ANSWER_STATS
            ),
        ),
        _frame_rule(
            "verdict says 'significantly' only when the era test's p < 0.05",
            ~pl.col("verdict").str.contains(", significantly", literal=True)
            | (pl.col("hit_rate_diff_p_value") < 0.05).fill_null(False),
        ),
    ],
    warning_checks=[
        _frame_rule(
            "cells with a hit rate have at least 10 stock-down periods",
            pl.col("hit_rate").is_null() | (pl.col("stock_down_periods") >= 10),
        ),
    ],
    description="One row per equity x bond x frequency x era x basis: the answer with intervals.",
)

MARKOV_REGIMES = ("hedge_working", "hedge_failing")
_mart(
    "markov_regimes",
    {
        "period_end": _key(pl.Date),
        "equity_return": _col(F64, RETURN),
        "bond_return": _col(F64, RETURN),
        "filtered_probability_failing": _key(F64, SHARE),
        "smoothed_probability_failing": _key(F64, SHARE),
        "filtered_regime": _key(pl.String, one_of(MARKOV_REGIMES)),
        "data_source": DATA_SOURCE,
    },
    ["period_end"],
    description="One row per month: Markov-switching filtered and smoothed probabilities.",
)

_mart(
    "markov_regime_fit",
    {
        "regime": _key(pl.String, one_of(MARKOV_REGIMES)),
        "beta": _key(F64, NOT_NAN),
        "sigma": _key(F64, POSITIVE),
        "stay_probability": _key(F64, SHARE),
        "switch_probability": _key(F64, SHARE),
        "converged": _key(pl.Boolean),
        "data_source": DATA_SOURCE,
    },
    ["regime"],
    checks=[_frame_rule("the fit converged", pl.col("converged"))],
    description="One row per Markov regime: parameters, transitions and fit diagnostics.",
)

_mart(
    "vix_bucket_correlations",
    {
        "equity_asset_id": _key(pl.String),
        "bond_asset_id": _key(pl.String),
        "era": _key(pl.String),
        "vix_bucket": _key(pl.String, one_of(("< 15", "15-20", "20-30", "> 30"))),
        "days": _key(I64, POSITIVE),
        "hit_rate": _col(F64, SHARE),
        "correlation": _col(F64, CORRELATION),
        "beta": _col(F64, NOT_NAN),
        "data_source": DATA_SOURCE,
    },
    ["equity_asset_id", "bond_asset_id", "era", "vix_bucket"],
    description="Stock-bond correlation by previous-day VIX bucket and era.",
)

_mart(
    "observations_daily",
    {
        "series_id": _key(pl.String),
        "calendar_date": _key(pl.Date),
        "value": _col(F64, NOT_NAN, nullable=False),
        "source_date": _col(pl.Date, nullable=False),
        "business_days_stale": _col(I64, NON_NEGATIVE, nullable=False),
        "is_filled": _col(pl.Boolean, nullable=False),
        "source": _col(pl.String, one_of(DATA_SOURCES), nullable=False),
        "loaded_at": _col(pl.Datetime("us"), nullable=False),
        "built_at": _col(pl.Datetime("us")),
        "data_source": DATA_SOURCE,
    },
    ["series_id", "calendar_date"],
    description="Every catalog series on the business-day calendar, with the bounded forward fill.",
)

MART_SCHEMAS: dict[str, MartSchema] = {spec.name: spec for spec in _SPECS}


# ------------------------------------------------------------------------------ validation


def _describe(value) -> str:
    text = str(value)
    return text if len(text) <= 160 else text[:157] + "..."


def _messages(
    mart: str, schema: pa.DataFrameSchema, df: pl.DataFrame, key: tuple[str, ...], kind: str
) -> list[str]:
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    except pa.errors.SchemaError as error:  # a non-lazy error (should not happen with lazy=True)
        return [f"{mart}: {kind} rule failed: {error}"]
    else:
        return []
    messages: list[str] = []
    grouped = cases.group_by(["schema_context", "column", "check"], maintain_order=True).agg(
        pl.len().alias("n"),
        pl.col("failure_case").first().alias("example"),
        pl.col("index").first().alias("row"),
    )
    for context, column, check, n, example, row in grouped.iter_rows():
        if check == "multiple_fields_uniqueness":
            where, rule, count = "key", f"unique key ({', '.join(key)})", f"{n} rows share a key"
            example = _key_values(example, key)
        elif context == "Column":
            where, rule, count = column, check, f"{n} failing value{'s' if n != 1 else ''}"
        else:  # a rule over whole rows (several columns) or the whole frame
            where, rule, count = "rows", check, f"{n} failing row{'s' if n != 1 else ''}"
        at = f" at row {row}" if row is not None else ""
        messages.append(
            f"{mart}.{where}: {kind} rule '{rule}' failed ({count}), e.g. {_describe(example)}{at}"
        )
    return messages


def _key_values(row_json, key: tuple[str, ...]) -> str:
    """The key columns of a failing row (pandera reports the whole row as JSON)."""
    try:
        row = json.loads(row_json)
        return ", ".join(f"{column}={row.get(column)!r}" for column in key)
    except (TypeError, ValueError, AttributeError):
        return str(row_json)


def _spec(name: str) -> MartSchema:
    try:
        return MART_SCHEMAS[name]
    except KeyError:
        raise KeyError(
            f"no schema for mart {name!r}; known: {', '.join(sorted(MART_SCHEMAS))}"
        ) from None


def validate_mart(name: str, df: pl.DataFrame) -> list[str]:
    """Blocking failures of mart ``name`` in ``df`` (empty list = the mart passes).

    Each message names the mart, the column, the rule and an offending value, e.g.
    ``hedge_scorecard.correlation: blocking rule 'correlation in [-1, 1], not NaN' failed
    (1 failing value), e.g. 1.5 at row 0``.
    """
    spec = _spec(name)
    return _messages(name, spec.schema, df, spec.key, "blocking")


def mart_warnings(name: str, df: pl.DataFrame) -> list[str]:
    """Non-blocking findings (implausible but possible values) for mart ``name``."""
    spec = _spec(name)
    if spec.warnings is None:
        return []
    return _messages(name, spec.warnings, df, spec.key, "warning")
