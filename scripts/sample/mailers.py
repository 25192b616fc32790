"""How each mail client writes a message: headers, structure, attachment names.

Each builder takes a Mail (what was sent) and a random.Random seeded for that
message (boundaries, trace ids), and returns the bytes of the message as it sits
in the inbox (delivery headers included). Line ends are LF, as in a Maildir.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from dataclasses import dataclass, field
from email.utils import format_datetime

from sample_lib import (
    Part,
    address,
    b64_lines,
    encoded_words,
    flowed,
    header_text,
    html_of,
    is_ascii,
    qp,
    rfc2231,
    tiny_png,
)

CUF_ADDR = "rencontres@cites-unies-france.org"
CUF_NAME = "Rencontres CUF"

FR_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]


@dataclass
class Attachment:
    filename: str
    data: bytes
    mime: str


@dataclass
class Mail:
    message_id: str
    date: dt.datetime  # aware
    from_name: str | None
    from_addr: str
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    in_reply_to: str | None = None
    references: str | None = None
    charset: str = "utf-8"
    octet_stream: bool = False  # Outlook: attachments as application/octet-stream
    logo: bool = False  # Outlook: a signature image in the HTML part
    html_only: bool = False
    closing: str = ""  # Apple Mail: text after the attachment
    extra_headers: list[tuple[str, str]] = field(default_factory=list)
    forwarded: bytes | None = None  # a whole message attached as message/rfc822
    forwarded_name: str = ""
    to_display: str | None = None
    auto_reply: bool = False


def rfc822_date(d: dt.datetime, zone_comment: str = "") -> str:
    s = format_datetime(d)
    return s + (f" ({zone_comment})" if zone_comment else "")


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789ABCDEF") for _ in range(n))


def _alnum(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(n))


def _ip(rng: random.Random) -> str:
    net = rng.choice(["192.0.2", "198.51.100", "203.0.113"])
    return f"{net}.{rng.randrange(2, 250)}"


def delivery_headers(mail: Mail, rng: random.Random, relay: str) -> tuple[list[tuple[str, str]], int]:
    """Return-Path, Delivered-To and Received lines added on delivery; and the
    delivery delay in seconds."""
    delay = rng.randrange(3, 95)
    received_at = (mail.date + dt.timedelta(seconds=delay)).astimezone(dt.timezone(dt.timedelta(hours=2)))
    qid = _alnum(rng, 11)
    ip = _ip(rng)
    rp = "<>" if mail.auto_reply else f"<{mail.from_addr}>"
    hdrs = [
        ("Return-Path", rp),
        ("Delivered-To", CUF_ADDR),
        ("Received", f"from {relay} ({relay} [{ip}])\n\tby mx1.cites-unies-france.org (Postfix) with ESMTPS id {qid}\n"
                     f"\tfor <{CUF_ADDR}>; {rfc822_date(received_at, 'CEST')}"),
    ]
    return hdrs, delay


def _to(mail: Mail, style: str) -> str:
    if mail.to_display is not None:
        return mail.to_display
    if style == "outlook":
        return f'"{CUF_ADDR}" <{CUF_ADDR}>'
    if style == "named":
        return f"{CUF_NAME} <{CUF_ADDR}>"
    return CUF_ADDR


def _att_name_param(name: str, how: str) -> str:
    """The name=/filename= value as a client writes it."""
    if is_ascii(name):
        return f'"{name}"'
    if how == "2047B":
        return '"' + " ".join(encoded_words(name, "utf-8", "B")) + '"'
    if how == "2047Q":
        return '"' + " ".join(encoded_words(name, "utf-8", "Q")) + '"'
    raise ValueError(how)


def _text_part(text: str, charset: str, cte: str, extra: str = "") -> Part:
    if cte == "quoted-printable":
        body = qp(text, charset)
    elif cte == "base64":
        body = b64_lines(text.encode(charset))
    else:
        body = text.encode(charset)
        if cte == "7bit" and not is_ascii(text):
            cte = "8bit"
    return Part([("Content-Type", f"text/plain; charset={charset}{extra}"),
                 ("Content-Transfer-Encoding", cte)], body)


def _forward_part(mail: Mail) -> Part:
    name = mail.forwarded_name or "message.eml"
    return Part([("Content-Type", f'message/rfc822;\n name="{name}"'),
                 ("Content-Transfer-Encoding", "8bit"),
                 ("Content-Disposition", f'attachment;\n filename="{name}"')], mail.forwarded)


# ---------------------------------------------------------------------------


def outlook(mail: Mail, rng: random.Random) -> bytes:
    stamp = "01D3" + _hex(rng, 4) + "." + _hex(rng, 8)
    b_mixed = f"----=_NextPart_000_{_hex(rng, 4)}_{stamp}"
    b_rel = f"----=_NextPart_001_{_hex(rng, 4)}_{stamp}"
    b_alt = f"----=_NextPart_002_{_hex(rng, 4)}_{stamp}"
    charset = mail.charset
    if charset == "utf-8":
        text_ct = 'text/plain;\n\tcharset="utf-8"'
    else:
        text_ct = f'text/plain;\n\tcharset="{charset}"'
    text = Part([("Content-Type", text_ct), ("Content-Transfer-Encoding", "quoted-printable")], qp(mail.body, charset))
    html = Part([("Content-Type", f'text/html;\n\tcharset="{charset}"'), ("Content-Transfer-Encoding", "quoted-printable")],
                qp(html_of(mail.body, "outlook").replace("charset=utf-8", f"charset={charset}"), charset))
    alt = Part([("Content-Type", f'multipart/alternative;\n\tboundary="{b_alt}"')], children=[text, html], boundary=b_alt)
    first = alt
    if mail.logo:
        cid = f"image001.png@{stamp}"
        logo = Part([("Content-Type", 'image/png;\n\tname="image001.png"'),
                     ("Content-Transfer-Encoding", "base64"),
                     ("Content-ID", f"<{cid}>")], b64_lines(tiny_png(120, 40, rng.randrange(1 << 30))))
        first = Part([("Content-Type", f'multipart/related;\n\ttype="multipart/alternative";\n\tboundary="{b_rel}"')], children=[alt, logo], boundary=b_rel)
    parts = [first]
    for a in mail.attachments:
        mime = "application/octet-stream" if mail.octet_stream else a.mime
        nm = _att_name_param(a.filename, "2047B")
        parts.append(Part([
            ("Content-Type", f"{mime};\n\tname={nm}"),
            ("Content-Transfer-Encoding", "base64"),
            ("Content-Disposition", f"attachment;\n\tfilename={nm}"),
        ], b64_lines(a.data)))
    if mail.forwarded:
        parts.append(_forward_part(mail))
    hdrs = [
        ("From", address(mail.from_name, mail.from_addr, "utf-8", "Q")),
        ("To", _to(mail, "outlook")),
        ("Subject", header_text(mail.subject, "utf-8", "B")),
        ("Date", rfc822_date(mail.date)),
        ("Message-ID", mail.message_id),
    ]
    if mail.in_reply_to:
        hdrs += [("In-Reply-To", mail.in_reply_to), ("References", mail.references or mail.in_reply_to)]
    hdrs += [
        ("MIME-Version", "1.0"),
        ("X-Mailer", "Microsoft Outlook 16.0"),
        ("Thread-Index", base64.b64encode(rng.randbytes(22)).decode()),
        ("Content-Language", "fr"),
    ] + mail.extra_headers
    if mail.attachments or mail.forwarded or mail.logo:
        hdrs.append(("Content-Type", f'multipart/mixed;\n\tboundary="{b_mixed}"'))
        root = Part(hdrs, children=parts, boundary=b_mixed, preamble="This is a multipart message in MIME format.\n")
    else:
        root = Part(hdrs + alt.headers, children=alt.children, boundary=b_alt,
                    preamble="This is a multipart message in MIME format.\n")
    return root.render()


def outlook_plain(mail: Mail, rng: random.Random) -> bytes:
    """Exchange's automatic replies: one text/plain part."""
    hdrs = [
        ("From", address(mail.from_name, mail.from_addr, "utf-8", "Q")),
        ("To", _to(mail, "named")),
        ("Subject", header_text(mail.subject, "utf-8", "B")),
        ("Date", rfc822_date(mail.date)),
        ("Message-ID", mail.message_id),
    ]
    if mail.in_reply_to:
        hdrs += [("In-Reply-To", mail.in_reply_to), ("References", mail.references or mail.in_reply_to)]
    hdrs += mail.extra_headers + [
        ("MIME-Version", "1.0"),
        ("Content-Type", 'text/plain; charset="utf-8"'),
        ("Content-Transfer-Encoding", "quoted-printable"),
    ]
    return Part(hdrs, qp(mail.body, "utf-8")).render()


