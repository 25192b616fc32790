#!/usr/bin/env bash
# The binary to install on a server: the release build, stripped of its debug
# info, which is split out beside it (the GNU debuglink way: gdb, perf and
# addr2line find it by themselves).
#   target/dist/fiches        what `install` copies to /usr/local/bin
#   target/dist/fiches.debug  its debug info; keep it, or install it as
#                             /usr/lib/debug/usr/local/bin/fiches.debug
# target/release/fiches keeps its debug info (benchmarks, profiling).
# Needs objcopy (binutils, part of build-essential).
set -euo pipefail
cd "$(dirname "$0")/.."
t="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked --bin fiches
mkdir -p "$t/dist"
rm -f "$t/dist/fiches" "$t/dist/fiches.debug"
objcopy --only-keep-debug --compress-debug-sections=zlib "$t/release/fiches" "$t/dist/fiches.debug"
objcopy --strip-debug --add-gnu-debuglink="$t/dist/fiches.debug" "$t/release/fiches" "$t/dist/fiches"
chmod 644 "$t/dist/fiches.debug"
ls -l "$t/release/fiches" "$t/dist/fiches" "$t/dist/fiches.debug"
