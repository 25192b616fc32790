#!/usr/bin/env bash
# Installs what the tests and the benchmarks need. Idempotent and
# non-interactive.
# - From Debian's packages: dovecot (a real IMAP server, run by the tests as
#   their own child process), isync (mbsync, the IMAP benchmark's reference), time,
#   openssl, tmux (the console's end-to-end test), LibreOffice Calc and
#   Chromium (the exports are opened in both by the publication tests),
#   LibreOffice Writer and poppler-utils (pdftotext: attachments read as
#   text, tests/it/attachment_text.rs); the
#   packaged dovecot service is not started; openssh-server and the client (the
#   server tests run their own sshd on loopback, with its own config and host
#   key, as two staff logins), systemd (`systemd-analyze verify` on the units,
#   systemd-sysusers; nothing is started), acl (setfacl: the README's way to
#   let the daemon read a Maildir, run by the server tests).
# - The other IMAP servers of tests/it/imap_servers.rs, run by the tests as
#   their own child processes: GNU Mailutils imap4d (mailutils-imap4d,
#   installed normally); Cyrus 3.6 and Courier-IMAP 5.0, which conflict with
#   dovecot-imapd (all provide imap-server): fetched with `apt-get download`
#   and unpacked with `dpkg -x` into target/imap-servers/root, run from there
#   (the tests give each its own mount and PID namespaces); only their
#   libraries are installed, and sasl2-bin for Cyrus's password file.
# - From PyPI, into the venv target/test-venv: aiosmtpd (a real SMTP server,
#   run by the outbox tests as their own child process).
set -euo pipefail
cd "$(dirname "$0")/.."

# Libraries of the unpacked Cyrus and Courier, and what runs them.
server_libs=(libpcre3 libxapian30 libical3 libjansson4 libpq5 libwrap0 libicu72
    libidn12 libcourier-unicode4 libgdbm6 libgamin0 libltdl7 libsasl2-modules
    libsasl2-modules-db sasl2-bin mailutils-imap4d util-linux)
need=()
for pkg in dovecot-imapd isync openssl time tmux libreoffice-calc-nogui libreoffice-writer-nogui \
    poppler-utils chromium \
    openssh-server openssh-client systemd acl "${server_libs[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

SERVERS=target/imap-servers
if [ ! -x "$SERVERS/root/usr/lib/cyrus/bin/master" ] || [ ! -x "$SERVERS/root/usr/bin/imapd" ]; then
    rm -rf "$SERVERS"
    mkdir -p "$SERVERS/debs" "$SERVERS/root"
    debs=(cyrus-common cyrus-imapd courier-base courier-imap courier-authlib
        courier-authdaemon courier-authlib-userdb)
    if ! (cd "$SERVERS/debs" && apt-get download -qq -o APT::Sandbox::User=root "${debs[@]}"); then
        # The package lists may be missing on a fresh machine.
        SUDO=""
        if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
        $SUDO apt-get update -qq
        (cd "$SERVERS/debs" && apt-get download -qq -o APT::Sandbox::User=root "${debs[@]}")
    fi
    for deb in "$SERVERS"/debs/*.deb; do
        dpkg -x "$deb" "$SERVERS/root"
    done
    (cd "$SERVERS/debs" && ls) > "$SERVERS/versions.txt"
fi

AIOSMTPD_VERSION=1.4.6
VENV=target/test-venv
if ! "$VENV/bin/python3" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
fi
