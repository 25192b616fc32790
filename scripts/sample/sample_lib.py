"""Shared pieces of the sample-inbox and bulk-mail generators.

- the forms' labels and options (as printed on the templates, see SPEC.md);
- filling copies of the real templates (DOCX through python-docx, XLSX through
  openpyxl) with the habits people have;
- making the output byte-identical from run to run (zip entry dates, core
  properties);
- small MIME helpers (RFC 2047 encoded words, RFC 2231 parameters, base64 and
  quoted-printable bodies) used to write messages the way mail clients do.

Nothing here talks to the network or reads the clock.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import io
import quopri
import re
import unicodedata
import urllib.parse
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "fixtures" / "templates"
CORPUS_FICHES = REPO / "fixtures" / "corpus" / "fiches"

MA = "micro_atelier"
BP = "bourse_projets"
KIND_SLUG = {MA: "micro-atelier", BP: "bourse-aux-projets"}

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIME_OF = {"docx": DOCX_MIME, "xlsx": XLSX_MIME, "doc": "application/msword", "pdf": "application/pdf"}

# ---------------------------------------------------------------------------
# The forms: field key -> label as printed (SPEC.md)
# ---------------------------------------------------------------------------

COMMON_LABELS = {
    "organisation": "Nom de la collectivité ou de la structure",
    "organisation_type": "Type de structure",
    "country": "Pays",
    "cuf_member": "Membre de Cités Unies France",
    "organisation_description": "Présentation de votre collectivité ou structure",
    "contact_last_name": "Nom",
    "contact_first_name": "Prénom",
    "contact_role": "Fonction",
    "contact_email": "Courriel",
    "contact_phone": "Téléphone",
}
MA_LABELS = {
    "project_title": "Titre du projet ou de la démarche",
    "theme": "Thématique principale",
    "partner_countries": "Pays partenaire(s)",
    "project_description": "Description du projet ou de la démarche",
    "partners": "Partenaires associés",
    "format": "Format de la présentation",
    "equipment": "Besoins matériels",
    "preferred_slot": "Créneau horaire souhaité",
}
BP_LABELS = {
    "request_type": "Type de demande",
    "target_country": "Pays ou région concerné(s)",
    "theme": "Thématique",
    "partner_sought": "Type de partenaire recherché",
    "request_description": "Description de la demande",
    "difficulties": "Difficultés rencontrées",
    "preferred_slot": "Créneau horaire souhaité pour le rendez-vous",
}


def labels(kind: str) -> dict[str, str]:
    return {**COMMON_LABELS, **(MA_LABELS if kind == MA else BP_LABELS)}


ORG_TYPE = {
    "commune": "Commune",
    "intercommunalite": "Intercommunalité",
    "departement": "Département",
    "region": "Région",
    "association": "Association / ONG",
    "autre": "Autre",
}
THEME = {
    "odd": "ODD / Agenda 2030",
    "climat": "Climat",
    "migrations": "Migrations",
    "jeunesse": "Jeunesse",
    "autre": "Autre",
}
FORMAT = {
    "diaporama": "Diaporama (3-4 diapositives maximum)",
    "film": "Film",
    "demonstration": "Démonstration d'un outil ou d'un jeu",
    "autre": "Autre",
}
MA_SLOT = {
    "14:00": "14h00 – 14h20",
    "14:20": "14h20 – 14h40",
    "14:40": "14h40 – 15h00",
    "15:00": "15h00 – 15h20",
    "15:20": "15h20 – 15h40",
    "any": "Indifférent",
}
REQUEST_TYPE = {
    "cooperation": "Appel à coopération (recherche de partenaires sur un pays ou une thématique)",
    "specific_need": "Besoin spécifique (outil, formation, partenariat à négocier…)",
}
PARTNER_SOUGHT = {
    "french_local_government": "Collectivité française",
    "foreign_local_government": "Collectivité étrangère",
    "company": "Entreprise",
    "association": "Association / ONG",
    "autre": "Autre",
}
BP_SLOT = {
    "12:45": "12h45 – 13h15",
    "13:15": "13h15 – 13h45",
    "16:30": "16h30 – 17h00",
    "17:00": "17h00 – 17h30",
    "any": "Indifférent",
}
CUF = {True: "Oui", False: "Non"}


def choices(kind: str) -> dict[str, dict]:
    common = {"organisation_type": ORG_TYPE, "cuf_member": CUF}
    if kind == MA:
        return {**common, "theme": THEME, "format": FORMAT, "preferred_slot": MA_SLOT}
    return {
        **common,
        "request_type": REQUEST_TYPE,
        "theme": THEME,
        "partner_sought": PARTNER_SOUGHT,
        "preferred_slot": BP_SLOT,
    }


LONG_TEXT = {
    "organisation_description",
    "project_description",
    "partners",
    "request_description",
    "difficulties",
}


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def slug(s: str) -> str:
    s = strip_accents(s).lower()
    s = re.sub(r"[^a-z0-9]+", "-", s)
    return s.strip("-")


def label_variant(label: str, how: str) -> str:
    """A label as retyped by someone: noaccent, colon, colon_tight, upper, lower."""
    if how == "noaccent":
        return strip_accents(label)
    if how == "colon":
        return label + " :"
    if how == "colon_tight":
        return label + ":"
    if how == "upper":
        return label.upper()
    if how == "lower":
        return label[0].lower() + label[1:]
    raise ValueError(how)


# ---------------------------------------------------------------------------
# What a filled fiche holds
# ---------------------------------------------------------------------------
#
# A fiche spec is a dict:
#   kind       MA or BP
#   fmt        "docx" or "xlsx"
#   values     field -> stored value (as in SPEC.md: choices as their stable
#              value, cuf_member a bool). None or missing: left blank/unmarked.
#              A tuple for a choice: several options marked (ambiguous).
#   mark       docx: "ballot" (☒), "check" (☑), "x_upper" (X), "x_lower" (x),
#              "delete" (the other options deleted)
#   free       field -> free text typed instead of choosing ("Oui, adhérente…")
#   retyped    field -> option retyped by hand in the XLSX cell ("oui", "Region")
#   inline     fields whose value is typed in the label's own cell ("Pays : Sénégal")
#   label      field -> how its label was retyped (see label_variant)
#   number_phone  xlsx: the phone typed as a number (int)
#   col_c      xlsx: fields whose value went into column C
#   extra_rows [(label, value)] rows people added (after Téléphone)
#   swap_rows  docx: Prénom row moved above Nom
#   split_runs docx: values split into several runs (as Word does)
#   nbsp       fields written with non-breaking spaces
#   hyperlink_email   the e-mail address is a mailto: link
#   tracked    docx: field -> previous text (shown as a tracked deletion + insertion)
#   blank_paragraphs  docx: the template's empty paragraphs left under long text
#   br_lines   docx: line breaks typed as Shift+Enter (w:br) instead of paragraphs
#   sheet_title  xlsx: the form's sheet renamed
#   extra_sheet  xlsx: "first" or "last": a sheet people added
#   insert_top   xlsx: a note row inserted above the form
#   author     the person who last saved the file
#   saved      datetime (local, naive) the file was last saved
#   revision   docx revision number


def habits_of(spec: dict) -> list[str]:
    """The habits a fiche shows, named like the corpus' expected.json."""
    h: list[str] = []
    kind, fmt = spec["kind"], spec["fmt"]
    ch = choices(kind)
    values = spec["values"]
    if fmt == "docx":
        h.append("mark:" + spec.get("mark", "ballot"))
    for f in ch:
        v = values.get(f)
        if isinstance(v, tuple):
            h.append(f"two_marks:{f}")
        elif v is None and f not in spec.get("free", {}):
            h.append(f"unmarked:{f}")
    for f in labels(kind):
        if f not in ch and not (values.get(f) or "").strip():
            h.append(f"blank:{f}")
    for f in spec.get("free", {}):
        h.append(f"free:{f}")
    for f in spec.get("retyped", {}):
        h.append(f"retyped_option:{f}")
    for f in spec.get("inline", ()):
        h.append(f"inline:{f}")
    for f, how in spec.get("label", {}).items():
        h.append(f"label:{f}:{how}")
    if spec.get("number_phone"):
        h.append("number_phone")
    for f in spec.get("col_c", ()):
        h.append(f"col_c:{f}")
    if spec.get("extra_rows"):
        h.append("extra_row")
    if spec.get("swap_rows"):
        h.append("swap_rows")
    if spec.get("split_runs"):
        h.append("split_runs")
    for f in spec.get("nbsp", ()):
        h.append(f"nbsp:{f}")
    if spec.get("hyperlink_email"):
        h.append("hyperlink_email")
    for f in spec.get("tracked", {}):
        h.append(f"tracked_changes:{f}")
    if spec.get("blank_paragraphs"):
        h.append("blank_paragraphs")
    if spec.get("br_lines"):
        h.append("line_breaks_br")
    if spec.get("sheet_title"):
        h.append("rename_sheet")
    if spec.get("extra_sheet"):
        h.append(f"extra_sheet_{spec['extra_sheet']}")
    if spec.get("insert_top"):
        h.append("insert_rows")
    if spec.get("trailing_spaces"):
        h.append("trailing_spaces")
    return h


