# Thin wrapper over CMake presets (see CMakePresets.json). The two commands of README.md:
#   make reproduce   install dependencies, build `release`, run `pmlab reproduce` (the main job)
#   make test        install dependencies, build `debug`, `asan` and `tsan`, run ctest in each
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
TEST_PRESETS ?= debug asan tsan
REPRODUCE_ARGS ?=
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= map zipper zh

.PHONY: all deps reproduce test release debug asan tsan clean format fuzz
all: release

deps:
	@scripts/install-deps

release debug asan tsan: deps
	@cmake --preset $@ >build-$@.log 2>&1 || { cat build-$@.log; rm -f build-$@.log; exit 1; }
	@rm -f build-$@.log
	cmake --build --preset $@ -j $(JOBS)

test-%: %
	ctest --preset $* -j $(JOBS)

test: deps $(addprefix test-,$(TEST_PRESETS))
	@echo "make test: all presets passed ($(TEST_PRESETS))"

reproduce: release
	@build/release/bin/pmlab reproduce $(REPRODUCE_ARGS); rc=$$?; \
	  dir=$$(ls -td results/*-reproduce 2>/dev/null | head -1); \
	  for a in $(REPRODUCE_ARGS); do case "$$prev" in --out) dir=$$a;; esac; prev=$$a; done; \
	  echo "make reproduce: report: $$dir/report.md (and $$dir/report.html)"; exit $$rc

# Long fuzzing (tests/fuzz/README.md): each target FUZZ_SECONDS seconds, one after the other, from
# the committed corpus; new inputs and crashes stay in build/asan/fuzz/.
fuzz: deps
	@cmake --preset asan >build-asan.log 2>&1 || { cat build-asan.log; rm -f build-asan.log; exit 1; }
	@rm -f build-asan.log
	cmake --build --preset asan -j $(JOBS) --target pm_fuzz
	@for t in $(FUZZ_TARGETS); do sh tests/fuzz/run.sh fuzz build/asan/fuzz $$t $(FUZZ_SECONDS) || exit 1; done

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
