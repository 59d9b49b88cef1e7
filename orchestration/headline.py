"""The one-line headline answer that ``make run`` ends with.

One function, ``headline_answer(con)``, chooses the mart it reads: ``marts.hedge_answer`` when
the published file has it, ``marts.hedge_scorecard`` (S&P 500 vs the 10-year Treasury, monthly,
all periods) otherwise. Switching the source is a change to this function only.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Headline:
    """Bonds rose in ``hit_rate`` of the ``stock_down_periods`` periods when stocks fell."""

    equity_asset_id: str
    bond_asset_id: str
    frequency: str
    hit_rate: float
    ci_low: float
    ci_high: float
    stock_down_periods: int
    first_period_end: object
    last_period_end: object
    data_source: str
    source_table: str

    def sentence(self) -> str:
        return (
            f"When stocks ({self.equity_asset_id}) fell in a {_period(self.frequency)}, bonds "
            f"({self.bond_asset_id}) rose {self.hit_rate:.0%} of the time "
            f"(95 % interval {self.ci_low:.0%}–{self.ci_high:.0%}; "
            f"{self.stock_down_periods} down {_period(self.frequency)}s, "
            f"{self.first_period_end:%Y}–{self.last_period_end:%Y})."
        )


def _period(frequency: str) -> str:
    return {"monthly": "month", "weekly": "week", "daily": "day"}.get(frequency, frequency)


_COLUMNS = (
    "equity_asset_id, bond_asset_id, frequency, hit_rate, hit_rate_ci_low, hit_rate_ci_high, "
    "stock_down_periods, first_period_end, last_period_end, data_source"
)


def headline_answer(con: duckdb.DuckDBPyConnection) -> Headline | None:
    """The headline row, from ``marts.hedge_answer`` if present, else ``marts.hedge_scorecard``.

    Returns None when neither table (or no headline row) exists, so a caller can say so
    instead of failing. Both tables are expected to share the scorecard's column names.
    """
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    # TODO(lead): once marts.hedge_answer lands, confirm its headline filter below.
    for table, where in (
        ("hedge_answer", "true"),
        (
            "hedge_scorecard",
            "regime_dimension = 'all' and frequency = 'monthly'",
        ),
    ):
        if table not in tables:
            continue
        cols = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'marts' and table_name = ?",
                [table],
            ).fetchall()
        }
        if not set(c.strip() for c in _COLUMNS.split(",")) <= cols:
            continue
        if "regime_dimension" in cols and table == "hedge_answer":
            where = "regime_dimension = 'all'"
        if "frequency" in cols and table == "hedge_answer":
            where += " and frequency = 'monthly'"
        row = con.execute(
            f"select {_COLUMNS} from marts.{table} where {where} "
            "and equity_asset_id = 'sp500' and bond_asset_id = 'ust_10y' limit 1"
        ).fetchone()
        if row:
            equity, bond, frequency, hit, low, high, down, first, last, source = row
            return Headline(
                equity, bond, frequency, float(hit), float(low), float(high), int(down),
                first, last, source, source_table=f"marts.{table}",
            )  # fmt: skip
    return None
