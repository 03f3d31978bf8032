# 民心榜 portal. Two commands for a newcomer: `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
WITH_SERVICES := source var/services.env &&
PYTEST_ARGS ?= -n 2

.PHONY: run test bench faults venv services setup system-deps browser-deps cluster-deps messages backup restore \
	cluster cluster-stop cluster-status cluster-check cluster-drill

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "[setup] installing the pinned dependencies into $(VENV)"
	@$(PY) -m pip install -q --disable-pip-version-check -e ".[test,bench]" 2> >(grep -v "^WARNING: Location" >&2)
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

system-deps:
	@bash scripts/system_deps.sh base

browser-deps:
	@bash scripts/system_deps.sh browser

cluster-deps:
	@bash scripts/system_deps.sh cluster

services: venv
	@$(PY) scripts/services.py ensure

messages: venv system-deps
	@PORTAL_ENV=development $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

setup: services messages
	@$(WITH_SERVICES) $(PY) manage.py migrate --no-input -v 0
	@$(WITH_SERVICES) $(PY) manage.py collectstatic --no-input -v 0
	@$(WITH_SERVICES) $(PY) manage.py seed_demo

## Serve the portal with its background worker at http://127.0.0.1:8000
run: setup
	@$(WITH_SERVICES) exec bash scripts/run.sh

## Run the whole test suite against the real PostgreSQL, Redis and chromium
test: services messages browser-deps cluster-deps
	@$(WITH_SERVICES) $(PY) -m pytest $(PYTEST_ARGS)

## Load benchmarks (not tests): figures printed as ratios to in-run baselines
bench: setup
	@bash scripts/system_deps.sh bench
	@$(WITH_SERVICES) $(PY) -m bench $(BENCH_ARGS)

## Fault drill (a bench, not a test): the portal as `make run` serves it, on its
## own PostgreSQL and Redis under var/faults/, through a vote storm with
## Redis, PostgreSQL, a web worker and the task worker failing mid-storm
faults: venv messages
	@$(PY) -m bench faults $(FAULTS_ARGS)

## The portal as a cluster on this machine (docs/cluster.md): etcd, PostgreSQL 15
## primary + synchronous standby under Patroni, HAProxy, PgBouncer, Redis with
## Sentinel, two web nodes behind HAProxy at http://127.0.0.1:17080, the demo loaded
cluster: venv messages cluster-deps
	@$(PY) scripts/cluster.py up --demo $(CLUSTER_ARGS)

cluster-stop: venv
	@$(PY) scripts/cluster.py down $(CLUSTER_ARGS)

cluster-status: venv
	@$(PY) scripts/cluster.py status $(CLUSTER_ARGS)

## Cluster drill (a bench, not a test): a vote storm through HAProxy while a web
## node and then the PostgreSQL primary are killed; 0 lost, 0 extra, 0 over quota
cluster-check: venv messages cluster-deps
	@$(PY) -m bench cluster $(CLUSTER_CHECK_ARGS)

cluster-drill: cluster-check

## Back up the database and the uploaded files into one archive under var/backups (or BACKUP_DIR)
backup: services
	@$(WITH_SERVICES) $(PY) manage.py backup $(if $(BACKUP_DIR),--dir "$(BACKUP_DIR)")

## Restore an archive into an empty database and empty media folders:
## make restore FILE=var/backups/portal-….tar [INTO=postgres://…/empty_db] [FORCE=1]
restore: services
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/portal-<time>.tar [INTO=postgres://host/empty_db] [FORCE=1]" >&2; exit 2; }
	@$(WITH_SERVICES) $(PY) manage.py restore "$(FILE)" $(if $(INTO),--database-url "$(INTO)") $(if $(FORCE),--force)

## Current TOTP code of the demo staff accounts
totp: services
	@$(WITH_SERVICES) $(PY) manage.py demo_totp
