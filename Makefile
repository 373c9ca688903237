# ChatterLink. `make start` runs the app; `make test` runs the tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help

STAMP := node_modules/.install-stamp
PACKAGE_FILES := package.json package-lock.json schema/package.json backend/package.json backend/native/aead/package.json frontend/package.json
AEAD_DIR := backend/native/aead
AEAD_ADDON := $(AEAD_DIR)/build/Release/aead.node
TSX := node_modules/.bin/tsx
VITEST := node_modules/.bin/vitest --config backend/vitest.config.ts

.PHONY: start-postgres audit erase-user rotate-keys backup restore
.PHONY: bench bench-quick
.PHONY: help install build start test test-unit test-int test-faults test-security typecheck replay clean chromium e2e budget

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): $(PACKAGE_FILES)
	npm ci --no-audit --no-fund
	@touch $@

# The AES-256-GCM addon, compiled offline against this node's own headers (needs python3, make, cc).
# Built here rather than by npm's install scripts, which npm's allowScripts policy may skip.
$(AEAD_ADDON): $(AEAD_DIR)/aead.c $(AEAD_DIR)/binding.gyp $(AEAD_DIR)/build.mjs
	npm run build -w @chatterlink/aead-native

install: $(STAMP) $(AEAD_ADDON) ## Install dependencies when package files changed; build the native addon

build: install ## Build the server bundle and the web app
	npm run build

start: build ## Install, build and serve on http://127.0.0.1:5000 (embedded database under instance/)
	scripts/serve

start-postgres: build ## Like start, against a Postgres server: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/chatterlink)
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/chatterlink}"; \
	psql "$${DATABASE_URL%/*}/postgres" -tAc "select 1 from pg_database where datname = '$${DATABASE_URL##*/}'" | grep -q 1 \
	  || psql "$${DATABASE_URL%/*}/postgres" -c "create database \"$${DATABASE_URL##*/}\""; \
	DATABASE_URL="$$DATABASE_URL" scripts/serve

typecheck: install ## Type-check everything (the PWA's .vue files with vue-tsc, its service worker separately)
	npx tsc -p tsconfig.json
	npm run typecheck -w frontend

test: typecheck ## Install, type-check, run unit + integration tests (Postgres too when TEST_DATABASE_URL is set)
	$(VITEST) run $(VITEST_ARGS)

test-unit: install ## Unit tests only
	$(VITEST) run --project unit --project frontend

test-int: install ## Integration tests only
	$(VITEST) run --project int

# A hardening suite: vitest with its own config, then the summary table (tallies + pass/fail).
define hardening
	rm -rf .hardening/$(1) && mkdir -p .hardening/$(1)
	status=0; HARDENING_TALLY_DIR=$(CURDIR)/.hardening/$(1) node_modules/.bin/vitest run --config backend/vitest.$(1).config.ts \
	  --reporter=default --reporter=json --outputFile.json=.hardening/$(1)/report.json || status=$$?; \
	node scripts/hardening/summary.mjs $(1) .hardening/$(1) && exit $$status
endef

test-faults: install ## Fault injection (kill -9, Postgres restarts, node loss, races), history-checked; needs TEST_DATABASE_URL
	$(call hardening,faults)

test-security: build chromium ## Security suite: JWT, handshake, object access, CSRF, passwords, uploads, encryption, fuzzing, XSS/CSP in Chromium
	$(call hardening,security)

chromium: ## Install Debian's Chromium (and an emoji font) for the e2e suite when missing; never downloads a browser
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; }

e2e: build chromium ## Real-browser tests of the PWA (Chromium via playwright-core); screenshots in test-results/e2e
	node_modules/.bin/vitest run --config frontend/vitest.e2e.config.ts

budget: build ## Initial JS+CSS of the PWA against its 120 KB gzipped budget (also checked by every build)
	npm run budget -w frontend

# The replay keeps projection rows in memory while it folds the log, a message's only until it is written
# out (then its id: about 100 bytes per message in all): let it use up to three quarters of the RAM rather
# than V8's default heap limit (a quarter, at most 4 GB).
REPLAY_HEAP_MB := $(shell awk '/^MemTotal:/ { print int($$2 * 3 / 4 / 1024) }' /proc/meminfo 2>/dev/null)

replay: install ## Rebuild every projection from the event log and verify it
	NODE_OPTIONS="$(if $(REPLAY_HEAP_MB),--max-old-space-size=$(REPLAY_HEAP_MB) )$$NODE_OPTIONS" $(TSX) scripts/replay.ts

bench: install chromium ## Full benchmark vs bare uWS, ws and Socket.IO (long); writes docs/benchmarks.md and scripts/bench/results/
	$(TSX) scripts/bench/run.ts --full

bench-quick: install chromium ## The benchmark in under 5 minutes (smaller and shorter; labelled as such in docs/benchmarks.md)
	$(TSX) scripts/bench/run.ts

audit: install ## Event-log tools: ARGS="verify" (default) | "browse --type=message.sent" | "export --out=log.ndjson" | "checkpoint"
	$(TSX) scripts/audit.ts $(ARGS)

erase-user: install ## Crypto-erase one person: make erase-user USER=<username> [YES=1]; irreversible
	@test "$(origin USER)" = "command line" || { echo 'Name the person: make erase-user USER=<username>'; exit 2; }
	$(TSX) scripts/erase-user.ts "$(USER)" $(if $(YES),--yes)

rotate-keys: install ## New master key: re-wraps every data key, retires the old key (docs/deploy.md)
	$(TSX) scripts/rotate-keys.ts

backup: install ## Database + uploads + keys into TO=<dir> (default instance/backups/<time>); SENSITIVE
	$(TSX) scripts/backup.ts $(TO)

restore: install ## Restore FROM=<dir> into the configured (empty) instance, then verify the chain [FORCE=1]
	@test -n "$(FROM)" || { echo 'Name the backup: make restore FROM=<dir>'; exit 2; }
	$(TSX) scripts/restore.ts "$(FROM)" $(if $(FORCE),--force)

clean: ## Remove build output (keeps instance/)
	rm -rf backend/dist frontend/dist
