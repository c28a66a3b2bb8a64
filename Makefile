# Ballot's command line. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
SWIFT ?= swift
FORMAT_PATHS := Sources Tests Benchmarks Package.swift

.PHONY: help bootstrap build build-assets watch-assets run-server stop-db migrate-db seed createsuperuser test lint format bench bench-db clean

help: ## List the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_-]+:.*## / { printf "  %-16s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

bootstrap: ## Install missing system packages (libpq-dev, PostgreSQL 15) with apt
	@scripts/bootstrap

build: bootstrap ## Build everything (debug)
	$(SWIFT) build

build-assets: bootstrap ## Build static/src into hashed, minified files and a manifest in static/dist (esbuild)
	@scripts/build-assets

watch-assets: bootstrap ## Rebuild the assets on every change (restart the server to pick up new names)
	@scripts/build-assets --watch

run-server: bootstrap ## Migrate, then run the server on PORT (8000) against DATABASE_URL or a local PostgreSQL
	@scripts/run-server

migrate-db: bootstrap ## Apply pending migrations to DATABASE_URL or the local PostgreSQL (ARGS="status" etc.)
	@scripts/migrate-db $(ARGS)

seed: bootstrap ## Load demo questions into an empty database (DATABASE_URL or the local PostgreSQL)
	@scripts/migrate-db >/dev/null && $(SWIFT) build --product ballot >/dev/null && scripts/with-database .build/debug/ballot seed

createsuperuser: bootstrap ## Create a staff user: make createsuperuser USERNAME=admin (password from SUPERUSER_PASSWORD or stdin)
	@$(SWIFT) build --product ballot >/dev/null && scripts/with-database .build/debug/ballot createsuperuser --username "$(USERNAME)" $(if $(SUPERUSER_PASSWORD),,--password-stdin)

stop-db: ## Stop the local PostgreSQL that run-server started
	@scripts/test-postgres stop .tmp/postgres

test: bootstrap ## Run every test against DATABASE_URL or a throwaway PostgreSQL 15
	@scripts/run-tests

lint: ## Check formatting (swift format, strict)
	$(SWIFT) format lint --strict --recursive --parallel $(FORMAT_PATHS)

format: ## Reformat the sources in place
	$(SWIFT) format --in-place --recursive --parallel $(FORMAT_PATHS)

bench: bootstrap ## HTTP benchmark with wrk: Ballot beside a bare Hummingbird route (see docs/performance.md)
	@scripts/bench-http

bench-db: bootstrap ## Benchmark the connection pool against pgbench -S (see docs/performance.md)
	@scripts/bench-database

clean: ## Remove build products and the local PostgreSQL
	-@scripts/test-postgres destroy .tmp/postgres
	rm -rf .build .tmp
