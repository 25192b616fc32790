#!/usr/bin/env bash
# Installs what the tests and the benchmarks need. Idempotent and
# non-interactive.
# - From Debian's packages: dovecot (a real IMAP server, run by the tests as
#   their own child process), isync (mbsync, the IMAP benchmark's reference), time,
#   openssl, tmux (the console's end-to-end test), LibreOffice Calc and
#   Chromium (the exports are opened in both by the publication tests); the
#   packaged dovecot service is not started; openssh-server and the client (the
#   server tests run their own sshd on loopback, with its own config and host
#   key, as two staff logins), systemd (`systemd-analyze verify` on the units,
#   systemd-sysusers; nothing is started).
# - From PyPI, into the venv target/test-venv: aiosmtpd (a real SMTP server,
#   run by the outbox tests as their own child process).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in dovecot-imapd isync openssl time tmux libreoffice-calc-nogui chromium \
    openssh-server openssh-client systemd; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

AIOSMTPD_VERSION=1.4.6
VENV=target/test-venv
if ! "$VENV/bin/python3" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
fi
