#!/usr/bin/env bash
# Fuzzes the intake for a given time (structure-aware mutations of the
# corpus fiches, forms, hostile files and mails; see examples/fuzz_intake.rs):
# documents through the reader workers, mails by batches through the real
# `fiches import`. Prints the cases run, the reader deaths contained, and
# the findings (a crash, hang, memory peak or mail not stored of the import
# itself), kept under target/fuzz/findings; exits 1 when there are some.
# Inputs that killed a reader worker are kept under target/fuzz/contained:
# copy new kinds into fixtures/fuzz/crashers/ (they become regression tests).
#
# Usage: scripts/fuzz.sh [SECONDS] [--release] [--seed N]
# CI runs it for a minute on the debug build (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
profile=debug
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --release) profile=release ;;
    --seed) extra+=(--seed "$2"); shift ;;
    *) echo "usage: scripts/fuzz.sh [SECONDS] [--release] [--seed N]" >&2; exit 2 ;;
  esac
  shift
done
flag=()
[ "$profile" = release ] && flag=(--release)
cargo build -q "${flag[@]}" --bin fiches --example fuzz_intake
out=target/fuzz
mkdir -p "$out"
"target/$profile/examples/fuzz_intake" --seconds "$seconds" --out "$out" \
  --bin "target/$profile/fiches" "${extra[@]}"