def thunderbird(mail: Mail, rng: random.Random) -> bytes:
    boundary = "------------" + _alnum(rng, 24)
    parts = [_text_part(flowed(mail.body), mail.charset, "8bit", "; format=flowed")]
    for a in mail.attachments:
        if is_ascii(a.filename):
            disp = f'attachment;\n filename="{a.filename}"'
            nm = f'"{a.filename}"'
        else:
            disp = "attachment;\n " + rfc2231("filename", a.filename, "UTF-8", chunk=44)
            nm = _att_name_param(a.filename, "2047Q")
        parts.append(Part([
            ("Content-Type", f"{a.mime};\n name={nm}"),
            ("Content-Transfer-Encoding", "base64"),
            ("Content-Disposition", disp),
        ], b64_lines(a.data, 72)))
    if mail.forwarded:
        parts.append(_forward_part(mail))
    hdrs = [
        ("To", _to(mail, "named")),
        ("From", address(mail.from_name, mail.from_addr, "UTF-8", "Q")),
        ("Subject", header_text(mail.subject, "UTF-8", "Q")),
        ("Message-ID", mail.message_id),
        ("Date", rfc822_date(mail.date)),
        ("User-Agent", "Mozilla/5.0 (Windows NT 10.0; WOW64; rv:52.0) Gecko/20100101\n Thunderbird/52.8.0"),
        ("MIME-Version", "1.0"),
    ]
    if mail.in_reply_to:
        hdrs += [("In-Reply-To", mail.in_reply_to), ("References", mail.references or mail.in_reply_to)]
    hdrs += mail.extra_headers + [
        ("Content-Type", f'multipart/mixed;\n boundary="{boundary}"'),
        ("Content-Language", "fr"),
    ]
    return Part(hdrs, children=parts, boundary=boundary, preamble="This is a multi-part message in MIME format.").render()


