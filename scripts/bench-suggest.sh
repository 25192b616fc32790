#!/usr/bin/env bash
# Programme suggestion benchmark (issue 11): 100 and 1,000 generated
# proposals on the event's grid (44 places) and on a large grid (800
# places); median time of `fiches suggest`'s placement and of placing one by
# one in priority order, with the wishes each honours. Goal: under 1 s at
# 1,000 proposals.
# Usage: scripts/bench-suggest.sh   (writes target/bench-suggest.tsv)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench suggest -q | tee target/bench-suggest.tsv