def expected_fields(spec: dict) -> tuple[dict, list[str]]:
    """What must be read back from the fiche, in the stored form of SPEC.md,
    and the fields that are ambiguous (two options marked: no value)."""
    kind = spec["kind"]
    ch = choices(kind)
    out: dict = {}
    ambiguous: list[str] = []
    for f in labels(kind):
        v = spec["values"].get(f)
        if f in spec.get("free", {}):
            out[f] = v
            continue
        if isinstance(v, tuple):
            ambiguous.append(f)
            continue
        if v is None or (isinstance(v, str) and not v.strip()):
            if f == "preferred_slot":
                out[f] = "any"
            continue
        if f in ch:
            out[f] = v
            continue
        if f == "contact_phone" and spec.get("number_phone"):
            out[f] = str(int(re.sub(r"\D", "", v)))
            continue
        text = v.replace("\u00a0", " ")
        text = "\n".join(line.rstrip() for line in text.strip().split("\n"))
        out[f] = text
    return out, ambiguous


def written(spec: dict, field: str) -> str | None:
    """The text that goes into the value cell, as the person typed it."""
    v = spec["values"].get(field)
    if field in spec.get("free", {}):
        return spec["free"][field]
    if field in spec.get("retyped", {}):
        return spec["retyped"][field]
    if v is None:
        return None
    ch = choices(spec["kind"]).get(field)
    if ch is not None:
        if isinstance(v, tuple):
            return ", ".join(ch[x] for x in v)
        return ch[v]
    if field in spec.get("nbsp", ()):
        v = v.replace(" ", "\u00a0") if field == "contact_phone" else re.sub(r"(\d) (\d)", "\\1\u00a0\\2", v)
    if spec.get("trailing_spaces") and field in ("organisation", "contact_role"):
        v = " " + v + "  "
    return v


