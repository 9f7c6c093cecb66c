# Brook: `make run` starts a broker on ./data; `make test` checks everything CI checks.
SHELL := /bin/bash
NODE_MODULES := node_modules/.install-stamp
SOURCES := $(shell find broker client bench -name '*.ts' 2>/dev/null)

.PHONY: run cluster test build typecheck lint format tap bench bench-quick clean

# Installs exactly what package-lock.json pins (better-sqlite3 compiles from source: about 80 s the first time).
$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

dist/.build-stamp: $(NODE_MODULES) $(SOURCES) tsconfig.json tsconfig.build.json
	npx tsc -p tsconfig.build.json
	chmod +x dist/broker/main.js
	touch $@

build: dist/.build-stamp

## Starts one broker with its data in ./data (TCP 9400, WebSocket + HTTP 9401). Ctrl-C stops it gracefully.
run: build
	node dist/broker/main.js broker --data-dir ./data

## Starts a local 3-broker cluster (ids 1-3, client ports 9400/9410/9420, data in ./data/cluster). Ctrl-C stops it.
cluster: build
	deploy/local-cluster.sh

## Installs, builds, type-checks, lints, checks formatting and runs every test.
test: build typecheck lint tap

typecheck: $(NODE_MODULES)
	npx tsc --noEmit -p tsconfig.json

lint: $(NODE_MODULES)
	npx eslint --max-warnings 0 .
	npx prettier --check .

format: $(NODE_MODULES)
	npx prettier --write .

tap: $(NODE_MODULES)
	npx tap

## Produce and consume throughput against a real broker process.
bench: build
	node dist/bench/run.js

bench-quick: build
	node dist/bench/run.js --quick

clean:
	rm -rf dist
