#!/usr/bin/env bash
# Import benchmark: 2,000 messages of ~40 KB with one fiche each, from a
# Maildir, into a fresh database. Reports messages/second and peak memory of
# `fiches import` (/usr/bin/time -v), the ratio against `cp -r` of the same
# Maildir, and what the mail and store layers add to the fiche reader alone
# (goal: at most +50%). Usage: scripts/bench-import.sh [N]
# FICHES_BIN=path/to/fiches measures another build of the binary (e.g. the
# one before a change, to compare in the same session).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
work=target/bench-import
rm -rf "$work"
mkdir -p "$work"
cargo build --release -q --bin fiches --example bench_import
bin=${FICHES_BIN:-target/release/fiches}
helper=target/release/examples/bench_import

"$helper" gen "$work/Maildir" "$n" > "$work/gen.txt"
mean_kib=$(sed -n 's/^mean_kib=//p' "$work/gen.txt")

rm -f "$work/walls.txt" "$work/rss.txt" "$work/cpu.txt"
# Warm the page cache so that every run reads from memory.
cat "$work"/Maildir/new/* > /dev/null

# Each measure is taken three times (the median is kept): the machine may be shared.
median() { sort -g | sed -n 2p; }

# cp -r of the same Maildir (page cache, no sync): the floor of just
# reading and writing the files.
cp_s=$(for i in 1 2 3; do
  rm -rf "$work/Maildir-copy"
  start=$(date +%s.%N)
  cp -r "$work/Maildir" "$work/Maildir-copy"
  end=$(date +%s.%N)
  calc "$end - $start"; echo
done | median)

# The import into a fresh database, measured by /usr/bin/time (wall clock, peak memory).
for i in 1 2 3; do
  rm -f "$work"/bench.db*
  /usr/bin/time -v "$bin" --db "$work/bench.db" import --quiet "$work/Maildir" > "$work/import.txt" 2> "$work/time-$i.txt"
  sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time-$i.txt" |
    awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }' >> "$work/walls.txt"
  sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time-$i.txt" >> "$work/rss.txt"
  awk -F': ' '/User time|System time/ { t += $2 } END { print t }' "$work/time-$i.txt" >> "$work/cpu.txt"
done
wall=$(median < "$work/walls.txt")
rss_kib=$(sort -g "$work/rss.txt" | tail -1)
cpu=$(median < "$work/cpu.txt")

# Importing the same Maildir again: every message already stored.
start=$(date +%s.%N)
"$bin" --db "$work/bench.db" import --quiet "$work/Maildir" > /dev/null
end=$(date +%s.%N)
again_s=$(calc "$end - $start")

# The same messages through the layers, in one process: reader alone, intake without store.
for i in 1 2 3; do "$helper" layers "$work/Maildir"; done > "$work/layers.txt"
parse_s=$(sed -n 's/^parse_only_s=//p' "$work/layers.txt" | median)
process_s=$(sed -n 's/^process_s=//p' "$work/layers.txt" | median)
parse_cpu=$(sed -n 's/^parse_only_cpu_s=//p' "$work/layers.txt" | median)
process_cpu=$(sed -n 's/^process_cpu_s=//p' "$work/layers.txt" | median)
fiches_read=$(sed -n 's/^fiches_read=//p' "$work/layers.txt" | head -1)

db_mib=$(du -m "$work/bench.db" | cut -f1)
cat "$work/import.txt"
echo
printf 'messages                 %s (mean %s KiB, fiches read %s)\n' "$n" "$mean_kib" "$fiches_read"
printf 'fiches import            %.2f s  %.0f messages/s  peak RSS %.1f MiB  database %s MiB\n' \
  "$wall" "$(calc "$n / $wall")" "$(calc "$rss_kib / 1024")" "$db_mib"
printf 'CPU time of the import   %.2f s  (user + system, all threads; %d cores)\n' "$cpu" "$(nproc)"
printf 'import again (all known) %.2f s\n' "$again_s"
printf 'cp -r of the Maildir     %.3f s  (import / cp -r = %.1fx)\n' "$cp_s" "$(calc "$wall / $cp_s")"
printf 'fiche reader alone       %.2f s  (%.2f ms a fiche; CPU %.2f s)\n' "$parse_s" "$(calc "$parse_s * 1000 / $n")" "$parse_cpu"
printf 'intake without store     %.2f s  (mail layer adds %+.0f%% to the reader; CPU %.2f s)\n' \
  "$process_s" "$(calc "($process_s - $parse_s) * 100 / $parse_s")" "$process_cpu"
printf 'mail + store layers add  %+.0f%% to the reader in wall time, %+.0f%% in CPU time (goal: at most +50%%)\n' \
  "$(calc "($wall - $parse_s) * 100 / $parse_s")" "$(calc "($cpu - $parse_cpu) * 100 / $parse_cpu")"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews wall times)"