# ---------------------------------------------------------------------------
# Deterministic zips
# ---------------------------------------------------------------------------

_CORE_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def normalize_zip(data: bytes, saved: dt.datetime, modified_utc: dt.datetime) -> bytes:
    """Rewrite a zip produced by python-docx/openpyxl so that it only depends on
    its content: entry dates = `saved` (local time, as Office writes them),
    core.xml's modified date = `modified_utc`."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = modified_utc.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            blob = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                blob = _CORE_MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", blob)
            zi = zipfile.ZipInfo(info.filename, date_time=saved.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            zout.writestr(zi, blob)
    return out.getvalue()


# ---------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------

def _docx_mods():
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    return OxmlElement, qn, RT


MARKS = {"ballot": "☒", "check": "☑", "x_upper": "X", "x_lower": "x"}


def _run(text: str, rpr: list | None = None):
    OxmlElement, qn, _ = _docx_mods()
    r = OxmlElement("w:r")
    if rpr:
        pr = OxmlElement("w:rPr")
        for tag, attrs in rpr:
            e = OxmlElement(tag)
            for k, v in attrs.items():
                e.set(qn(k), v)
            pr.append(e)
        r.append(pr)
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    return r


def _split_text(text: str, parts: int) -> list[str]:
    words = text.split(" ")
    if len(words) < parts:
        return [text]
    cut = [len(words) * i // parts for i in range(parts + 1)]
    chunks = [" ".join(words[cut[i]:cut[i + 1]]) for i in range(parts)]
    # keep the spaces between chunks
    return [c + (" " if i < parts - 1 else "") for i, c in enumerate(chunks)]


def _clear_cell(tc):
    _, qn, _ = _docx_mods()
    for p in tc.findall(qn("w:p")):
        tc.remove(p)


def _docx_set_text(doc, tc, text: str | None, spec: dict, field: str | None = None):
    OxmlElement, qn, RT = _docx_mods()
    _clear_cell(tc)
    if text is None or text == "":
        tc.append(OxmlElement("w:p"))
        return
    lines = text.split("\n")
    paras: list[list[str]]
    if spec.get("br_lines") and len(lines) > 1:
        paras = [lines]  # one paragraph, lines joined by <w:br/>
    else:
        paras = [[line] for line in lines]
    for pi, plines in enumerate(paras):
        p = OxmlElement("w:p")
        if spec.get("split_runs"):
            p.set(qn("w:rsidR"), "00%06X" % (0x3A51C0 + pi))
            p.set(qn("w:rsidRDefault"), "00%06X" % (0x3A51C0 + pi))
        for li, line in enumerate(plines):
            if li > 0:
                r = OxmlElement("w:r")
                r.append(OxmlElement("w:br"))
                p.append(r)
            if field == "contact_email" and spec.get("hyperlink_email"):
                rid = doc.part.relate_to("mailto:" + line.strip(), RT.HYPERLINK, is_external=True)
                h = OxmlElement("w:hyperlink")
                h.set(qn("r:id"), rid)
                h.set(qn("w:history"), "1")
                h.append(_run(line, [("w:rStyle", {"w:val": "Lienhypertexte"}),
                                     ("w:color", {"w:val": "0563C1"}),
                                     ("w:u", {"w:val": "single"})]))
                p.append(h)
            elif field in spec.get("tracked", {}):
                old = spec["tracked"][field]
                author = spec.get("author", "Utilisateur")
                when = spec["saved"].strftime("%Y-%m-%dT%H:%M:00Z")
                d = OxmlElement("w:del")
                d.set(qn("w:id"), "1")
                d.set(qn("w:author"), author)
                d.set(qn("w:date"), when)
                r = OxmlElement("w:r")
                t = OxmlElement("w:delText")
                t.set(qn("xml:space"), "preserve")
                t.text = old
                r.append(t)
                d.append(r)
                ins = OxmlElement("w:ins")
                ins.set(qn("w:id"), "2")
                ins.set(qn("w:author"), author)
                ins.set(qn("w:date"), when)
                ins.append(_run(line))
                p.append(d)
                p.append(ins)
            elif spec.get("split_runs") and len(line) > 12:
                chunks = _split_text(line, 3)
                props = [None, [("w:lang", {"w:val": "fr-FR"})], [("w:noProof", {})]]
                for ci, c in enumerate(chunks):
                    p.append(_run(c, props[ci % 3]))
            else:
                p.append(_run(line))
        tc.append(p)
    if spec.get("blank_paragraphs") and field in LONG_TEXT:
        tc.append(OxmlElement("w:p"))
        tc.append(OxmlElement("w:p"))


def _docx_cell_text(tc) -> str:
    _, qn, _ = _docx_mods()
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.findall(qn("w:p")))


def _docx_mark(doc, tc, field: str, spec: dict):
    """Mark the chosen option(s) in a choice cell."""
    _, qn, _ = _docx_mods()
    v = spec["values"].get(field)
    if field in spec.get("free", {}):
        _docx_set_text(doc, tc, spec["free"][field], spec)
        return
    opts = choices(spec["kind"])[field]
    if spec.get("choice_tokens"):
        # bulk generator: "☐ Commune" -> "@@C:organisation_type:commune@@ Commune",
        # the token replaced later by ☒/☐ per message
        for t in tc.iter(qn("w:t")):
            for val, label in opts.items():
                if t.text:
                    t.text = t.text.replace("☐ " + label, f"@@C:{field}:{val}@@ " + label, 1)
        return
    if v is None:
        return  # left unmarked
    chosen = [opts[x] for x in (v if isinstance(v, tuple) else (v,))]
    mark = spec.get("mark", "ballot")
    if mark == "delete":
        _docx_set_text(doc, tc, "\n".join(chosen), spec)
        return
    sym = MARKS[mark]
    for t in tc.iter(qn("w:t")):
        for label in chosen:
            t.text = t.text.replace("☐ " + label, sym + " " + label, 1) if t.text else t.text


def fill_docx(spec: dict) -> bytes:
    from docx import Document

    OxmlElement, qn, _ = _docx_mods()
    kind = spec["kind"]
    doc = Document(str(TEMPLATES / f"fiche-{KIND_SLUG[kind]}.docx"))
    rows = {}
    for table in doc.tables:
        for row in table.rows:
            tcs = row._tr.findall(qn("w:tc"))
            rows[_docx_cell_text(tcs[0]).strip()] = row._tr
    ch = choices(kind)
    for field, label in labels(kind).items():
        tr = rows[label]
        lab_tc, val_tc = tr.findall(qn("w:tc"))
        if field in ch:
            _docx_mark(doc, val_tc, field, spec)
        else:
            _docx_set_text(doc, val_tc, written(spec, field), spec, field)
        if field in spec.get("inline", ()):
            value = written(spec, field)
            _docx_set_text(doc, lab_tc, f"{label} : {value}", {})
            _docx_set_text(doc, val_tc, None, {})
            _bold_label(lab_tc)
        elif field in spec.get("label", {}):
            _docx_set_text(doc, lab_tc, label_variant(label, spec["label"][field]), {})
            _bold_label(lab_tc)
    if spec.get("swap_rows"):
        nom, prenom = rows["Nom"], rows["Prénom"]
        nom.addprevious(prenom)
    after = rows["Téléphone"]
    for label, value in spec.get("extra_rows", ()):
        new = copy.deepcopy(after)
        lab_tc, val_tc = new.findall(qn("w:tc"))
        _docx_set_text(doc, lab_tc, label, {})
        _bold_label(lab_tc)
        _docx_set_text(doc, val_tc, value, {})
        after.addnext(new)
        after = new
    cp = doc.core_properties
    cp.last_modified_by = spec.get("author", "")
    cp.revision = spec.get("revision", 2)
    modified_utc = spec["saved_utc"]
    cp.modified = modified_utc
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_zip(buf.getvalue(), spec["saved"], modified_utc)


def _bold_label(tc):
    OxmlElement, qn, _ = _docx_mods()
    for r in tc.iter(qn("w:r")):
        if r.find(qn("w:rPr")) is None:
            pr = OxmlElement("w:rPr")
            pr.append(OxmlElement("w:b"))
            r.insert(0, pr)


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------

def _xlsx_insert_rows(ws, idx: int, amount: int):
    """openpyxl's insert_rows, also moving merged cells, validations and heights."""
    from openpyxl.worksheet.cell_range import CellRange, MultiCellRange

    merged = [CellRange(str(r)) for r in ws.merged_cells.ranges]
    for r in merged:
        ws.unmerge_cells(r.coord)
    heights = {i: d.height for i, d in ws.row_dimensions.items() if d.height}
    ws.insert_rows(idx, amount)
    for r in merged:
        if r.min_row >= idx:
            r.shift(0, amount)
        ws.merge_cells(r.coord)
    for i in list(ws.row_dimensions):
        ws.row_dimensions[i].height = None
    for i, h in heights.items():
        ws.row_dimensions[i + amount if i >= idx else i].height = h
    for dv in ws.data_validations.dataValidation:
        rngs = []
        for r in dv.sqref.ranges:
            r = CellRange(r.coord)
            if r.min_row >= idx:
                r.shift(0, amount)
            rngs.append(r.coord)
        dv.sqref = MultiCellRange(" ".join(rngs))


