"""The offline ``sample`` source: determinism, shape, validity, and the planted regimes.

The regime checks recompute everything from the fetched frames with independent numpy
formulas (10y par-bond total return from DGS10, drawdowns from SP500), so they test what
a downstream mart would see, not the model's internals.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import date

import numpy as np
import polars as pl
import pytest

from ingestion.catalog import get_series, load_catalog
from ingestion.sources import sample as sample_mod
from ingestion.sources.base import FRAME_SCHEMA, Source
from ingestion.sources.sample import (
    PLANTED_DRAWDOWNS,
    PLANTED_REGIMES,
    SELL_AMERICA_DAYS,
    SampleSource,
    sample_frame,
)

END = date(2026, 11, 25)


def _clear_caches() -> None:
    sample_mod._panel.cache_clear()
    sample_mod._sample_frame.cache_clear()


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    src = SampleSource(end_date=END)
    return {s.series_id: src.fetch(s, None, None) for s in load_catalog()}


def _arrays(frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return frame["observation_date"].to_numpy().astype("datetime64[D]"), frame["value"].to_numpy()


def _window(d: np.ndarray, start: date, end: date) -> np.ndarray:
    return (d >= np.datetime64(start, "D")) & (d <= np.datetime64(end, "D"))


@pytest.fixture(scope="module")
def daily_returns(frames) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(date of return, SP500 log return, 10y par-bond total return) on common days."""
    joined = frames["SP500"].join(frames["DGS10"], on="observation_date", suffix="_y")
    d = joined["observation_date"].to_numpy().astype("datetime64[D]")
    sp = joined["value"].to_numpy()
    y = joined["value_y"].to_numpy() / 100.0
    maturity = 10.0
    dt = np.diff(d).astype(np.int64) / 365.0
    y_prev, y_now = y[:-1], y[1:]
    disc = (1.0 + y_now / 2.0) ** (-2.0 * (maturity - dt))
    bond = y_prev * dt + (y_prev / y_now * (1.0 - disc) + disc) - 1.0
    return d[1:], np.diff(np.log(sp)), bond


# ---- anchors (data file beside the generator) ---------------------------------------


def test_anchor_tables_load_from_the_data_file_and_drive_the_sample(frames):
    """Every table in sample_anchors.csv loads with increasing dates and is one the model
    uses; the sample's SP500 and 10y yield pass through their anchors (bridged paths plus a
    series' own small noise), so the file, not a leftover literal, shapes the output."""
    from ingestion.sources import sample_model

    tables = sample_model.anchor_points()
    assert sample_model.ANCHORS_PATH.name == "sample_anchors.csv"
    assert len(tables) == 20 and sum(len(v) for v in tables.values()) == 963
    for name, points in tables.items():
        days, values = getattr(sample_model, f"_{name.upper()}")
        assert len(points) >= 1 and np.all(np.diff(days) > 0) and np.isfinite(values).all()
    steps = [p for p in tables["policy"] if p[2] == "step"]
    assert steps and steps[0][:2] == ("2015-12-17", "0.37")  # FOMC steps keep their marker

    def at_anchors(series_id: str, table: str) -> pl.DataFrame:
        anchors = pl.DataFrame(
            {
                "observation_date": [date.fromisoformat(d) for d, _, _ in tables[table]],
                "anchor": [float(v) for _, v, _ in tables[table]],
            }
        )
        return anchors.join(frames[series_id], on="observation_date")

    sp = at_anchors("SP500", "sp500")
    assert sp.height == len(tables["sp500"])
    assert ((sp["value"] / sp["anchor"] - 1).abs() < 0.02).all()
    y10 = at_anchors("DGS10", "y10")
    assert ((y10["value"] - y10["anchor"]).abs() < 0.1).all()


# ---- protocol, determinism ----------------------------------------------------------


def test_is_a_source():
    src = SampleSource(end_date=END)
    assert isinstance(src, Source)
    assert src.name == "sample"
    assert SampleSource().end_date == date.today()


