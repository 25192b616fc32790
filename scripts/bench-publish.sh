#!/usr/bin/env bash
# Publication benchmark: 1,000 to 20,000 proposals through the snapshot, the
# changelog and every file (HTML, CSV, both XLSX, JSON), in memory, with the
# event's grid and with a grid where every proposal is placed; then where the
# time goes at 10,000. Goal (issue 6): 10,000 proposals in ≤ 1 s, linear.
# Usage: scripts/bench-publish.sh   (writes target/bench-publish.tsv)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench publish -q | tee target/bench-publish.tsv