def fill_xlsx(spec: dict) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment

    kind = spec["kind"]
    wb = openpyxl.load_workbook(TEMPLATES / f"fiche-{KIND_SLUG[kind]}.xlsx")
    ws = wb["Fiche"]

    # structure first: rows people inserted
    def row_of(label):
        for r in range(1, ws.max_row + 1):
            if ws.cell(r, 1).value == label:
                return r
        raise KeyError(label)

    extra = spec.get("extra_rows", ())
    if extra:
        at = row_of("Téléphone") + 1
        _xlsx_insert_rows(ws, at, len(extra))
        for i, (label, value) in enumerate(extra):
            src = at - 1
            for col in (1, 2, 3):
                ws.cell(at + i, col)._style = copy.copy(ws.cell(src, col)._style)
            ws.cell(at + i, 1).value = label
            ws.cell(at + i, 2).value = value
            ws.merge_cells(start_row=at + i, start_column=2, end_row=at + i, end_column=3)
    if spec.get("insert_top"):
        _xlsx_insert_rows(ws, 2, 2)
        ws.cell(2, 1).value = spec["insert_top"]

    for field, label in labels(kind).items():
        r = row_of(label)
        value = written(spec, field)
        if field == "contact_phone" and spec.get("number_phone"):
            value = int(re.sub(r"\D", "", spec["values"][field]))
        col = 3 if field in spec.get("col_c", ()) else 2
        if col == 3:
            ws.unmerge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
        if field in spec.get("inline", ()):
            ws.cell(r, 1).value = f"{label} : {value}"
        else:
            ws.cell(r, col).value = value
            if isinstance(value, str) and "\n" in value:
                ws.cell(r, col).alignment = Alignment(wrap_text=True, vertical="top")
            if field in spec.get("label", {}):
                ws.cell(r, 1).value = label_variant(label, spec["label"][field])
        if field == "contact_email" and spec.get("hyperlink_email") and value:
            ws.cell(r, col).hyperlink = "mailto:" + value.strip()
    if spec.get("sheet_title"):
        ws.title = spec["sheet_title"]
    if spec.get("extra_sheet") == "first":
        notes = wb.create_sheet("Notes", 0)
        for i, line in enumerate(spec.get("notes", ["Brouillon – à relire avant envoi"]), 1):
            notes.cell(i, 1).value = line
        wb.active = 1
    elif spec.get("extra_sheet") == "last":
        wb.create_sheet("Feuil2")
    wb.properties.lastModifiedBy = spec.get("author", "")
    buf = io.BytesIO()
    wb.save(buf)
    return normalize_zip(buf.getvalue(), spec["saved"], spec["saved_utc"])


