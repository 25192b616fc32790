#!/usr/bin/env python3
"""A real SMTP server on loopback for the outbox tests (aiosmtpd).

Every message accepted is stored as DIR/NNNNNN.eml (the bytes as received)
with DIR/NNNNNN.json (envelope: mail_from, rcpt_tos, the session's TLS and
login), each written to a temporary name and renamed, so that a reader never
sees half a file. Then, with --delay, the server waits before answering
"250": a client killed in that window has handed the message over without
hearing back.

Options: --tls none|starttls|implicit (certificate and key files),
--require-starttls, --user/--password-file (AUTH PLAIN/LOGIN, only over
TLS), --tempfail-first N (answer 451 to the first N messages),
--reject-rcpt ADDR (550 for that recipient), --delay SECONDS.

Prints "READY <port>" on stdout once it accepts connections; stops on
SIGTERM or SIGINT.
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Store:
    def __init__(self, directory):
        self.directory = directory
        self.lock = threading.Lock()
        self.count = 0

    def save(self, server, envelope, session):
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.directory, "%06d" % n)
        auth = getattr(session, "auth_data", None)
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
            "login": login,
        }
        for suffix, data in ((".eml", content), (".json", json.dumps(meta).encode())):
            tmp = base + suffix + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.rename(tmp, base + suffix)
        return n


class Handler:
    def __init__(self, store, args):
        self.store = store
        self.args = args
        self.tempfails = args.tempfail_first

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.args.reject_rcpt:
            return "550 5.1.1 <%s>: Recipient address rejected" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.tempfails > 0:
            self.tempfails -= 1
            return "451 4.3.0 Try again later"
        n = self.store.save(server, envelope, session)
        if self.args.delay > 0:
            await asyncio.sleep(self.args.delay)
        return "250 2.0.0 Ok: queued as T%06d" % n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--require-starttls", action="store_true")
    p.add_argument("--user")
    p.add_argument("--password-file")
    p.add_argument("--tempfail-first", type=int, default=0)
    p.add_argument("--reject-rcpt", action="append", default=[])
    p.add_argument("--delay", type=float, default=0.0)
    args = p.parse_args()
    args.reject_rcpt = [a.lower() for a in args.reject_rcpt]
    os.makedirs(args.dir, exist_ok=True)

    kwargs = {}
    if args.tls != "none":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        if args.tls == "starttls":
            kwargs["tls_context"] = ctx
            kwargs["require_starttls"] = args.require_starttls
        else:
            kwargs["ssl_context"] = ctx
    if args.user:
        with open(args.password_file) as f:
            password = f.read().strip()

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == args.user
                and auth_data.password.decode() == password
            )
            return AuthResult(success=ok, auth_data=auth_data if ok else None)

        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = True

    controller = Controller(
        Handler(Store(args.dir), args),
        hostname="127.0.0.1",
        port=args.port,
        server_hostname="smtp.test.local",
        **kwargs,
    )
    controller.start()
    print("READY %d" % args.port, flush=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
