"""The offline default source: deterministic **synthetic** market data with planted regimes.

Nothing here is real data. ``SampleSource`` simulates every catalog series from 1962-01-02
to ``end_date`` (business days, Mon-Fri minus Jan 1 / Jul 4 / Dec 25; CPI monthly, dated
the 1st) so the whole pipeline runs without a network, and so the question "do bonds go up
when stocks fall - and when don't they?" has known answers to recover.

Model (details in ``ingestion.sources.sample_model``):

* Common factors - broad equity, a tech tilt, the Treasury curve (3m / 2y / 10y / 30y plus
  belly noise), policy rate, 10y breakeven and its 5y-10y slope, a credit-stress level,
  the equity vol state (-> VIX), the broad dollar and monthly CPI - are each an *anchor
  path* (hand-written, rounded (date, value) tables: 10y ~4 % in 1962, ~15.8 % in 1981,
  ~6 % in 2000, ~1.5-2.5 % in 2012-2020, 0.5 % in 2020, ~5 % in Oct 2023, ~4.3 % 2025;
  SP500 71 -> ~6800 at end-2025; CPI 30 -> ~325; ...) plus seeded daily noise bridged so
  every anchor is hit exactly. Shocks load on the equity shock with regime-dependent
  signs, which is what plants the stock-bond correlation regimes.
* A series is derived from its catalog *attributes*, not its id: ``category`` picks the
  factor, ``tenor_years`` the point on the curve / breakeven term structure, ``role``
  refinements (``cash_rate`` = T-bill discount basis); a few title/id keywords pick a
  style within a category (NASDAQ-style equity: higher beta plus tech tilt; "high yield" /
  "Baa" credit). A clone such as ``DGS10_X07`` with the same attributes gets the same
  common factors plus its own small noise, seeded from a SHA-256 of the series id.
* Determinism: same (seed, end_date) -> identical output; a later end_date only appends
  rows. The factor panel is cached per (seed, grid end) so 19 fetches cost one simulation.

Planted effects (``PLANTED_REGIMES``, ``PLANTED_DRAWDOWNS``, ``SELL_AMERICA_DAYS``): a
positive daily stock-bond correlation 1966-1999 (bond = 10y par Treasury total return),
the 1973-74 stagflation bear market in which bonds fell too, a clearly negative correlation
2000-2021 with bond rallies in the dot-com bust, the GFC and the COVID crash, the 2022-23
inflation shock (stocks -25 %, 10y +3 pts, fed hikes, CPI YoY > 6 %, positive
correlation) and "Sell America" days in 2025 (stocks down, yields up, dollar down).
"""

from __future__ import annotations

import hashlib
import math
from datetime import date
from functools import lru_cache

import numpy as np
import polars as pl

from ingestion.catalog import SeriesInfo
from ingestion.sources.base import FRAME_SCHEMA, SeriesUnavailable, clip_range
from ingestion.sources.sample_model import (
    FIRST_DAY,
    FIXED_HOLIDAYS,
    HORIZON,
    PLANTED_DRAWDOWNS,
    PLANTED_MOVES,
    PLANTED_REGIMES,
    SELL_AMERICA_DAYS,
    MarketPanel,
    PlantedDrawdown,
    PlantedMove,
    PlantedRegime,
    build_panel,
    ou,
    softfloor,
)

__all__ = [
    "DEFAULT_SEED",
    "FIRST_DAY",
    "FIXED_HOLIDAYS",
    "HORIZON",
    "PLANTED_DRAWDOWNS",
    "PLANTED_MOVES",
    "PLANTED_REGIMES",
    "SELL_AMERICA_DAYS",
    "PlantedDrawdown",
    "PlantedMove",
    "PlantedRegime",
    "SampleSource",
    "market_panel",
    "sample_frame",
    "series_seed",
]

DEFAULT_SEED = 1962

#: decimals kept per category (FRED publishes yields/spreads to 2, the dollar index to 4)
_DECIMALS = {"inflation": 3, "fx": 4}


def series_seed(series_id: str) -> int:
    """Stable 64-bit seed for a series' own noise (SHA-256, unlike Python's salted hash())."""
    return int.from_bytes(hashlib.sha256(series_id.encode("utf-8")).digest()[:8], "big")


