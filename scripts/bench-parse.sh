#!/usr/bin/env bash
# Parse benchmark: fiches vs the Python peer (openpyxl / python-docx, installed
# from PyPI into target/bench-venv) vs the calamine floor, per corpus fiche.
# Prints a table and the ratios. Usage: scripts/bench-parse.sh
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q openpyxl python-docx
fi
corpus=fixtures/corpus/fiches
cargo bench --bench parse -q > target/bench-parse-rust.tsv
"$venv/bin/python" scripts/bench_parse_peer.py "$corpus" > target/bench-parse-python.tsv
python3 - <<'PY'
import csv, statistics
rust = {r["file"]: r for r in csv.DictReader(open("target/bench-parse-rust.tsv"), delimiter="\t")}
py = {r["file"]: r for r in csv.DictReader(open("target/bench-parse-python.tsv"), delimiter="\t")}
print(f"{'file':62} {'fmt':4} {'fiches µs':>10} {'python µs':>10} {'calamine µs':>11} {'py/fiches':>9} {'fiches/floor':>12}")
ratios = {"xlsx": [], "docx": []}
floors = []
for name, r in sorted(rust.items()):
    ours = float(r["fiches_us"]); p = float(py[name]["python_us"])
    floor = r["calamine_floor_us"]
    fr = f"{ours / float(floor):.2f}" if floor != "-" else "-"
    if floor != "-":
        floors.append(ours / float(floor))
    ratios[r["format"]].append(p / ours)
    print(f"{name:62} {r['format']:4} {ours:10.1f} {p:10.1f} {floor:>11} {p / ours:9.1f} {fr:>12}")
for fmt, rs in ratios.items():
    if rs:
        print(f"{fmt}: fiches is {statistics.median(rs):.1f}x faster than the Python peer (median; min {min(rs):.1f}x)")
if floors:
    print(f"xlsx: fiches takes {statistics.median(floors):.2f}x the calamine floor (median; max {max(floors):.2f}x)")
PY
