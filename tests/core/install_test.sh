#!/bin/sh
# Installs the project from BUILD into a temporary prefix, then builds examples/hello.c from
# outside the tree against the installed library, once with pkg-config and once with CMake's
# find_package(pathmap), and runs both. Usage: install_test.sh BUILD_DIR SOURCE_DIR [CFLAGS...]
set -eu
build=$1
src=$2
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
cp "$src/examples/hello.c" "$tmp/out/hello.c"
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
# CMake package config
mkdir cm
cat >cm/CMakeLists.txt <<'CM'
cmake_minimum_required(VERSION 3.21)
project(hello_outside C)
find_package(pathmap REQUIRED)
add_executable(hello ../hello.c)
target_link_libraries(hello PRIVATE pathmap::pathmap)
CM
cmake -S cm -B cm/build -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_C_FLAGS="$extra" \
  -DCMAKE_EXE_LINKER_FLAGS="$extra" >cm.log 2>&1 || { cat cm.log; exit 1; }
cmake --build cm/build >>cm.log 2>&1 || { cat cm.log; exit 1; }
cm/build/hello | grep -q '^spaces/3 = 3$'
echo "install test: pkg-config, static and find_package builds of hello.c run correctly"
