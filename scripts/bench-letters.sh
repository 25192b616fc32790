#!/usr/bin/env bash
# Letters benchmark: renders and sends N letters (default 500) to a real SMTP
# server on loopback (aiosmtpd, as in the tests; each message written to disk
# and fsynced by the server). Reports letters/second for rendering alone,
# for `fiches send` as it runs (claim and outcome committed with
# synchronous = FULL around each SMTP transaction), and for the same messages
# sent without the store (the server's floor). Medians of three runs.
# Usage: scripts/bench-letters.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-500}
bash scripts/install-test-deps.sh
cargo build --release -q --example bench_letters
work=target/bench-letters
rm -rf "$work"
mkdir -p "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
target/test-venv/bin/python3 tests/it/support/smtp_server.py --port "$port" --dir "$work/received" > "$work/server.out" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q READY "$work/server.out" 2>/dev/null && break; sleep 0.1; done
target/release/examples/bench_letters "$port" "$n" | tee "$work/result.txt"
received=$(find "$work/received" -name '*.eml' | wc -l)
echo "received=$received (3 runs x 2 passes x $n)"
