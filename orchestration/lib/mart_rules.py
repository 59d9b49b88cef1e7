"""Every mart rule the dbt YAML states, read from ``target/manifest.json``.

A mart is a model whose schema is ``marts``. Its rules are the column constraints
(``not_null``, ``check``) and the tests attached to it; ``{{ var(...) }}`` in a test argument is
rendered from ``dbt_project.yml``. A test kind with no pandera translation is an error, so a new
kind of rule cannot be silently left out of :mod:`orchestration.lib.mart_schemas`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import jinja2
import yaml

from ingestion.catalog import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "target" / "manifest.json"
DBT_PROJECT_FILE = PROJECT_ROOT / "dbt_project.yml"
MART_SCHEMA_NAME = "marts"
#: dbt tests that compare with another table: dbt only (pandera validates one frame)
CROSS_TABLE_TESTS = frozenset({"relationships"})


@dataclass(frozen=True)
class Rule:
    """One mart rule as the dbt YAML states it.

    ``column`` is None for a rule over whole rows or the whole table; ``kind`` is the dbt
    constraint or test name; ``text`` the rule as written (a SQL expression, a column list, a
    row count), with ``{{ var(...) }}`` rendered from ``dbt_project.yml``.
    """

    mart: str
    column: str | None
    kind: str
    text: str
    severity: str = "error"


@cache
def _dbt_vars() -> dict:
    project = yaml.safe_load(DBT_PROJECT_FILE.read_text(encoding="utf-8"))
    return dict(project.get("vars") or {})


def _render(text: str) -> str:
    """Render ``{{ var('name') }}`` in a test argument (dbt stores it unrendered)."""
    if "{{" not in str(text):
        return str(text)
    values = _dbt_vars()

    def var(name, default=None):
        if name in values:
            return values[name]
        if default is None:
            raise KeyError(f"dbt var {name!r} used in a mart rule is not set in dbt_project.yml")
        return default

    return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(text).render(var=var)


def _sql_list(values) -> str:
    return ", ".join(
        "'" + str(v).replace("'", "''") + "'" if isinstance(v, str) else str(v) for v in values
    )


def _test_rules(mart: str, test: dict) -> list[Rule]:
    meta = test["test_metadata"]
    name, kwargs = meta["name"], meta.get("kwargs") or {}
    column = test.get("column_name") or kwargs.get("column_name")
    severity = str(test.get("config", {}).get("severity", "error")).lower()
    if name in CROSS_TABLE_TESTS:
        return []
    if name == "not_null":
        text = "not null"
    elif name == "unique":
        text = "unique"
    elif name == "accepted_values":
        text = f"{column} in ({_sql_list(kwargs['values'])})"
    elif name == "accepted_range":  # macros/generic_tests.sql: NaN fails, bounds from kwargs
        inclusive = kwargs.get("inclusive", True)
        parts = [f"not isnan({column}::double)"]
        if kwargs.get("min_value") is not None:
            parts.append(f"{column} {'>=' if inclusive else '>'} {_render(kwargs['min_value'])}")
        if kwargs.get("max_value") is not None:
            parts.append(f"{column} {'<=' if inclusive else '<'} {_render(kwargs['max_value'])}")
        text = " and ".join(parts)
    elif name == "row_condition":
        text = _render(kwargs["expression"])
    elif name == "unique_combination":
        column, text = None, ", ".join(kwargs["columns"])
    elif name == "min_row_count":
        column, text = None, str(_render(kwargs.get("min_rows", 1)))
    elif name == "exact_row_count":
        column, text = None, str(_render(kwargs.get("n_rows", 1)))
    else:
        raise ValueError(
            f"dbt test {name!r} on marts.{mart} has no pandera translation in "
            "orchestration/lib/mart_schemas.py: add one (or list it in CROSS_TABLE_TESTS)"
        )
    return [Rule(mart, column, name, text, severity)]


def mart_rules(manifest: dict) -> dict[str, tuple[dict, list[Rule]]]:
    """Every mart's manifest node and its rules (constraints and tests), by mart name."""
    marts = {
        node["unique_id"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == MART_SCHEMA_NAME
    }
    rules: dict[str, list[Rule]] = {node["name"]: [] for node in marts.values()}
    for node in marts.values():
        for model_constraint in node.get("constraints") or []:
            raise ValueError(
                f"model-level constraint {model_constraint} on marts.{node['name']}: write it as "
                "a column constraint or a row_condition test"
            )
        for column in node["columns"].values():
            for constraint in column.get("constraints") or []:
                kind = constraint["type"]
                if kind == "not_null":
                    text = "not null"
                elif kind == "check":
                    text = _render(constraint["expression"])
                else:
                    raise ValueError(
                        f"constraint {kind!r} on marts.{node['name']}.{column['name']} has no "
                        "pandera translation"
                    )
                rules[node["name"]].append(Rule(node["name"], column["name"], kind, text))
    for test in manifest["nodes"].values():
        if test["resource_type"] == "test" and test.get("attached_node") in marts:
            mart = marts[test["attached_node"]]["name"]
            rules[mart].extend(_test_rules(mart, test))
    return {node["name"]: (node, rules[node["name"]]) for node in marts.values()}
