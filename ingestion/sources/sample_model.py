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

import math
from dataclasses import dataclass
from datetime import date

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
# Anchor tables: "YYYY-MM-DD value" pairs; "=v" marks a step (old value holds until the
# previous day). Values are rounded, eyeballed from FRED history, sometimes exaggerated.
# --------------------------------------------------------------------------------------


def _table(text: str) -> tuple[np.ndarray, np.ndarray]:
    tokens: list[str] = []
    for line in text.splitlines():
        tokens.extend(line.split("#", 1)[0].split())
    days: list[np.datetime64] = []
    values: list[float] = []
    for d, v in zip(tokens[0::2], tokens[1::2], strict=True):
        if v.startswith("="):
            days.append(np.datetime64(d, "D") - 1)
            values.append(values[-1])
            v = v[1:]
        days.append(np.datetime64(d, "D"))
        values.append(float(v))
    day_num = (np.array(days, dtype="datetime64[D]") - _DAY0).astype(np.float64)
    if not np.all(np.diff(day_num) > 0):
        raise ValueError("anchor table dates must increase")
    return day_num, np.array(values)


# S&P 500 level (log-interpolated, 3 significant digits): every planted peak and trough
# is an anchor.
_SP500 = _table("""
1962-01-02 71.0 1962-01-03 71.1 1962-05-25 59.5 1962-06-26 52.3 1962-12-31 63.1 1963-12-31 75.0
1964-12-31 84.8 1966-02-09 94.1 1966-10-07 73.2 1967-12-29 96.5 1968-11-29 108 1970-05-26 69.3
1971-04-28 105 1972-12-29 118 1973-01-11 120 1973-08-22 101 1974-10-03 62.3 1974-12-06 65.0
1975-07-15 95.6 1976-09-21 108 1978-03-06 86.9 1978-09-12 107 1979-12-31 108 1980-03-27 98.2
1980-11-28 141 1981-06-30 131 1981-09-25 113 1982-03-08 107 1982-08-12 102 1983-10-10 173
1984-07-24 148 1985-12-31 211 1986-12-31 242 1987-08-25 337 1987-10-16 283 1987-10-20 237
1987-10-26 228 1987-11-02 256 1987-12-04 224 1988-12-30 278 1989-10-09 360 1990-07-16 369
1990-10-11 295 1991-12-31 417 1993-12-31 466 1994-12-30 459 1995-12-29 616 1996-12-31 741
1997-10-07 983 1997-10-27 877 1998-07-17 1190 1998-08-31 957 1998-12-31 1230 1999-12-31 1470
2000-03-24 1530 2000-12-29 1320 2001-09-21 966 2002-01-04 1170 2002-07-23 798 2002-08-22 963
2002-10-09 777 2003-03-11 801 2003-12-31 1110 2004-12-31 1210 2005-12-30 1250 2006-12-29 1420
2007-10-09 1570 2008-03-10 1270 2008-05-19 1430 2008-09-12 1250 2008-10-10 899 2008-11-20 752
2009-01-06 935 2009-03-09 677 2009-12-31 1120 2010-04-23 1220 2010-07-02 1020 2011-04-29 1360
2011-07-22 1350 2011-08-08 1120 2011-10-03 1100 2012-12-31 1430 2013-12-31 1850 2014-12-31 2060
2015-08-25 1870 2016-02-11 1830 2016-12-30 2240 2017-12-29 2670 2018-01-26 2870 2018-09-20 2930
2018-12-24 2350 2019-12-31 3230 2020-02-19 3390 2020-03-23 2240 2020-06-08 3230 2020-12-31 3760
2021-12-31 4770 2022-01-03 4800 2022-03-29 4630 2022-06-16 3670 2022-08-16 4310 2022-09-30 3590
2022-10-12 3580 2023-07-31 4590 2023-10-27 4120 2023-12-29 4770 2024-12-31 5880 2025-02-19 6140
2025-04-02 5670 2025-04-08 4980 2025-06-30 6200 2025-12-31 6850 2026-06-30 7500
""")

