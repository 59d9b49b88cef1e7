# bondhedge: two commands on a fresh machine.
#   make run    install, then land every series from the offline sample and build everything
#   make test   install, then run the whole test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

SOURCE  ?= sample
# the dbt target of the pipeline's dbt step: dev (DuckDB) or spark (.venv-spark, make spark-env)
TARGET  ?= dev
CSV_DIR ?=
HOST    ?= 127.0.0.1
PORT    ?= 3000

export UV_COMPILE_BYTECODE := 1
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export PATH := $(CURDIR)/.venv/bin:$(HOME)/.local/bin:$(PATH)
# the project's venv is the active one (dg checks that they match)
export VIRTUAL_ENV := $(CURDIR)/.venv

DBT_FILES := $(shell find dbt_project -type f 2>/dev/null) dbt_project.yml profiles.yml
MANIFEST  := target/manifest.json
#: the DbtProject whose manifest Dagster loads (tests/sandbox.py names the same file)
DBT_PROJECT_PY := orchestration/defs/transform/project.py

.PHONY: help install run test test-fast ui lint fmt docs docs-serve answer bench bi bi-install clean spark-env
DOCS_PORT ?= 8080
BI_PORT   ?= 8088

help:
	@echo "make run [SOURCE=sample|fred|csv CSV_DIR=...]  install and materialize every asset"
	@echo "make run TARGET=spark                          the same with dbt on Spark (make spark-env)"
	@echo "make test                                      install and run the test suite"
	@echo "make ui                                        Dagster UI on http://$(HOST):$(PORT)"
	@echo "make test-fast                                 the suite without the slow marker"
	@echo "make bi                                        Superset + dashboard on http://$(HOST):$(BI_PORT)"
	@echo "make docs | docs-serve | answer | bench | lint"

.venv/.installed: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	uv sync --frozen
	@touch $@

install: .venv/.installed

# The Spark environment (dbt-spark, local pyspark session), never in the main venv; Java 17
# comes from Debian when `java` is missing. Used by the `spark` dbt target and its parity test.
.venv-spark/.installed: spark/requirements.txt
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; }
	uv venv --allow-existing --python 3.11 .venv-spark
	uv pip sync --python .venv-spark/bin/python spark/requirements.txt
	@touch $@

spark-env: .venv-spark/.installed

$(MANIFEST): .venv/.installed $(DBT_FILES)
	dagster-dbt project prepare-and-package --file $(DBT_PROJECT_PY)
	@touch $@

$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp $< $@

# quiet by default: one line per step, the full log in data/logs/; VERBOSE=1 prints everything
run: install $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml $(if $(filter spark,$(TARGET)),spark-env)
	@BONDHEDGE_SOURCE=$(SOURCE) BONDHEDGE_CSV_DIR="$(CSV_DIR)" BONDHEDGE_DBT_TARGET=$(TARGET) \
		python -m orchestration.run

# each test's name as it runs, and the 15 slowest at the end
test: install $(MANIFEST)
	pytest -v --durations=15

test-fast: install $(MANIFEST)
	pytest -v --durations=10 -m "not slow"

# `dg dev` reads pyproject [tool.dg]: code location "bondhedge", orchestration/definitions.py
ui: install $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	BONDHEDGE_SOURCE=$(SOURCE) BONDHEDGE_CSV_DIR="$(CSV_DIR)" BONDHEDGE_DBT_TARGET=$(TARGET) \
		dg dev -h $(HOST) -p $(PORT)

# every Python file (and the Python in Markdown) under the repository root, every dbt SQL file
lint: install
	ruff check .
	ruff format --check .
	sqlfluff lint dbt_project

fmt: install
	ruff format .
	ruff check --fix .

# reuses the manifest and partial-parse state `make` already prepared in target/ (no re-parse,
# no compile); the catalog (column types) is read from the warehouse. The --vars are the ones
# the manifest was prepared with (settings.dbt_vars): dbt re-parses when they or the profile
# it hashes change
docs: install $(MANIFEST)
	dbt docs generate --no-compile \
		--vars "$$(python -c 'from orchestration.lib.settings import dbt_vars; print(dbt_vars())')"
	@echo "dbt docs site: target/index.html (make docs-serve)"

docs-serve: docs
	dbt docs serve --host $(HOST) --port $(DOCS_PORT) --no-browser

# Apache Superset in its own venv (.venv-superset, from bi/requirements.txt), the published
# file registered read-only, the shipped dashboard imported; serves on $(HOST):$(BI_PORT)
bi-install: .venv-superset/.installed

.venv-superset/.installed: bi/requirements.txt
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	uv venv --allow-existing --python 3.11 .venv-superset
	UV_COMPILE_BYTECODE=0 uv pip install --python .venv-superset/bin/python -r bi/requirements.txt
	@touch $@

bi: install bi-install
	@test -f data/published/bondhedge.duckdb || { echo "no published file yet: run make run first"; exit 1; }
	python -m bi.run_superset serve --host $(HOST) --port $(BI_PORT)

answer: install
	BONDHEDGE_SOURCE=$(SOURCE) bondhedge answer

bench: install $(MANIFEST)
	python bench/run_bench.py

clean:
	rm -rf target logs .pytest_cache
