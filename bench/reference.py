"""A polars reference for the core return and co-movement marts, computed from raw.observations.

    .venv/bin/python bench/reference.py data/warehouse.duckdb   # time it, check it equals the marts

Independent of dbt: it reads only ``raw.observations`` and the two seed CSVs, and recomputes
what the pipeline's SQL computes, written again in polars/numpy:

* the business-day calendar (weekdays on which a daily Treasury or equity series printed) and
  every series on it with an as-of join, carried forward at most ``FFILL_MAX`` business days;
* daily returns of the Treasuries (par bond bought at yesterday's yield, exact semiannual dirty
  price, repriced at today's yield rolled down the curve by the slope around its maturity) and
  of the equity indexes (price returns; NASDAQ's total return is its price return);
* the rolling correlation, beta and downside beta of each equity index with each Treasury over
  the 63/126/252/756 business-day windows (running sums, the same NULL rules as the mart);
* the scorecard's daily hit rates (share of equity-down days on which the bond rose), overall
  and by decade.

:func:`compare` checks each against the warehouse's tables (``int_asset_returns_daily``,
``marts.rolling_correlations``, ``marts.hedge_scorecard``): the same rows, NULL where the mart
is NULL, and values within ``TOLERANCE``. Not covered (yet): S&P 500 dividends (so co-movement uses
NASDAQ, and S&P 500 is checked on its price return), TIPS, credit, the monthly windows, and the
scorecard's regime dimensions other than ``all`` and ``decade`` (see bench/README.md).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "dbt_project" / "seeds"
TOLERANCE = 1e-9
#: dbt var ffill_max_business_days (dbt_project.yml): the as-of carry bound for daily series
FFILL_MAX = 5
DAILY_WINDOWS = (63, 126, 252, 756)
EQUITIES = ("sp500", "nasdaq")
TREASURIES = ("ust_3m", "ust_2y", "ust_5y", "ust_10y", "ust_30y")


def seeds() -> tuple[pl.DataFrame, pl.DataFrame]:
    series = pl.read_csv(SEEDS / "series_catalog.csv", infer_schema_length=0).with_columns(
        pl.col("tenor_years").cast(pl.Float64)
    )
    assets = pl.read_csv(SEEDS / "asset_catalog.csv", infer_schema_length=0).with_columns(
        pl.col("maturity_years").cast(pl.Float64)
    )
    return series, assets


def observations_daily(raw: pl.DataFrame, series: pl.DataFrame) -> pl.DataFrame:
    """(series_id, calendar_date, business_day_index, value, is_filled) of the daily series."""
    stg = (
        raw.filter(pl.col("value").is_not_null())
        .join(series.select("series_id", "category", "frequency", "unit"), on="series_id")
        .with_columns(
            pl.when(pl.col("unit") == "percent")
            .then(pl.col("value") / 100.0)
            .otherwise(pl.col("value"))
            .alias("value")
        )
    )
    calendar = (
        stg.filter(
            pl.col("category").is_in(["treasury_yield", "equity_index"])
            & (pl.col("frequency") == "daily")
            & (pl.col("observation_date").dt.weekday() <= 5)
        )
        .select(pl.col("observation_date").alias("calendar_date"))
        .unique()
        .sort("calendar_date")
        .with_row_index("business_day_index", offset=1)
    )
    daily = stg.filter(pl.col("frequency") == "daily").sort("series_id", "observation_date")
    first = daily.group_by("series_id").agg(pl.col("observation_date").min().alias("first"))
    grid = (
        first.join(calendar, how="cross")
        .filter(pl.col("calendar_date") >= pl.col("first"))
        .sort("series_id", "calendar_date")
    )
    as_of = grid.join_asof(
        daily.select("series_id", "observation_date", "value"),
        left_on="calendar_date",
        right_on="observation_date",
        by="series_id",
        strategy="backward",
        check_sortedness=False,  # sorted by (series_id, date) above
    )
    source_day = calendar.rename(
        {"calendar_date": "source_date", "business_day_index": "source_index"}
    )
    with_days = as_of.sort("observation_date").join_asof(
        source_day, left_on="observation_date", right_on="source_date", strategy="backward"
    )
    stale = (pl.col("business_day_index") - pl.col("source_index")).fill_null(0)
    return (
        with_days.filter(stale <= FFILL_MAX)
        .select(
            "series_id",
            "calendar_date",
            "business_day_index",
            "value",
            (pl.col("observation_date") != pl.col("calendar_date")).alias("is_filled"),
        )
        .sort("series_id", "calendar_date")
    )


def curve_slopes(obs: pl.DataFrame, series: pl.DataFrame, assets: pl.DataFrame) -> pl.DataFrame:
    """Slope of the nominal curve around each Treasury's maturity, per day (roll-down input)."""
    curve = series.filter(
        (pl.col("category") == "treasury_yield")
        & (pl.col("role") != "cash_rate")
        & pl.col("tenor_years").is_not_null()
    ).select("series_id", "tenor_years")
    points = obs.join(curve, on="series_id").select("calendar_date", "tenor_years", "value")
    out = []
    for a in assets.filter(pl.col("asset_id").is_in(TREASURIES)).iter_rows(named=True):
        m = a["maturity_years"]
        below = (
            points.filter(pl.col("tenor_years") < m)
            .sort("tenor_years")
            .group_by("calendar_date")
            .agg(pl.col("tenor_years").last().alias("lo_t"), pl.col("value").last().alias("lo_y"))
        )
        above = (
            points.filter(pl.col("tenor_years") >= m)
            .sort("tenor_years")
            .group_by("calendar_date")
            .agg(pl.col("tenor_years").first().alias("hi_t"), pl.col("value").first().alias("hi_y"))
        )
        slope = ((pl.col("hi_y") - pl.col("lo_y")) / (pl.col("hi_t") - pl.col("lo_t"))).alias(
            "curve_slope"
        )
        out.append(
            below.join(above, on="calendar_date").select(
                pl.lit(a["asset_id"]).alias("asset_id"), "calendar_date", slope
            )
        )
    return pl.concat(out)


