# The two commands the README gives, plus the building blocks they use.
# Each target installs what is missing first (scripts/install-deps is idempotent).

BUILD_DIR ?= build
SANITIZE_DIR ?= build-sanitize
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure --timeout 600

.PHONY: all deps build test test-sanitize demo docs clean format check-format zero-downtime fuzz soak bench

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

# Shipping (packaging/README.md). `package`: the Debian package from a Release build,
# build-package/graced_*.deb; `package-test` installs it, smoke-tests it and removes it
# again. `static`: a fully static, stripped build-static/graced; `static-test` runs it in
# an empty root. Each builds in its own directory.
.PHONY: package package-test static static-test

package: deps
	cmake -S . -B build-package -DCMAKE_BUILD_TYPE=Release -DGRACED_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build build-package -j $(JOBS)
	cd build-package && cpack -G DEB

package-test: package
	packaging/test-package build-package

static: deps
	cmake -S . -B build-static -DCMAKE_BUILD_TYPE=Release -DGRACED_STATIC=ON $(CMAKE_FLAGS)
	cmake --build build-static -j $(JOBS) --target graced

static-test: static
	packaging/test-static build-static/graced

# Soak and abuse tests (tests/soak/) at full size: zombie bursts, signal storms, slowloris
# and connection floods, malformed HTTP/1 and HTTP/2, a flapping dependency, graced under
# valgrind. ctest runs them at 1/10 of this size (GRACED_SOAK_SCALE unset). The figures
# each test prints (counts, RSS, fds, p99) are collected in $(BUILD_DIR)/soak-figures.txt.
soak: build
	rm -f $(BUILD_DIR)/soak-figures.txt
	cd $(BUILD_DIR) && GRACED_SOAK_SCALE=full GRACED_SOAK_REPORT=$(abspath $(BUILD_DIR))/soak-figures.txt \
	  ctest -L soak --output-on-failure; rc=$$?; cat soak-figures.txt 2>/dev/null; exit $$rc

# HAProxy in front of two backends, one stopped mid-load: graced's drain variants against
# tini, 3 runs each (tests/bench/zero_downtime.py; results in build-bench/).
zero-downtime: build
	/usr/bin/python3 tests/bench/zero_downtime.py $(BUILD_DIR)/graced --runs 3 --out build-bench

# Benchmarks against peers measured side by side in the same run (nginx-light, tini,
# dumb-init, catatonit, a C++ gRPC server the bench builds): figures and ratios, never
# pass/fail.
# Prints one table and writes build-bench/results.json and results.md (tests/bench/README.md).
bench: build
	/usr/bin/python3 tests/bench/run --graced $(BUILD_DIR)/graced --out build-bench

# Coverage-guided fuzzing: every tests/fuzz target built with clang, libFuzzer, ASan and
# UBSan in $(FUZZ_DIR), each run for FUZZ_SECONDS from a scratch copy of its corpus (the
# checked-in one stays as it is). Stops at the first crash and says where the input is.
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = $(patsubst tests/fuzz/%.cpp,%,$(wildcard tests/fuzz/*_fuzz.cpp))

fuzz: deps
	cmake -S . -B $(FUZZ_DIR) -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DCMAKE_C_FLAGS_DEBUG="-O1 -g" \
	  -DGRACED_LIBFUZZER=ON $(CMAKE_FLAGS)
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_targets
	@for t in $(FUZZ_TARGETS); do \
	  work=$(abspath $(FUZZ_DIR))/fuzz-corpus/$$t; crashes=$(abspath $(FUZZ_DIR))/fuzz-crashes/$$t; \
	  rm -rf $$work && mkdir -p $$work $$crashes && cp tests/fuzz/corpus/$$t/* $$work/; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(FUZZ_DIR)/tests/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=25 -print_final_stats=1 \
	    -artifact_prefix=$$crashes/ $$work 2>$(FUZZ_DIR)/fuzz-$$t.log; \
	  rc=$$?; grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|Done )' $(FUZZ_DIR)/fuzz-$$t.log; \
	  if [ $$rc -ne 0 ]; then \
	    tail -n 40 $(FUZZ_DIR)/fuzz-$$t.log; \
	    echo "fuzz: $$t failed; the input is in $$crashes/ (log: $(FUZZ_DIR)/fuzz-$$t.log)"; \
	    echo "fuzz: replay with $(FUZZ_DIR)/tests/fuzz/$$t $$crashes/<file>"; \
	    exit 1; \
	  fi; \
	done

demo: build
	@examples/demo/run-demo $(BUILD_DIR)/graced

docs: build
	$(BUILD_DIR)/daemon/graced-config-reference docs/configuration.md

format:
	find daemon probes hooks tests -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

check-format: deps
	find daemon probes hooks tests -name '*.cpp' -o -name '*.hpp' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) build-package build-static build-bench $(FUZZ_DIR)
