"""A private copy of the code for end-to-end runs in their own processes (fault tests, bench).

Each sandbox holds its own copy of ``ingestion/``, ``orchestration/`` and the dbt project, its
own DAGSTER_HOME (the repository's ``orchestration/dagster.yaml``), dbt target, working
warehouse and published file, so a run killed or measured there never touches the
repository's. Used by ``tests/test_faults.py`` and ``bench/run_bench.py``; stdlib only, so the
benchmark needs no pytest.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: what a run needs: the code, the dbt project, and pyproject.toml ([tool.dg]: where the
#: definitions' defs folder is)
CODE_DIRS = ("ingestion", "orchestration", "dbt_project")
CODE_FILES = ("dbt_project.yml", "profiles.yml", "pyproject.toml")
#: the DbtProject whose manifest `make` prepares (see the Makefile's $(MANIFEST))
DBT_PROJECT_FILE = "orchestration/defs/transform/project.py"


class CodeSandbox:
    """The sandbox's folders, how to prepare its dbt manifest, and the environment of its runs."""

    def __init__(self, root: Path, end_date: date):
        self.root, self.end_date = root, end_date
        self.home = root / "dagster_home"
        self.data = root / "data"
        self.warehouse = self.data / "warehouse.duckdb"
        self.published = self.data / "published" / "bondhedge.duckdb"

    def copy_code(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for d in CODE_DIRS:
            shutil.copytree(REPO / d, self.root / d, ignore=ignore, dirs_exist_ok=True)
        for f in CODE_FILES:
            shutil.copy2(REPO / f, self.root / f)
        self.home.mkdir(exist_ok=True)
        shutil.copy2(REPO / "orchestration" / "dagster.yaml", self.home / "dagster.yaml")
        self.data.mkdir(exist_ok=True)
        (self.root / "target").mkdir(exist_ok=True)

    @staticmethod
    def prepare_command() -> list[str]:
        """`dagster-dbt project prepare-and-package`: the manifest Dagster loads (run in root)."""
        return [
            str(BIN / "dagster-dbt"),
            *("project", "prepare-and-package", "--file", DBT_PROJECT_FILE),
        ]

    def reuse_manifest(self) -> bool:
        """Copy the repository's manifest (and dbt's parse cache) if no dbt file is newer."""
        manifest = REPO / "target" / "manifest.json"
        if not manifest_is_fresh(manifest):
            return False
        shutil.copy2(manifest, self.root / "target" / "manifest.json")
        partial = REPO / "target" / "partial_parse.msgpack"
        if partial.is_file():
            shutil.copy2(partial, self.root / "target" / "partial_parse.msgpack")
        return True

    def env(self, end: date | None = None, **extra: str) -> dict[str, str]:
        """The environment of a run here: the sample, this sandbox's files, nothing inherited
        that would point a run elsewhere (BONDHEDGE_*, DBT_*, DAGSTER_*, FRED_*)."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("BONDHEDGE_", "DBT_", "DAGSTER_", "FRED_"))
        }
        env.update(
            PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            PYTHONPATH=str(self.root),
            PYTHONUNBUFFERED="1",
            DAGSTER_HOME=str(self.home),
            BONDHEDGE_SOURCE="sample",
            BONDHEDGE_WAREHOUSE=str(self.warehouse),
            BONDHEDGE_PUBLISHED=str(self.published),
            BONDHEDGE_SAMPLE_END_DATE=(end or self.end_date).isoformat(),
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
            DO_NOT_TRACK="1",
        )
        env.update(extra)
        return env

    @property
    def dbt_target(self) -> Path:
        """Where the dbt step of a Dagster run writes (run_results.json, logs)."""
        return self.root / "target" / "dagster_run"


def manifest_is_fresh(manifest: Path) -> bool:
    """Whether ``manifest`` is newer than every file dbt reads."""
    if not manifest.is_file():
        return False
    built = manifest.stat().st_mtime
    sources = [REPO / "dbt_project.yml", REPO / "profiles.yml"]
    sources += [p for p in (REPO / "dbt_project").rglob("*") if p.is_file()]
    return all(p.stat().st_mtime <= built for p in sources)
