# bondhedge: two commands on a fresh machine.
#   make run    install, then land every series from the offline sample and build everything
#   make test   install, then run the whole test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

SOURCE  ?= sample
CSV_DIR ?=
HOST    ?= 127.0.0.1
PORT    ?= 3000

export UV_COMPILE_BYTECODE := 1
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export PATH := $(CURDIR)/.venv/bin:$(HOME)/.local/bin:$(PATH)

DBT_FILES := $(shell find dbt_project -type f 2>/dev/null) dbt_project.yml profiles.yml
PY_FILES  := $(shell find orchestration ingestion -name '*.py' 2>/dev/null)
MANIFEST  := target/manifest.json

.PHONY: help install run test ui lint fmt docs answer bench clean spark-env

help:
	@echo "make run [SOURCE=sample|fred|csv CSV_DIR=...]  install and materialize every asset"
	@echo "make test                                      install and run the test suite"
	@echo "make ui                                        Dagster UI on http://$(HOST):$(PORT)"
	@echo "make docs | answer | bench | lint"

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
	dagster-dbt project prepare-and-package --file orchestration/project.py
	@touch $@

$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp $< $@

run: install $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	BONDHEDGE_SOURCE=$(SOURCE) BONDHEDGE_CSV_DIR="$(CSV_DIR)" \
		dagster job execute -m orchestration.definitions -j refresh_all

test: install $(MANIFEST)
	pytest

ui: install $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	BONDHEDGE_SOURCE=$(SOURCE) BONDHEDGE_CSV_DIR="$(CSV_DIR)" \
		dagster dev -m orchestration.definitions -h $(HOST) -p $(PORT)

lint: install
	ruff check ingestion orchestration tests
	ruff format --check ingestion orchestration tests
	sqlfluff lint dbt_project/models

fmt: install
	ruff format ingestion orchestration tests
	ruff check --fix ingestion orchestration tests

docs: install $(MANIFEST)
	BONDHEDGE_WAREHOUSE="$${BONDHEDGE_WAREHOUSE:-$(CURDIR)/data/warehouse.duckdb}" \
		dbt docs generate --target-path target/docs
	@echo "dbt docs site: target/docs/index.html (serve with: dbt docs serve --target-path target/docs)"

answer: install
	BONDHEDGE_SOURCE=$(SOURCE) bondhedge answer

bench: install $(MANIFEST)
	python bench/run_bench.py

clean:
	rm -rf target logs .pytest_cache
