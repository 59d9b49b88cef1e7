"""The code location's layout and the rules it reads from dbt (no run: definitions only).

* raw data has one freshness rule, the dbt source's: the Dagster policy on ``raw/observations``
  is checked against the manifest's ``warn_after`` / ``error_after``, read here independently;
* ``orchestration/lib/`` holds plain libraries: no module there imports Dagster;
* the definitions list every stage's assets, the checks, both jobs and the schedule.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import dagster as dg
import pytest

from ingestion.catalog import PROJECT_ROOT
from orchestration.defs.transform import project

ORCHESTRATION = PROJECT_ROOT / "orchestration"
UNITS = {"minute": 60, "hour": 3600, "day": 86400}


def _seconds(after: dict) -> float:
    return after["count"] * UNITS[after["period"]]


def test_raw_freshness_is_the_dbt_source_rule():
    from orchestration.definitions import defs

    manifest = json.loads((PROJECT_ROOT / "target" / "manifest.json").read_text())
    rule = manifest["sources"]["source.bondhedge.raw.observations"]["config"]["freshness"]
    key = dg.AssetKey(["raw", "observations"])
    policy = defs.get_repository_def().asset_graph.get(key).freshness_policy
    assert policy.warn_window.to_timedelta().total_seconds() == _seconds(rule["warn_after"])
    assert policy.fail_window.to_timedelta().total_seconds() == _seconds(rule["error_after"])


def test_a_source_without_a_usable_freshness_rule_is_named(monkeypatch):
    manifest = json.loads((PROJECT_ROOT / "target" / "manifest.json").read_text())
    node = manifest["sources"]["source.bondhedge.raw.observations"]
    node["config"]["freshness"] = {"warn_after": {"count": 4, "period": "day"}}
    node["freshness"] = None
    monkeypatch.setattr(project, "validate_manifest", lambda _: manifest)
    with pytest.raises(ValueError, match=r"raw\.observations .*error_after"):
        project.source_freshness_policy("raw", "observations")


def _imports(path: Path) -> set[str]:
    """Top-level packages ``path`` imports at run time (``if TYPE_CHECKING:`` blocks aside)."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            return
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return names


def test_plain_libraries_import_no_dagster():
    offenders = {
        str(p.relative_to(PROJECT_ROOT)): sorted(_imports(p) & {"dagster", "dagster_dbt"})
        for p in (ORCHESTRATION / "lib").rglob("*.py")
    }
    assert {p: m for p, m in offenders.items() if m} == {}
    assert len(offenders) >= 6  # the scan saw the libraries


def test_every_stage_job_and_schedule_is_defined():
    from orchestration.definitions import defs

    repo = defs.get_repository_def()
    groups = {repo.asset_graph.get(k).group_name for k in repo.asset_graph.get_all_asset_keys()}
    assert {"raw", "staging", "intermediate", "marts", "published", "reports"} <= groups
    assert {"refresh_all", "transform_only"} <= {j.name for j in repo.get_all_jobs()}
    assert [s.name for s in repo.schedule_defs] == ["weekday_refresh_after_fred_update"]
    checks = {c.name for c in repo.asset_graph.asset_check_keys}
    assert "pandera_hedge_answer" in checks and "valid_series" in checks
    assert repo.get_job("refresh_all").executor_def.name == "in_process"
