#!/usr/bin/env bash
# Installs what the IMAP tests and the benchmark need, from Debian's packages:
# dovecot (a real IMAP server, run by the tests as their own child process),
# isync (mbsync, the benchmark's reference), openssl, tmux (the console's
# end-to-end test), LibreOffice Calc and Chromium (the exports are opened in
# both by the publication tests).
# Idempotent and non-interactive; the packaged dovecot service is not started.
set -euo pipefail

need=()
for pkg in dovecot-imapd isync openssl tmux libreoffice-calc-nogui chromium; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