# NASDAQ Composite / S&P 500 ratio (log-interpolated): the dot-com bubble lives here.
_TECH_RATIO = _table("""
1962-01-02 0.95 1971-02-05 1.03 1973-01-11 1.14 1974-10-03 0.88 1980-11-28 1.48
1982-08-12 1.56 1983-06-24 1.95 1984-07-24 1.50 1987-08-25 1.35 1987-12-04 1.31
1990-10-11 1.10 1995-12-29 1.71 1998-08-31 1.57 1999-12-31 2.77 2000-03-10 3.62
2001-04-04 1.49 2002-10-09 1.43 2007-10-09 1.79 2009-03-09 1.88 2011-12-30 2.07
2014-12-31 2.30 2018-12-24 2.63 2020-02-19 2.90 2020-03-23 3.07 2021-11-19 3.42
2022-10-12 2.91 2023-12-29 3.15 2024-12-31 3.28 2025-04-08 3.06 2025-12-31 3.40
2026-06-30 3.50
""")

# 10-year Treasury yield, percent.
_Y10 = _table("""
1962-01-02 4.06 1962-12-31 3.85 1963-12-31 4.14 1965-06-30 4.22 1966-09-01 5.25
1967-04-04 4.55 1968-12-31 6.15 1969-12-29 7.95 1970-05-26 8.22 1971-03-23 5.60
1971-07-30 6.80 1972-12-29 6.40 1973-01-11 6.35 1973-08-20 7.45 1974-02-01 6.95
1974-10-03 8.60 1974-12-31 7.45 1975-09-15 8.50 1976-12-31 6.85 1977-12-30 7.70
1978-12-29 9.10 1979-06-29 8.90 1979-12-31 10.40 1980-03-27 12.75 1980-06-16 9.50
1980-11-28 12.70 1981-09-30 15.80 1982-08-12 13.55 1982-12-31 10.40 1984-05-30 13.90
1985-12-31 9.00 1986-08-29 7.20 1987-08-25 8.70 1987-10-16 10.20 1987-10-20 9.40
1987-12-04 8.95 1988-12-30 9.15 1989-12-29 7.90 1990-09-28 8.85 1991-12-31 6.70
1993-10-15 5.20 1994-11-07 8.05 1995-12-29 5.60 1996-07-05 7.00 1997-12-31 5.75
1998-10-05 4.15 1999-12-31 6.45 2000-01-20 6.79 2000-03-24 6.20 2001-11-07 4.25
2002-10-09 3.60 2003-06-13 3.13 2003-09-02 4.45 2004-06-14 4.85 2005-06-01 3.90 2006-06-28 5.25
2006-12-01 4.46 2007-06-12 5.30 2007-10-09 4.67 2008-06-13 4.25 2008-09-12 3.75 2008-11-20 3.10
2008-12-18 2.08 2009-03-09 2.90 2009-06-10 3.95 2010-10-08 2.40 2011-02-08 3.75
2011-10-03 1.80 2011-12-30 1.88 2012-07-24 1.43 2013-09-05 3.00 2014-12-31 2.17
2016-07-08 1.37 2016-12-15 2.60 2018-11-08 3.24 2019-09-03 1.47 2019-12-31 1.92
2020-02-19 1.56 2020-03-09 0.54 2020-03-23 0.76 2020-08-04 0.52 2021-03-31 1.74
2021-12-31 1.52 2022-01-03 1.63 2022-06-14 3.48 2022-08-01 2.60 2022-10-12 3.95
2022-10-21 4.25 2023-04-06 3.30 2023-10-19 4.98 2023-12-27 3.79 2024-04-25 4.70
2024-09-16 3.62 2025-01-14 4.79 2025-04-04 4.01 2025-05-21 4.60 2025-09-16 4.03
2025-12-31 4.18 2026-06-30 4.44
""")

