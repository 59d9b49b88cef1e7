"""Pandera (polars) schemas for every mart, generated from the dbt manifest.

The dbt YAML (``dbt_project/models/marts/``) is the one place a mart rule is written; this
module reads ``target/manifest.json`` and turns each mart (every model whose schema is
``marts``) into a pandera schema, so the two cannot drift:

* columns: name, ``data_type`` (as a polars dtype), nullable unless a ``not_null``
  constraint or test says otherwise, ``unique`` from a column ``unique`` test;
* column rules: every contract ``check`` constraint, ``accepted_values`` and
  ``accepted_range`` test, evaluated as the same SQL expression by DuckDB on the frame (the
  engine that enforces it in the warehouse, so pandera and dbt can never disagree on NaN, null
  or a bound);
* row and table rules: ``row_condition`` tests (a SQL expression over several columns, null
  counts as satisfied, as in the test macro), ``unique_combination`` (the key),
  ``min_row_count`` and ``exact_row_count``.

Tests of severity ``warn`` go to the non-blocking ``warnings`` schema. ``relationships``
(a join to another table) stays a dbt test only: pandera sees one frame. Any other dbt test on a
mart is an error here, so a new kind of rule cannot be silently left out of pandera.

``validate_mart(name, df)`` returns the blocking failures as messages naming the mart, the
column, the rule and an offending value (empty list: the mart passes); ``mart_warnings`` does
the same for warn-severity rules. No Dagster here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl

from orchestration.lib.mart_rules import MANIFEST, Rule, mart_rules

__all__ = [
    "MANIFEST",
    "MartSchema",
    "Rule",
    "mart_rules",
    "mart_schemas",
    "mart_warnings",
    "validate_mart",
]


#: dbt contract data types -> polars dtypes (DuckDB's names, as the YAML writes them)
DTYPES: dict[str, pl.DataType] = {
    "varchar": pl.String(),
    "text": pl.String(),
    "double": pl.Float64(),
    "float": pl.Float32(),
    "bigint": pl.Int64(),
    "integer": pl.Int32(),
    "int": pl.Int32(),
    "smallint": pl.Int16(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "timestamp": pl.Datetime("us"),
}


@dataclass(frozen=True)
class MartSchema:
    """How one mart is checked: ``schema`` (blocking rules, with the key), ``key`` (the
    columns that identify a row), ``blocking`` (a failure stops downstream use, above all
    publishing), ``warnings`` (warn-severity rules: reported, never blocking)."""

    name: str
    schema: pa.DataFrameSchema
    key: tuple[str, ...]
    blocking: bool = True
    warnings: pa.DataFrameSchema | None = None
    description: str = ""
    rules: tuple[Rule, ...] = field(default=(), repr=False)


# ------------------------------------------------------------------------------ pandera checks


@cache
def _engine() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process; each check takes its own cursor (thread-safe)."""
    return duckdb.connect()


def _sql_check(rule: Rule, columns: tuple[str, ...]) -> pa.Check:
    """A check evaluating the rule's SQL expression with DuckDB (null counts as satisfied).

    Only the columns the expression names are handed to DuckDB (a mart has up to 1.4 M rows).
    """
    expression = rule.text
    named = [c for c in columns if re.search(rf"\b{re.escape(c)}\b", expression)]

    def evaluate(data) -> pl.LazyFrame:
        frame = data.lazyframe.select(named or pl.all()).collect()
        con = _engine().cursor()
        try:
            con.register("mart_frame", frame)
            sql = f"select coalesce(({expression}), true) as ok from mart_frame"
            return con.execute(sql).pl().lazy()
        finally:
            con.close()

    return pa.Check(evaluate, name=expression, title=rule.kind, description=rule.text)


ROW_COUNT_RULE = re.compile(r"^(at least|exactly) \d+ rows?$")


