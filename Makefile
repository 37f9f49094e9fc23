# Thin wrapper over CMake presets (see CMakePresets.json). The two commands of README.md:
#   make reproduce   install dependencies, build `release`, run `pmlab reproduce` (the main job)
#   make test        install dependencies, build `debug`, `asan` and `tsan`, run ctest in each
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
TEST_PRESETS ?= debug asan tsan
REPRODUCE_ARGS ?=
FUZZ_SECONDS ?= 600
SOAK_SECONDS ?= 30
FUZZ_TARGETS ?= map zipper zh paths load frozen

.PHONY: all deps reproduce test release debug asan tsan clean format fuzz soak
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

# Soak (outside make test): the live-map oracle with owned values (tests/sync/test_sync_soak.c)
# on every backend, SOAK_SECONDS of writing per backend, under TSan and then ASan.
soak: deps
	@for p in tsan asan; do \
	  cmake --preset $$p >build-$$p.log 2>&1 || { cat build-$$p.log; rm -f build-$$p.log; exit 1; }; \
	  rm -f build-$$p.log; \
	  cmake --build --preset $$p -j $(JOBS) --target sync_soak || exit 1; \
	  echo "make soak: $$p, $(SOAK_SECONDS) s per backend"; \
	  PM_SOAK_SECONDS=$(SOAK_SECONDS) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp \
	    build/$$p/bin/sync_soak || exit 1; \
	done; echo "make soak: passed under tsan and asan"

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