def fill(spec: dict) -> bytes:
    return fill_docx(spec) if spec["fmt"] == "docx" else fill_xlsx(spec)


# ---------------------------------------------------------------------------
# MIME helpers
# ---------------------------------------------------------------------------

_Q_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!*+-/")


def is_ascii(s: str) -> bool:
    return all(ord(c) < 128 for c in s)


def encoded_words(text: str, charset: str = "utf-8", enc: str = "B", max_word: int = 75) -> list[str]:
    """RFC 2047 encoded words for `text`, each at most `max_word` characters,
    never splitting a character."""
    prefix = f"=?{charset}?{enc}?"
    room = max_word - len(prefix) - 2
    words: list[str] = []
    cur = b""

    def payload(b: bytes) -> str:
        if enc.upper() == "B":
            return base64.b64encode(b).decode()
        out = []
        for byte in b:
            ch = chr(byte)
            if byte == 0x20:
                out.append("_")
            elif ch in _Q_SAFE:
                out.append(ch)
            else:
                out.append("=%02X" % byte)
        return "".join(out)

    for c in text:
        b = c.encode(charset)
        if cur and len(payload(cur + b)) > room:
            words.append(prefix + payload(cur) + "?=")
            cur = b""
        cur += b
    if cur:
        words.append(prefix + payload(cur) + "?=")
    return words


