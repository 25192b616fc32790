#!/usr/bin/env bash
# Runs the real binary on each hostile file and reports its answer and peak
# memory (max RSS). Usage: scripts/measure-hostile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release --bin fiches --example make_hostile
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
target/release/examples/make_hostile "$dir"
printf '%-28s %10s  %-14s %s\n' file size code "peak RSS"
for f in "$dir"/*; do
  out=$( { /usr/bin/time -f 'RSS %M' target/release/fiches parse --json "$f" > "$dir/.out"; } 2>&1 )
  rss=$(echo "$out" | awk '/^RSS/{print $2}')
  code=$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print((v["error"] or {}).get("code","ok"))' "$dir/.out")
  printf '%-28s %10s  %-14s %s KiB\n' "$(basename "$f")" "$(stat -c %s "$f")" "$code" "$rss"
done
