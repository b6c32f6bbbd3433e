# The two commands: `make run` starts the product, `make test` runs every test.
# Both install what they need first.

SHELL := /bin/bash

# Every target runs on the Node.js that .nvmrc pins (or a newer major already on
# PATH): scripts/ensure-node fetches it from the npm registry once, into .tools/.
NODE_BIN := $(shell scripts/ensure-node)
ifneq ($(.SHELLSTATUS),0)
$(error the pinned Node.js could not be had: see the line above)
endif
export PATH := $(if $(NODE_BIN),$(NODE_BIN):)$(PATH)
INSTALLED := node_modules/.installed
BUILT := dist/.built
SOURCES := $(shell find apps libs \( -name '*.ts' ! -name '*.spec.ts' \) -o -name '*.sql') nest-cli.json tsconfig.json apps/api/tsconfig.app.json apps/worker/tsconfig.app.json

# The machine's own PostgreSQL and Redis, for `make test-external` (override to point elsewhere).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/referral_test
TEST_REDIS_URL ?= redis://127.0.0.1:6379

.PHONY: help install build run dev settings-docs openapi test test-external test-faults test-scale test-image bench postman lint format typecheck migrate docker_run docker_demo docker_stop

help: ## List the targets
	@grep -E '^[a-z_]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

$(INSTALLED): package.json package-lock.json
	npm ci --include=dev --no-audit --no-fund
	@touch $@

install: $(INSTALLED) ## Install the dependencies (npm ci) when package-lock.json changed

$(BUILT): $(INSTALLED) $(SOURCES)
	npm run build
	@touch $@

build: $(BUILT) ## Compile the API and the worker into dist/ (when the sources changed)

run: build ## Start the API and the worker in the foreground (Ctrl-C stops both)
	node scripts/run.mjs

dev: build ## As run, and each process is recompiled and restarted when its sources change
	node scripts/run.mjs --watch

settings-docs: build ## Write docs/configuration.md and .env.example from the settings schema
	npm run settings:docs

openapi: build ## Write docs/openapi.json and the typed client's schema (packages/client) from the code
	npm run openapi

test: build ## Lint, type-check and run every test; without TEST_DATABASE_URL on a throwaway embedded PostgreSQL
	npm run lint
	npm run openapi:check
	npm run typecheck
	npm test

test-external: build ## The end-to-end tests on TEST_DATABASE_URL and TEST_REDIS_URL (default: this machine's)
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) npm run test:e2e

test-faults: build ## Kill and stop workers, Redis and PostgreSQL under load (needs PostgreSQL, Redis and redis-server)
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) npm run test:faults

# The e2e files whose flows a scaled deployment must keep: through PgBouncer, and on a Redis Cluster.
POOLED_FILES := (auth|tokens|referral|invite-links|users|many-processes|code-delivery)
CLUSTER_FILES := (auth|tokens|referral|invite-links|code-delivery|sms-pumping)

test-scale: build ## On the real engines (needs pgbouncer, haproxy, redis-server): PgBouncer, a Redis Cluster, HAProxy
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) TEST_PGBOUNCER=1 \
	  npm run test:e2e -- --testPathPatterns '$(POOLED_FILES)'
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_CLUSTER=1 \
	  npm run test:e2e -- --testPathPatterns '$(CLUSTER_FILES)'
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) npm run test:scale

test-image: build ## Build the image with a Docker engine (started here when none runs: docker.io, debootstrap) and run it
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) npm run test:image

bench: build ## Seed 100,000 users and measure the API against a framework-free ceiling, then the latencies through the real stack (test/bench/)
	node bench/run.mjs
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) npm run bench:latency

postman: install ## Run the Postman collection with newman against a running server (BASE_URL, default http://127.0.0.1:3000)
	npx newman run docs/postman/referral-service.postman_collection.json \
	  -e docs/postman/local.postman_environment.json --env-var baseUrl=$${BASE_URL:-http://127.0.0.1:3000}

lint: install ## ESLint (type-aware) and Prettier
	npm run lint

format: install ## Rewrite the sources with Prettier
	npm run format

typecheck: install ## TypeScript, no output
	npm run typecheck

migrate: build ## Apply the database migrations to DATABASE_URL
	npm run migrate

docker_run: ## Build the image and start PostgreSQL, Redis, the API and the worker with Docker Compose, production settings
	scripts/compose-secret
	docker compose up --build -d
	@echo "API on port $${PORT:-3000}; it starts once an SMS gateway is set (docker compose logs api says what is missing)"

docker_demo: ## The same with the simulated phone and development settings, on this machine's 127.0.0.1 only
	scripts/compose-secret
	docker compose -f docker-compose.yml -f docker-compose.demo.yml up --build -d
	@echo "Demo on http://127.0.0.1:$${PORT:-3000}/"

docker_stop: ## Stop the Docker Compose services, the demo's too (data volumes are kept)
	docker compose -f docker-compose.yml -f docker-compose.demo.yml down
