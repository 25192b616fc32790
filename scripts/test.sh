#!/usr/bin/env bash
# Runs every test of the project. On a fresh Debian machine it first installs
# what the tests need (when run as root with apt-get available).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x scripts/install-test-deps.sh ] || [ -f scripts/install-test-deps.sh ]; then
  bash scripts/install-test-deps.sh
fi
cargo test --all-targets --locked "$@"
