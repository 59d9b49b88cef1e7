"""The synthetic market model behind the ``sample`` source (all numbers are made up).

``build_panel(seed, end)`` simulates a handful of *common market factors* on a business-day
grid from 1962-01-02 onwards; ``ingestion.sources.sample`` turns them into catalog series.

How a factor is built
    level(t) = anchor path(t) + noise(t)

* The **anchor path** interpolates a short, hand-written table of (date, value) points
  (roughly yearly, plus every planted peak/trough/turning point; linear, in logs for
  prices). Tables are calibrated by eye against real FRED history, rounded, and
  deliberately exaggerated where a planted effect needs it (e.g. 10y at 8.6 % in Oct 1974).
* The **noise** is a random walk of daily shocks turned into a *bridge*: within each
  segment between two anchor dates the accumulated shock is removed in proportion to
  accumulated variance, so the path hits every anchor exactly and wanders in between.
  After the last anchor (``HORIZON``) the noise is causal (AR(1) / random walk).
* **Planted moves** (crash days, "Sell America" days) fix a factor's change on one day;
  the rest of the segment absorbs the difference, so anchors still hold.

Shocks: one seeded ``numpy`` Generator draws an (n_days, N_FACTORS) matrix of standard
normals. Correlations between factors come from loadings on the equity shock whose size
and *sign* follow hand-written regime schedules (``_STOCK_BOND_CORR`` etc.). Equity
volatility is ``base(t) * exp(h)`` with ``h`` an AR(1) "vol state" that jumps when stocks
fall (leverage effect); VIX, credit-spread and breakeven noise scale with it.

Determinism and extension: the grid always reaches at least ``HORIZON`` (every bridge
therefore sees the same shocks whatever ``end`` is), random draws are taken in grid order,
and everything after ``HORIZON`` is causal, so a later ``end`` only appends rows.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np

FIRST_DAY = date(1962, 1, 2)
#: last anchor date; the simulation grid always extends at least this far
HORIZON = date(2026, 6, 30)
#: fixed-date holidays dropped from the business-day grid when they fall on a weekday
#: (no observed-day shifting, no floating holidays: a sample, not an exchange calendar)
FIXED_HOLIDAYS = ((1, 1), (7, 4), (12, 25))

_DAY0 = np.datetime64(FIRST_DAY, "D")


# --------------------------------------------------------------------------------------
# Planted regimes: what downstream marts/tests should be able to recover
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlantedRegime:
    """A window with a planted behaviour.

    ``expected_corr_sign`` is the sign of the Pearson correlation between daily SP500 log
    returns and daily total returns of a 10y par Treasury (from DGS10) over the window,
    or None when the window is planted for something else.
    """

    name: str
    start: date
    end: date
    kind: str
    description: str
    expected_corr_sign: int | None


@dataclass(frozen=True)
class PlantedDrawdown:
    """An equity (SP500) drawdown pinned by anchors: ``depth`` is the peak-to-trough fall
    (0.48 = -48 %). ``bond_return_sign`` is the sign of the 10y par-bond total return over
    [peak, trough] (carry included), or None if not planted to be clear-cut."""

    name: str
    peak: date
    trough: date
    depth: float
    bond_return_sign: int | None


@dataclass(frozen=True)
class PlantedMove:
    """A one-day move fixed in the common factors (None = left to the model).

    equity: log return of the broad equity factor; y10: change of the 10y yield in
    percentage points; usd: log change of the broad dollar index."""

    day: date
    equity: float | None = None
    y10: float | None = None
    usd: float | None = None
    note: str = ""


PLANTED_REGIMES: tuple[PlantedRegime, ...] = (
    PlantedRegime(
        "inflation_era",
        date(1966, 1, 1),
        date(1999, 12, 31),
        "correlation_era",
        "Inflation risk dominates: yields rise when stocks fall, so the daily stock-bond "
        "correlation is positive (planted ~+0.4; real history ~+0.3).",
        +1,
    ),
    PlantedRegime(
        "stagflation_bear_market",
        date(1973, 1, 1),
        date(1974, 12, 31),
        "bear_market",
        "Oil shock and double-digit CPI inflation: SP500 -48 % (Jan 1973 - Oct 1974) while "
        "the 10y yield climbs ~6.4 % -> 8.6 % and fed funds tops 12 %: bonds fall with stocks.",
        +1,
    ),
    PlantedRegime(
        "black_monday",
        date(1987, 8, 25),
        date(1987, 12, 4),
        "crash",
        "SP500 -33 %, including -20.5 % on 1987-10-19; the 10y rallies 70 bp the next day.",
        None,
    ),
    PlantedRegime(
        "flight_to_quality_era",
        date(2000, 1, 1),
        date(2021, 12, 31),
        "correlation_era",
        "Low, anchored inflation: Treasuries hedge equity risk, daily stock-bond correlation "
        "clearly negative (planted ~-0.45; real history ~-0.4).",
        -1,
    ),
    PlantedRegime(
        "dotcom_bust",
        date(2000, 3, 24),
        date(2002, 10, 9),
        "bear_market",
        "SP500 -49 %, NASDAQ -78 %; the 10y falls ~6.2 % -> 3.6 %, fed funds 6.5 % -> 1.75 %.",
        -1,
    ),
    PlantedRegime(
        "gfc",
        date(2008, 9, 1),
        date(2009, 3, 31),
        "crisis",
        "Global financial crisis: SP500 -45 % in the window (-57 % from the 2007 peak), 10y "
        "yield 3.8 % -> 2.1 %, IG spread ~6 %, HY ~20 %, VIX 60-80, breakevens near zero.",
        -1,
    ),
    PlantedRegime(
        "covid_crash",
        date(2020, 2, 1),
        date(2020, 3, 31),
        "crash",
        "SP500 -34 % in 23 trading days, 10y yield 1.56 % -> ~0.5-0.8 %, VIX > 60, "
        "fed funds cut to ~0.1 %.",
        -1,
    ),
    PlantedRegime(
        "inflation_shock",
        date(2022, 1, 1),
        date(2023, 10, 31),
        "inflation_shock",
        "CPI YoY > 6 % through 2022, fed funds 0.08 % -> 5.33 %: SP500 -25 %, 10y yield "
        "1.6 % -> 5.0 %, 2s10s inverted; bonds fall with stocks (positive correlation).",
        +1,
    ),
    PlantedRegime(
        "sell_america",
        date(2025, 4, 7),
        date(2025, 5, 23),
        "sell_america",
        "Tariff shock: on each of SELL_AMERICA_DAYS stocks fall, Treasury yields rise and "
        "the broad dollar falls on the same day.",
        None,
    ),
)

PLANTED_DRAWDOWNS: tuple[PlantedDrawdown, ...] = (
    PlantedDrawdown("kennedy_slide_1962", date(1962, 1, 3), date(1962, 6, 26), 0.26, None),
    PlantedDrawdown("credit_crunch_1966", date(1966, 2, 9), date(1966, 10, 7), 0.22, None),
    PlantedDrawdown("bear_1968_1970", date(1968, 11, 29), date(1970, 5, 26), 0.36, -1),
    PlantedDrawdown("stagflation_1973_1974", date(1973, 1, 11), date(1974, 10, 3), 0.48, -1),
    PlantedDrawdown("volcker_1980_1982", date(1980, 11, 28), date(1982, 8, 12), 0.27, +1),
    PlantedDrawdown("black_monday_1987", date(1987, 8, 25), date(1987, 12, 4), 0.33, None),
    PlantedDrawdown("gulf_war_1990", date(1990, 7, 16), date(1990, 10, 11), 0.20, None),
    PlantedDrawdown("ltcm_1998", date(1998, 7, 17), date(1998, 8, 31), 0.19, None),
    PlantedDrawdown("dotcom_2000_2002", date(2000, 3, 24), date(2002, 10, 9), 0.49, +1),
    PlantedDrawdown("gfc_2007_2009", date(2007, 10, 9), date(2009, 3, 9), 0.57, +1),
    PlantedDrawdown("euro_crisis_2011", date(2011, 4, 29), date(2011, 10, 3), 0.19, +1),
    PlantedDrawdown("q4_2018", date(2018, 9, 20), date(2018, 12, 24), 0.20, None),
    PlantedDrawdown("covid_2020", date(2020, 2, 19), date(2020, 3, 23), 0.34, +1),
    PlantedDrawdown("inflation_2022", date(2022, 1, 3), date(2022, 10, 12), 0.25, -1),
    PlantedDrawdown("tariffs_2025", date(2025, 2, 19), date(2025, 4, 8), 0.19, None),
)

#: stocks down, Treasury yields up, dollar down - all on the same day
SELL_AMERICA_DAYS: tuple[date, ...] = (
    date(2025, 4, 8),
    date(2025, 4, 10),
    date(2025, 4, 21),
    date(2025, 5, 21),
)

PLANTED_MOVES: tuple[PlantedMove, ...] = (
    PlantedMove(date(1962, 5, 28), equity=-0.069, note="1962 flash crash"),
    PlantedMove(date(1987, 10, 19), equity=-0.229, y10=-0.08, note="Black Monday"),
    PlantedMove(date(1987, 10, 20), equity=0.052, y10=-0.70, note="bond rally after the crash"),
    PlantedMove(date(1989, 10, 13), equity=-0.063, note="Friday-the-13th mini crash"),
    PlantedMove(date(1997, 10, 27), equity=-0.071, note="Asian crisis"),
    PlantedMove(date(1998, 8, 31), equity=-0.070, note="LTCM / Russia"),
    PlantedMove(date(2001, 9, 17), equity=-0.050, note="markets reopen after 9/11"),
    PlantedMove(date(2008, 9, 29), equity=-0.092, y10=-0.23, note="TARP vote fails"),
    PlantedMove(date(2008, 10, 13), equity=0.110, note="bank recapitalisation rally"),
    PlantedMove(date(2008, 10, 15), equity=-0.095),
    PlantedMove(date(2008, 12, 1), equity=-0.093, y10=-0.24),
    PlantedMove(date(2010, 5, 6), equity=-0.033, note="flash crash"),
    PlantedMove(date(2011, 8, 8), equity=-0.069, y10=-0.20, note="US downgrade"),
    PlantedMove(date(2020, 3, 9), equity=-0.079, y10=-0.25),
    PlantedMove(date(2020, 3, 12), equity=-0.100),
    PlantedMove(date(2020, 3, 13), equity=0.089),
    PlantedMove(date(2020, 3, 16), equity=-0.128, y10=-0.23),
    PlantedMove(date(2020, 3, 24), equity=0.090),
    PlantedMove(date(2022, 6, 13), equity=-0.039, y10=0.20, note="hot CPI print"),
    PlantedMove(date(2022, 9, 13), equity=-0.044, y10=0.06, note="hot CPI print"),
    PlantedMove(date(2025, 4, 3), equity=-0.049, y10=-0.14, note="tariff announcement"),
    PlantedMove(date(2025, 4, 4), equity=-0.061, y10=-0.05),
    PlantedMove(date(2025, 4, 8), equity=-0.022, y10=0.11, usd=-0.006, note="Sell America"),
    PlantedMove(date(2025, 4, 9), equity=0.091, note="tariff pause"),
    PlantedMove(date(2025, 4, 10), equity=-0.035, y10=0.10, usd=-0.015, note="Sell America"),
    PlantedMove(date(2025, 4, 21), equity=-0.024, y10=0.06, usd=-0.010, note="Sell America"),
    PlantedMove(date(2025, 5, 21), equity=-0.017, y10=0.11, usd=-0.006, note="Sell America"),
)


# --------------------------------------------------------------------------------------
# Anchor tables, read from ``sample_anchors.csv`` beside this module (columns anchor, date,
# value, kind): rounded values eyeballed from FRED history, sometimes exaggerated. ``kind`` =
# ``step`` marks a step (the previous value holds until the day before). Each table's
# meaning is the comment above its name below.
# --------------------------------------------------------------------------------------

ANCHORS_PATH = Path(__file__).with_name("sample_anchors.csv")


@lru_cache(maxsize=1)
def anchor_points() -> dict[str, list[tuple[str, str, str]]]:
    """Every anchor table as (date, value, kind) text rows in file order, by name."""
    tables: dict[str, list[tuple[str, str, str]]] = {}
    with open(ANCHORS_PATH, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != ["anchor", "date", "value", "kind"]:
            raise ValueError(f"{ANCHORS_PATH}: expected columns anchor,date,value,kind")
        for line, row in enumerate(reader, start=2):
            if row["kind"] not in ("", "step"):
                raise ValueError(f"{ANCHORS_PATH} line {line}: kind must be empty or 'step'")
            tables.setdefault(row["anchor"], []).append((row["date"], row["value"], row["kind"]))
    return tables


def _anchor(name: str) -> tuple[np.ndarray, np.ndarray]:
    """One anchor table as (days since FIRST_DAY, values), steps expanded."""
    days: list[np.datetime64] = []
    values: list[float] = []
    for d, v, kind in anchor_points()[name]:
        if kind == "step":
            days.append(np.datetime64(d, "D") - 1)
            values.append(values[-1])
        days.append(np.datetime64(d, "D"))
        values.append(float(v))
    day_num = (np.array(days, dtype="datetime64[D]") - _DAY0).astype(np.float64)
    if not np.all(np.diff(day_num) > 0):
        raise ValueError(f"{ANCHORS_PATH}: anchor table {name!r} dates must increase")
    return day_num, np.array(values)


# S&P 500 level (log-interpolated, 3 significant digits): every planted peak and trough
# is an anchor.
_SP500 = _anchor("sp500")

# NASDAQ Composite / S&P 500 ratio (log-interpolated): the dot-com bubble lives here.
_TECH_RATIO = _anchor("tech_ratio")

# 10-year Treasury yield, percent.
_Y10 = _anchor("y10")

# 10y minus 2y, percentage points (negative = inverted curve).
_S2 = _anchor("s2")

# 30y minus 10y, percentage points (the long end).
_S30 = _anchor("s30")

# Policy rate (effective fed funds) path; "=" marks FOMC steps.
_POLICY = _anchor("policy")

# 3-month bill minus expected policy rate (bills below funds in the 1970s-80s).
_BILL_SPREAD = _anchor("bill_spread")

# 10y breakeven inflation, percent.
_BE10 = _anchor("be10")

# 5y minus 10y breakeven: deeply negative in deflation scares, positive in 2021-22.
_BE_SLOPE = _anchor("be_slope")

# Credit stress = investment-grade OAS, percent (log-interpolated); HY and Baa scale off it.
_CREDIT = _anchor("credit")

# Broad nominal dollar index (log-interpolated; flat under Bretton Woods).
_USD = _anchor("usd")

# CPI index (monthly, dated the 1st; log-interpolated). 1974-80 pushed so YoY stays > 5 %.
_CPI = _anchor("cpi")

# ---- regime schedules (linear interpolation, flat outside) ----------------------------

# Target correlation of daily equity returns with 10y bond returns (planted sign).
_STOCK_BOND_CORR = _anchor("stock_bond_corr")

# Correlation of dollar moves with equity moves (safe-haven dollar after 2000).
_USD_EQ_CORR = _anchor("usd_eq_corr")

# Base daily equity volatility (fraction); realised vol = base * exp(vol state).
_EQ_VOL = _anchor("eq_vol")

# Base daily volatility of the 10y yield, percentage points.
_RATE_VOL = _anchor("rate_vol")

# Idiosyncratic daily volatility of the tech (NASDAQ-style) factor, log units.
_TECH_VOL = _anchor("tech_vol")

# Daily dollar volatility (log units): pegged until 1971, floating from 1973.
_USD_VOL = _anchor("usd_vol")

# Day-to-day noise of the effective funds rate relative to its target (fraction of level).
_FUNDS_NOISE = _anchor("funds_noise")

# Monthly CPI noise (log units).
_CPI_VOL = _anchor("cpi_vol")

#: drift per year applied beyond the last anchor (log units for log-interpolated tables)
_EQUITY_TAIL_DRIFT = 0.07
_CPI_TAIL_DRIFT = 0.027

# vol state h_t = PHI_H h_{t-1} - LEVERAGE z_eq + VOL_OF_VOL z_vol
_PHI_H = 0.97
_LEVERAGE = 0.05
_VOL_OF_VOL = 0.035
_H_VAR = (_LEVERAGE**2 + _VOL_OF_VOL**2) / (1 - _PHI_H**2)

# columns of the common shock matrix (append only: order is part of the seed contract)
EQ, RATE, SLOPE, FRONT, LONG, CURV, BE, BE_SLOPE, CREDIT, VOL, USD, TECH = range(12)
N_FACTORS = 12


# --------------------------------------------------------------------------------------
# Grid and numerical helpers
# --------------------------------------------------------------------------------------


def business_days(end: date) -> np.ndarray:
    """Mon-Fri from FIRST_DAY to ``end`` inclusive, minus FIXED_HOLIDAYS (datetime64[D])."""
    if end < FIRST_DAY:
        return np.array([], dtype="datetime64[D]")
    days = np.arange(_DAY0, np.datetime64(end, "D") + 1, dtype="datetime64[D]")
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    months = days.astype("datetime64[M]")
    month_num = months.astype(np.int64) % 12 + 1
    day_num = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    holiday = np.zeros(days.size, dtype=bool)
    for m, d in FIXED_HOLIDAYS:
        holiday |= (month_num == m) & (day_num == d)
    return days[(weekday < 5) & ~holiday]


def month_starts(end: date) -> np.ndarray:
    """First day of every month from January 1962 through ``end`` (datetime64[D])."""
    if end < date(1962, 1, 1):
        return np.array([], dtype="datetime64[D]")
    months = np.arange(
        np.datetime64("1962-01", "M"), np.datetime64(end, "M") + 1, dtype="datetime64[M]"
    )
    return months.astype("datetime64[D]")


def _day_numbers(days: np.ndarray) -> np.ndarray:
    return (days - _DAY0).astype(np.float64)


def _interp(t: np.ndarray, table, *, log: bool = False, tail_drift: float = 0.0) -> np.ndarray:
    """Anchor path at day numbers ``t``: linear (in logs if ``log``), flat outside the table
    except for ``tail_drift`` per year after the last anchor."""
    days, values = table
    out = np.interp(t, days, np.log(values) if log else values)
    if tail_drift:
        after = t > days[-1]
        out[after] += tail_drift * (t[after] - days[-1]) / 365.25
    return out


def _ar1(x: np.ndarray, phi: float, x0: float = 0.0) -> np.ndarray:
    """y_t = phi * y_{t-1} + x_t (y_{-1} = x0), vectorised in fixed-size blocks.

    Blocks start at index 0 and have a fixed length, so a longer input never changes the
    earlier outputs (needed for the extend-the-end-date guarantee)."""
    n = x.size
    out = np.empty(n)
    if n == 0:
        return out
    if phi >= 1.0:
        return x0 + np.cumsum(x)
    block = max(1, int(300.0 / -math.log(phi)))
    prev = x0
    for s in range(0, n, block):
        chunk = x[s : s + block]
        p = phi ** np.arange(1, chunk.size + 1)
        y = p * (prev + np.cumsum(chunk / p))
        out[s : s + chunk.size] = y
        prev = float(y[-1])
    return out


def _halflife(days: float) -> float:
    return math.exp(-math.log(2.0) / days)


def ou(shock: np.ndarray, sigma: np.ndarray | float, halflife_days: float) -> np.ndarray:
    """Mean-reverting (AR(1)) noise with daily innovation ``sigma * shock``."""
    return _ar1(sigma * shock, _halflife(halflife_days))


def _pins(t: np.ndarray, table) -> np.ndarray:
    """Grid indices where the bridge is pinned: the first grid day on/after each anchor."""
    idx = np.searchsorted(t, table[0], side="left")
    idx = idx[idx < t.size]
    return np.unique(np.concatenate([[0], idx]))


def _bridge(incr: np.ndarray, var: np.ndarray, pins: np.ndarray, tail_phi: float) -> np.ndarray:
    """Cumulated ``incr`` pinned to zero at ``pins``; within a segment the end error is taken
    back in proportion to cumulated ``var`` (days with var = 0 keep their increment exactly).
    After the last pin the noise runs on as an AR(1) with coefficient ``tail_phi``."""
    n = incr.size
    out = np.zeros(n)
    last = int(pins[-1])
    if pins.size > 1:
        w = np.cumsum(incr)
        v = np.cumsum(var)
        t = np.arange(last + 1)
        k = np.minimum(np.searchsorted(pins, t, side="right") - 1, pins.size - 2)
        a, b = pins[k], pins[k + 1]
        total_v = v[b] - v[a]
        frac = np.divide(v[t] - v[a], total_v, out=np.zeros(t.size), where=total_v > 0)
        out[: last + 1] = (w[t] - w[a]) - frac * (w[b] - w[a])
    out[last + 1 :] = _ar1(incr[last + 1 :], tail_phi)
    return out


def _anchored(
    t: np.ndarray,
    table,
    sigma: np.ndarray,
    shock: np.ndarray,
    *,
    log: bool = False,
    tail_drift: float = 0.0,
    tail_phi: float = 1.0,
    fixed: dict[int, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(anchor path, bridged noise) for one factor; ``fixed`` maps grid index -> the total
    change of the factor on that day."""
    det = _interp(t, table, log=log, tail_drift=tail_drift)
    incr = sigma * shock
    var = np.square(sigma)
    if fixed:
        idx = np.fromiter(fixed.keys(), dtype=np.int64)
        move = np.fromiter(fixed.values(), dtype=np.float64)
        step = det[idx] - det[np.maximum(idx - 1, 0)]
        incr[idx] = move - step
        var[idx] = 0.0
    return det, _bridge(incr, var, _pins(t, table), tail_phi)