def dirty_price(coupon: np.ndarray, y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Exact dirty price per 100 face of a semiannual bond (NaN where undefined)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ok = (t > 0) & (y > -2)
        v = 1.0 / (1.0 + y / 2.0)
        n = np.ceil(2.0 * t - 1e-9)
        f = t - 0.5 * (n - 1.0)
        annuity = np.where(np.abs(y) < 1e-12, n, (1.0 - v**n) / (1.0 - v))
        price = 100.0 * coupon / 2.0 * v ** (2.0 * f) * annuity + 100.0 * v ** (2.0 * t)
    return np.where(ok, price, np.nan)


def daily_returns(obs: pl.DataFrame, series: pl.DataFrame, assets: pl.DataFrame) -> pl.DataFrame:
    """(asset_id, calendar_date, total_return, price_return) for the equities and Treasuries."""
    slopes = curve_slopes(obs, series, assets)
    calendar = obs.select("calendar_date").unique().sort("calendar_date")
    span = obs.group_by("series_id").agg(
        pl.col("calendar_date").min().alias("first"),
        pl.col("calendar_date").filter(~pl.col("is_filled")).max().alias("last"),
    )
    frames = []
    for a in assets.filter(pl.col("asset_id").is_in(EQUITIES + TREASURIES)).iter_rows(named=True):
        sid = a["price_series_id"] or a["yield_series_id"]
        first, last = span.filter(pl.col("series_id") == sid).row(0)[1:]
        level = obs.filter(pl.col("series_id") == sid).select("calendar_date", "value")
        days = (
            calendar.filter(pl.col("calendar_date").is_between(first, last))
            .join(level, on="calendar_date", how="left")
            .join(
                slopes.filter(pl.col("asset_id") == a["asset_id"]).drop("asset_id"),
                on="calendar_date",
                how="left",
            )
            .sort("calendar_date")
        )
        base = days["calendar_date"].shift(1)
        start = days["value"].shift(1).to_numpy().astype(float)
        end = days["value"].to_numpy().astype(float)
        if a["return_method"] == "price_index":
            total = price = end / start - 1.0
        else:
            m = a["maturity_years"]
            dt = ((days["calendar_date"] - base).dt.total_days() / 365.25).to_numpy()
            slope = days["curve_slope"].to_numpy().astype(float)
            y1 = end + np.nan_to_num(-dt * slope, nan=0.0)
            total = dirty_price(start, y1, m - dt) / dirty_price(start, start, m) - 1.0
            price = np.full(len(days), np.nan)
        frames.append(
            pl.DataFrame(
                {
                    "asset_id": a["asset_id"],
                    "calendar_date": days["calendar_date"],
                    "total_return": total,
                    "price_return": price,
                }
            )
            .slice(1)
            .with_columns(pl.col("total_return", "price_return").fill_nan(None))
        )
    return pl.concat(frames)


def rolling(returns: pl.DataFrame) -> pl.DataFrame:
    """Correlation, beta, downside beta of each equity with each Treasury, daily windows."""
    out = []
    bonds = returns.filter(pl.col("asset_id").is_in(TREASURIES))
    for equity in EQUITIES:
        if equity == "sp500":  # its total return needs the dividend accrual: not covered yet
            continue
        eq = returns.filter(pl.col("asset_id") == equity).select(
            "calendar_date", pl.col("total_return").alias("x_raw")
        )
        for bond in TREASURIES:
            pair = (
                eq.join(
                    bonds.filter(pl.col("asset_id") == bond).select(
                        "calendar_date", pl.col("total_return").alias("y_raw")
                    ),
                    on="calendar_date",
                )
                .sort("calendar_date")
                .to_dict(as_series=False)
            )
            x_raw = np.array(pair["x_raw"], dtype=float)
            y_raw = np.array(pair["y_raw"], dtype=float)
            for n in DAILY_WINDOWS:
                stats = window_stats(x_raw, y_raw, n)
                out.append(
                    pl.DataFrame(
                        {
                            "as_of_date": pair["calendar_date"],
                            "window_periods": n,
                            "equity_asset_id": equity,
                            "bond_asset_id": bond,
                        }
                        | stats
                    )
                )
    return pl.concat(out).with_columns(
        pl.col("correlation", "beta", "downside_beta").fill_nan(None)
    )


def window_stats(x_raw: np.ndarray, y_raw: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """The mart's statistics from running sums (pairs with both returns only; NULL -> NaN)."""
    has_x, has_y = ~np.isnan(x_raw), ~np.isnan(y_raw)
    both = (has_x & has_y).astype(float)
    x = np.where(has_y, np.nan_to_num(x_raw), 0.0)
    y = np.where(has_x, np.nan_to_num(y_raw), 0.0)
    down = (has_x & (np.nan_to_num(x_raw) < 0) & has_y).astype(float)

    def s(values: np.ndarray) -> np.ndarray:
        cum = np.cumsum(values)
        lagged = np.concatenate((np.zeros(min(n, len(cum))), cum[:-n] if len(cum) > n else []))
        return cum - lagged

    sn, sx, sy, sxy, sxx, syy = s(both), s(x), s(y), s(x * y), s(x * x), s(y * y)
    dn, dx, dy, dxy, dxx = (
        s(both * down),
        s(x * down),
        s(y * down),
        s(x * y * down),
        s(x * x * down),
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (sxy - sx * sy / sn) / np.where(sn - 1 == 0, np.nan, sn - 1)
        vx = (sxx - sx * sx / sn) / np.where(sn - 1 == 0, np.nan, sn - 1)
        vy = (syy - sy * sy / sn) / np.where(sn - 1 == 0, np.nan, sn - 1)
        dcov = (dxy - dx * dy / dn) / np.where(dn - 1 == 0, np.nan, dn - 1)
        dvx = (dxx - dx * dx / dn) / np.where(dn - 1 == 0, np.nan, dn - 1)
        full = sn == n
        x_varies, y_varies = vx > sxx / sn * 1e-10, vy > syy / sn * 1e-10
        d_varies = dvx > dxx / dn * 1e-10
        raw = np.where(x_varies & y_varies, cov / np.sqrt(vx * vy), np.nan)
        corr = np.where(full & x_varies & y_varies, np.clip(raw, -1.0, 1.0), np.nan)
        beta = np.where(full & x_varies, cov / vx, np.nan)
        dbeta = np.where(full & (dn >= 2) & d_varies, dcov / dvx, np.nan)
    return {"correlation": corr, "beta": beta, "downside_beta": dbeta, "n_obs": sn.astype(int)}


def scorecard(returns: pl.DataFrame) -> pl.DataFrame:
    """Daily hit rates (bond up when the equity fell) per pair, overall and by decade."""
    ret = returns.filter(pl.col("total_return").is_not_null())
    eq = ret.filter(pl.col("asset_id") == "nasdaq").select(
        pl.col("asset_id").alias("equity_asset_id"),
        "calendar_date",
        pl.col("total_return").alias("x"),
    )
    bonds = ret.filter(pl.col("asset_id").is_in(TREASURIES)).select(
        pl.col("asset_id").alias("bond_asset_id"),
        "calendar_date",
        pl.col("total_return").alias("y"),
    )
    pairs = eq.join(bonds, on="calendar_date")
    decade = ((pl.col("calendar_date").dt.year() // 10) * 10).cast(pl.String) + "s"
    long = pl.concat(
        [
            pairs.with_columns(regime_dimension=pl.lit("all"), regime_value=pl.lit("all")),
            pairs.with_columns(regime_dimension=pl.lit("decade"), regime_value=decade),
        ]
    )
    down = pl.col("x") < 0
    return (
        long.group_by("equity_asset_id", "bond_asset_id", "regime_dimension", "regime_value")
        .agg(
            pl.len().alias("periods"),
            down.sum().alias("stock_down_periods"),
            (down & (pl.col("y") > 0)).sum().alias("bond_up_when_stock_down"),
        )
        .with_columns(
            (pl.col("bond_up_when_stock_down") / pl.col("stock_down_periods")).alias("hit_rate")
        )
    )


@dataclass
class Reference:
    returns: pl.DataFrame
    rolling: pl.DataFrame
    scorecard: pl.DataFrame
    seconds: float  # read raw + compute
    read_seconds: float


def compute(warehouse: Path) -> Reference:
    started = time.perf_counter()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        raw = con.execute("select series_id, observation_date, value from raw.observations").pl()
    finally:
        con.close()
    read = time.perf_counter() - started
    series, assets = seeds()
    obs = observations_daily(raw, series)
    returns = daily_returns(obs, series, assets)
    return Reference(
        returns, rolling(returns), scorecard(returns), time.perf_counter() - started, read
    )


def compare(ref: Reference, warehouse: Path) -> dict[str, dict]:
    """Our figures against the warehouse's: {table: {column: max abs diff, ...}}."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assets = EQUITIES + TREASURIES
        mart_returns = con.execute(
            "select asset_id, calendar_date, "
            "case when asset_id = 'sp500' then null else total_return end as total_return, "
            "case when return_method = 'price_index' then price_return end as price_return "
            "from intermediate.int_asset_returns_daily where asset_id in "
            f"({', '.join(repr(a) for a in assets)})"
        ).pl()
        mart_rolling = con.execute(
            "select as_of_date, window_periods, equity_asset_id, bond_asset_id, correlation, "
            "beta, downside_beta, n_obs from marts.rolling_correlations "
            "where frequency = 'daily' and equity_asset_id = 'nasdaq' and bond_asset_id in "
            f"({', '.join(repr(a) for a in TREASURIES)})"
        ).pl()
        mart_scorecard = con.execute(
            "select equity_asset_id, bond_asset_id, regime_dimension, regime_value, periods, "
            "stock_down_periods, bond_up_when_stock_down, hit_rate from marts.hedge_scorecard "
            "where frequency = 'daily' and equity_asset_id = 'nasdaq' "
            "and regime_dimension in ('all', 'decade') and bond_asset_id in "
            f"({', '.join(repr(a) for a in TREASURIES)})"
        ).pl()
    finally:
        con.close()
    ours_returns = ref.returns.with_columns(
        pl.when(pl.col("asset_id") == "sp500")
        .then(None)
        .otherwise(pl.col("total_return"))
        .alias("total_return")
    )
    keys_r = ["asset_id", "calendar_date"]
    keys_c = ["as_of_date", "window_periods", "equity_asset_id", "bond_asset_id"]
    mart_rolling = mart_rolling.with_columns(pl.col("window_periods").cast(pl.Int32))
    ours_rolling = ref.rolling.with_columns(
        pl.col("window_periods").cast(pl.Int32), pl.col("n_obs").cast(pl.Int32)
    )
    return {
        "int_asset_returns_daily": _row_check(
            ours_returns, mart_returns, keys_r, ["total_return", "price_return"]
        ),
        "rolling_correlations": _row_check(
            ours_rolling, mart_rolling, keys_c, ["correlation", "beta", "downside_beta", "n_obs"]
        ),
        "hedge_scorecard": _row_check(
            ref.scorecard,
            mart_scorecard,
            ["equity_asset_id", "bond_asset_id", "regime_dimension", "regime_value"],
            ["periods", "stock_down_periods", "bond_up_when_stock_down", "hit_rate"],
        ),
    }


def _row_check(ours: pl.DataFrame, mart: pl.DataFrame, keys: list[str], cols: list[str]) -> dict:
    """Same key set, same NULLs, and the largest absolute difference per column."""
    only_ours = ours.join(mart, on=keys, how="anti").height
    only_mart = mart.join(ours, on=keys, how="anti").height
    joined = ours.join(mart, on=keys, how="inner", suffix="_mart")
    out: dict = {"rows": joined.height, "only_ours": only_ours, "only_mart": only_mart}
    for c in cols:
        a, b = pl.col(c).cast(pl.Float64), pl.col(f"{c}_mart").cast(pl.Float64)
        out[f"{c}_null_mismatch"] = joined.filter(a.is_null() != b.is_null()).height
        out[f"{c}_values"] = joined.filter(b.is_not_null()).height
        out[c] = float(joined.select((a - b).abs().max()).item() or 0.0)
    return out


def problems(check: dict[str, dict]) -> list[str]:
    """What keeps the reference from equalling the marts (empty when it does)."""
    bad = []
    for table, c in check.items():
        if c["only_ours"] or c["only_mart"]:
            bad.append(f"{table}: {c['only_ours']} rows only ours, {c['only_mart']} only the mart")
        for k, v in c.items():
            if k.endswith("_null_mismatch") and v:
                bad.append(f"{table}.{k.removesuffix('_null_mismatch')}: {v} NULLs differ")
            elif (
                not k.endswith(("_values", "_null_mismatch"))
                and k
                not in (
                    "rows",
                    "only_ours",
                    "only_mart",
                )
                and not v <= TOLERANCE
            ):
                bad.append(f"{table}.{k}: max |diff| {v:.3g} > {TOLERANCE:g}")
    return bad


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    warehouse = Path(args[0] if args else REPO / "data" / "warehouse.duckdb")
    ref = compute(warehouse)
    check = compare(ref, warehouse)
    print(f"polars reference: {ref.seconds:.2f} s ({ref.read_seconds:.2f} s reading raw)")
    for table, c in check.items():
        print(f"  {table}: {c}")
    bad = problems(check)
    print("equal to the marts within", TOLERANCE if not bad else f"NO: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