def apple(mail: Mail, rng: random.Random) -> bytes:
    uuid = f"{_hex(rng, 8)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 12)}"
    boundary = f"Apple-Mail=_{uuid}"
    cs = "us-ascii" if is_ascii(mail.body) else "utf-8"
    parts = [Part([("Content-Transfer-Encoding", "quoted-printable"), ("Content-Type", f"text/plain;\n\tcharset={cs}")],
                  qp(mail.body + "\n", cs))]
    for a in mail.attachments:
        if is_ascii(a.filename):
            disp = f'inline;\n\tfilename="{a.filename}"'
            nm = f'"{a.filename}"'
        else:
            disp = "inline;\n\t" + rfc2231("filename", a.filename, "utf-8", chunk=60).replace(";\n ", ";\n\t")
            nm = _att_name_param(a.filename, "2047Q")
        parts.append(Part([
            ("Content-Disposition", disp),
            ("Content-Type", f"{a.mime};\n\tx-unix-mode=0644;\n\tname={nm}"),
            ("Content-Transfer-Encoding", "base64"),
        ], b64_lines(a.data)))
    if mail.closing:
        cs2 = "us-ascii" if is_ascii(mail.closing) else "utf-8"
        parts.append(Part([("Content-Transfer-Encoding", "quoted-printable"),
                           ("Content-Type", f"text/plain;\n\tcharset={cs2}")], qp("\n" + mail.closing + "\n", cs2)))
    hdrs = [
        ("From", address(mail.from_name, mail.from_addr, "utf-8", "Q")),
        ("Content-Type", f'multipart/mixed;\n\tboundary="{boundary}"'),
        ("Mime-Version", "1.0 (Mac OS X Mail 11.4 \\(3445.8.2\\))"),
        ("Subject", header_text(mail.subject, "utf-8", "Q")),
        ("Date", rfc822_date(mail.date)),
    ]
    if mail.in_reply_to:
        hdrs += [("In-Reply-To", mail.in_reply_to), ("References", mail.references or mail.in_reply_to)]
    hdrs += [
        ("To", _to(mail, "plain")),
        ("Message-Id", mail.message_id),
        ("X-Mailer", "Apple Mail (2.3445.8.2)"),
    ] + mail.extra_headers
    return Part(hdrs, children=parts, boundary=boundary).render()