def softfloor(x: np.ndarray, scale: float = 0.02) -> np.ndarray:
    """Smooth max(x, 0): identity well above zero, tends to 0 below (yields near the ZLB)."""
    return scale * np.logaddexp(0.0, x / scale)


# --------------------------------------------------------------------------------------
# The panel of common factors
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketPanel:
    """Common factors on ``dates`` (business days); ``months``/``log_cpi`` are monthly."""

    seed: int
    dates: np.ndarray  # datetime64[D]
    eq_base: np.ndarray  # base daily equity vol
    log_equity: np.ndarray  # broad equity index, log level
    equity_noise: np.ndarray  # bridged shock part of log_equity (for beta != 1 styles)
    log_tech_ratio: np.ndarray  # log(NASDAQ-style / broad)
    vol_state: np.ndarray  # conditional daily equity vol at the close (drives VIX)
    y3m: np.ndarray
    y2: np.ndarray
    y10: np.ndarray
    y30: np.ndarray
    curvature: np.ndarray  # belly (around 5y) noise, percentage points
    policy: np.ndarray  # policy (target) rate path
    funds_noise_scale: np.ndarray  # effective-rate noise, fraction of the level
    be10: np.ndarray
    be_slope: np.ndarray  # 5y minus 10y breakeven
    credit: np.ndarray  # investment-grade OAS, percent
    log_usd: np.ndarray
    months: np.ndarray  # datetime64[D], first of month
    log_cpi: np.ndarray

    def curve(self, tenor: float) -> np.ndarray:
        """Nominal Treasury yield at ``tenor`` years: piecewise linear in log-tenor through
        the 3m, 2y, 10y and 30y factors, plus belly noise between 2y and 10y."""
        knots = ((0.25, self.y3m), (2.0, self.y2), (10.0, self.y10), (30.0, self.y30))
        if tenor <= knots[0][0]:
            return knots[0][1].copy()
        if tenor >= knots[-1][0]:
            return knots[-1][1].copy()
        for (t0, v0), (t1, v1) in zip(knots, knots[1:], strict=False):
            if t0 <= tenor <= t1:
                x = (math.log(tenor) - math.log(t0)) / (math.log(t1) - math.log(t0))
                y = (1.0 - x) * v0 + x * v1
                if t0 == 2.0:
                    y = y + 4.0 * x * (1.0 - x) * self.curvature
                return y
        raise AssertionError("unreachable")

    def breakeven(self, tenor: float) -> np.ndarray:
        """Breakeven inflation at ``tenor``: the 10y level plus the 5y-10y slope, linear in
        log-tenor (w = 1 at 5y, 0 at 10y, clipped outside)."""
        w = min(max(math.log(10.0 / max(tenor, 0.1)) / math.log(2.0), -0.5), 1.5)
        return self.be10 + w * self.be_slope


