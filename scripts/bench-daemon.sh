#!/usr/bin/env bash
# Intake daemon benchmark, against a local dovecot (the test harness's,
# implicit TLS with the test CA; needs root and dovecot, isync and
# /usr/bin/time: scripts/install-test-deps.sh).
#
# 1. N (default 2,000) messages of ~40 KB with one fiche each are APPENDed to
#    INBOX; then, RUNS times (default 3) in the same run, alternating:
#    `mbsync` pulling INBOX into an empty Maildir (FSync yes, its default,
#    and FSync no) and `fiches daemon --once` into an empty database.
#    Reported: fiches from connect to last commit (its own measure) and as
#    a whole process, mbsync's process time, the ratios, peak memory.
# 2. BIG (default 10,000) small messages in a second mailbox, ingested; then
#    the cost of an idle pass (nothing new): on an open connection (SELECT +
#    UID SEARCH: a constant number of round trips) over an empty mailbox,
#    the N-message one and the BIG one; and as a whole `--once` process.
#
# Usage: scripts/bench-daemon.sh [N] [BIG] [RUNS]
# FICHES_BIN=path/to/fiches measures another build of the binary;
# FICHES_BIN_B=path/to/other/fiches also runs that one just before each run
# (same server, same moment): a before/after comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
big=${2:-10000}
runs=${3:-3}
work=target/bench-daemon
rm -rf "$work"
mkdir -p "$work"
command -v mbsync > /dev/null || { echo "mbsync missing: scripts/install-test-deps.sh" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: apt-get install time" >&2; exit 1; }
cargo build --release -q --bin fiches --example bench_daemon

target/release/examples/bench_daemon "${FICHES_BIN:-target/release/fiches}" "$work" "$n" "$big" "$runs" | tee "$work/results.txt"
get() { sed -n "s/^$1=//p" "$work/results.txt"; }
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }

mb=$(get mbsync_s); mbn=$(get mbsync_nofsync_s)
fi=$(get fiches_connect_to_last_commit_s); fp=$(get fiches_process_s)
echo
printf 'messages                          %s (mean %s KiB, one fiche each)\n' "$(get messages)" "$(get mean_kib)"
printf 'mbsync (FSync yes, default)       %.2f s  peak RSS %.1f MiB\n' "$mb" "$(calc "$(get mbsync_rss_kib) / 1024")"
printf 'mbsync (FSync no)                 %.2f s\n' "$mbn"
printf 'fiches daemon --once              %.2f s connect → last commit, %.2f s process  (%.0f messages/s)\n' \
  "$fi" "$fp" "$(calc "$n / $fi")"
if [ -n "$(get fiches_b_connect_to_last_commit_s)" ]; then
  fb=$(get fiches_b_connect_to_last_commit_s)
  printf 'FICHES_BIN_B daemon --once         %.2f s connect → last commit; this one / that one = %sx\n' \
    "$fb" "$(calc "$fi / $fb")"
fi
printf 'ratio fiches / mbsync             %sx (default), %sx (FSync no)   goal ≤ 1.0x\n' \
  "$(calc "$fi / $mb")" "$(calc "$fi / $mbn")"
printf 'fiches peak RSS                   %.1f MiB (%s messages), %.1f MiB (%s), %.1f MiB (idle pass over %s)  goal ≤ 64 MiB\n' \
  "$(calc "$(get fiches_rss_kib) / 1024")" "$n" "$(calc "$(get big_ingest_rss_kib) / 1024")" "$big" \
  "$(calc "$(get idle_once_big_rss_kib) / 1024")" "$big"
printf 'idle pass, open connection        %s ms (empty), %s ms (%s msgs), %s ms (%s msgs)  goal ≤ 20 ms\n' \
  "$(get idle_pass_empty_ms)" "$(get idle_pass_inbox_ms)" "$n" "$(get idle_pass_big_ms)" "$big"
printf 'idle pass, whole --once process   %s ms (connect+TLS+login+pass: %s ms) over %s msgs\n' \
  "$(get idle_once_big_process_ms)" "$(get idle_once_big_connect_to_end_ms)" "$big"
