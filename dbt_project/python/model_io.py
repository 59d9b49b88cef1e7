"""The I/O boundary of the dbt Python models (int_hedge_bootstrap, int_markov_regimes), the
same on both engines; imported by the models (the project root is on sys.path: the main
venv's editable install, and spark/run_dbt.py for the `spark` target).

What `dbt.ref(...)` and the model's `session` are depends on the adapter:

* dbt-duckdb: a DuckDB relation and the DuckDB connection; the model's output may be a
  pyarrow Table.
* dbt-spark (local session, spark/python_session.py): a Spark DataFrame and the
  SparkSession; the output must be a Spark (or pandas) DataFrame.

SQL passed here runs on that engine: keep it portable (both know `isnan`, `case`, joins).
"""

from __future__ import annotations

import numpy as np


def is_spark(session) -> bool:
    return type(session).__module__.startswith("pyspark")


def query_numpy(session, relation, name: str, sql: str) -> dict[str, np.ndarray]:
    """Columns (numpy arrays) of ``sql``, which reads ``relation`` (a dbt.ref) as ``name``.

    A NULL float comes back as NaN on Spark and masked on DuckDB (np.ma.filled handles both)."""
    if not is_spark(session):
        return relation.query(name, sql).fetchnumpy()
    relation.createOrReplaceTempView(name)
    table = session.sql(sql).toArrow()
    return {c: table.column(c).to_numpy(zero_copy_only=False) for c in table.column_names}


def columns_of(session, relation) -> list[str]:
    """Column names of a relation named in SQL (e.g. ``dbt.this``)."""
    if is_spark(session):
        return list(session.table(str(relation)).columns)
    return [d[0] for d in session.execute(f"select * from {relation} limit 0").description]


def fetch_dicts(session, sql: str) -> list[dict]:
    """Every row of ``sql`` as a dict (dates as datetime.date, lists as lists)."""
    if is_spark(session):
        return session.sql(sql).toArrow().to_pylist()
    cursor = session.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def output(session, table):
    """The model's return value from a pyarrow Table: as it is on DuckDB, a Spark DataFrame
    (same schema) on Spark."""
    if is_spark(session):
        return session.createDataFrame(table)
    return table
