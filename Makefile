# Kizuna: the two commands of the README are `make demo` and `make check`.
# Everything else here is what those two are made of.

BUILD ?= build
KIZUNA = $(BUILD)/kizuna
DEMO_DB ?= var/kizuna.db
DEMO_LISTEN ?= 127.0.0.1:8470
# More `serve` flags for the demo, e.g. DEMO_FLAGS=--insecure-http with DEMO_LISTEN=0.0.0.0:8470
DEMO_FLAGS ?=
FUZZ_SECONDS ?= 60

.PHONY: all deps build demo check unit sanitize integration fuzz bench clean e2e

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

# The routing table is compiled from the routing data installed by npm (scripts/install-deps).
build: deps $(BUILD)/build.ninja
	@ninja -C $(BUILD)
	@[ -f data/geo.kzg ] || $(KIZUNA) geodata build

# Builds, creates var/kizuna.db with the fictitious demo directory (recreated on every
# run: demo data is disposable) and serves it until Ctrl-C. Checks first that it can
# serve on DEMO_LISTEN, and wipes nothing when it cannot (the port taken, say).
demo: build
	@$(KIZUNA) serve --check --listen $(DEMO_LISTEN) $(DEMO_FLAGS) > /dev/null
	@mkdir -p var
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_DB).key
	@$(KIZUNA) demo --db $(DEMO_DB) --log-level warn > var/demo-init.txt
	@echo "Kizuna demo: http://$(DEMO_LISTEN)/ (API: http://$(DEMO_LISTEN)/api/v1/health)"
	@grep -m 1 '^demo user: .*(analyst' var/demo-init.txt | awk '{print "Sign in as " $$3 " with the password " $$4 " (requests wait on its My work; one user per organization in var/demo-init.txt)"}'
	@grep -m 1 '^demo user: .*(admin' var/demo-init.txt | awk '{print "Administration: sign in as " $$3 " with the same password"}'
	@echo "Admin API key: $$(tail -n 1 var/demo-init.txt)"
	@echo "Try: curl -H \"Authorization: Bearer $$(tail -n 1 var/demo-init.txt)\" 'http://$(DEMO_LISTEN)/api/v1/contacts?state=JP'"
	@echo "Stop with Ctrl-C."
	@exec $(KIZUNA) serve --db $(DEMO_DB) --listen $(DEMO_LISTEN) $(DEMO_FLAGS)

# Every test: unit and integration (plain and under ASan+UBSan, the server too),
# fuzz targets replaying their corpora. Ends with one summary line.
check: deps
	@scripts/check

# The parts of check alone (scripts/check names them; one piece of code serves both):
# unit tests on the plain build; integration tests against build/kizuna; unit and
# integration tests against a build with AddressSanitizer + UndefinedBehaviorSanitizer.
unit: deps
	@scripts/check unit

integration: deps
	@scripts/check integration

sanitize: deps
	@scripts/check sanitize

# The web interface's browser tests alone (also part of check).
e2e: build
	@KIZUNA_BIN=$(KIZUNA) node --test --test-reporter=spec tests/e2e/test_*.mjs

fuzz: deps
	@scripts/fuzz $(FUZZ_SECONDS)

bench: build
	@scripts/bench

clean:
	rm -rf $(BUILD) build-san build-fuzz var