# 10y minus 2y, percentage points (negative = inverted curve).
_S2 = _table("""
1962-01-02 0.40 1965-12-31 0.25 1966-09-01 -0.25 1967-04-04 0.40 1968-12-31 0.10
1969-12-29 -0.60 1970-12-31 0.70 1971-12-31 1.00 1972-12-29 0.50 1973-08-20 -0.90
1974-07-31 -0.80 1974-12-31 0.20 1975-06-30 1.30 1976-12-31 1.30 1977-12-30 0.50
1978-12-29 -0.50 1979-12-31 -1.00 1980-03-27 -1.70 1980-06-16 1.10 1980-12-12 -2.40
1981-06-30 -1.50 1981-12-31 -0.50 1982-08-12 0.60 1982-12-31 1.20 1984-05-30 0.50
1985-12-31 1.30 1986-12-31 0.80 1987-10-16 1.00 1988-12-30 -0.05 1989-06-30 -0.40
1989-12-29 0.10 1990-12-31 0.90 1992-06-30 2.60 1993-12-31 1.80 1994-11-07 0.60
1994-12-30 0.15 1995-12-29 0.35 1996-12-31 0.60 1997-12-31 0.20 1998-06-30 0.05
1999-12-31 0.20 2000-04-14 -0.50 2000-12-29 0.00 2001-12-31 1.90 2003-06-13 2.00
2004-12-31 1.15 2005-12-30 0.00 2006-11-30 -0.16 2007-02-28 -0.12 2007-06-12 0.25
2007-10-09 0.50 2008-03-31 1.80 2008-11-20 2.10 2008-12-18 1.40 2009-06-10 2.70
2010-02-26 2.65 2010-10-08 2.05 2011-02-08 2.90 2011-12-30 1.64 2012-07-24 1.20
2013-12-31 2.60 2014-12-31 1.50 2015-12-31 1.20 2016-12-15 1.30 2017-12-29 0.50
2018-12-31 0.20 2019-08-27 -0.05 2019-12-31 0.30 2020-03-09 0.16 2020-03-23 0.48
2020-08-04 0.40 2020-12-31 0.80 2021-03-31 1.58 2021-12-31 0.79 2022-04-01 -0.05
2022-06-14 0.05 2022-07-15 -0.25 2022-12-30 -0.55 2023-03-08 -1.08 2023-06-30 -1.05
2023-10-19 -0.16 2023-12-29 -0.40 2024-06-28 -0.40 2024-09-06 0.05 2024-12-31 0.33
2025-04-08 0.55 2025-12-31 0.70 2026-06-30 0.30
""")

# 30y minus 10y, percentage points (the long end).
_S30 = _table("""
1962-01-02 0.10 1976-12-31 0.15 1979-06-29 0.05 1981-09-30 -0.35 1983-06-30 0.10
1985-12-31 0.20 1989-06-30 0.00 1992-06-30 0.60 1993-10-15 0.70 1995-12-29 0.30
1998-10-05 0.30 2000-03-24 -0.20 2001-11-07 0.50 2002-10-09 0.80 2003-06-13 1.20
2004-12-31 0.85 2005-12-30 0.30 2006-12-29 0.10 2007-10-09 0.20 2008-12-18 0.45
2010-06-30 1.00 2012-12-31 1.10 2014-12-31 0.80 2016-06-30 0.75 2017-12-29 0.55
2018-12-31 0.25 2020-03-23 0.57 2020-12-31 0.70 2021-12-31 0.40 2022-10-12 0.00
2023-10-19 0.13 2024-12-31 0.20 2025-05-21 0.45 2025-12-31 0.65 2026-06-30 0.47
""")

# Policy rate (effective fed funds) path; "=" marks FOMC steps.
_POLICY = _table("""
1962-01-02 2.50 1962-12-31 2.90 1963-12-31 3.50 1964-12-31 3.90 1965-12-31 4.30
1966-11-30 5.80 1967-07-31 3.90 1968-12-31 6.00 1969-08-29 9.20 1970-01-30 8.90
1970-12-31 4.90 1971-02-26 3.70 1971-08-31 5.60 1972-01-31 3.50 1972-12-29 5.30
1973-08-31 10.80 1973-12-31 9.90 1974-07-31 12.90 1974-12-31 8.50 1975-04-30 5.50
1976-12-31 4.70 1977-12-30 6.60 1978-12-29 10.00 1979-10-31 13.80 1980-04-30 17.60
1980-07-31 9.00 1980-12-31 18.90 1981-06-30 19.10 1981-12-31 12.40 1982-08-31 9.00
1982-12-31 8.90 1984-08-31 11.60 1985-12-31 8.10 1986-12-31 6.00 1987-10-16 7.60
1987-10-20 7.10 1988-12-30 8.80 1989-03-31 9.85 1990-12-31 7.30 1991-12-31 4.40
1992-09-30 3.00 1994-01-31 3.00 1994-12-30 5.50 1995-02-28 6.00 1998-09-30 5.50
1998-11-30 4.75 1999-06-30 4.75 2000-05-31 6.50 2000-12-29 6.50 2001-01-31 5.80
2001-12-31 1.75 2003-06-30 1.00 2004-06-30 1.00 2006-06-30 5.25 2007-08-31 5.25
2008-04-30 2.00 2008-09-30 1.60 2008-10-31 0.90 2008-12-16 0.13
2015-12-17 =0.37 2016-12-15 =0.66 2017-03-16 =0.91 2017-06-15 =1.16 2017-12-14 =1.42
2018-03-22 =1.68 2018-06-14 =1.91 2018-09-27 =2.18 2018-12-20 =2.40 2019-08-01 =2.13
2019-09-19 =1.90 2019-10-31 =1.58 2020-03-04 =1.09 2020-03-16 =0.10 2022-03-17 =0.33
2022-05-05 =0.83 2022-06-16 =1.58 2022-07-28 =2.33 2022-09-22 =3.08 2022-11-03 =3.83
2022-12-15 =4.33 2023-02-02 =4.58 2023-03-23 =4.83 2023-05-04 =5.08 2023-07-27 =5.33
2024-09-19 =4.83 2024-11-08 =4.58 2024-12-19 =4.33 2025-09-18 =4.08 2025-10-30 =3.87
2025-12-11 =3.64 2026-06-30 3.63
""")

