# Ballot's command line. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
SWIFT ?= swift
FORMAT_PATHS := Sources Tests Benchmarks Examples Package.swift
IMAGE ?= ballot
VERSION ?= latest
export DOCKER_BUILDKIT := 0

# Compose v2 when the plugin exists, else Debian's docker-compose 1.29. With a Docker engine
# answering (and DOCKER unset or 1), run-server, test and their friends use compose; otherwise
# they run natively against a local PostgreSQL. Each says which in one line.
COMPOSE := $(shell if docker compose version >/dev/null 2>&1; then echo "docker compose"; \
	elif command -v docker-compose >/dev/null 2>&1; then echo docker-compose; fi)
USE_DOCKER := $(shell if [ "$${DOCKER:-1}" != 0 ] && [ -n "$(COMPOSE)" ] && docker info >/dev/null 2>&1; \
	then echo yes; fi)
DEV := $(COMPOSE) --profile dev
TEST_COMPOSE := $(COMPOSE) -f docker-compose.test.yml -p ballot-test

.PHONY: help bootstrap build bench-reference bench-tasks build-assets watch-assets run-server stop-server restart-server logs stop-db migrate-db seed \
	createsuperuser test lint check-kubernetes format version-json base-images build-image conformance fleet-up fleet-roll fleet-status fleet-down fleet-test ha-test ha-compose-test soak down rebuild ci-assets ci-build ci-test ci-push ci-local \
	bench bench-db clean

help: ## List the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_-]+:.*## / { printf "  %-16s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

bootstrap: ## Install missing system packages (libpq-dev, PostgreSQL 15) with apt
	@scripts/dev/bootstrap

build: bootstrap ## Build everything natively (debug)
	$(SWIFT) build

build-assets: bootstrap ## Build static/src into hashed, minified files and a manifest in static/dist (esbuild)
	@scripts/build/assets

watch-assets: bootstrap ## Rebuild the assets on every change (restart the server to pick up new names)
	@scripts/build/assets --watch

run-server: ## Serve on http://localhost:8000: the dev profile in compose, or natively with a local PostgreSQL
ifeq ($(USE_DOCKER),yes)
	@echo "make run-server: Docker answers; the dev profile in compose (make logs, make stop-server)"
	$(DEV) up -d --build db web-dev worker-dev assets-dev
else
	@echo "make run-server: running natively (no Docker engine answers, or DOCKER=0)"
	@scripts/dev/bootstrap
	@scripts/dev/run-server
endif

stop-server: ## Stop the dev profile's server (compose); natively, Ctrl-C stops it
ifeq ($(USE_DOCKER),yes)
	$(DEV) stop worker-dev web-dev assets-dev
else
	@echo "make stop-server: the native server runs in the foreground of make run-server; press Ctrl-C there"
endif

restart-server: ## Rebuild (debug) and restart the dev server in compose, then its worker
	@scripts/dev/restart-server

logs: ## Follow the dev server's logs in compose
	$(DEV) logs -f web-dev worker-dev

migrate-db: ## Apply pending migrations (ARGS="status" etc.): in compose, or to DATABASE_URL / the local PostgreSQL
ifeq ($(USE_DOCKER),yes)
	$(DEV) run --rm web-dev sh -c "swift build --product ballot && .build/debug/ballot migrate $(ARGS)"
else
	@scripts/dev/bootstrap
	@scripts/dev/migrate-db $(ARGS)
endif

seed: ## Load demo questions into an empty database (compose, or DATABASE_URL / the local PostgreSQL)
ifeq ($(USE_DOCKER),yes)
	$(DEV) run --rm web-dev sh -c "swift build --product ballot && .build/debug/ballot migrate up && .build/debug/ballot seed"
else
	@scripts/dev/bootstrap
	@scripts/dev/migrate-db >/dev/null && $(SWIFT) build --product ballot >/dev/null && scripts/dev/with-database .build/debug/ballot seed
endif

createsuperuser: bootstrap ## Create a staff user: make createsuperuser USERNAME=admin (password from SUPERUSER_PASSWORD or stdin)
	@$(SWIFT) build --product ballot >/dev/null && scripts/dev/with-database .build/debug/ballot createsuperuser --username "$(USERNAME)" $(if $(SUPERUSER_PASSWORD),,--password-stdin)

stop-db: ## Stop the local PostgreSQL that run-server started
	@scripts/test/postgres stop .tmp/postgres

test: ## Every test: in compose against its db service, or natively against a throwaway PostgreSQL 15
ifeq ($(USE_DOCKER),yes)
	@echo "make test: Docker answers; the suite runs in docker-compose.test.yml against its db service"
	@scripts/test/django-hashes --install && scripts/test/prometheus-text --install && scripts/test/otlp-decode --install
	@$(TEST_COMPOSE) build test
	@status=0; $(TEST_COMPOSE) run --rm test || status=$$?; $(TEST_COMPOSE) down -v >/dev/null 2>&1; exit $$status