def iphone(mail: Mail, rng: random.Random) -> bytes:
    uuid = f"{_hex(rng, 8)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 12)}"
    boundary = f"Apple-Mail-{uuid}"
    cs = "us-ascii" if is_ascii(mail.body) else "utf-8"
    parts = [Part([("Content-Type", f"text/plain;\n\tcharset={cs}"), ("Content-Transfer-Encoding", "quoted-printable")],
                  qp(mail.body + "\n", cs))]
    for a in mail.attachments:
        if is_ascii(a.filename):
            disp = f'inline;\n\tfilename="{a.filename}"'
            nm = f'"{a.filename}"'
        else:
            disp = "inline;\n\t" + rfc2231("filename", a.filename, "utf-8")
            nm = _att_name_param(a.filename, "2047Q")
        parts.append(Part([
            ("Content-Type", f"{a.mime};\n\tname={nm}"),
            ("Content-Disposition", disp),
            ("Content-Transfer-Encoding", "base64"),
        ], b64_lines(a.data)))
    parts.append(Part([("Content-Type", "text/plain;\n\tcharset=us-ascii"), ("Content-Transfer-Encoding", "7bit")], b"\n"))
    hdrs = [
        ("Content-Type", f"multipart/mixed; boundary={boundary}"),
        ("Content-Transfer-Encoding", "7bit"),
        ("From", address(mail.from_name, mail.from_addr, "utf-8", "Q")),
        ("Mime-Version", "1.0 (1.0)"),
        ("Date", rfc822_date(mail.date)),
        ("Subject", header_text(mail.subject, "utf-8", "Q")),
        ("Message-Id", mail.message_id),
        ("To", _to(mail, "plain")),
        ("X-Mailer", "iPhone Mail (15E302)"),
    ] + mail.extra_headers
    return Part(hdrs, children=parts, boundary=boundary).render()


def gmail(mail: Mail, rng: random.Random) -> bytes:
    tail = _hex(rng, 12).lower()
    b_mixed = f"000000000000{_hex(rng, 4).lower()}{tail}"
    b_alt = f"000000000000{_hex(rng, 4).lower()}{tail}"
    ascii_body = is_ascii(mail.body)
    text_hdrs = [("Content-Type", 'text/plain; charset="UTF-8"')]
    text_body = mail.body.encode()
    if not ascii_body:
        text_hdrs.append(("Content-Transfer-Encoding", "quoted-printable"))
        text_body = qp(mail.body, "utf-8")
    html = html_of(mail.body, "gmail")
    html_hdrs = [("Content-Type", 'text/html; charset="UTF-8"')]
    html_body = html.encode()
    if not is_ascii(html):
        html_hdrs.append(("Content-Transfer-Encoding", "quoted-printable"))
        html_body = qp(html, "utf-8")
    alt = Part([("Content-Type", f'multipart/alternative; boundary="{b_alt}"')],
               children=[Part(text_hdrs, text_body), Part(html_hdrs, html_body)], boundary=b_alt,
               blank_before_boundary=True)
    parts = [alt]
    for a in mail.attachments:
        nm = _att_name_param(a.filename, "2047B")
        att_id = "f_j" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8)) + "0"
        parts.append(Part([
            ("Content-Type", f"{a.mime}; \n\tname={nm}"),
            ("Content-Disposition", f"attachment; \n\tfilename={nm}"),
            ("Content-Transfer-Encoding", "base64"),
            ("X-Attachment-Id", att_id),
            ("Content-ID", f"<{att_id}>"),
        ], b64_lines(a.data)))
    hdrs = [
        ("MIME-Version", "1.0"),
        ("From", address(mail.from_name, mail.from_addr, "UTF-8", "B")),
        ("Date", rfc822_date(mail.date)),
        ("Message-ID", mail.message_id),
    ]
    if mail.in_reply_to:
        hdrs += [("References", mail.references or mail.in_reply_to), ("In-Reply-To", mail.in_reply_to)]
    hdrs += [
        ("Subject", header_text(mail.subject, "UTF-8", "B")),
        ("To", _to(mail, "plain")),
    ] + mail.extra_headers
    hdrs.append(("Content-Type", f'multipart/mixed; boundary="{b_mixed}"'))
    return Part(hdrs, children=parts, boundary=b_mixed, blank_before_boundary=True).render()