# 3-month bill minus expected policy rate (bills below funds in the 1970s-80s).
_BILL_SPREAD = _table("""
1962-01-02 -0.15 1968-06-28 -0.30 1973-06-29 -1.20 1974-12-31 -1.00 1975-12-31 -0.30
1979-06-29 -0.80 1981-06-30 -2.00 1983-06-30 -0.40 1990-06-29 -0.40 2000-06-30 -0.30
2007-07-31 -0.20 2008-09-15 -1.00 2008-12-31 -0.10 2009-12-31 -0.05 2016-06-30 0.00
2019-06-28 -0.05 2022-06-30 0.05 2023-06-30 0.20 2024-06-28 0.15 2026-06-30 0.10
""")

# 10y breakeven inflation, percent.
_BE10 = _table("""
1962-01-02 1.60 1965-12-31 2.00 1969-12-29 4.00 1971-12-31 3.80 1972-12-29 3.60
1974-09-30 7.20 1976-12-31 5.80 1979-12-31 8.00 1980-06-16 7.50 1981-09-30 8.50
1982-12-31 6.00 1984-05-30 6.50 1985-12-31 4.80 1987-10-16 4.30 1990-10-11 4.00 1993-10-15 2.80
1998-10-05 1.40 1999-12-31 2.00 2000-06-30 2.30 2001-11-07 1.60 2003-01-02 1.80
2004-06-14 2.60 2007-10-09 2.30 2008-07-03 2.50 2008-09-12 1.95 2008-10-10 0.92
2008-11-20 0.10 2008-12-18 0.25 2009-03-09 0.85 2009-12-31 2.30 2010-08-31 1.60
2011-04-29 2.60 2012-12-31 2.50 2014-06-30 2.25 2015-12-31 1.55 2016-02-11 1.20
2016-12-30 2.00 2018-05-31 2.15 2019-09-03 1.50 2020-02-19 1.65 2020-03-19 0.55
2020-03-23 0.80 2020-12-31 2.00 2021-05-17 2.55 2021-12-31 2.55 2022-04-21 3.00
2022-06-16 2.60 2022-10-12 2.30 2023-10-19 2.50 2024-12-31 2.35 2025-04-08 2.20
2025-12-31 2.25 2026-06-30 2.25
""")

# 5y minus 10y breakeven: deeply negative in deflation scares, positive in 2021-22.
_BE_SLOPE = _table("""
1962-01-02 0.00 1973-06-29 0.10 1974-09-30 0.30 1976-12-31 0.00 1979-12-31 0.30
1980-06-16 0.50 1982-12-31 0.00 2008-07-03 0.10 2008-09-12 -0.45 2008-11-20 -1.85
2008-12-18 -0.35 2009-03-09 -0.45 2009-12-31 -0.30 2011-04-29 -0.10 2015-12-31 -0.25
2019-12-31 -0.05 2020-03-19 -0.45 2020-12-31 -0.05 2021-05-17 0.15 2022-03-25 0.55
2022-10-12 0.00 2026-06-30 0.00
""")

