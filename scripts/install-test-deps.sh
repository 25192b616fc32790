#!/usr/bin/env bash
# Installs the programs the tests talk to, from Debian's packages. Idempotent;
# does nothing when everything is already there. Needs root (or sudo).
set -euo pipefail
need=()
# (later issues add: dovecot-imapd for the IMAP tests, libreoffice and chromium for exports)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
