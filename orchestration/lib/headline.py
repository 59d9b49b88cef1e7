"""The headline answer that ``make run`` ends with, read from ``marts.hedge_answer``.

The answer is computed once, in dbt: the mart's ``verdict`` column is the sentence (it says
"significantly" only when the era test's p-value is below the significance level). This module
only chooses the rows: the S&P 500 against the 10-year Treasury, monthly, total return, for
the whole history and for the most recent era.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

EQUITY, BOND, FREQUENCY, BASIS = "sp500", "ust_10y", "monthly", "total"


@dataclass(frozen=True)
class Headline:
    """The verdicts of the first (whole history) and last era, and where they came from."""

    verdicts: tuple[str, ...]
    data_source: str
    source_table: str = "marts.hedge_answer"

    def sentence(self) -> str:
        return "\n           ".join(self.verdicts)


def headline_answer(con: duckdb.DuckDBPyConnection) -> Headline | None:
    """The headline verdicts, or None when the file has no answer mart (or no headline row)."""
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'hedge_answer'"
    ).fetchone()[0]
    if not found:
        return None
    rows = con.execute(
        """
        select verdict, data_source
        from marts.hedge_answer
        where equity_asset_id = ? and bond_asset_id = ? and frequency = ? and return_basis = ?
          and era_order in (
              select min(era_order) from marts.hedge_answer union all
              select max(era_order) from marts.hedge_answer
          )
        order by era_order
        """,
        [EQUITY, BOND, FREQUENCY, BASIS],
    ).fetchall()
    if not rows:
        return None
    verdicts = tuple(dict.fromkeys(verdict for verdict, _ in rows))
    return Headline(verdicts, rows[0][1])