@lru_cache(maxsize=8)
def _panel(seed: int, grid_end: date) -> MarketPanel:
    return build_panel(seed, grid_end)


def market_panel(seed: int = DEFAULT_SEED, end_date: date | None = None) -> MarketPanel:
    """The cached common-factor panel (the grid always reaches at least ``HORIZON``)."""
    return _panel(seed, max(end_date or date.today(), HORIZON))


def _style(series: SeriesInfo) -> str:
    text = f"{series.series_id} {series.title}".lower()
    if series.category == "equity_index":
        return "tech" if "nasdaq" in text or "tech" in text else "broad"
    if series.category == "credit_spread":
        if "high yield" in text or "high-yield" in text or "bamlh" in text:
            return "high_yield"
        if "baa" in text:
            return "baa"
        return "investment_grade"
    return "default"


def _to_discount_basis(bond_equivalent: np.ndarray) -> np.ndarray:
    """3-month bill bond-equivalent yield (percent) -> bank discount rate (percent)."""
    y = bond_equivalent / 100.0
    return 100.0 * 360.0 * y / (365.0 + 91.0 * y)


#: S&P 500-like dividend yield anchors (year, percent): ~3 % in the 1960s, 5-6 % around 1980,
#: ~1.2 % at the 2000 peak, ~2 % after 2008, ~1.3 % in 2025 (rounded, not data)
DIVIDEND_YIELD_ANCHORS = (
    (1962.0, 3.2), (1970.0, 3.4), (1975.0, 4.4), (1980.0, 5.0), (1982.5, 5.6), (1990.0, 3.5),
    (1995.0, 2.6), (2000.0, 1.2), (2003.0, 1.7), (2008.0, 2.2), (2013.0, 2.0), (2020.0, 1.8),
    (2022.0, 1.5), (2025.0, 1.3),
)  # fmt: skip


def _dividend_yield(p: MarketPanel, z: np.ndarray) -> np.ndarray:
    """Dividend yield in percent: the anchor path times exp(-(log price - its 1-year moving
    average)), so the yield rises when prices crash (dividends move slowly), plus noise."""
    years = 1970.0 + p.dates.astype("datetime64[D]").astype(np.float64) / 365.25
    anchors = np.array(DIVIDEND_YIELD_ANCHORS)
    base = np.interp(years, anchors[:, 0], anchors[:, 1])
    trend = np.empty_like(p.log_equity)
    alpha, level = 1.0 - math.exp(-math.log(2.0) / 250.0), float(p.log_equity[0])
    for i, x in enumerate(p.log_equity):  # exponential moving average, half-life 250 days
        level += alpha * (x - level)
        trend[i] = level
    return base * np.exp(-(p.log_equity - trend) + ou(z, 0.002, 60))


def _daily_values(series: SeriesInfo, p: MarketPanel, own: np.ndarray) -> np.ndarray:
    """Series level on every grid day; ``own`` is this series' (n, 2) own shocks."""
    cat, z = series.category, own[:, 0]
    tenor = series.tenor_years if series.tenor_years is not None else 10.0
    if cat == "treasury_yield":
        y = softfloor(p.curve(tenor) + ou(z, 0.005, 10))
        return _to_discount_basis(y) if series.role == "cash_rate" else y
    if cat == "real_yield":
        nominal = softfloor(p.curve(tenor) + ou(z, 0.005, 10))
        return nominal - p.breakeven(tenor) + ou(own[:, 1], 0.012, 10)
    if cat == "breakeven":
        return p.breakeven(tenor) + ou(z, 0.006, 10)
    if cat == "equity_index":
        if _style(series) == "tech":  # beta ~1.25 to the broad factor plus the tech tilt
            log_v = p.log_equity + p.log_tech_ratio + 0.25 * p.equity_noise + ou(z, 0.001, 60)
        else:
            log_v = p.log_equity + ou(z, 0.0004, 60)
        return np.exp(log_v)
    if cat == "dividend_yield":
        return _dividend_yield(p, z)
    if cat == "credit_spread":
        style = _style(series)
        if style == "high_yield":
            return (0.72 + 3.1 * p.credit) * np.exp(ou(z, 0.005, 20))
        if style == "baa":
            return 0.85 + 0.82 * p.credit + ou(z, 0.012, 20)
        return p.credit * np.exp(ou(z, 0.004, 20))
    if cat == "volatility":  # implied vol = premium + scaled conditional vol, soft-capped
        v = 3.0 + 100.0 * math.sqrt(252.0) * p.vol_state + ou(z, 0.35, 5)
        v = v / (1.0 + (v / 95.0) ** 4) ** 0.25
        return 8.5 + softfloor(v - 8.5, 0.8)
    if cat == "policy_rate":
        noise = ou(z, p.funds_noise_scale * np.maximum(p.policy, 0.1), 3)
        return softfloor(p.policy + noise, 0.01)
    if cat == "fx":
        return np.exp(p.log_usd + ou(z, 0.0003, 20))
    raise SeriesUnavailable(series.series_id, f"sample source has no model for {cat!r}")


