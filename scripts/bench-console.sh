#!/usr/bin/env bash
# Console benchmark: startup to first frame, and one search keystroke to the
# next frame, with 100, 10,000 and 100,000 proposals (synthetic, written
# through the store API into target/bench-console/N.db, kept between runs).
# Measured in-process (examples/bench_console.rs) on a crossterm backend of
# 120x40; startup is the median of 5 runs, keystrokes the worst of a search
# typed letter by letter (narrowing, a no-match scan, widening again): to the
# keystroke's frame (a search stops at 8 ms and goes on between keystrokes,
# as in the console; the rows it found first are the first in order) and to
# the end of the whole search.
# Goals: first frame <= 150 ms at 10,000; keystroke -> frame <= 16 ms at
# 100,000; peak memory <= 150 MiB at 100,000; frame cost flat in N.
# Usage: scripts/bench-console.sh [N...]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100 10000 100000)
work=target/bench-console
mkdir -p "$work"
cargo build --release -q --example bench_console
helper=target/release/examples/bench_console

printf '%-9s %-12s %-14s %-15s %-14s %-13s %-12s %-10s\n' proposals first_frame search_key_max search_complete move_key_max frame_only peak_rss db_size
for n in "${sizes[@]}"; do
  db="$work/$n.db"
  if [ ! -f "$db" ]; then
    "$helper" gen "$db" "$n" > "$work/gen-$n.txt"
  fi
  firsts=()
  for run in 1 2 3 4 5; do
    "$helper" measure "$db" > "$work/measure-$n-$run.txt"
    firsts+=("$(sed -n 's/^first_frame_ms=//p' "$work/measure-$n-$run.txt")")
  done
  median=$(printf '%s\n' "${firsts[@]}" | sort -n | sed -n 3p)
  last="$work/measure-$n-5.txt"
  get() { sed -n "s/^$1=//p" "$last"; }
  printf '%-9s %-12s %-14s %-15s %-14s %-13s %-12s %-10s\n' "$n" "${median} ms" "$(get search_key_max_ms) ms" "$(get search_complete_max_ms) ms" \
    "$(get move_key_max_ms) ms" "$(get frame_only_ms) ms" "$(get peak_rss_mib) MiB" "$(du -m "$db" | cut -f1) MiB"
done
echo
echo "Keystrokes of the last run at ${sizes[-1]} proposals:"
grep '^key' "$work/measure-${sizes[-1]}-5.txt"
echo
echo "Courrier (every message, paged) in the last run at ${sizes[-1]} proposals:"
grep '^courrier' "$work/measure-${sizes[-1]}-5.txt"
