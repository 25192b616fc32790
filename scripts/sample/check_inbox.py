#!/usr/bin/env python3
"""Check a Maildir written by make_inbox.py against its MANIFEST.json.

    python scripts/sample/check_inbox.py [fixtures/inbox]
    python scripts/sample/check_inbox.py --bulk target/bulk-maildir   # a make_bulk.py Maildir

- mailbox.Maildir lists every message of the manifest, and nothing else;
- every message parses with Python's email package; Message-ID, Date, late flag,
  status and Auto-Submitted agree with the manifest;
- every attachment decodes; each DOCX opens with python-docx and each XLSX with
  openpyxl; the form's labels sit where the template has them;
- a small reader written for this check (independent of the generator) reads
  the fields back and finds exactly the manifest's `fields`.
Exit status 0 when all is well; the problems are printed otherwise.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import json
import mailbox
import re
import sys
import unicodedata
import zipfile
from email.utils import parsedate_to_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample_lib import BP, MA, REPO, choices, labels  # noqa: E402

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MARKED = ("☒", "☑", "X", "x")


def norm(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = s.replace("\u00a0", " ").replace("–", "-")
    s = re.sub(r"[\s\-]+", " ", s)
    return s.strip(" :")


def label_index(kind: str) -> dict[str, str]:
    return {norm(label): f for f, label in labels(kind).items()}


def clean_text(t: str) -> str | None:
    t = t.replace("\u00a0", " ").strip()
    t = "\n".join(line.rstrip() for line in t.split("\n"))
    return t or None


def read_choice(kind: str, field: str, raw: str, problems: list, where: str):
    """Marked option(s) in a DOCX choice cell, or an option typed in a cell."""
    opts = choices(kind)[field]
    by_norm = {norm(label): v for v, label in opts.items()}
    raw = raw.replace("\u00a0", " ").strip()
    if not raw:
        return None
    # boxes: "☒ Oui    ☐ Non", one option per line
    tokens = re.findall(r"([☐☒☑Xx]) ([^☐☒☑\n]+?)(?=\s{2,}[☐☒☑Xx] |\n|$)", raw)
    tokens = [(m, o.strip()) for m, o in tokens if norm(o) in by_norm]
    if tokens:
        chosen = [by_norm[norm(o)] for m, o in tokens if m in MARKED]
        if not chosen:
            return None
        if len(chosen) > 1:
            return tuple(chosen)
        return chosen[0]
    if norm(raw) in by_norm:
        return by_norm[norm(raw)]
    # retyped: compare without punctuation or spaces
    squash = {re.sub(r"[^a-z0-9]", "", norm(label)): v for v, label in opts.items()}
    key = re.sub(r"[^a-z0-9]", "", norm(raw))
    if key in squash:
        return squash[key]
    if field == "cuf_member":
        if norm(raw).startswith("oui"):
            return True
        if norm(raw).startswith("non"):
            return False
    problems.append(f"{where}: {field}: cannot read choice {raw!r}")
    return None


def docx_rows(data: bytes):
    from lxml import etree

    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    title = None
    for p in root.iter(W + "p"):
        text = "".join(t.text or "" for t in p.iter(W + "t"))
        if "FICHE DE RENSEIGNEMENT" in text:
            title = text
            break
    rows = []
    for tr in root.iter(W + "tr"):
        cells = []
        for tc in tr.findall(W + "tc"):
            paras = []
            for p in tc.findall(W + "p"):
                buf = []
                for el in p.iter():
                    if el.tag == W + "t":
                        buf.append(el.text or "")
                    elif el.tag == W + "br":
                        buf.append("\n")
                paras.append("".join(buf))
            cells.append("\n".join(paras))
        rows.append(cells)
    return title, rows


def xlsx_rows(data: bytes):
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        title = None
        rows = []
        for row in ws.iter_rows():
            vals = [c.value for c in row]
            if vals and isinstance(vals[0], str) and "FICHE DE RENSEIGNEMENT" in vals[0]:
                title = vals[0]
            if vals and isinstance(vals[0], str):
                rest = [v for v in vals[1:] if v is not None and str(v).strip() != ""]
                rows.append([vals[0], rest[0] if rest else ""])
        if title:
            return title, rows, ws.title, wb.sheetnames
    return None, [], None, wb.sheetnames


def read_fiche(data: bytes, fmt: str, problems: list, where: str):
    if fmt == "docx":
        import docx

        docx.Document(io.BytesIO(data))  # must open
        title, rows = docx_rows(data)
    else:
        title, rows, _, _ = xlsx_rows(data)
    if not title:
        problems.append(f"{where}: no form title")
        return None, {}
    kind = MA if title.startswith("MICRO-ATELIER") else BP
    idx = label_index(kind)
    ch = choices(kind)
    fields = {}
    for cells in rows:
        if len(cells) < 2:
            continue
        label, value = cells[0], cells[1]
        if not isinstance(label, str):
            continue
        field = idx.get(norm(label))
        if field is None and ":" in label:
            head, _, tail = label.partition(":")
            field = idx.get(norm(head))
            if field and tail.strip() and (value is None or str(value).strip() == ""):
                value = tail
        if field is None:
            continue
        if isinstance(value, (int, float)):
            value = str(int(value))
        value = "" if value is None else str(value)
        if field in ch:
            v = read_choice(kind, field, value, problems, where)
        else:
            v = clean_text(value)
        if v is not None:
            fields[field] = v
    if "preferred_slot" not in fields:
        fields["preferred_slot"] = "any"
    return kind, fields


def check_layout(data: bytes, fmt: str, kind: str, problems: list, where: str):
    """Every label of the template is there, in the template's order (rows
    people added aside; Nom/Prénom may be swapped)."""
    if fmt == "docx":
        _, rows = docx_rows(data)
    else:
        _, rows, _, _ = xlsx_rows(data)
    idx = label_index(kind)
    seen = []
    for r in rows:
        if not r or not isinstance(r[0], str):
            continue
        f = idx.get(norm(r[0]))
        if f is None and ":" in r[0]:
            f = idx.get(norm(r[0].partition(":")[0]))
        if f is not None:
            seen.append(f)
    order = list(labels(kind))
    if sorted(seen) != sorted(order):
        problems.append(f"{where}: labels differ from the template: {sorted(set(order) ^ set(seen))}")
        return
    a, b = order.index("contact_last_name"), order.index("contact_first_name")
    if seen != order:
        order[a], order[b] = order[b], order[a]
        if seen != order:
            problems.append(f"{where}: labels out of the template's order")


def attachments_of(msg, out=None):
    out = [] if out is None else out
    for part in msg.iter_parts() if msg.is_multipart() else []:
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()[0] if isinstance(part.get_payload(), list) else part.get_payload()
            attachments_of(inner, out)
        elif part.is_multipart():
            attachments_of(part, out)
        elif part.get_filename():
            out.append((part.get_filename(), part.get_payload(decode=True), ctype))
    return out


def main() -> int:
    argv = sys.argv[1:]
    bulk = "--bulk" in argv
    argv = [a for a in argv if a != "--bulk"]
    root = Path(argv[0]) if argv else REPO / "fixtures" / "inbox"
    id_form = r"<bulk-\d{5}@fiches\.example>" if bulk else r"<sample-\d{3}@fiches\.example>"
    manifest = json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))["messages"]
    problems: list[str] = []
    md = mailbox.Maildir(str(root), factory=None, create=False)
    keys = set(md.keys())
    want_keys = {name.split(":")[0] for name in manifest}
    if keys != want_keys:
        problems.append(f"Maildir keys differ from the manifest: {sorted(keys ^ want_keys)}")
    paris = dt.timezone(dt.timedelta(hours=2))
    n_fields = 0
    for name, entry in manifest.items():
        path = root / entry["folder"] / name
        raw = path.read_bytes()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        where = name
        if msg["Message-ID"] != entry["message_id"]:
            problems.append(f"{where}: Message-ID {msg['Message-ID']} != {entry['message_id']}")
        if not re.fullmatch(id_form, entry["message_id"]):
            problems.append(f"{where}: unexpected Message-ID form")
        date = parsedate_to_datetime(msg["Date"])
        late = date.astimezone(paris).date() > dt.date(2018, 6, 8)
        if late != entry["late"]:
            problems.append(f"{where}: late flag")
        if not (dt.date(2018, 5, 1) <= date.astimezone(paris).date() <= dt.date(2018, 6, 30)):
            problems.append(f"{where}: date out of May-June 2018")
        if str(msg["Subject"]) != entry["subject"]:
            problems.append(f"{where}: subject {str(msg['Subject'])!r}")
        auto = (msg.get("Auto-Submitted") or "").startswith("auto-replied")
        if auto != (entry["status"] == "auto_reply"):
            problems.append(f"{where}: Auto-Submitted vs status")
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                part.get_content()  # the body decodes in its charset
        atts = attachments_of(msg)
        fiches = [(f, d) for f, d, _ in atts if f.lower().endswith((".docx", ".xlsx"))]
        others = [(f, d) for f, d, _ in atts if f.lower().endswith((".doc", ".pdf"))]
        if entry["status"] == "no_fiche" and atts:
            problems.append(f"{where}: no_fiche with attachments")
        if entry["status"] == "unsupported" and (fiches or not others):
            problems.append(f"{where}: unsupported should carry only DOC/PDF")
        if entry["status"] == "fiche" and len(fiches) != len(entry["proposals"]):
            problems.append(f"{where}: {len(fiches)} fiche attachments, manifest has {len(entry['proposals'])}")
        for u in entry.get("unsupported_attachments", []):
            if not any(f == u["attachment"] for f, _ in others):
                problems.append(f"{where}: missing unsupported attachment {u['attachment']}")
            data = dict(others)[u["attachment"]]
            magic = {"doc": b"\xd0\xcf\x11\xe0", "pdf": b"%PDF"}[u["format"]]
            if not data.startswith(magic):
                problems.append(f"{where}: {u['attachment']} is not a {u['format']}")
        for p in entry["proposals"]:
            got = dict(fiches).get(p["attachment"])
            if got is None:
                problems.append(f"{where}: attachment {p['attachment']!r} not found (have {[f for f, _ in fiches]})")
                continue
            kind, fields = read_fiche(got, p["format"], problems, f"{where} {p['attachment']}")
            if kind != p["kind"]:
                problems.append(f"{where}: kind {kind} != {p['kind']}")
                continue
            check_layout(got, p["format"], kind, problems, f"{where} {p['attachment']}")
            want = dict(p["fields"])
            for f in p.get("ambiguous", []):
                if not isinstance(fields.get(f), tuple):
                    problems.append(f"{where}: {f} should be ambiguous")
                fields.pop(f, None)
            if fields != want:
                for f in sorted(set(fields) | set(want)):
                    if fields.get(f) != want.get(f):
                        problems.append(f"{where} {p['attachment']}: {f}: read {fields.get(f)!r}, manifest {want.get(f)!r}")
            n_fields += len(want)
    size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    if not bulk and size >= 3 * 1024 * 1024:
        problems.append(f"inbox is {size} bytes (limit 3 MiB)")
    for p in problems:
        print("PROBLEM:", p)
    print(f"checked {len(manifest)} messages, {n_fields} fields, {size / 1024:.0f} KiB: "
          f"{'OK' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
