#!/usr/bin/env python3
"""Scores `fiches parse --json` output against an expected.json (the corpus's,
or the habit set's written by `export_habit_set`): per field, right / wrong /
missed with a warning / missed silently / invented (a field not expected).
Usage: score-habits.py EXPECTED.json PARSE_OUTPUT.jsonl"""
import json, os, sys

exp = json.load(open(sys.argv[1]))
exp = exp.get("fiches", exp)
got = {}
for line in open(sys.argv[2]):
    v = json.loads(line)
    name = os.path.basename(v["file"])
    got.setdefault(name, v)  # the first form of a file
score = dict(right=0, wrong=0, missed_warned=0, missed_silent=0, invented=0)
details = []
for name, want in exp.items():
    if want.get("unsupported") or "fields" in want and want.get("category") == "blank":
        continue
    fields = want.get("fields", want)
    g = got.get(name, {})
    gf = g.get("fields") or {}
    warned = {w.get("field") for w in g.get("warnings") or []}
    general = any(w.get("field") is None for w in g.get("warnings") or [])
    for k, v in fields.items():
        if k in gf and gf[k] == v:
            score["right"] += 1
        elif k in gf:
            if k in warned:
                score["missed_warned"] += 1
            else:
                score["wrong"] += 1
            details.append(f"{name}: {k} = {gf[k]!r}, want {v!r}")
        elif k in warned or general or g.get("error"):
            score["missed_warned"] += 1
            details.append(f"{name}: {k} missing (warned), want {v!r}")
        else:
            score["missed_silent"] += 1
            details.append(f"{name}: {k} missing silently, want {v!r}")
    hostile = want.get("category") == "hostile_text"
    for k in gf:
        if k not in fields and not (hostile and k in want.get("contains", {})):
            score["invented"] += 1
            details.append(f"{name}: invented {k} = {gf[k]!r}")
print(json.dumps(score))
for d in details:
    print("  " + d)