def _monthly_cpi(series: SeriesInfo, p: MarketPanel, seed: int) -> np.ndarray:
    zm = np.random.default_rng([seed, 3, series_seed(series.series_id)]).standard_normal(
        p.months.size
    )
    return np.exp(p.log_cpi + ou(zm, 0.0003, 6))


def _monthly_mean(dates: np.ndarray, values: np.ndarray, end: date):
    """FRED-style monthly averages dated the 1st; only months complete by ``end``."""
    months = dates.astype("datetime64[M]")
    keys, start = np.unique(months, return_index=True)
    sums = np.add.reduceat(values, start)
    counts = np.diff(np.append(start, values.size))
    complete = (keys + 1).astype("datetime64[D]") - 1 <= np.datetime64(end, "D")
    return keys[complete].astype("datetime64[D]"), (sums / counts)[complete]


def _monthly_first(dates: np.ndarray, values: np.ndarray):
    """One value per month dated the 1st: the month's first business day's value. Unlike a
    monthly mean it exists as soon as the month starts, so a later end date only appends."""
    months = dates.astype("datetime64[M]")
    keys, start = np.unique(months, return_index=True)
    return keys.astype("datetime64[D]"), values[start]


def _frame(dates: np.ndarray, values: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(
        {"observation_date": dates.astype("datetime64[D]"), "value": values},
        schema=FRAME_SCHEMA,
    )


@lru_cache(maxsize=256)
def _sample_frame(series: SeriesInfo, end_date: date, seed: int) -> pl.DataFrame:
    p = market_panel(seed, end_date)
    end = np.datetime64(end_date, "D")
    if series.category == "inflation":
        dates, values = p.months, _monthly_cpi(series, p, seed)
        if series.frequency == "daily":  # step the monthly index onto business days
            idx = np.searchsorted(dates, p.dates, side="right") - 1
            dates, values = p.dates, values[idx]
    else:
        own = np.random.default_rng([seed, 2, series_seed(series.series_id)]).standard_normal(
            (p.dates.size, 2)
        )
        dates, values = p.dates, _daily_values(series, p, own)
        if series.frequency == "monthly" and series.category == "dividend_yield":
            dates, values = _monthly_first(dates, values)
        elif series.frequency == "monthly":
            dates, values = _monthly_mean(dates, values, end_date)
    keep = dates <= end
    dates, values = dates[keep], values[keep]
    values = np.round(values, _DECIMALS.get(series.category, 2)) + 0.0  # no -0.0
    values = np.clip(values, series.valid_min, series.valid_max)  # guard; model stays inside
    return _frame(dates, values)


def sample_frame(
    series: SeriesInfo, end_date: date | None = None, seed: int = DEFAULT_SEED
) -> pl.DataFrame:
    """The full synthetic history of ``series`` from 1962 through ``end_date`` (default today)."""
    return _sample_frame(series, end_date or date.today(), seed).clone()


class SampleSource:
    """Offline source of deterministic synthetic data (see the module docstring)."""

    name = "sample"

    def __init__(self, end_date: date | None = None, seed: int = DEFAULT_SEED):
        self.end_date = end_date or date.today()
        self.seed = seed

    def __repr__(self) -> str:
        return f"SampleSource(end_date={self.end_date!r}, seed={self.seed})"

    def fetch(self, series: SeriesInfo, start: date | None, end: date | None) -> pl.DataFrame:
        return clip_range(sample_frame(series, self.end_date, self.seed), start, end)