def header_text(text: str, charset="utf-8", enc="B") -> str:
    """A header value: as is when ASCII, else encoded words folded on lines."""
    if is_ascii(text):
        return text
    return "\n ".join(encoded_words(text, charset, enc))


def address(name: str | None, addr: str, charset="utf-8", enc="Q", quote_always=False) -> str:
    if not name:
        return addr
    if is_ascii(name):
        if quote_always or re.search(r'[(),.:;<>@\[\]\\"]', name):
            return '"%s" <%s>' % (name.replace('"', '\\"'), addr)
        return f"{name} <{addr}>"
    return " ".join(encoded_words(name, charset, enc)) + f" <{addr}>"


def rfc2231(param: str, value: str, charset: str = "utf-8", chunk: int = 0) -> str:
    """`param*=utf-8''…`; with chunk > 0 split in continuations param*0*, param*1*…"""
    pct = urllib.parse.quote(value.encode(charset), safe="!#$&+-.^_`|~")
    if not chunk or len(pct) <= chunk:
        return f"{param}*={charset}''{pct}"
    pieces = []
    cur = ""
    i = 0
    while i < len(pct):
        tok = pct[i:i + 3] if pct[i] == "%" else pct[i]
        if len(cur) + len(tok) > chunk:
            pieces.append(cur)
            cur = ""
        cur += tok
        i += len(tok)
    pieces.append(cur)
    out = []
    for n, p in enumerate(pieces):
        out.append(f"{param}*{n}*={charset}''{p}" if n == 0 else f"{param}*{n}*={p}")
    return ";\n ".join(out)


