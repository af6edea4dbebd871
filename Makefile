# PicoClaw: the two commands are `make run` and `make test`.
# Bun comes from the npm registry (the pinned `bun` package in package.json), so a machine
# with only Node and npm can build and test. A Bun already on PATH is used when it is the
# pinned version.

SHELL := /bin/bash
.DEFAULT_GOAL := build

BUN_VERSION := $(shell node -p "require('./package.json').devDependencies.bun")
BUN := $(shell command -v bun >/dev/null 2>&1 && [ "$$(bun --version 2>/dev/null)" = "$(BUN_VERSION)" ] && command -v bun || echo node_modules/.bin/bun)
DENO := node_modules/.bin/deno
TSC := node_modules/.bin/tsc
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD -- 2>/dev/null || echo -dirty)
SOURCES := main.ts package.json Makefile $(shell find mod web -type f 2>/dev/null)
# The binary ignores .env and bunfig.toml in the directory it runs from: its config comes only
# from PICOCLAW_HOME, PICOCLAW_* variables and flags.
BUILD_FLAGS := --compile --bytecode --minify-syntax --minify-whitespace --define 'PICOCLAW_COMMIT="$(COMMIT)"' \
	--no-compile-autoload-dotenv --no-compile-autoload-bunfig
# The chat history's writer runs in a Worker: its file is an entrypoint of its own, embedded in the binary.
ENTRYPOINTS := main.ts mod/history/writer_worker.ts
RELEASES := dist/picoclaw-linux-x64 dist/picoclaw-linux-x64-baseline dist/picoclaw-linux-arm64
QEMU_ARM64 := qemu-aarch64-static -L /usr/aarch64-linux-gnu
ARM64_LOADER := /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1
TS_FILES = main.ts $(shell find mod tests bench web -name '*.ts' -o -name '*.tsx' 2>/dev/null)
TSC_FLAGS := --noEmit --strict --target ES2022 --module preserve --moduleResolution bundler \
	--types bun --lib ESNext,DOM,DOM.Iterable --resolveJsonModule --allowImportingTsExtensions \
	--skipLibCheck --noFallthroughCasesInSwitch --useUnknownInCatchVariables

.PHONY: deps build build-arm64 release run test test-slow test-arm64 test-only bench browser fmt fmt-check lint clean

# Installs npm packages (Bun, Deno for fmt/lint, libraries) once per lockfile change.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.installed

dist/picoclaw: node_modules/.installed $(SOURCES)
	@mkdir -p dist
	$(BUN) build $(BUILD_FLAGS) $(ENTRYPOINTS) --outfile $@

# Release binaries, cross-compiled: Bun fetches each target's runtime from the npm registry.
dist/picoclaw-linux-%: node_modules/.installed $(SOURCES)
	@mkdir -p dist
	$(BUN) build $(BUILD_FLAGS) --target=bun-linux-$* $(ENTRYPOINTS) --outfile $@

dist/SHA256SUMS: $(RELEASES)
	cd dist && sha256sum $(notdir $(RELEASES)) > SHA256SUMS

# x64, x64-baseline (CPUs without AVX2) and arm64 (Raspberry Pi 3/4/5 on a 64-bit OS), with checksums.
release: dist/SHA256SUMS
	@ls -l $(RELEASES) dist/SHA256SUMS

# The arm64 binary under qemu user-mode emulation (Debian: qemu-user-static, libc6-arm64-cross).
test-arm64: dist/picoclaw-linux-arm64
	PICOCLAW_TEST_ARM64="$(QEMU_ARM64) $(CURDIR)/dist/picoclaw-linux-arm64" $(BUN) test tests/arm64

build: dist/picoclaw

build-arm64: dist/picoclaw-linux-arm64

# Runs the launcher (gateway + dashboard) against $PICOCLAW_HOME or ~/.picoclaw.
run: build
	./dist/picoclaw --console

# Installs, builds, checks format, lints and type-checks, then runs every test
# (the browser tests drive Debian's Chromium: see `browser`), and the arm64 tests when
# qemu-aarch64-static and the aarch64 loader are there (Debian: qemu-user-static,
# libc6-arm64-cross). Under CI (CI set) their absence is an error, not a skip.
test: build fmt-check lint browser
	$(BUN) test
	@if command -v qemu-aarch64-static >/dev/null 2>&1 && [ -e $(ARM64_LOADER) ]; then \
	  $(MAKE) --no-print-directory test-arm64; \
	elif [ -n "$$CI" ]; then \
	  echo "error: CI must run the arm64 tests: install qemu-user-static and libc6-arm64-cross" >&2; exit 1; \
	else \
	  echo "note: arm64 tests skipped: qemu-aarch64-static or $(ARM64_LOADER) is missing (apt install qemu-user-static libc6-arm64-cross)"; \
	fi

# The heavy versions of the hardening tests: 50 000 fuzz frames, 1 000 kill -9s, 60 s of
# 5 000-connection waves. `make test` runs a shorter version of each.
test-slow: build browser
	PICOCLAW_SLOW=1 $(BUN) test tests/hardening

# Runs the tests without the build and checks (the binary must exist).
test-only: deps
	$(BUN) test

# Benchmarks (not part of `make test`): they print their figures and ratios to a baseline.
bench: build
	$(BUN) bench/gateway.ts
	$(BUN) bench/login.ts
	$(BUN) bench/history.ts
	$(BUN) bench/history_writer.ts
	$(BUN) bench/startup.ts

# Debian's Chromium for the browser tests (never a downloaded browser). Installs it with apt
# when missing and possible; otherwise the browser tests say they were skipped (CI fails instead).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "warning: /usr/bin/chromium is missing; install Debian's chromium to run the browser tests"; \
	  fi; \
	fi

fmt: deps
	$(DENO) fmt

fmt-check: deps
	$(DENO) fmt --check

lint: deps
	$(DENO) lint
	$(TSC) $(TSC_FLAGS) $(TS_FILES)

clean:
	rm -rf dist
