# The two commands the README gives, plus the building blocks they use.
# Each target installs what is missing first (scripts/install-deps is idempotent).

BUILD_DIR ?= build
SANITIZE_DIR ?= build-sanitize
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure --timeout 600

.PHONY: all deps build test test-sanitize demo docs clean format check-format zero-downtime

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest $(CTEST_FLAGS) -j 2

test-sanitize: deps
	cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=Debug -DGRACED_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(SANITIZE_DIR) -j $(JOBS)
	cd $(SANITIZE_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest $(CTEST_FLAGS) -j 2

# HAProxy in front of two backends, one stopped mid-load: graced's drain variants against
# tini, 3 runs each (tests/bench/zero_downtime.py; results in build-bench/).
zero-downtime: build
	/usr/bin/python3 tests/bench/zero_downtime.py $(BUILD_DIR)/graced --runs 3 --out build-bench

demo: build
	@examples/demo/run-demo $(BUILD_DIR)/graced

docs: build
	$(BUILD_DIR)/daemon/graced-config-reference docs/configuration.md

format:
	find daemon probes hooks tests -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

check-format: deps
	find daemon probes hooks tests -name '*.cpp' -o -name '*.hpp' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR)