def _planted_index(dates: np.ndarray) -> list[tuple[int, PlantedMove]]:
    out = []
    for move in PLANTED_MOVES:
        i = int(np.searchsorted(dates, np.datetime64(move.day, "D")))
        if i < dates.size and dates[i] == np.datetime64(move.day, "D"):
            out.append((i, move))
    return out


def build_panel(seed: int, end: date) -> MarketPanel:
    """Simulate every common factor from FIRST_DAY to max(end, HORIZON)."""
    grid_end = max(end, HORIZON)
    dates = business_days(grid_end)
    n = dates.size
    t = _day_numbers(dates)
    z = np.random.default_rng([seed, 0]).standard_normal((n, N_FACTORS))
    planted = _planted_index(dates)

    # ---- equity factor and vol state ----
    eq_base = _interp(t, _EQ_VOL)
    z_eq = z[:, EQ].copy()
    for i, m in planted:
        if m.equity is not None:  # shock implied by the planted move feeds all loadings
            z_eq[i] = m.equity / eq_base[i]
    h = _ar1(-_LEVERAGE * z_eq + _VOL_OF_VOL * z[:, VOL], _PHI_H)
    h_prev = np.concatenate([[0.0], h[:-1]])
    stress = np.exp(h_prev - _H_VAR / 2)
    sig_eq = eq_base * stress
    eq_det, eq_noise = _anchored(
        t,
        _SP500,
        sig_eq,
        z_eq,
        log=True,
        tail_drift=_EQUITY_TAIL_DRIFT,
        fixed={i: m.equity for i, m in planted if m.equity is not None},
    )
    vol_state = eq_base * np.exp(h - _H_VAR / 2)

    tech_det, tech_noise = _anchored(
        t, _TECH_RATIO, _interp(t, _TECH_VOL), z[:, TECH], log=True, tail_phi=_halflife(500)
    )

    # ---- Treasury curve ----
    target = _interp(t, _STOCK_BOND_CORR)  # corr(equity, bond) => yields load on -target
    rho = -target
    sig_y = _interp(t, _RATE_VOL) * np.exp(0.35 * (h_prev - _H_VAR / 2))
    y10_shock = rho * z_eq + np.sqrt(1.0 - rho**2) * z[:, RATE]
    y10_det, y10_noise = _anchored(
        t,
        _Y10,
        sig_y,
        y10_shock,
        tail_phi=_halflife(250),
        fixed={i: m.y10 for i, m in planted if m.y10 is not None},
    )
    # soft floor: the 10y factor stays above ~0.2 % however the noise falls near zero
    y10 = 0.15 + softfloor(y10_det + y10_noise - 0.15, 0.12)

    policy = _interp(t, _POLICY)
    policy_fwd = (policy + _interp(t + 45, _POLICY) + _interp(t + 90, _POLICY)) / 3.0
    s2_det, s2_noise = _anchored(t, _S2, 0.45 * sig_y, z[:, SLOPE], tail_phi=_halflife(250))
    # near the zero bound the 2y is anchored by policy and barely moves
    g = np.clip(0.25 + 0.4 * policy, 0.25, 1.0)
    y2 = 0.05 + softfloor((y10_det - s2_det) + g * (y10_noise - s2_noise) - 0.05, 0.05)
    front = ou(z[:, FRONT], 0.004 + 0.008 * policy, 15)
    y3m = policy_fwd + _interp(t, _BILL_SPREAD) + front
    y30 = y10 + _interp(t, _S30) + ou(z[:, LONG], 0.012, 40)
    curvature = ou(z[:, CURV], 0.008, 20)

    # ---- inflation compensation, credit, dollar ----
    be_sigma = 0.012 + 0.9 * eq_base * stress
    be10_det, be10_noise = _anchored(
        t, _BE10, be_sigma, 0.3 * z_eq + 0.954 * z[:, BE], tail_phi=_halflife(250)
    )
    bes_det, bes_noise = _anchored(
        t,
        _BE_SLOPE,
        0.006 + 0.6 * eq_base * stress,
        0.3 * z_eq + 0.954 * z[:, BE_SLOPE],
        tail_phi=_halflife(120),
    )
    cr_det, cr_noise = _anchored(
        t,
        _CREDIT,
        0.008 + 0.3 * eq_base * stress,
        -0.5 * z_eq + 0.866 * z[:, CREDIT],
        log=True,
        tail_phi=_halflife(250),
    )
    c_usd = _interp(t, _USD_EQ_CORR)
    usd_det, usd_noise = _anchored(
        t,
        _USD,
        _interp(t, _USD_VOL),
        c_usd * z_eq + np.sqrt(1.0 - c_usd**2) * z[:, USD],
        log=True,
        tail_phi=_halflife(500),
        fixed={i: m.usd for i, m in planted if m.usd is not None},
    )

    # ---- monthly CPI ----
    months = month_starts(grid_end)
    tm = _day_numbers(months)
    zm = np.random.default_rng([seed, 1]).standard_normal(months.size)
    cpi_det, cpi_noise = _anchored(
        tm, _CPI, _interp(tm, _CPI_VOL), zm, log=True, tail_drift=_CPI_TAIL_DRIFT
    )

    return MarketPanel(
        seed=seed,
        dates=dates,
        eq_base=eq_base,
        log_equity=eq_det + eq_noise,
        equity_noise=eq_noise,
        log_tech_ratio=tech_det + tech_noise,
        vol_state=vol_state,
        y3m=y3m,
        y2=y2,
        y10=y10,
        y30=y30,
        curvature=curvature,
        policy=policy,
        funds_noise_scale=_interp(t, _FUNDS_NOISE),
        be10=be10_det + be10_noise,
        be_slope=bes_det + bes_noise,
        credit=np.exp(cr_det + cr_noise),
        log_usd=usd_det + usd_noise,
        months=months,
        log_cpi=cpi_det + cpi_noise,
    )


def _check_planted_days() -> None:
    grid = business_days(HORIZON)
    for d in [m.day for m in PLANTED_MOVES] + list(SELL_AMERICA_DAYS):
        if not np.isin(np.datetime64(d, "D"), grid):
            raise ValueError(f"planted day {d} is not a business day of the sample grid")
    moves = {m.day for m in PLANTED_MOVES}
    if not set(SELL_AMERICA_DAYS) <= moves:
        raise ValueError("every SELL_AMERICA_DAYS entry needs a PlantedMove")


_check_planted_days()