# Credit stress = investment-grade OAS, percent (log-interpolated); HY and Baa scale off it.
_CREDIT = _table("""
1962-01-02 0.60 1965-12-31 0.60 1966-10-07 0.90 1968-12-31 0.80 1970-06-30 1.60
1971-12-31 1.10 1973-01-11 1.00 1974-10-03 2.40 1975-12-31 1.60 1978-12-29 1.10
1980-04-30 2.00 1981-12-31 1.90 1982-08-12 2.50 1983-12-30 1.50 1986-12-31 1.30
1987-10-20 1.70 1988-12-30 1.20 1990-10-11 1.90 1991-12-31 1.30 1994-12-30 0.80
1997-10-03 0.55 1998-10-08 1.30 1999-12-31 1.20 2000-12-29 1.80 2001-09-21 2.00
2002-10-09 2.70 2003-12-31 1.00 2005-03-31 0.80 2007-02-28 0.90 2007-10-09 1.45
2008-03-17 2.70 2008-09-12 3.45 2008-10-10 5.80 2008-12-05 6.40 2009-03-09 5.95
2009-12-31 1.90 2010-06-30 2.00 2011-10-03 2.60 2012-12-31 1.40 2014-06-30 1.00
2016-02-11 2.10 2017-12-29 1.00 2018-12-24 1.55 2019-12-31 1.00 2020-02-19 1.00
2020-03-23 4.00 2020-06-30 1.80 2021-06-30 0.85 2022-01-03 0.97 2022-10-12 1.70
2023-10-19 1.30 2024-12-31 0.80 2025-02-19 0.79 2025-04-08 1.20 2025-12-31 0.80
2026-06-30 0.76
""")

# Broad nominal dollar index (log-interpolated; flat under Bretton Woods).
_USD = _table("""
1962-01-02 112.0 1971-08-13 112.0 1973-07-06 96.0 1976-12-31 100.0 1978-10-31 88.0
1980-07-31 87.0 1985-02-25 135.0 1987-12-31 100.0 1990-12-31 92.0 1995-04-19 90.0
1997-12-31 100.0 2002-02-27 117.0 2004-12-31 102.0 2006-01-03 101.5 2008-07-15 86.0 2009-03-04 103.0
2011-07-26 85.0 2014-06-30 91.0 2015-03-13 110.0 2016-01-20 118.0 2018-02-15 107.0
2020-03-23 126.5 2021-01-06 111.0 2022-10-20 128.0 2023-07-14 117.0 2024-06-28 123.0
2025-01-13 130.0 2025-04-21 121.0 2025-07-01 119.5 2025-12-31 120.0 2026-06-30 119.0
""")

# CPI index (monthly, dated the 1st; log-interpolated). 1974-80 pushed so YoY stays > 5 %.
_CPI = _table("""
1962-01-01 30.0 1963-01-01 30.4 1964-01-01 30.9 1965-01-01 31.3 1966-01-01 31.9
1967-01-01 32.9 1968-01-01 34.1 1969-01-01 35.7 1970-01-01 37.9 1971-01-01 39.9
1972-01-01 41.2 1973-01-01 42.7 1973-07-01 44.2 1974-01-01 46.8 1974-07-01 49.3
1975-01-01 52.3 1975-07-01 54.3 1976-01-01 56.2 1976-07-01 57.9 1977-01-01 59.6
1977-07-01 61.6 1978-01-01 63.5 1978-07-01 66.3 1979-01-01 69.3 1979-07-01 73.8
1980-01-01 78.8 1980-07-01 83.4 1981-01-01 88.0 1981-07-01 92.3 1982-01-01 94.8
1982-07-01 97.8 1983-01-01 98.3 1983-07-01 100.2 1984-01-01 102.1 1986-01-01 109.9
1986-07-01 109.5 1988-01-01 116.0 1990-01-01 127.5 1991-01-01 134.7 1993-01-01 142.8
1996-01-01 154.7 1998-01-01 162.0 2000-01-01 169.3 2001-01-01 175.6 2002-01-01 177.7
2005-01-01 191.6 2006-07-01 202.9 2007-01-01 203.4 2008-07-01 219.0 2009-01-01 211.9
2010-01-01 217.5 2012-01-01 227.8 2014-07-01 237.5 2015-01-01 234.7 2017-01-01 243.6
2019-01-01 252.6 2020-01-01 259.1 2020-05-01 256.4 2021-01-01 262.7 2021-07-01 271.9
2022-01-01 282.5 2022-07-01 294.9 2023-01-01 300.4 2023-07-01 304.6 2024-01-01 309.7
2025-01-01 319.0 2025-07-01 322.2 2026-01-01 326.6 2026-06-01 331.0
""")

