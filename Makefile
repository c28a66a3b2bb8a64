# Ballot's command line. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
SWIFT ?= swift
FORMAT_PATHS := Sources Tests Benchmarks Package.swift

.PHONY: help bootstrap build run-server stop-db migrate-db test lint format bench-db clean

help: ## List the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_-]+:.*## / { printf "  %-14s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

bootstrap: ## Install missing system packages (libpq-dev, PostgreSQL 15) with apt
	@scripts/bootstrap

build: bootstrap ## Build everything (debug)
	$(SWIFT) build

run-server: bootstrap ## Migrate, then run the server on PORT (8000) against DATABASE_URL or a local PostgreSQL
	@scripts/run-server

migrate-db: bootstrap ## Apply pending migrations to DATABASE_URL or the local PostgreSQL (ARGS="status" etc.)
	@scripts/migrate-db $(ARGS)

stop-db: ## Stop the local PostgreSQL that run-server started
	@scripts/test-postgres stop .tmp/postgres

test: bootstrap ## Run every test against DATABASE_URL or a throwaway PostgreSQL 15
	@scripts/run-tests

lint: ## Check formatting (swift format, strict)
	$(SWIFT) format lint --strict --recursive --parallel $(FORMAT_PATHS)

format: ## Reformat the sources in place
	$(SWIFT) format --in-place --recursive --parallel $(FORMAT_PATHS)

bench-db: bootstrap ## Benchmark the connection pool against pgbench -S (see docs/performance.md)
	@scripts/bench-database

clean: ## Remove build products and the local PostgreSQL
	-@scripts/test-postgres destroy .tmp/postgres
	rm -rf .build .tmp
