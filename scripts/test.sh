#!/usr/bin/env bash
# Runs every test of the project. On a fresh Debian machine it first installs
# what the tests need (when run as root with apt-get available).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x scripts/install-test-deps.sh ] || [ -f scripts/install-test-deps.sh ]; then
  bash scripts/install-test-deps.sh
fi
# The library's and the binary's unit tests and the integration tests
# (tests/it/, one binary). Not `--all-targets`: that would also build and run
# the benchmarks, which run only under `cargo bench` (scripts/bench-*.sh).
cargo test --lib --bins --tests --locked "$@"