# ---- regime schedules (linear interpolation, flat outside) ----------------------------

# Target correlation of daily equity returns with 10y bond returns (planted sign).
_STOCK_BOND_CORR = _table("""
1962-01-02 0.00 1965-09-30 0.00 1966-01-03 0.40 1972-12-29 0.40 1973-01-02 0.50
1974-12-31 0.50 1975-01-02 0.40 1998-07-31 0.40 1998-08-14 -0.30 1998-10-30 -0.30
1998-11-13 0.35 1999-12-31 0.35 2000-01-03 -0.45 2008-08-29 -0.45 2008-09-02 -0.60
2009-03-31 -0.60 2009-04-01 -0.45 2020-01-31 -0.45 2020-02-03 -0.65 2020-03-31 -0.65
2020-04-01 -0.45 2020-12-31 -0.45 2021-12-31 -0.25 2022-01-03 0.50 2023-10-31 0.50
2023-11-01 0.15 2026-06-30 0.15
""")

# Correlation of dollar moves with equity moves (safe-haven dollar after 2000).
_USD_EQ_CORR = _table("1962-01-02 0.05 1999-12-31 0.05 2000-01-03 -0.30 2026-06-30 -0.30")

# Base daily equity volatility (fraction); realised vol = base * exp(vol state).
_EQ_VOL = _table("""
1962-01-02 0.0060 1962-04-30 0.0080 1962-05-29 0.0220 1962-06-26 0.0150 1962-07-31 0.0090
1962-12-31 0.0060 1963-06-28 0.0050 1964-06-30 0.0033 1965-06-30 0.0040 1965-12-31 0.0042
1966-06-30 0.0065 1966-10-07 0.0090 1967-01-31 0.0055 1968-06-28 0.0055 1969-06-30 0.0060
1970-05-26 0.0120 1970-09-30 0.0075 1971-06-30 0.0060 1972-06-30 0.0048 1973-06-29 0.0090
1974-10-03 0.0150 1975-03-31 0.0100 1975-12-31 0.0080 1976-12-31 0.0065 1977-12-30 0.0055
1978-12-29 0.0075 1979-12-31 0.0068 1980-03-27 0.0130 1980-06-30 0.0090 1981-12-31 0.0080
1982-08-12 0.0110 1982-10-29 0.0140 1983-06-30 0.0080 1985-06-28 0.0060 1986-12-31 0.0085
1987-10-02 0.0100 1987-10-16 0.0180 1987-10-19 0.0350 1987-10-30 0.0220 1987-11-30 0.0130
1988-06-30 0.0095 1989-06-30 0.0070 1989-10-13 0.0110 1989-11-30 0.0070 1990-07-16 0.0080
1990-10-11 0.0130 1991-06-28 0.0080 1992-06-30 0.0060 1993-06-30 0.0050 1994-06-30 0.0060
1995-06-30 0.0045 1996-06-28 0.0065 1997-06-30 0.0095 1997-10-27 0.0160 1997-12-31 0.0110
1998-07-17 0.0095 1998-09-01 0.0200 1998-11-30 0.0120 1999-06-30 0.0105 2000-04-14 0.0170
2000-12-29 0.0130 2001-09-17 0.0180 2001-12-31 0.0110 2002-07-24 0.0190 2002-10-09 0.0170
2003-03-31 0.0130 2003-12-31 0.0080 2004-06-30 0.0065 2006-12-29 0.0058 2007-02-27 0.0100
2007-06-29 0.0070 2007-08-15 0.0130 2007-12-31 0.0110 2008-03-17 0.0150 2008-08-29 0.0110
2008-10-10 0.0450 2008-11-20 0.0400 2009-01-30 0.0230 2009-03-09 0.0230 2009-06-30 0.0130
2009-12-31 0.0090 2010-04-23 0.0070 2010-05-20 0.0160 2010-08-31 0.0100 2011-07-29 0.0075
2011-08-10 0.0220 2011-10-31 0.0140 2012-03-30 0.0075 2013-06-28 0.0065 2014-06-30 0.0055
2015-08-14 0.0070 2015-08-24 0.0160 2015-10-30 0.0090 2016-02-11 0.0130 2016-06-30 0.0075
2016-12-30 0.0050 2017-12-29 0.0038 2018-01-26 0.0045 2018-02-08 0.0200 2018-04-30 0.0100
2018-09-20 0.0060 2018-12-24 0.0180 2019-01-31 0.0100 2019-06-28 0.0070 2020-02-19 0.0065
2020-03-16 0.0500 2020-04-30 0.0220 2020-08-31 0.0100 2021-06-30 0.0070 2022-01-03 0.0100
2022-06-16 0.0170 2022-10-12 0.0160 2023-03-31 0.0100 2023-06-30 0.0070 2024-07-31 0.0065
2024-08-05 0.0140 2024-08-30 0.0075 2024-12-31 0.0075 2025-02-19 0.0075 2025-03-31 0.0120
2025-04-07 0.0320 2025-05-30 0.0100 2025-07-31 0.0070 2025-12-31 0.0070 2026-06-30 0.0075
""")

