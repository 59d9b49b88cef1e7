"""The bond-pricing macros (dbt_project/macros/bond_math.sql) against an independent Python
implementation that sums every cash flow in a loop, and against textbook values.

The macros are rendered by dbt itself (`dbt compile --inline`, one call per session) and the
resulting SQL expressions are evaluated by DuckDB on a table of test cases.
"""

from __future__ import annotations

import json
import math
import random

import duckdb
import pytest

from tests.support import run_dbt

# Columns of the cases table: coupon c, yield y, remaining years t (price macros);
# start/end yields y0/y1, maturity m, elapsed years dt (return macros).
MACRO_SQL = """
select
    id,
    {{ bond_dirty_price('c', 'y', 't') }} as dirty,
    {{ bond_clean_price('c', 'y', 't') }} as clean,
    {{ bond_accrued_interest('c', 't') }} as accrued,
    {{ par_bond_total_return('y0', 'y1', 'm', 'dt') }} as total_return,
    {{ par_bond_price_return('y0', 'y1', 'm', 'dt') }} as price_return,
    {{ swinkels_bond_return('y0', 'y1', 'm', 'dt') }} as swinkels_return,
    {{ year_fraction('d0', 'd1') }} as year_fraction
from cases
"""


# --- independent reference implementation: explicit cash flows --------------------------


def cash_flow_times(t: float) -> list[float]:
    """Coupon dates t, t - 0.5, t - 1, ... that are still ahead (> 0)."""
    times = []
    k = 0
    while t - 0.5 * k > 1e-9:
        times.append(t - 0.5 * k)
        k += 1
    return times


def py_dirty_price(c: float, y: float, t: float) -> float | None:
    if t <= 0:
        return None
    price = 0.0
    for time in cash_flow_times(t):
        price += 100 * c / 2 * (1 + y / 2) ** (-2 * time)
    price += 100 * (1 + y / 2) ** (-2 * t)
    return price


def py_accrued(c: float, t: float) -> float:
    next_coupon = min(cash_flow_times(t))
    return 100 * c / 2 * (0.5 - next_coupon) / 0.5


def py_total_return(y0: float, y1: float, m: float, dt: float) -> float:
    return py_dirty_price(y0, y1, m - dt) / py_dirty_price(y0, y0, m) - 1


def py_price_return(y0: float, y1: float, m: float, dt: float) -> float:
    clean_end = py_dirty_price(y0, y1, m - dt) - py_accrued(y0, m - dt)
    clean_start = py_dirty_price(y0, y0, m) - py_accrued(y0, m)
    return (clean_end - clean_start) / py_dirty_price(y0, y0, m)


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def macro_select(tmp_path_factory) -> str:
    """The macros rendered by dbt into one SELECT over a `cases` table."""
    workdir = tmp_path_factory.mktemp("bond_math")
    proc = run_dbt(
        workdir / "empty.duckdb",
        workdir,
        "compile",
        "--inline",
        MACRO_SQL,
        "--output",
        "json",
        "--log-format",
        "json",
    )
    for line in proc.stdout.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        compiled = event.get("data", {}).get("compiled")
        if compiled:
            return compiled
    raise AssertionError(f"no compiled SQL in dbt output:\n{proc.stdout[-3000:]}")


def evaluate(macro_select: str, cases: list[dict]) -> dict[int, dict]:
    """Evaluate the rendered macros on ``cases`` (dicts with any of the case columns)."""
    columns = ["c", "y", "t", "y0", "y1", "m", "dt"]
    con = duckdb.connect()
    try:
        con.execute(
            "create table cases (id integer, "
            + ", ".join(f"{name} double" for name in columns)
            + ", d0 date, d1 date)"
        )
        rows = [
            [i, *(case.get(name) for name in columns), case.get("d0"), case.get("d1")]
            for i, case in enumerate(cases)
        ]
        con.executemany("insert into cases values (" + ", ".join(["?"] * 10) + ")", rows)
        result = con.execute(macro_select).fetchall()
        names = [d[0] for d in con.description]
    finally:
        con.close()
    return {row[0]: dict(zip(names, row, strict=True)) for row in result}


# --- tests against the loop implementation ------------------------------------------------