def test_same_seed_same_output_across_instances():
    series = load_catalog()
    _clear_caches()
    first = {s.series_id: SampleSource(END, seed=7).fetch(s, None, None) for s in series}
    _clear_caches()
    second = {s.series_id: SampleSource(END, seed=7).fetch(s, None, None) for s in series}
    for sid, frame in first.items():
        assert frame.equals(second[sid]), sid


def test_different_seed_differs_but_keeps_anchors():
    s = get_series("SP500")
    a = _arrays(sample_frame(s, END, 1962))[1]
    b = _arrays(sample_frame(s, END, 1963))[1]
    assert not np.array_equal(a, b)
    # same anchor path: both within a few percent of each other on average
    assert np.median(np.abs(np.log(a / b))) < 0.15


@pytest.mark.parametrize(
    ("short_end", "long_end"),
    [(date(2019, 6, 28), END), (date(2027, 3, 31), date(2029, 12, 31))],
    ids=["inside-anchor-horizon", "beyond-anchor-horizon"],
)
def test_extending_end_date_only_appends(short_end, long_end):
    for s in load_catalog():
        short = sample_frame(s, short_end, 1962)
        long = sample_frame(s, long_end, 1962)
        assert short["observation_date"].max() <= short_end
        head = long.filter(pl.col("observation_date") <= short_end)
        assert head.equals(short), s.series_id
        assert long.height > short.height


def test_fetch_clips_to_range(frames):
    src = SampleSource(end_date=END)
    got = src.fetch(get_series("DGS10"), date(2020, 3, 1), date(2020, 3, 31))
    dates = got["observation_date"]
    assert dates.min() >= date(2020, 3, 2) and dates.max() <= date(2020, 3, 31)
    assert got.height == 22
    full = frames["DGS10"].filter(pl.col("observation_date").is_between(date(2020, 3, 1), END))
    assert src.fetch(get_series("DGS10"), date(2020, 3, 1), None).equals(full)


def test_generation_is_fast():
    _clear_caches()
    t0 = time.perf_counter()
    src = SampleSource(end_date=END, seed=11)
    for s in load_catalog():
        src.fetch(s, None, None)
    assert time.perf_counter() - t0 < 5.0  # target < 2 s; generous for slow CI


# ---- shape and validity --------------------------------------------------------------


def test_every_catalog_series_is_clean_and_in_range(frames):
    assert set(frames) == {s.series_id for s in load_catalog()}
    for s in load_catalog():
        frame = frames[s.series_id]
        assert frame.schema == pl.Schema(FRAME_SCHEMA), s.series_id
        assert frame.height > 0 and frame["value"].null_count() == 0, s.series_id
        d, v = _arrays(frame)
        assert np.all(np.diff(d).astype(np.int64) > 0), s.series_id
        assert np.isfinite(v).all(), s.series_id
        assert v.min() >= s.valid_min and v.max() <= s.valid_max, s.series_id
        assert d[-1] <= np.datetime64(END, "D")


def test_daily_series_are_business_days_from_1962(frames):
    for s in load_catalog():
        if s.frequency != "daily":
            continue
        dates = frames[s.series_id]["observation_date"]
        assert dates[0] == date(1962, 1, 2), s.series_id
        assert dates.dt.weekday().max() <= 5, s.series_id  # polars: Monday=1 .. Sunday=7
        assert dates[-1] == date(2026, 11, 25)
        assert not dates.is_in([date(2024, 12, 25), date(2025, 1, 1), date(2025, 7, 4)]).any()
        assert frames[s.series_id].height > 16_000


def test_cpi_is_monthly_on_the_first(frames):
    dates = frames["CPIAUCSL"]["observation_date"]
    assert (dates.dt.day() == 1).all()
    assert dates[0] == date(1962, 1, 1)
    assert dates[-1] == date(2026, 11, 1)
    assert dates.len() == (2026 - 1962) * 12 + 11