# Base daily volatility of the 10y yield, percentage points.
_RATE_VOL = _table("""
1962-01-02 0.015 1965-12-31 0.015 1966-06-30 0.032 1969-12-31 0.045 1970-06-30 0.055
1971-12-31 0.045 1972-06-30 0.022 1973-06-29 0.032 1974-06-28 0.038 1975-06-30 0.055
1976-06-30 0.035 1978-12-29 0.040 1979-10-05 0.070 1980-03-27 0.180 1980-12-31 0.170
1981-12-31 0.160 1982-12-31 0.130 1983-12-30 0.080 1986-12-31 0.088 1987-10-20 0.120
1988-06-30 0.065 1990-12-31 0.060 1993-12-31 0.050 1994-06-30 0.072 1996-12-31 0.065
1997-12-31 0.050 1999-12-31 0.057 2001-12-31 0.072 2003-06-30 0.070 2005-06-30 0.046
2006-12-29 0.038 2007-12-31 0.055 2008-12-18 0.110 2009-06-30 0.085 2010-12-31 0.066
2012-06-29 0.050 2013-06-28 0.055 2014-12-31 0.040 2016-06-30 0.043 2017-12-29 0.034
2019-06-28 0.043 2020-03-16 0.090 2020-06-30 0.045 2021-12-31 0.043 2022-06-16 0.095
2022-12-30 0.080 2023-10-19 0.085 2024-06-28 0.058 2025-04-10 0.085 2025-06-30 0.050
2026-06-30 0.045
""")

# Idiosyncratic daily volatility of the tech (NASDAQ-style) factor, log units.
_TECH_VOL = _table("""
1962-01-02 0.0040 1998-12-31 0.0060 1999-12-31 0.0120 2000-03-10 0.0180 2001-12-31 0.0120
2002-10-09 0.0100 2003-12-31 0.0050 2008-10-10 0.0080 2009-12-31 0.0040 2020-03-16 0.0080
2020-12-31 0.0060 2022-06-16 0.0070 2023-12-29 0.0050 2026-06-30 0.0050
""")

# Daily dollar volatility (log units): pegged until 1971, floating from 1973.
_USD_VOL = _table("""
1962-01-02 0.0003 1971-08-13 0.0003 1973-03-30 0.0040 1980-06-30 0.0035 1985-02-25 0.0040
1990-06-29 0.0035 1997-06-30 0.0025 2003-06-30 0.0030 2008-10-31 0.0060 2009-06-30 0.0040
2013-06-28 0.0025 2015-03-13 0.0040 2017-06-30 0.0030 2020-03-20 0.0070 2020-06-30 0.0030
2022-10-20 0.0045 2024-06-28 0.0025 2025-04-10 0.0060 2025-06-30 0.0030 2026-06-30 0.0025
""")

# Day-to-day noise of the effective funds rate relative to its target (fraction of level).
_FUNDS_NOISE = _table("""
1962-01-02 0.030 1979-10-05 0.040 1982-12-31 0.025 1990-12-31 0.015 2007-12-31 0.015
2008-09-15 0.060 2008-12-31 0.020 2015-12-31 0.004 2016-06-30 0.0008 2026-06-30 0.0008
""")

# Monthly CPI noise (log units).
_CPI_VOL = _table("1962-01-01 0.0012 1973-01-01 0.0018 1982-12-01 0.0012 2020-01-01 0.0018")

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