def _row_count_check(rule: Rule) -> pa.Check:
    n = int(rule.text)
    if rule.kind == "exact_row_count":
        name = f"exactly {n} row{'s' if n != 1 else ''}"
        passes = lambda count: count == n  # noqa: E731
    else:
        name = f"at least {n} row{'s' if n != 1 else ''}"
        passes = lambda count: count >= n  # noqa: E731

    def evaluate(data) -> bool | pl.LazyFrame:
        # a failure on a non-empty frame is reported as every row failing (a bare False next
        # to other failures breaks pandera's failure-case report: its dtype is Boolean)
        height = data.lazyframe.select(pl.len()).collect().item()
        if passes(height) or height == 0:
            return passes(height)
        return data.lazyframe.select(pl.repeat(False, pl.len()).alias("ok"))

    return pa.Check(evaluate, name=name, title=rule.kind, description=rule.text)


def _schema(name: str, node: dict, rules: list[Rule], *, warnings: bool) -> pa.DataFrameSchema:
    columns: dict[str, pa.Column] = {}
    names = tuple(node["columns"])
    for column in node["columns"].values():
        col = column["name"]
        mine = [r for r in rules if r.column == col]
        checks = [_sql_check(r, names) for r in mine if r.kind not in ("not_null", "unique")]
        nullable = not any(r.kind == "not_null" for r in mine)
        unique = any(r.kind == "unique" for r in mine)
        if warnings:  # soft rules only: any dtype, may be absent
            if mine:
                columns[col] = pa.Column(
                    None, checks=checks, nullable=nullable, unique=unique, required=False
                )
            continue
        data_type = str(column.get("data_type") or "").lower()
        if data_type not in DTYPES:
            raise ValueError(
                f"marts.{name}.{col}: data_type {data_type!r} has no polars dtype in "
                "orchestration/lib/mart_schemas.py DTYPES"
            )
        columns[col] = pa.Column(
            DTYPES[data_type],
            checks=checks,
            nullable=nullable,
            unique=unique,
            description=column.get("description") or None,
        )
    unknown = sorted({r.column for r in rules if r.column} - set(node["columns"]))
    if unknown:
        raise ValueError(f"marts.{name}: rules name undocumented columns {unknown}")
    keys = [r for r in rules if r.kind == "unique_combination"]
    checks = [_sql_check(r, names) for r in rules if r.column is None and r.kind == "row_condition"]
    checks += [_row_count_check(r) for r in rules if r.kind.endswith("_row_count")]
    return pa.DataFrameSchema(
        columns,
        unique=[c.strip() for c in keys[0].text.split(",")] if keys else None,
        checks=checks,
        strict=False,
        coerce=False,
        name=f"{name} (warnings)" if warnings else name,
    )


def _mart_schema(name: str, node: dict, rules: list[Rule]) -> MartSchema:
    blocking = [r for r in rules if r.severity != "warn"]
    soft = [r for r in rules if r.severity == "warn"]
    keys = [r for r in blocking if r.kind == "unique_combination"]
    if len(keys) > 1:
        raise ValueError(f"marts.{name}: more than one unique_combination test")
    if keys:
        key = tuple(c.strip() for c in keys[0].text.split(","))
    else:
        key = tuple(r.column for r in blocking if r.kind == "unique")
    return MartSchema(
        name=name,
        schema=_schema(name, node, blocking, warnings=False),
        key=key,
        blocking=True,
        warnings=_schema(name, node, soft, warnings=True),
        description=(node.get("description") or "").strip(),
        rules=tuple(rules),
    )


def schemas_from_manifest(manifest: dict) -> dict[str, MartSchema]:
    """Every mart's schema, built from a parsed manifest (by mart name, sorted)."""
    return {
        name: _mart_schema(name, node, rules)
        for name, (node, rules) in sorted(mart_rules(manifest).items())
    }


@cache
def _cached(path: Path, mtime_ns: int) -> dict[str, MartSchema]:
    return schemas_from_manifest(json.loads(path.read_text(encoding="utf-8")))


