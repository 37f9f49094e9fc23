#!/bin/sh
# Installs the project from BUILD into a temporary prefix, then builds examples/hello.c from
# outside the tree against the installed core library, and the live-map examples
# examples/pattern_d_live.c and examples/kb_query_engine.c against the installed sync library,
# once with pkg-config (pathmap, pmsync) and once with CMake's find_package(pathmap/pmsync), and
# runs every build. Usage: install_test.sh BUILD_DIR SOURCE_DIR [CFLAGS...]
set -eu
build=$1
src=$(cd "$2" && pwd)
shift 2
extra="$*"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log"
pc=$(find "$tmp/prefix" -name pathmap.pc | head -n 1)
test -n "$pc" || { echo "pathmap.pc not installed"; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
export PKG_CONFIG_PATH="$(dirname "$pc")"
mkdir "$tmp/out"
for ex in hello pattern_d_live kb_query_engine; do
  cp "$src/examples/$ex.c" "$tmp/out/$ex.c"
done
cd "$tmp/out"
# shellcheck disable=SC2086,SC2046
cc $extra $(pkg-config --cflags pathmap) hello.c -o hello $(pkg-config --libs pathmap) \
  -Wl,-rpath,"$libdir"
./hello >hello.txt
grep -q '^spaces/3 = 3$' hello.txt || { cat hello.txt; echo "hello (pkg-config): wrong output"; exit 1; }
grep -q '^snapshot: spaces/1/facts/sea = 1$' hello.txt || { cat hello.txt; exit 1; }
# static library through pkg-config as well
# shellcheck disable=SC2086,SC2046
cc $extra $(pkg-config --cflags pathmap) hello.c -o hello_static "$libdir/libpathmap.a" -pthread
./hello_static | grep -q '^spaces/3 = 3$'
# The sync library: public headers only, each one compiles on its own with pmsync's cflags.
test -f "$PKG_CONFIG_PATH/pmsync.pc" || { echo "pmsync.pc not installed"; exit 1; }
inc=$(dirname "$libdir")/include/pmsync
test -f "$inc/all_backends.h" || { echo "generated pmsync/all_backends.h not installed"; exit 1; }
want=$(cd "$src/sync/include/pmsync" && ls *.h | grep -v '^conform\.h$'; echo all_backends.h)
got=$(cd "$inc" && ls)
echo "$want" | sort >want.txt
echo "$got" | sort >got.txt
diff want.txt got.txt || {
  echo "installed pmsync/*.h (>) differ from sync/include/pmsync/*.h but conform.h, + all_backends.h (<)"
  exit 1
}
for h in $got; do
  # shellcheck disable=SC2086,SC2046
  echo "#include \"pmsync/$h\"" | cc $extra -std=c11 -Wall -Wextra -Werror -fsyntax-only \
    $(pkg-config --cflags pmsync) -x c - || { echo "pmsync/$h does not compile on its own"; exit 1; }
done
# The live-map examples with pkg-config, run with the small sizes ctest gives them in the tree
# (examples/patterns.cmake); each prints OK last and exits 0.
run_live() { # NAME BINARY ARGS...
  name=$1
  shift
  st=0
  "$@" >"$name.txt" 2>&1 || st=$?
  test $st -eq 0 || { cat "$name.txt"; echo "$name: exit status $st"; exit 1; }
  test "$(tail -n 1 "$name.txt")" = OK || { cat "$name.txt"; echo "$name: no OK"; exit 1; }
}
for ex in pattern_d_live kb_query_engine; do
  # shellcheck disable=SC2086,SC2046
  cc $extra -std=c11 $(pkg-config --cflags pmsync) $ex.c -o $ex $(pkg-config --libs pmsync) \
    -Wl,-rpath,"$libdir"
done
run_live pattern_d_live ./pattern_d_live 1 500 epoch
run_live kb_query_engine ./kb_query_engine 2 60 urcu-memb
# CMake package configs
mkdir cm
cat >cm/CMakeLists.txt <<'CM'
cmake_minimum_required(VERSION 3.21)
project(examples_outside C)
set(CMAKE_C_STANDARD 11)
find_package(pathmap REQUIRED)
add_executable(hello ../hello.c)
target_link_libraries(hello PRIVATE pathmap::pathmap)
find_package(pmsync REQUIRED)
find_package(Threads REQUIRED)
foreach(ex pattern_d_live kb_query_engine)
  add_executable(${ex} ../${ex}.c)
  target_link_libraries(${ex} PRIVATE pmsync::pmsync Threads::Threads)
endforeach()
CM
cmake -S cm -B cm/build -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_C_FLAGS="$extra" \
  -DCMAKE_EXE_LINKER_FLAGS="$extra" >cm.log 2>&1 || { cat cm.log; exit 1; }
cmake --build cm/build >>cm.log 2>&1 || { cat cm.log; exit 1; }
cm/build/hello | grep -q '^spaces/3 = 3$'
run_live pattern_d_live_cmake cm/build/pattern_d_live 1 500 hp
run_live kb_query_engine_cmake cm/build/kb_query_engine 2 60 epoch
echo "install test: pkg-config, static and find_package builds of hello.c, and pkg-config and"
echo "find_package builds of pattern_d_live.c and kb_query_engine.c, run correctly"
