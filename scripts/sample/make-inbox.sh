#!/usr/bin/env bash
# The sample inbox and the bulk benchmark mail.
#
#   scripts/sample/make-inbox.sh                  # rewrite fixtures/inbox (committed), then check it
#   scripts/sample/make-inbox.sh --check          # regenerate into a temp dir: must equal fixtures/inbox
#   scripts/sample/make-inbox.sh --bulk [N] [DIR] # N messages (default 2000) into DIR
#                                                 # (default target/bulk-maildir; not committed)
#
# Python 3.11 with python-docx and openpyxl (pinned in requirements.txt) in a
# venv under target/sample-venv, made on first use.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/sample
venv=target/sample-venv

py=""
for c in python3.11 python3; do
  if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
    py=$c; break
  fi
done
if [ -z "$py" ]; then
  echo "make-inbox: Python 3.11 is needed (python3.11)" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/.requirements"; then
  rm -rf "$venv"
  "$py" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/.requirements"
fi
vpy="$venv/bin/python"

case "${1:-}" in
  --bulk)
    n="${2:-2000}"
    out="${3:-target/bulk-maildir}"
    exec "$vpy" "$here/make_bulk.py" --count "$n" --out "$out"
    ;;
  --check)
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    "$vpy" "$here/make_inbox.py" --out "$tmp/inbox" >/dev/null
    if ! diff -r "$tmp/inbox" fixtures/inbox >/dev/null; then
      echo "make-inbox: fixtures/inbox differs from what make_inbox.py writes:" >&2
      diff -rq "$tmp/inbox" fixtures/inbox >&2 || true
      exit 1
    fi
    "$vpy" "$here/check_inbox.py" fixtures/inbox
    ;;
  "")
    "$vpy" "$here/make_inbox.py" --out fixtures/inbox
    "$vpy" "$here/check_inbox.py" fixtures/inbox
    ;;
  *)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
