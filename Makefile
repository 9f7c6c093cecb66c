# Brook: `make run` starts a broker on ./data; `make test` checks everything CI checks.
SHELL := /bin/bash
NODE_MODULES := node_modules/.install-stamp
SOURCES := $(shell find protocol broker client cli bench -path client/dist -prune -o -name '*.ts' -print 2>/dev/null)
# The browser console's page is bundled with its scripts (cli/console/build.ts).
SOURCES += cli/console/index.html

.PHONY: run cluster cluster-join test build typecheck lint format readme-config tap chaos bench bench-quick bench-cluster bench-groups bench-peers clean

# Installs exactly what package-lock.json pins (better-sqlite3 compiles from source: about 80 s the first time).
$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The client package first (client/dist): the CLI imports it as @brook/client, through its built types.
dist/.build-stamp: $(NODE_MODULES) $(SOURCES) tsconfig.json tsconfig.build.json client/tsconfig.build.json
	npm run build
	chmod +x dist/cli/main.js
	# npm links the bins of dependencies, not the project's own: link `brook` so that `npx brook` finds it.
	ln -sf ../../dist/cli/main.js node_modules/.bin/brook
	touch $@

build: dist/.build-stamp

## Starts one broker with its data in ./data (TCP 9400, WebSocket + HTTP 9401). Ctrl-C stops it gracefully.
run: build
	node dist/cli/main.js broker --data-dir ./data

## Starts a local 3-broker cluster (ids 1-3, client ports 9400/9410/9420, Kafka ports 9092/9093/9094, data in
## ./data/cluster). Ctrl-C stops it.
cluster: build
	deploy/local-cluster.sh

## Adds a 4th broker (client port 9430, Kafka port 9095, data in ./data/cluster/4) to the running `make cluster`; then
## move partitions to it with `node dist/cli/main.js partition reassign --rebalance --wait 60000`. Ctrl-C stops it.
cluster-join: build
	mkdir -p data/cluster/4
	node dist/cli/main.js broker --id 4 --join --data-dir data/cluster/4 --port 9430 --ws-port 9431 --peer-port 9432 --kafka-port 9095 \
	  --peers 1@127.0.0.1:9402,2@127.0.0.1:9412,3@127.0.0.1:9422,4@127.0.0.1:9432

## Installs, builds, type-checks, lints, checks formatting and runs every test.
test: build typecheck lint tap

typecheck: $(NODE_MODULES)
	npx tsc --noEmit -p tsconfig.json

lint: $(NODE_MODULES)
	npx eslint --max-warnings 0 .
	npx prettier --check .

format: $(NODE_MODULES)
	npx prettier --write .

## Rewrites README.md's configuration table from the table of config fields (broker/config-fields.ts).
readme-config: build
	node --input-type=module -e "import fs from 'node:fs'; import { withConfigTable } from './dist/broker/config-readme.js'; \
	  fs.writeFileSync('README.md', withConfigTable(fs.readFileSync('README.md', 'utf8')));"

# tap builds its test class from the plugin list in .taprc, but only notices a changed list after it has started the
# run, so the first run after `npm ci` would load the TypeScript plugin it drops (ts-node: +1.7 s per test file).
TAP_BUILD := node_modules/.tap-build-stamp
$(TAP_BUILD): $(NODE_MODULES) .taprc
	npx tap build
	touch $@

tap: $(TAP_BUILD)
	npx tap

## Brook vs NATS JetStream, Redis Streams and RabbitMQ Streams, the whole matrix (about 15-20 min on a quiet 2-core
## machine): bench/results/latest.{md,json}, throughput.svg, latency.svg. Missing peers are installed if apt can.
bench: build bench-peers
	node dist/bench/run.js

## The headline scenarios in under 2 minutes: bench/results/quick.{md,json}, *-quick.svg.
bench-quick: build
	node dist/bench/run.js --quick

## Replication checks on a local 3-broker cluster: failover time (median of 20 leader kills) and the CPU of idle
## brokers with 1,000 replicated partitions: bench/results/cluster.json.
bench-cluster: build
	node dist/bench/cluster-checks.js

## Consumer-group rebalance on a local 3-broker cluster (10 members, 30 partitions under load, heartbeat 3 s): time
## until all partitions are owned again after a member leaves (median of 10 rounds, in heartbeat intervals) and the
## longest pause of unaffected partitions, plus joins (a few minutes): bench/results/groups.json.
bench-groups: build
	node dist/bench/group-checks.js

bench-peers:
	@command -v nats-server >/dev/null && command -v redis-server >/dev/null && command -v rabbitmq-server >/dev/null \
	  || apt-get install -y nats-server redis-server rabbitmq-server \
	  || echo 'bench: could not install the peer servers; the harness skips the missing ones'

## The fault-injection soak: 10 minutes of kills, pauses and network partitions against 3 brokers.
chaos: $(NODE_MODULES)
	CHAOS_SECONDS=600 npx tap --timeout 1200 test/chaos/chaos.test.ts

clean:
	rm -rf dist client/dist
