"""Spark's Parquet export of the published tables, read by DuckDB as the DuckDB build has them.

The dbt ``spark`` target's run hook writes each table built in the published schemas to
``<export>/<schema>/<table>/part-*.parquet`` (macros/spark_sources.sql). For the published file
to look the same to a BI client whichever engine built it, each column is cast to the type dbt
declares for it (a contract's ``data_type``, a seed's ``column_types``: DuckDB's names, since
the YAML is written for the DuckDB target), Spark's UTC timestamps become DuckDB's plain
``timestamp``, Spark-only partition helper columns are left out, and the table and column
comments are dbt's descriptions (what dbt-duckdb's persist_docs writes). No Dagster here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import duckdb

from ingestion.sql_quote import ident, literal
from orchestration.lib.mart_rules import MANIFEST

#: columns only the Spark build has (insert_overwrite's partition, macros/incremental.sql)
SPARK_ONLY_COLUMNS = ("replace_from_month",)


@cache
def _nodes(manifest: Path) -> dict[str, dict]:
    """``schema.name`` -> the manifest's model or seed node."""
    nodes = json.loads(manifest.read_text())["nodes"]
    return {
        f"{n['schema']}.{n['alias'] or n['name']}": n
        for n in nodes.values()
        if n["resource_type"] in ("model", "seed")
    }


def _node(relation: str, manifest: Path = MANIFEST) -> dict:
    try:
        return _nodes(manifest)[relation]
    except KeyError:
        raise ValueError(
            f"Spark exported {relation}, which the dbt manifest {manifest} does not have: "
            "rebuild the manifest (make) or remove the stale export"
        ) from None


def exported(export: Path, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    """(schema, table) of every exported table of ``schemas``, sorted."""
    return sorted(
        (schema, table.name)
        for schema in schemas
        if (export / schema).is_dir()
        for table in (export / schema).iterdir()
        if table.is_dir() and any(table.glob("*.parquet"))
    )


def select_sql(con: duckdb.DuckDBPyConnection, export: Path, relation: str) -> str:
    """A subquery reading ``relation``'s export, each column in the DuckDB build's type."""
    schema, table = relation.split(".", 1)
    files = f"read_parquet({literal(str(export / schema / table / '*.parquet'))})"
    node = _node(relation)
    declared = {
        name.lower(): (col.get("data_type") or "")
        for name, col in (node.get("columns") or {}).items()
    }
    declared.update(
        {k.lower(): v for k, v in ((node.get("config") or {}).get("column_types") or {}).items()}
    )
    columns = []
    for name, kind, *_ in con.execute(f"describe select * from {files}").fetchall():
        if name in SPARK_ONLY_COLUMNS:
            continue
        want = declared.get(name.lower()) or (
            "timestamp" if kind == "TIMESTAMP WITH TIME ZONE" else ""
        )
        columns.append(f"cast({ident(name)} as {want}) as {ident(name)}" if want else ident(name))
    return f"(select {', '.join(columns)} from {files})"


def comment(con: duckdb.DuckDBPyConnection, relation: str, dst: str) -> None:
    """dbt's descriptions of ``relation`` as the COMMENTs of the table ``dst``."""
    node = _node(relation)
    if node.get("description"):
        con.execute(f"comment on table {dst} is {literal(node['description'])}")
    present = {r[0] for r in con.execute(f"describe {dst}").fetchall()}
    for name, col in (node.get("columns") or {}).items():
        if col.get("description") and name in present:
            con.execute(f"comment on column {dst}.{ident(name)} is {literal(col['description'])}")
