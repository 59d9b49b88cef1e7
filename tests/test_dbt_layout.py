"""The dbt project's layout rules (issue 11), read from the real manifest and the model folders:
marts read only staging and intermediate models, seeds are read only through their `stg_` views,
every model folder holds one YAML, the lists Python reads are the dbt vars dbt renders, and
every model and seed runs the Dagster metadata post-hook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingestion import dbt_lists
from ingestion.catalog import PROJECT_ROOT

MODELS = PROJECT_ROOT / "dbt_project" / "models"
LAYERS = ("staging", "intermediate", "marts")


@pytest.fixture(scope="module")
def manifest() -> dict:
    path = PROJECT_ROOT / "target" / "manifest.json"
    if not path.exists():
        pytest.fail("no target/manifest.json: run `make target/manifest.json` first")
    return json.loads(path.read_text())


def _models(manifest: dict) -> dict[str, dict]:
    return {k: n for k, n in manifest["nodes"].items() if n["resource_type"] == "model"}


def _layer(node: dict) -> str:
    return Path(node["original_file_path"]).relative_to("dbt_project/models").parts[0]


def test_no_mart_reads_a_mart(manifest):
    models = _models(manifest)
    offenders = [
        f"{node['name']} <- {models[parent]['name']}"
        for node in models.values()
        if _layer(node) == "marts"
        for parent in node["depends_on"]["nodes"]
        if parent in models and _layer(models[parent]) == "marts"
    ]
    assert not offenders, offenders


def test_intermediate_models_read_no_mart(manifest):
    models = _models(manifest)
    offenders = [
        f"{node['name']} <- {models[parent]['name']}"
        for node in models.values()
        if _layer(node) == "intermediate"
        for parent in node["depends_on"]["nodes"]
        if parent in models and _layer(models[parent]) == "marts"
    ]
    assert not offenders, offenders


def test_seeds_are_read_only_through_staging(manifest):
    models = _models(manifest)
    readers = {
        node["name"]: [p for p in node["depends_on"]["nodes"] if p.startswith("seed.")]
        for node in models.values()
    }
    layer = {node["name"]: _layer(node) for node in models.values()}
    offenders = {
        name: seeds
        for name, seeds in readers.items()
        if seeds and not (name.startswith("stg_") and layer[name] == "staging")
    }
    assert not offenders, offenders
    staged = {s.split(".")[-1] for seeds in readers.values() for s in seeds}
    assert staged == {"series_catalog", "asset_catalog"}


def test_every_mart_carries_the_data_source_macro(manifest):
    models = _models(manifest)
    marts = [n for n in models.values() if _layer(n) == "marts"]
    assert len(marts) >= 15
    without = [
        n["name"] for n in marts if "macro.bondhedge.data_source" not in n["depends_on"]["macros"]
    ]
    assert without == [], without


def test_one_yaml_per_model_folder():
    folders = {p.parent for p in MODELS.rglob("*.sql")} | {p.parent for p in MODELS.rglob("*.py")}
    assert {f.relative_to(MODELS).parts[0] for f in folders} == set(LAYERS)
    for folder in sorted(folders):
        assert len(folder.relative_to(MODELS).parts) == 2, f"{folder}: not a domain folder"
        yamls = sorted(p.name for p in folder.glob("*.yml"))
        assert len(yamls) == 1, f"{folder}: {yamls}"


def test_python_reads_the_dbt_vars_dbt_renders(manifest):
    """The lists Python reads (ingestion.dbt_lists) are the ones dbt rendered into the marts'
    constraints: checked against the manifest, an independent read of the same vars."""
    models = _models(manifest)
    scorecard = models["model.bondhedge.hedge_scorecard"]["columns"]["regime_dimension"]
    expression = next(c["expression"] for c in scorecard["constraints"] if c["type"] == "check")
    assert expression == "regime_dimension in ({})".format(
        ", ".join(f"'{d}'" for d in dbt_lists.scorecard_dimensions())
    )
    windows = models["model.bondhedge.rolling_correlations"]["columns"]["window_periods"]
    expression = next(c["expression"] for c in windows["constraints"] if c["type"] == "check")
    listed = [n for lengths in dbt_lists.rolling_correlation_windows().values() for n in lengths]
    assert expression == f"window_periods in ({', '.join(map(str, listed))})"
    source = models["model.bondhedge.asset_returns"]["columns"]["data_source"]
    expression = next(c["expression"] for c in source["constraints"] if c["type"] == "check")
    assert expression == "data_source in ({})".format(
        ", ".join(f"'{s}'" for s in dbt_lists.data_sources())
    )


def test_a_missing_var_names_itself():
    with pytest.raises(KeyError, match="no_such_var"):
        dbt_lists.dbt_var("no_such_var")


def test_every_model_and_seed_runs_the_metadata_hook_and_its_rules_name_real_models(manifest):
    """The Dagster metadata is measured by one post-hook on every model and seed; a preview or
    metric rule for a name that is not a model would be silently unused."""
    from orchestration.lib import table_stats

    built = {
        n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] in {"model", "seed"}
    }
    without = [
        name
        for name, node in built.items()
        if not any("dagster_table_stats()" in h["sql"] for h in node["config"]["post-hook"])
    ]
    assert without == []
    named = set(table_stats.PREVIEWS) | set(table_stats.METRICS)
    assert named - {n for n, node in built.items() if node["resource_type"] == "model"} == set()