def test_levels_look_like_the_real_thing(frames):
    def at(sid: str, start: date, end: date) -> np.ndarray:
        d, v = _arrays(frames[sid])
        return v[_window(d, start, end)]

    assert 60 < at("SP500", date(1962, 1, 1), date(1962, 1, 31)).mean() < 80
    assert 5000 < at("SP500", date(2025, 1, 1), date(2025, 12, 31)).mean() < 8000
    assert at("NASDAQCOM", date(2025, 1, 1), date(2025, 12, 31)).mean() > 2.5 * 5000
    assert 3.5 < at("DGS10", date(1962, 1, 1), date(1962, 12, 31)).mean() < 4.5
    assert at("DGS10", date(1981, 1, 1), date(1981, 12, 31)).max() > 14
    assert at("DGS10", date(2020, 4, 1), date(2020, 12, 31)).min() < 1.0
    assert 3.5 < at("DGS10", date(2025, 1, 1), date(2025, 12, 31)).mean() < 5.0
    assert at("DFF", date(2022, 1, 1), date(2022, 2, 28)).max() < 0.3
    assert at("DFF", date(2023, 8, 1), date(2024, 6, 30)).min() > 5.0
    assert at("VIXCLS", date(2020, 2, 1), date(2020, 3, 31)).max() > 60
    assert 10 < np.median(at("VIXCLS", date(2013, 1, 1), date(2019, 12, 31))) < 20
    assert at("BAMLC0A0CM", date(2008, 9, 1), date(2009, 3, 31)).max() > 4
    assert at("BAMLH0A0HYM2", date(2008, 9, 1), date(2009, 3, 31)).max() > 15
    assert 3 < np.median(at("BAMLH0A0HYM2", date(2004, 1, 1), date(2007, 6, 30))) < 6
    assert at("T10YIE", date(2008, 10, 1), date(2009, 1, 31)).min() < 1.0
    assert at("T5YIE", date(2021, 6, 1), date(2022, 6, 30)).max() > 2.8
    tips = at("DFII10", date(2021, 1, 1), date(2021, 12, 31))
    assert tips.mean() < 0  # negative real yields in 2021
    cpi = frames["CPIAUCSL"]["value"]
    assert 25 < cpi[0] < 35 and cpi[-1] > 300


def test_real_yield_is_nominal_minus_breakeven(frames):
    nominal = _arrays(frames["DGS10"])[1]
    real = _arrays(frames["DFII10"])[1]
    breakeven = _arrays(frames["T10YIE"])[1]
    assert np.abs(nominal - breakeven - real).mean() < 0.05


def test_cloned_series_share_factors_with_own_noise():
    for sid in ("DGS10", "BAMLH0A0HYM2", "NASDAQCOM", "VIXCLS"):
        base = get_series(sid)
        clone = dataclasses.replace(base, series_id=f"{sid}_X07")
        a = _arrays(sample_frame(base, END))[1]
        b = _arrays(sample_frame(clone, END))[1]
        assert a.shape == b.shape
        assert not np.array_equal(a, b), sid
        assert np.corrcoef(np.diff(a), np.diff(b))[0, 1] > 0.7, sid
        assert np.median(np.abs(a - b) / np.abs(a).clip(0.5)) < 0.05, sid


# ---- planted regimes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "regime",
    [r for r in PLANTED_REGIMES if r.expected_corr_sign is not None],
    ids=lambda r: r.name,
)
def test_planted_stock_bond_correlation(daily_returns, regime):
    d, stock, bond = daily_returns
    m = _window(d, regime.start, regime.end)
    assert m.sum() > 20
    corr = np.corrcoef(stock[m], bond[m])[0, 1]
    assert np.sign(corr) == regime.expected_corr_sign, (regime.name, corr)
    assert abs(corr) > 0.15, (regime.name, corr)