def b64_lines(data: bytes, width: int = 76) -> bytes:
    s = base64.b64encode(data)
    return b"".join(s[i:i + width] + b"\n" for i in range(0, len(s), width))


def qp(text: str, charset: str) -> bytes:
    return quopri.encodestring(text.encode(charset))


def html_of(text: str, style: str = "plain") -> str:
    import html

    paras = [html.escape(p, quote=False).replace("\n", "<br>\n") for p in text.split("\n\n")]
    if style == "outlook":
        body = "\n".join(f'<p class="MsoNormal">{p}<o:p></o:p></p>' for p in paras)
        return (
            '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">\n'
            '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
            '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n'
            "<style><!-- p.MsoNormal {margin:0cm;margin-bottom:.0001pt;font-size:11.0pt;"
            "font-family:\"Calibri\",sans-serif;} --></style></head>\n"
            '<body lang="FR" link="#0563C1" vlink="#954F72"><div class="WordSection1">\n'
            f"{body}\n</div></body></html>\n"
        )
    if style == "gmail":
        body = "".join(f"<div>{p}</div><div><br></div>" for p in paras)
        return f'<div dir="ltr">{body}</div>\n'
    body = "\n".join(f"<p>{p}</p>" for p in paras)
    return f"<html><head><meta charset=\"utf-8\"></head><body>\n{body}\n</body></html>\n"


def flowed(text: str, width: int = 72) -> str:
    """RFC 3676 format=flowed: long lines cut at spaces, each cut line keeping
    its trailing space (what Thunderbird sends)."""
    out = []
    for line in text.split("\n"):
        if line == "-- ":
            out.append(line)
            continue
        while len(line) > width:
            cut = line.rfind(" ", 0, width)
            if cut <= 0:
                break
            out.append(line[:cut + 1])
            line = line[cut + 1:]
        out.append(line)
    return "\n".join(out)


def tiny_png(width: int, height: int, seed: int, noise: bool = False) -> bytes:
    """A valid PNG: a flat colour logo, or (noise=True) incompressible pixels."""
    import random
    import struct
    import zlib

    rnd = random.Random(seed)
    rows = []
    colour = bytes([rnd.randrange(256) for _ in range(3)])
    for _ in range(height):
        if noise:
            rows.append(b"\x00" + rnd.randbytes(width * 3))
        else:
            rows.append(b"\x00" + colour * width)
    raw = b"".join(rows)
    comp = zlib.compress(raw, 0 if noise else 9)

    def chunk(tag, data):
        c = struct.pack(">I", len(data)) + tag + data
        return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", comp) + chunk(b"IEND", b""))


class Part:
    """A MIME part: headers as already-encoded text, and a body (bytes) or children."""

    def __init__(self, headers: list[tuple[str, str]], body: bytes = b"", children=None,
                 boundary: str | None = None, preamble: str = "", blank_before_boundary=False):
        self.headers = headers
        self.body = body
        self.children = children or []
        self.boundary = boundary
        self.preamble = preamble
        self.blank_before_boundary = blank_before_boundary

    def render(self) -> bytes:
        out = bytearray()
        for name, value in self.headers:
            out += f"{name}: {value}\n".encode("utf-8")
        out += b"\n"
        if self.children:
            if self.preamble:
                out += self.preamble.encode() + b"\n"
            for c in self.children:
                out += f"--{self.boundary}\n".encode()
                out += c.render()
                if not out.endswith(b"\n"):
                    out += b"\n"
                if self.blank_before_boundary:
                    out += b"\n"
            out += f"--{self.boundary}--\n".encode()
        else:
            out += self.body
            if self.body and not self.body.endswith(b"\n"):
                out += b"\n"
        return bytes(out)