def price_cases() -> list[dict]:
    rng = random.Random(20240601)
    cases = []
    for t in (
        0.1,
        0.25,
        0.5,
        0.75,
        1.0,
        1.9973,
        2.0,
        4.99726,
        5.0,
        9.99726,
        10.0,
        19.5,
        29.9918,
        30.0,
    ):
        for c, y in (
            (0.05, 0.05),
            (0.05, 0.06),
            (0.08, 0.02),
            (0.0, 0.04),
            (0.03, 0.0),
            (0.02, -0.005),
            (0.15, 0.16),
        ):
            cases.append({"c": c, "y": y, "t": t})
    for _ in range(200):
        cases.append(
            {
                "c": rng.uniform(-0.01, 0.16),
                "y": rng.uniform(-0.01, 0.2),
                "t": rng.uniform(0.01, 30.0),
            }
        )
    return cases


def test_dirty_clean_and_accrued_match_cash_flow_loop(macro_select):
    cases = price_cases()
    result = evaluate(macro_select, cases)
    for i, case in enumerate(cases):
        expected_dirty = py_dirty_price(case["c"], case["y"], case["t"])
        expected_accrued = py_accrued(case["c"], case["t"])
        got = result[i]
        assert got["dirty"] == pytest.approx(expected_dirty, rel=1e-10, abs=1e-9), case
        assert got["accrued"] == pytest.approx(expected_accrued, rel=1e-10, abs=1e-9), case
        assert got["clean"] == pytest.approx(expected_dirty - expected_accrued, abs=1e-8), case


def test_returns_match_cash_flow_loop(macro_select):
    rng = random.Random(7)
    cases = []
    for m in (0.25, 2.0, 5.0, 10.0, 20.0, 30.0):
        for days in (1, 3, 4, 10, 31):
            for y0, y1 in (
                (0.05, 0.05),
                (0.05, 0.06),
                (0.04, 0.0),
                (0.0, 0.001),
                (-0.005, 0.002),
                (0.1523, 0.1498),
            ):
                cases.append({"y0": y0, "y1": y1, "m": m, "dt": days / 365.25})
    for _ in range(200):
        y0 = rng.uniform(-0.01, 0.16)
        cases.append(
            {
                "y0": y0,
                "y1": y0 + rng.uniform(-0.003, 0.003),
                "m": rng.choice([0.25, 2.0, 5.0, 10.0, 20.0, 30.0]),
                "dt": rng.randint(1, 5) / 365.25,
            }
        )
    result = evaluate(macro_select, cases)
    for i, case in enumerate(cases):
        args = (case["y0"], case["y1"], case["m"], case["dt"])
        assert result[i]["total_return"] == pytest.approx(py_total_return(*args), abs=1e-12), case
        assert result[i]["price_return"] == pytest.approx(py_price_return(*args), abs=1e-12), case


# --- textbook values ------------------------------------------------------------------------


def test_par_bond_at_same_yield_after_zero_days_returns_zero(macro_select):
    cases = [
        {"y0": y, "y1": y, "m": m, "dt": 0.0}
        for m in (0.25, 0.5, 2.0, 5.0, 10.0, 30.0)
        for y in (0.0, 0.01, 0.05, 0.15)
    ]
    result = evaluate(macro_select, cases)
    for i, case in enumerate(cases):
        assert result[i]["total_return"] == pytest.approx(0.0, abs=1e-12), case
        assert result[i]["price_return"] == pytest.approx(0.0, abs=1e-12), case


def test_par_bond_prices_at_par_on_a_coupon_date(macro_select):
    cases = [{"c": y, "y": y, "t": t} for t in (0.5, 2.0, 10.0, 30.0) for y in (0.0, 0.03, 0.12)]
    result = evaluate(macro_select, cases)
    for i in range(len(cases)):
        assert result[i]["dirty"] == pytest.approx(100.0, abs=1e-9)
        assert result[i]["accrued"] == pytest.approx(0.0, abs=1e-12)


def test_ten_year_five_percent_bond_repriced_at_six_percent(macro_select):
    # 100 * [0.025 * (1 - 1.03^-20) / 0.03 + 1.03^-20] = 92.56 (annuity + principal at 3 %
    # per half-year): the standard textbook value.
    textbook = 100 * (0.025 * (1 - 1.03**-20) / 0.03 + 1.03**-20)
    h = 1e-4
    cases = [
        {"c": 0.05, "y": 0.06, "t": 10.0},
        {"c": 0.05, "y": 0.05 + h, "t": 10.0},
        {"c": 0.05, "y": 0.05 - h, "t": 10.0},
        {"y0": 0.05, "y1": 0.06, "m": 10.0, "dt": 0.0},
    ]
    result = evaluate(macro_select, cases)
    assert result[0]["dirty"] == pytest.approx(92.56, abs=0.005)
    assert result[0]["dirty"] == pytest.approx(textbook, abs=1e-9)
    assert result[3]["total_return"] == pytest.approx(textbook / 100 - 1, abs=1e-12)
    # Modified duration of the 10y 5 % par bond: -dP/dy / P by central difference
    # (Macaulay 7.99 years / 1.025 = 7.79).
    modified_duration = -(result[1]["dirty"] - result[2]["dirty"]) / (2 * h) / 100
    assert modified_duration == pytest.approx(7.8, abs=0.05)
    # Duration + convexity explain the -7.44 % repricing loss: -D dy + C dy^2 / 2.
    convexity = (result[1]["dirty"] + result[2]["dirty"] - 200) / h**2 / 100
    approx = -modified_duration * 0.01 + 0.5 * convexity * 0.01**2
    assert approx == pytest.approx(textbook / 100 - 1, abs=2e-4)