@pytest.mark.parametrize("dd", PLANTED_DRAWDOWNS, ids=lambda dd: dd.name)
def test_planted_drawdowns(frames, daily_returns, dd):
    d, sp = _arrays(frames["SP500"])
    x = sp[_window(d, dd.peak, dd.trough)]
    max_drawdown = np.max(1.0 - x / np.maximum.accumulate(x))
    assert max_drawdown > dd.depth - 0.03, (dd.name, max_drawdown)
    if dd.bond_return_sign is not None:
        rd, _, bond = daily_returns
        m = (rd > np.datetime64(dd.peak, "D")) & (rd <= np.datetime64(dd.trough, "D"))
        total = np.prod(1.0 + bond[m]) - 1.0
        assert np.sign(total) == dd.bond_return_sign, (dd.name, total)


def test_required_drawdowns_are_planted():
    for year in (1973, 1987, 2000, 2008, 2020, 2022):
        assert any(dd.peak.year <= year <= dd.trough.year for dd in PLANTED_DRAWDOWNS), year


def test_sell_america_days(frames):
    assert len(SELL_AMERICA_DAYS) >= 3
    series = {sid: _arrays(frames[sid]) for sid in ("SP500", "DGS10", "DTWEXBGS")}
    for day in SELL_AMERICA_DAYS:
        moves = {}
        for sid, (d, v) in series.items():
            i = int(np.searchsorted(d, np.datetime64(day, "D")))
            assert d[i] == np.datetime64(day, "D")
            moves[sid] = v[i] - v[i - 1]
        assert moves["SP500"] < 0 and moves["DGS10"] > 0 and moves["DTWEXBGS"] < 0, (day, moves)


def test_cpi_inflation_episodes(frames):
    d, cpi = _arrays(frames["CPIAUCSL"])
    yoy = cpi[12:] / cpi[:-12] - 1.0
    years = d[12:].astype("datetime64[Y]").astype(np.int64) + 1970
    assert yoy[(years >= 1974) & (years <= 1980)].min() > 0.05
    assert yoy[years == 2022].min() > 0.05
    assert np.median(yoy[(years >= 2010) & (years <= 2019)]) < 0.03


def test_curve_inverts_when_planted(frames):
    d, y10 = _arrays(frames["DGS10"])
    d2, y2 = _arrays(frames["DGS2"])
    assert np.array_equal(d, d2)
    spread = y10 - y2
    assert spread[_window(d, date(1979, 1, 1), date(1981, 12, 31))].min() < 0
    assert spread[_window(d, date(2023, 1, 1), date(2023, 12, 31))].min() < 0
    assert np.median(spread[_window(d, date(2010, 1, 1), date(2014, 12, 31))]) > 1.0


def test_inflation_shock_hikes_and_bond_selloff(frames):
    d, dff = _arrays(frames["DFF"])
    _, y10 = _arrays(frames["DGS10"])
    shock = next(r for r in PLANTED_REGIMES if r.name == "inflation_shock")
    m = _window(d, shock.start, shock.end)
    assert dff[m][-1] - dff[m][0] > 4.5
    assert y10[m].max() - y10[m][0] > 3.0


def test_frequency_comes_from_the_catalog_row():
    monthly = dataclasses.replace(get_series("DGS10"), series_id="DGS10_M", frequency="monthly")
    frame = sample_frame(monthly, END)
    dates = frame["observation_date"]
    assert (dates.dt.day() == 1).all()
    assert dates[-1] == date(2026, 10, 1)  # only complete months are averaged
    daily = sample_frame(dataclasses.replace(get_series("DGS10"), series_id="DGS10_M"), END)
    oct_mean = daily.filter(pl.col("observation_date").dt.strftime("%Y-%m") == "2026-10")
    assert abs(frame["value"][-1] - oct_mean["value"].mean()) < 0.01

    cpi_daily = dataclasses.replace(get_series("CPIAUCSL"), frequency="daily")
    frame = sample_frame(cpi_daily, END)
    assert frame["observation_date"].dt.weekday().max() <= 5
    assert frame["value"].n_unique() < 800  # a monthly index stepped onto business days