def zimbra(mail: Mail, rng: random.Random) -> bytes:
    n = rng.randrange(1000000, 9999999)
    ts = int(mail.date.timestamp() * 1000)
    b_mixed = f"----=_Part_{n}_{rng.randrange(10**8, 10**9)}.{ts}"
    b_alt = f"----=_Part_{n + 1}_{rng.randrange(10**8, 10**9)}.{ts}"
    text = Part([("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "quoted-printable")],
                qp(mail.body, "utf-8"))
    html = Part([("Content-Type", "text/html; charset=utf-8"), ("Content-Transfer-Encoding", "quoted-printable")],
                qp(html_of(mail.body), "utf-8"))
    alt = Part([("Content-Type", f'multipart/alternative; \n\tboundary="{b_alt}"')], children=[text, html], boundary=b_alt)
    parts = [alt]
    for a in mail.attachments:
        nm = _att_name_param(a.filename, "2047Q")
        parts.append(Part([
            ("Content-Type", f"{a.mime}; name={nm}"),
            ("Content-Disposition", f"attachment; filename={nm}"),
            ("Content-Transfer-Encoding", "base64"),
        ], b64_lines(a.data)))
    hdrs = [
        ("Date", rfc822_date(mail.date, "CEST")),
        ("From", address(mail.from_name, mail.from_addr, "utf-8", "Q")),
        ("To", _to(mail, "named")),
        ("Message-ID", mail.message_id),
    ]
    if mail.in_reply_to:
        hdrs += [("In-Reply-To", mail.in_reply_to), ("References", mail.references or mail.in_reply_to)]
    hdrs += [
        ("Subject", header_text(mail.subject, "utf-8", "Q")),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/mixed; \n\tboundary="{b_mixed}"'),
        ("X-Originating-IP", f"[{_ip(rng)}]"),
        ("X-Mailer", "Zimbra 8.7.11_GA_1854 (ZimbraWebClient - FF60 (Win)/8.7.11_GA_1854)"),
        ("Thread-Topic", header_text(mail.subject, "utf-8", "Q")),
        ("Thread-Index", base64.b64encode(rng.randbytes(15)).decode()),
    ] + mail.extra_headers
    return Part(hdrs, children=parts, boundary=b_mixed).render()


def yahoo(mail: Mail, rng: random.Random) -> bytes:
    ts = int(mail.date.timestamp() * 1000)
    boundary = f"----=_Part_{rng.randrange(10**6, 10**7)}_{rng.randrange(10**8, 10**9)}.{ts}"
    html = Part([("Content-Type", "text/html; charset=UTF-8"), ("Content-Transfer-Encoding", "quoted-printable")],
                qp(html_of(mail.body), "utf-8"))
    parts = [html]
    for a in mail.attachments:
        parts.append(Part([
            ("Content-Type", f'{a.mime}; name="{a.filename}"'),
            ("Content-Transfer-Encoding", "base64"),
            ("Content-Disposition", f'attachment; filename="{a.filename}"'),
        ], b64_lines(a.data)))
    hdrs = [
        ("Date", rfc822_date(mail.date, "UTC")),
        ("From", address(mail.from_name, mail.from_addr, "UTF-8", "Q")),
        ("Reply-To", address(mail.from_name, mail.from_addr, "UTF-8", "Q")),
        ("To", _to(mail, "plain")),
        ("Message-ID", mail.message_id),
        ("Subject", header_text(mail.subject, "UTF-8", "Q")),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/mixed; \n\tboundary="{boundary}"'),
        ("X-Mailer", "WebService/1.1.11754 YahooMailAndroidMobile YMobile/1.0\n (com.yahoo.mobile.client.android.mail/5.28.4; Android/7.0; NRD90M; j7y17lte; samsung; SM-J730F; 5.39; 720x1280)"),
    ] + mail.extra_headers
    return Part(hdrs, children=parts, boundary=boundary).render()


CLIENTS = {
    "outlook": (outlook, "smtp-out.{domain}"),
    "outlook_plain": (outlook_plain, "mail.{domain}"),
    "thunderbird": (thunderbird, "mail.{domain}"),
    "apple": (apple, "smtp.{domain}"),
    "iphone": (iphone, "smtp.{domain}"),
    "gmail": (gmail, "mail-wr1-f{n}.google.com"),
    "zimbra": (zimbra, "zimbra.{domain}"),
    "yahoo": (yahoo, "sonic3{n}-2.consmr.mail.ir2.yahoo.com"),
}


def render(client: str, mail: Mail, rng: random.Random, with_delivery: bool = True) -> tuple[bytes, int]:
    """The message as delivered, and the delivery delay (seconds)."""
    builder, relay = CLIENTS[client]
    domain = mail.from_addr.split("@", 1)[1]
    relay = relay.format(domain=domain, n=rng.randrange(10, 99))
    if with_delivery:
        dh, delay = delivery_headers(mail, rng, relay)
    else:
        dh, delay = [], 0
    body = builder(mail, rng)
    head = b"".join(f"{k}: {v}\n".encode() for k, v in dh)
    return head + body, delay


def fr_long_date(d: dt.datetime) -> str:
    return f"{FR_DAYS[d.weekday()]} {d.day} {FR_MONTHS[d.month - 1]} {d.year} {d:%H:%M}"