def test_unchanged_yield_earns_the_semiannual_carry(macro_select):
    # Held dt < 0.5 at an unchanged yield, a par bond is worth 100 (1 + y/2)^(2 dt): the
    # return compounds to (1 + y/2)^2 - 1 over a year, as a bond-equivalent yield means.
    cases = [
        {"y0": y, "y1": y, "m": m, "dt": d / 365.25}
        for y in (0.02, 0.05, 0.1)
        for m in (2.0, 10.0)
        for d in (1, 3)
    ]
    result = evaluate(macro_select, cases)
    for i, case in enumerate(cases):
        carry = (1 + case["y0"] / 2) ** (2 * case["dt"]) - 1
        assert result[i]["total_return"] == pytest.approx(carry, abs=1e-13)
        # coupon accrual is linear (y0 dt), so the clean price drifts by carry - y0 dt
        assert result[i]["price_return"] == pytest.approx(
            carry - case["y0"] * case["dt"], abs=1e-13
        )


def test_zero_yield_and_matured_bonds(macro_select):
    cases = [
        {"c": 0.02, "y": 0.0, "t": 10.0},  # geometric sum degenerates to n
        {"c": 0.02, "y": 0.0, "t": 9.75},
        {"c": 0.02, "y": 0.05, "t": 0.0},  # matured: no price
        {"c": 0.02, "y": 0.05, "t": -0.1},
        {"c": 0.02, "y": None, "t": 5.0},  # missing input: NULL, never a number
    ]
    result = evaluate(macro_select, cases)
    assert result[0]["dirty"] == pytest.approx(100 + 20 * 1.0, abs=1e-9)
    assert result[1]["dirty"] == pytest.approx(py_dirty_price(0.02, 0.0, 9.75), abs=1e-9)
    assert result[2]["dirty"] is None
    assert result[3]["dirty"] is None
    assert result[4]["dirty"] is None


def test_swinkels_approximation_is_close_for_daily_steps(macro_select):
    # Swinkels (2019) R = y0 dt + y0/y1 (1 - (1 + y1/2)^(-2(M - dt))) + (1 + y1/2)^(-2(M - dt)) - 1
    # differs from the exact price by its simple carry and fractional-period annuity: a few
    # 1e-6 a day at usual yields (documented in docs/marts_returns.md).
    cases = [
        {"y0": y0, "y1": y0 + dy, "m": m, "dt": d / 365.25}
        for y0 in (0.01, 0.04, 0.08)
        for dy in (-0.002, 0.0, 0.0015)
        for m in (2.0, 10.0, 30.0)
        for d in (1, 3)
    ]
    result = evaluate(macro_select, cases)
    for i, case in enumerate(cases):
        y0, y1, m, dt = case["y0"], case["y1"], case["m"], case["dt"]
        swinkels = (
            y0 * dt
            + y0 / y1 * (1 - (1 + y1 / 2) ** (-2 * (m - dt)))
            + (1 + y1 / 2) ** (-2 * (m - dt))
            - 1
        )
        assert result[i]["swinkels_return"] == pytest.approx(swinkels, abs=1e-13)
        assert abs(result[i]["swinkels_return"] - result[i]["total_return"]) < 2e-5, case


def test_year_fraction_is_actual_over_365_25(macro_select):
    from datetime import date

    cases = [
        {"d0": date(2024, 2, 23), "d1": date(2024, 2, 26)},
        {"d0": date(2023, 12, 29), "d1": date(2024, 12, 31)},
    ]
    result = evaluate(macro_select, cases)
    assert result[0]["year_fraction"] == pytest.approx(3 / 365.25)
    assert result[1]["year_fraction"] == pytest.approx(368 / 365.25)
    assert math.isfinite(result[1]["year_fraction"])
