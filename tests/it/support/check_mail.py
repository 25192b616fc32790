#!/usr/bin/env python3
"""Checks e-mail messages with an independent parser: Python's `email`
package with `policy=email.policy.strict` (every defect raises), plus the
header rules of RFC 5322 and RFC 2045 the letters must follow.

Usage: check_mail.py FILE.eml...  — prints one JSON object per file:
{"file", "problems": [...], "to", "cc", "bcc", "from", "subject",
 "text", "attachments", "headers"}. Exit status 0 (the caller judges).
"""

import email
import email.policy
import json
import sys
from email.parser import BytesParser

REQUIRED = ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type")


def header_lines(data):
    head = data.split(b"\r\n\r\n", 1)[0]
    return head.split(b"\r\n")


def check(data):
    problems = []
    if b"\r\n\r\n" not in data:
        problems.append("no blank line between the header and the body")
    for line in header_lines(data):
        if b"\n" in line or b"\r" in line:
            problems.append("bare CR or LF in the header: %r" % line[:60])
        if len(line) > 998:
            problems.append("header line over 998 octets (RFC 5322 2.1.1)")
        # Over 78 characters only when it could have been folded there.
        if len(line) > 78 and b" " in line[1:78].rstrip():
            problems.append("header line not folded at 78 characters: %r" % line[:70])
        if any(b > 0x7F for b in line):
            problems.append("8-bit octet in the header: %r" % line[:60])
    try:
        msg = BytesParser(policy=email.policy.strict).parsebytes(data)
    except Exception as e:  # the strict policy raises on any defect
        return ["strict parser: %s: %s" % (type(e).__name__, e)], {}
    out = {}
    try:
        for name in REQUIRED:
            if msg[name] is None:
                problems.append("missing header %s" % name)
        for name, value in msg.items():
            str(value)
            for d in getattr(value, "defects", ()):
                problems.append("header %s: %s" % (name, d))
        for name in ("From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "MIME-Version"):
            if len(msg.get_all(name, [])) > 1:
                problems.append("header %s more than once" % name)
        if msg["MIME-Version"] is not None and str(msg["MIME-Version"]).strip() != "1.0":
            problems.append("MIME-Version is not 1.0")
        if msg["Bcc"] is not None:
            problems.append("a Bcc header is in the message")
        for d in msg.defects:
            problems.append("message: %s" % d)
        text = None
        attachments = []
        for part in msg.walk():
            for d in part.defects:
                problems.append("part %s: %s" % (part.get_content_type(), d))
            if part.is_multipart():
                continue
            if part.get_content_maintype() == "text" and part.get_param("charset") is None:
                problems.append("text part without charset: %s" % part.get_content_type())
            if part.get_filename():
                attachments.append(
                    {"name": part.get_filename(), "type": part.get_content_type(),
                     "size": len(part.get_payload(decode=True) or b"")})
            elif part.get_content_type() == "text/plain" and text is None:
                text = part.get_content()
        addrs = lambda h: [a.addr_spec for g in msg.get_all(h, []) for a in g.addresses]
        out = {
            "from": addrs("From"),
            "to": addrs("To"),
            "cc": addrs("Cc"),
            "bcc": addrs("Bcc"),
            "subject": str(msg["Subject"]) if msg["Subject"] is not None else None,
            "text": text,
            "attachments": attachments,
            "headers": [name for name, _ in msg.items()],
        }
    except Exception as e:
        problems.append("strict parser: %s: %s" % (type(e).__name__, e))
    return problems, out


def main():
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            data = f.read()
        problems, out = check(data)
        out["file"] = path
        out["problems"] = problems
        print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