def mart_schemas(manifest: Path | str = MANIFEST) -> dict[str, MartSchema]:
    """Every mart's schema from ``manifest`` (rebuilt when the file changes)."""
    path = Path(manifest)
    if not path.is_file():
        raise FileNotFoundError(
            f"no dbt manifest at {path}: the mart schemas are generated from it "
            "(run `make target/manifest.json`)"
        )
    return _cached(path, path.stat().st_mtime_ns)


# ------------------------------------------------------------------------------ validation


def _describe(value) -> str:
    text = str(value)
    return text if len(text) <= 160 else text[:157] + "..."


def _key_values(row_json, key: tuple[str, ...]) -> str:
    """The key columns of a failing row (pandera reports the whole row as JSON)."""
    try:
        row = json.loads(row_json)
        return ", ".join(f"{column}={row.get(column)!r}" for column in key)
    except (TypeError, ValueError, AttributeError):
        return str(row_json)


def _messages(spec: MartSchema, schema: pa.DataFrameSchema, df: pl.DataFrame, kind: str):
    mart, key = spec.name, spec.key
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    except pa.errors.SchemaError as error:  # a non-lazy error (should not happen with lazy=True)
        return [f"{mart}: {kind} rule failed: {error}"]
    else:
        return []
    messages: list[str] = []
    grouped = cases.group_by(["schema_context", "column", "check"], maintain_order=True).agg(
        pl.len().alias("n"),
        pl.col("failure_case").first().alias("example"),
        pl.col("index").first().alias("row"),
    )
    for context, column, check, n, example, row in grouped.iter_rows():
        if check in ("multiple_fields_uniqueness", "field_uniqueness"):
            where = "key" if check == "multiple_fields_uniqueness" else column
            rule, count = f"unique key ({', '.join(key)})", f"{n} rows share a key"
            if check == "multiple_fields_uniqueness":
                example = _key_values(example, key)
        elif context == "Column":
            rule = "not null" if check == "not_nullable" else check
            where, count = column, f"{n} failing value{'s' if n != 1 else ''}"
        else:  # a rule over whole rows (several columns) or the whole frame
            where, rule, count = "rows", check, f"{n} failing row{'s' if n != 1 else ''}"
            if example is None or ROW_COUNT_RULE.match(check):
                count, example, row = f"the frame has {df.height} rows", f"{df.height} rows", None
            else:  # the values of the columns the rule names
                named = tuple(c for c in df.columns if re.search(rf"\b{re.escape(c)}\b", check))
                example = _key_values(example, named or key)
        at = f" at row {row}" if row is not None else ""
        messages.append(
            f"{mart}.{where}: {kind} rule '{rule}' failed ({count}), e.g. {_describe(example)}{at}"
        )
    return messages


def _spec(name: str, schemas: dict[str, MartSchema] | None) -> MartSchema:
    schemas = mart_schemas() if schemas is None else schemas
    try:
        return schemas[name]
    except KeyError:
        raise KeyError(
            f"no schema for mart {name!r}; known: {', '.join(sorted(schemas))}"
        ) from None


def validate_mart(
    name: str, df: pl.DataFrame, schemas: dict[str, MartSchema] | None = None
) -> list[str]:
    """Blocking failures of mart ``name`` in ``df`` (empty list = the mart passes).

    Each message names the mart, the column, the rule and an offending value, e.g.
    ``asset_returns.n_days: blocking rule 'n_days >= 0 and n_days <= 23' failed (1 failing
    value), e.g. 24 at row 0``.
    """
    spec = _spec(name, schemas)
    return _messages(spec, spec.schema, df, "blocking")


def mart_warnings(
    name: str, df: pl.DataFrame, schemas: dict[str, MartSchema] | None = None
) -> list[str]:
    """Non-blocking findings (the mart's warn-severity dbt tests) for mart ``name``."""
    spec = _spec(name, schemas)
    if spec.warnings is None:
        return []
    return _messages(spec, spec.warnings, df, "warning")
