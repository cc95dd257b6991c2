# Entry points. `make test` and `make serve` do all set-up on a fresh
# Debian/Ubuntu machine (dependencies come from scripts/install-deps.sh).
#
#   make            release build -> build/servir
#   make test       deps + lint + release tests + ASan/UBSan tests + fuzzers
#   make serve      build and start the server (MODEL=path|hf:ORG/REPO; default: a small chat model)
#   make lint       formatting and layering checks
#   make format     rewrite sources with clang-format
#   make fuzz       build and run every fuzzer for FUZZ_SECONDS each
#   make image      container image servir:dev (podman, base images made offline)
#   make image-test build the image, then check it (user, contents, size, serving)

BUILD_DIR     ?= build
SAN_DIR       ?= build-san
JOBS          ?= $(shell nproc)
FUZZ_SECONDS  ?= 30
CMAKE_GEN     := -G Ninja
# Let ccache reuse objects across clones in different folders (CI clones
# afresh each run).
export CCACHE_BASEDIR   := $(CURDIR)
export CCACHE_NOHASHDIR := 1
SOURCES        = $(shell git ls-files '*.cpp' '*.h' 2>/dev/null || find src tests bench fuzz -name '*.cpp' -o -name '*.h')

.PHONY: all build deps test test-release test-san lint format fuzz serve clean bench-kernels bench-guard bench-quant-quality image image-test

all: build

deps:
	@./scripts/install-deps.sh
	$(STAMP)

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release

# Each step of `make test` stamps the time it ended, so a CI log shows where
# the time went.
STAMP = @echo "make: $@ done at $$(date -u +%H:%M:%S)"

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)
	$(STAMP)

# The sanitizer build uses clang so the same build also carries libFuzzer
# coverage for the fuzz targets.
$(SAN_DIR)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(SAN_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSERVIR_SANITIZE=ON -DSERVIR_FUZZ=ON -DSERVIR_BENCH=OFF

build-san: deps $(SAN_DIR)/build.ninja
	cmake --build $(SAN_DIR) -j $(JOBS)
	$(STAMP)

# --timeout: the default for tests without their own (the gtest cases: the
# TIMEOUT passed through gtest_discover_tests is lost with the ENVIRONMENT
# list before it), so a hung test fails by name instead of stalling the run.
CTEST_TIMEOUT ?= 300

test-release: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout $(CTEST_TIMEOUT)
	$(STAMP)

test-san: build-san
	cd $(SAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout $(CTEST_TIMEOUT)
	$(STAMP)

fuzz: build-san
	./scripts/run-fuzzers.sh $(SAN_DIR) $(FUZZ_SECONDS)
	$(STAMP)

test: deps lint test-release test-san fuzz
	@echo "make test: all suites passed at $$(date -u +%H:%M:%S)"

lint: deps
	@clang-format --dry-run -Werror $(SOURCES)
	@./scripts/check-layers.sh
	@echo "lint: formatting and layering OK"

format:
	clang-format -i $(SOURCES)

# Without MODEL: a pinned small chat model pulled from the Hub on first use
# (scripts/serve.sh says what it does offline). ARGS: more `serve` flags.
serve: build
	@./scripts/serve.sh $(BUILD_DIR)/servir "$(MODEL)" -- $(ARGS)

# The container image (Dockerfile; docs/DEPLOYMENT.md). Not part of `make
# test`: it compiles servir inside the build stage (a host build with the
# same ccache makes that quick).
image:
	./scripts/image.sh build
	$(STAMP)

image-test:
	./scripts/image.sh test
	$(STAMP)

bench-kernels: build
	$(BUILD_DIR)/bench/kernels/bench_kernels

# The guard's scanners (time per KB) and streaming filter (time per token).
bench-guard: build
	$(BUILD_DIR)/bench/guard/bench_guard

# Quality per quantization type (PPL, KL, top-1 vs the float model); a few
# minutes for the tiny models, ~30 for the TinyLlama-shape one.
bench-quant-quality: build
	./bench/quant_quality.py --servir $(BUILD_DIR)/servir

clean:
	rm -rf $(BUILD_DIR) $(SAN_DIR)
