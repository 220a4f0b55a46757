# VolcanoSSL. `make demo` runs the whole pipeline on the built-in synthetic volcano;
# `make test` runs the test suite. Both install what is missing first.
SWIFT ?= swift
# Numeric Swift is 10–100× slower unoptimised, so tests run as an optimised build
# (Swift Testing only: the project has no XCTest cases).
TEST_FLAGS ?= -c release -Xswiftc -enable-testing --disable-xctest
# Compiled for this machine's vector unit (AVX2 / AVX-512 where present; same results, faster
# distance scans). VSSL_TARGET_CPU=generic builds for any x86-64. See scripts/swift-flags.sh.
CPU_FLAGS := $(shell bash scripts/swift-flags.sh)

.PHONY: bootstrap build test demo bench fixtures clean

bootstrap:
	@bash scripts/bootstrap.sh

build: bootstrap
	$(SWIFT) build -c release $(CPU_FLAGS)

test: bootstrap
	$(SWIFT) test $(TEST_FLAGS) $(CPU_FLAGS)

demo: bootstrap
	$(SWIFT) run -c release $(CPU_FLAGS) volcano-ssl demo

bench: bootstrap
	bash bench/run.sh

fixtures:
	bash scripts/fixtures/make_all.sh

clean:
	rm -rf .build