else
	@echo "make test: running natively against a throwaway PostgreSQL (no Docker engine answers, or DOCKER=0)"
	@scripts/dev/bootstrap
	@scripts/test/run
endif

lint: ## Check formatting (swift format, strict), that every import is declared (scripts/check/imports), that every lock is a BlockingLock (scripts/check/locks) and the load tests' verdicts (scripts/lib/test_verdicts.py)
	$(SWIFT) format lint --strict --recursive --parallel $(FORMAT_PATHS)
	@scripts/check/imports
	@scripts/check/locks
	@PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -s scripts/lib -p 'test_*.py'

check-kubernetes: ## Render the Kubernetes overlays and check them: kubernetes-validate (strict), the project's rules
	@scripts/check/kubernetes

format: ## Reformat the sources in place
	$(SWIFT) format --in-place --recursive --parallel $(FORMAT_PATHS)

version-json: ## Write version.json from git (source, version = exact tag, commit, build = local)
	@scripts/build/version-json >version.json
	@cat version.json

base-images: ## Build local debian:bookworm-slim, swift, postgres:15, haproxy:2.6 and prom/prometheus:v2.42.0 images where Docker Hub is out of reach
	@scripts/build/base-images

build-image: version-json ## Build the production image $(IMAGE):$(VERSION) (classic builder)
	@scripts/build/image $(IMAGE):$(VERSION)

conformance: ## Check the Dockerflow requirements from outside: make conformance IMAGE=ballot:latest
	@scripts/test/conformance $(if $(findstring :,$(IMAGE)),$(IMAGE),$(IMAGE):$(VERSION))

fleet-up: ## REPLICAS (3) copies of IMAGE=name:tag (ballot:latest) behind HAProxy on 127.0.0.1:8080, migrated first
	@scripts/ops/fleet up "$(if $(findstring :,$(IMAGE)),$(IMAGE),$(IMAGE):$(VERSION))"

fleet-roll: ## Replace the fleet's replicas one at a time with IMAGE=name:tag, each healthy before an old one drains
	@scripts/ops/fleet roll "$(if $(findstring :,$(IMAGE)),$(IMAGE),$(IMAGE):$(VERSION))"

fleet-status: ## Each fleet replica, its image and HAProxy's view of it
	@scripts/ops/fleet status

fleet-down: ## Stop and remove the fleet and its database
	@scripts/ops/fleet down

fleet-test: ## The fleet under load: a roll, a broken roll and a kill -9 with 0 lost requests or votes (IMAGE=name:tag)
	@scripts/ops/fleet-test "$(if $(findstring :,$(IMAGE)),$(IMAGE),$(IMAGE):$(VERSION))"

ha-test: build ## Ballot on a 3-node Patroni cluster under load: a switchover and a kill -9 of the primary, 0 votes lost
	@scripts/ops/ha-test

soak: build ## Three replicas behind HAProxy at 70 % of capacity for SOAK_MINUTES (20), a switchover in the middle: nothing may grow
	@scripts/ops/soak $(SOAK_MINUTES)

ha-compose-test: ## The compose profile ha under load: a switchover and a docker kill of the leader (IMAGE=name:tag)
	@scripts/ops/ha-compose-test "$(if $(findstring :,$(IMAGE)),$(IMAGE),$(IMAGE):$(VERSION))"

down: ## Stop and remove every compose container and network (volumes stay)
	$(COMPOSE) --profile dev --profile prod down
	$(TEST_COMPOSE) down -v

rebuild: ## Rebuild the dev images and recreate the dev containers
	$(DEV) build
	$(DEV) up -d --force-recreate db web-dev assets-dev

ci-assets: ## CI: build the frontend assets and keep them in .ci-artifacts
	@scripts/ci/assets

ci-build: ## CI: version.json from the CI context, the image with OCI labels, saved to .ci-artifacts
	@scripts/ci/build

ci-test: ## CI: lint (swift format, actionlint, check-kubernetes), make test in compose, conformance on the built image
	@scripts/ci/test

ci-push: ## CI: push :latest (main) or :<tag> (git tag); needs DOCKER_USER, DOCKER_PASS, DOCKER_REPO
	@scripts/ci/push

ci-local: ## The whole CI flow here, with a private registry on 127.0.0.1, for main and for a tag
	@scripts/ci/local

bench: bootstrap ## HTTP benchmark with wrk: Ballot beside a bare route; BASELINE=<rev> also beside ballot built from <rev>
	@scripts/bench/http

bench-reference: bootstrap ## make bench, plus the same endpoints on Hummingbird + PostgresNIO (Benchmarks/Reference)
	@REFERENCE=1 scripts/bench/http

bench-db: bootstrap ## Benchmark the connection pool against pgbench -S (see docs/performance.md)
	@scripts/bench/database

bench-tasks: bootstrap ## The task queue's drain rate and pickup latency beside procrastinate and pgqueuer (TASKS, CONCURRENCY, PEERS)
	@scripts/bench/tasks

clean: ## Remove build products and the local PostgreSQL
	-@scripts/test/postgres destroy .tmp/postgres
	rm -rf .build .tmp
