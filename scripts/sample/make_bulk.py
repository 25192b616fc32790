#!/usr/bin/env python3
"""Bulk benchmark mail: N messages (default 2,000) of about 40 KB each, one
fiche each (DOCX and XLSX alternately), unique Message-IDs
(<bulk-NNNNN@fiches.example>) and unique organisations, in a Maildir.

    python scripts/sample/make_bulk.py [--count 2000] [--out target/bulk-maildir]

Not committed: it is for the import and IMAP benchmarks. Fast: each template
variant is filled once with placeholders (python-docx / openpyxl), then each
message only substitutes its strings into the one or two XML parts that hold
them and re-zips with the other parts' compressed bytes reused.
Deterministic for a given --count and --seed. Also writes MANIFEST.json (same
schema as fixtures/inbox/MANIFEST.json).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import re
import struct
import sys
import time
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mailers import Attachment, Mail, render  # noqa: E402
from sample_lib import (  # noqa: E402
    BP,
    KIND_SLUG,
    MA,
    MIME_OF,
    choices,
    expected_fields,
    fill,
    habits_of,
    labels,
    slug,
    tiny_png,
)

HOST = "fiches-bulk"
PARIS = dt.timezone(dt.timedelta(hours=2))
FIXED_SAVE = dt.datetime(2018, 5, 2, 9, 0)

# ---------------------------------------------------------------------------
# Template variants with placeholders
# ---------------------------------------------------------------------------

# habits a variant carries (the values are placeholders until each message)
VARIANTS = {
    "docx": [
        dict(),
        dict(swap_rows=True, inline=["country"], label={"contact_phone": "noaccent"},
             extra_rows=[("Site internet", "@@T:website@@")]),
    ],
    "xlsx": [
        dict(),
        dict(extra_sheet="first", notes=["Brouillon – à relire avant envoi"], inline=["country"],
             label={"contact_role": "colon_tight"}, extra_rows=[("Site internet", "@@T:website@@")]),
    ],
}


def token_spec(kind: str, fmt: str, habits: dict) -> dict:
    ch = choices(kind)
    values = {f: (None if f in ch else f"@@T:{f}@@") for f in labels(kind)}
    spec = dict(kind=kind, fmt=fmt, values=values, saved=FIXED_SAVE, saved_utc=FIXED_SAVE,
                author="Utilisateur", revision=2, **habits)
    if fmt == "docx":
        spec["choice_tokens"] = True
    else:
        spec["retyped"] = {f: f"@@C:{f}@@" for f in ch}
    return spec


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


class ZipTemplate:
    """A filled-with-placeholders DOCX/XLSX whose static parts are compressed once."""

    def __init__(self, data: bytes):
        self.entries = []
        zin = zipfile.ZipFile(io.BytesIO(data))
        for info in zin.infolist():
            raw = zin.read(info.filename)
            name = info.filename.encode()
            if b"@@" in raw:
                self.entries.append((name, None, raw.decode("utf-8")))
            else:
                self.entries.append((name, (zlib.crc32(raw), deflate(raw), len(raw)), None))

    def render(self, subst, when: dt.datetime) -> bytes:
        dos_time = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
        dos_date = ((when.year - 1980) << 9) | (when.month << 5) | when.day
        out = bytearray()
        central = bytearray()
        for name, static, text in self.entries:
            if static is None:
                raw = subst(text).encode("utf-8")
                crc, comp, size = zlib.crc32(raw), deflate(raw), len(raw)
            else:
                crc, comp, size = static
            offset = len(out)
            out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, dos_time, dos_date, crc, len(comp), size,
                               len(name), 0)
            out += name + comp
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, dos_time, dos_date, crc,
                                   len(comp), size, len(name), 0, 0, 0, 0, 0, offset)
            central += name
        cd_offset = len(out)
        out += central
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(self.entries), len(self.entries), len(central),
                           cd_offset, 0)
        return bytes(out)


_TOKEN = re.compile(r"@@([TC]):([a-z_]+)(?::([A-Za-z0-9_:]+))?@@")

DOCX_BR = '</w:t></w:r><w:r><w:br/></w:r><w:r><w:t xml:space="preserve">'


def substituter(fmt: str, kind: str, values: dict, mark: str):
    ch = choices(kind)
    sym = {"ballot": "☒", "check": "☑", "x_upper": "X", "x_lower": "x"}[mark]

    def one(m: re.Match) -> str:
        typ, field, val = m.group(1), m.group(2), m.group(3)
        if typ == "T":
            v = values.get(field) or ""
            v = escape(v)
            return v.replace("\n", DOCX_BR) if fmt == "docx" else v
        if fmt == "docx":  # @@C:field:value@@ in front of each option
            chosen = values.get(field)
            return sym if str(chosen) == val else "☐"
        chosen = values.get(field)
        return escape(ch[field][chosen]) if chosen is not None else ""

    return lambda text: _TOKEN.sub(one, text)


# ---------------------------------------------------------------------------
# Made-up data, varied but unique where it matters
# ---------------------------------------------------------------------------

SAINTS = ["Martin", "Jean", "Pierre", "Julien", "Étienne", "Laurent", "Denis", "Germain", "Nicolas", "Michel",
          "André", "Georges", "Paul", "Vincent", "Hilaire", "Maurice", "Rémy", "Benoît", "Amand", "Léger",
          "Médard", "Sulpice", "Genès", "Cyr", "Privat", "Aubin", "Gilles", "Marcel", "Quentin", "Avit",
          "Geniès", "Éloi", "Lô", "Brice", "Yrieix", "Junien", "Priest", "Front", "Flour", "Omer"]
RIVERS = ["Loire", "Seine", "Marne", "Oise", "Vienne", "Dordogne", "Garonne", "Lot", "Tarn", "Aveyron", "Allier",
          "Cher", "Indre", "Sarthe", "Mayenne", "Orne", "Aisne", "Meuse", "Moselle", "Saône", "Doubs", "Rhône",
          "Isère", "Drôme", "Durance", "Aude", "Hérault", "Gers", "Charente", "Vilaine"]
FR_PREFIX = [("Ville de", "commune"), ("Commune de", "commune"), ("Communauté de communes de", "intercommunalite")]
FOREIGN = [
    ("Sénégal", ["Kaolack", "Thiès", "Ziguinchor", "Tambacounda", "Louga", "Kolda", "Fatick", "Matam", "Podor"]),
    ("Maroc", ["Tétouan", "Larache", "Ouarzazate", "Taza", "Essaouira", "Khouribga", "Nador", "Ifrane", "Tiznit"]),
    ("Cameroun", ["Bafoussam", "Foumban", "Garoua", "Kribi", "Ebolowa", "Bamenda", "Limbé", "Maroua", "Dschang"]),
    ("Burkina Faso", ["Banfora", "Kaya", "Dori", "Fada N'Gourma", "Tenkodogo", "Dédougou", "Gaoua", "Ziniaré"]),
    ("Tunisie", ["Bizerte", "Monastir", "Gabès", "Nabeul", "Tozeur", "Médenine", "Béja", "Jendouba"]),
    ("Liban", ["Zahlé", "Byblos", "Tyr", "Baalbek", "Jounieh", "Batroun", "Nabatieh", "Halba"]),
    ("Madagascar", ["Toamasina", "Mahajanga", "Toliara", "Antsiranana", "Morondava", "Ambositra", "Manakara"]),
    ("Haïti", ["Gonaïves", "Jérémie", "Hinche", "Port-de-Paix", "Saint-Marc", "Léogâne", "Ouanaminthe"]),
    ("Arménie", ["Vanadzor", "Dilijan", "Sevan", "Kapan", "Ijevan", "Sisian", "Ashtarak", "Meghri"]),
    ("Vietnam", ["Cần Thơ", "Đà Lạt", "Hội An", "Vinh", "Quy Nhơn", "Nam Định", "Sơn La", "Hạ Long"]),
    ("Mexique", ["Puebla", "Morelia", "Querétaro", "Mérida", "Zacatecas", "Tlaxcala", "Campeche", "Colima"]),
    ("Canada (Québec)", ["Trois-Rivières", "Gatineau", "Rimouski", "Saguenay", "Drummondville", "Granby"]),
]
FIRST = ["Sophie", "Jérôme", "Aïssatou", "Hélène", "Grégoire", "Émilie", "Noémie", "François", "Anaïs", "Mamadou",
         "Fatima-Zahra", "Rachid", "Élodie", "Théo", "Zoé", "Ibrahima", "Seydou", "Awa", "Leïla", "Rania", "Georges",
         "Hery", "Marie-Ève", "Jean-François", "Nadège", "Anahit", "Armen", "Lan", "Guadalupe", "Maïté", "Céline",
         "Benoît", "Yannick", "Solène", "Raphaël", "Agnès", "Karim", "Ophélie", "Loïc", "Amélie", "Joël", "Pauline",
         "Aminata", "Boubacar", "Chloé", "Gaëlle", "Hervé", "Inès", "Jérémie", "Océane"]
LAST = ["Lefèvre", "Bérenger", "Diallo", "Marchand", "Fauré", "Château", "Lê", "Clément", "Kébé", "Ndiaye",
        "El Idrissi", "Benjelloun", "Perrin", "Garnier", "Lambert", "Sow", "Ouédraogo", "Kaboré", "Ben Salah",
        "Haddad", "Khoury", "Rakotomalala", "Tremblay", "Côté", "Joseph", "Hovhannisyan", "Sargsyan", "Nguyễn",
        "Hernández", "Etcheverry", "Boutin", "Lemaître", "Le Goff", "Kerjean", "Dubœuf", "Vidal", "Bensaïd",
        "Grangé", "Bréhier", "Duchêne", "Tchakounté", "Mbarga", "Traoré", "Diop", "Vasseur", "Guérin", "Mercier",
        "Roussel", "Faye", "Béranger"]
ROLES = ["Chargée de mission relations internationales", "Chargé de mission coopération décentralisée",
         "Directeur des relations internationales", "Responsable de la coopération",
         "Adjointe au maire chargée des relations internationales", "Secrétaire général", "Chef de projet",
         "Chargée de projets solidarité internationale"]
PARTNER_COUNTRIES = ["Sénégal", "Maroc", "Burkina Faso", "Mali", "Cameroun", "Tunisie", "Liban", "Madagascar",
                     "Haïti", "Arménie", "Vietnam", "Mexique", "Bénin", "Palestine", "Niger", "France"]
TOPICS = {
    "odd": ["l'Agenda 2030 au budget municipal", "un tableau de bord des ODD", "les achats publics responsables",
            "l'accès à l'eau potable", "l'état civil"],
    "climat": ["l'adaptation au changement climatique", "la gestion des déchets", "la mobilité durable",
               "le reboisement", "l'énergie solaire"],
    "migrations": ["l'accueil des personnes migrantes", "les diasporas et le co-développement",
                   "les migrants de retour"],
    "jeunesse": ["les chantiers de jeunes", "le service civique réciproque", "les correspondances scolaires"],
    "autre": ["le patrimoine urbain", "la formation des élus", "le tourisme rural", "l'adressage des rues"],
}
TITLE_FORMS = ["{Topic} : l'expérience de {place}", "{Topic}, un projet partagé avec {partner}",
               "Comment nous avons travaillé sur {topic}", "{Topic} : ce qui a marché, ce qui reste à faire"]
DESC_FORMS = [
    "Depuis {year}, {org} travaille avec {partner} sur {topic}.\nNous présentons la démarche, les résultats et les difficultés.",
    "Un projet conduit avec {partner} : diagnostic partagé, plan d'actions et suivi par un comité mixte.",
    "{Org} et {partner} ont mis en place un programme commun sur {topic} ; {n} personnes en ont bénéficié.",
]
BP_DESC = [
    "Nous recherchons un partenaire pour {topic} ; nous pouvons accueillir une délégation en {month}.",
    "Appel aux collectivités intéressées par {topic} : échange d'expériences et projet commun à construire.",
    "Besoin d'un appui technique sur {topic} : formation des agents et outils de suivi.",
]
DIFFICULTIES = ["Financement des missions.", "Barrière de la langue.", "Manque d'interlocuteurs techniques.",
                None, "Délais administratifs.", None]
EQUIPMENT = ["Vidéoprojecteur", "Vidéoprojecteur et micro", "Écran et enceintes", "Une table et une prise électrique"]
MA_SLOTS = ["14:00"] * 5 + ["14:20"] * 4 + ["14:40"] * 2 + ["15:00"] * 2 + ["15:20"] + ["any"] * 2
BP_SLOTS = ["12:45", "13:15", "16:30", "17:00", "any"]
MONTHS = ["septembre", "octobre", "novembre"]
CLIENTS = ["outlook", "thunderbird", "gmail", "apple", "zimbra"]


def org_names(count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """Unique (name, organisation_type, country), French and foreign."""
    french = [(f"{p} Saint-{s}-sur-{r}", t, "France") for p, t in FR_PREFIX for s in SAINTS for r in RIVERS]
    foreign = [(f"{p} {c}", "commune", country) for country, cities in FOREIGN for c in cities
               for p in ("Commune de", "Ville de")]
    assoc = [(f"Association Solidarité {c}", "association", "France") for _, cities in FOREIGN for c in cities]
    rng.shuffle(french)
    rng.shuffle(foreign)
    out = []
    fi = fo = ai = 0
    while len(out) < count:
        k = len(out) % 10
        if k < 7 and fi < len(french):
            out.append(french[fi])
            fi += 1
        elif k < 9 and fo < len(foreign):
            out.append(foreign[fo])
            fo += 1
        elif ai < len(assoc):
            out.append(assoc[ai])
            ai += 1
        elif fi < len(french):
            out.append(french[fi])
            fi += 1
        else:
            n = len(out)
            base = out[n % (fi + fo + ai)]
            out.append((f"{base[0]} (antenne {n})", base[1], base[2]))
    return out


def phone(rng: random.Random, country: str) -> str:
    if country == "France":
        pre = rng.choice(["01 99 00", "02 61 91", "03 53 58", "04 65 71", "05 36 49", "06 39 98"])
        a, b = rng.randrange(100), rng.randrange(100)
        return rng.choice([f"{pre} {a:02d} {b:02d}", f"{pre.replace(' ', '.')}.{a:02d}.{b:02d}",
                           f"+33 {pre[1:]} {a:02d} {b:02d}"])
    return f"+{rng.randrange(200, 999)} {rng.randrange(10, 99)} {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"


def make_values(i: int, kind: str, org: tuple, rng: random.Random) -> dict:
    name, otype, country = org
    place = re.sub(r"^(Ville|Commune|Communauté de communes|Association Solidarité) (de |d')?", "", name)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    domain = slug(place)[:30].strip("-") + (".fr" if country == "France" else ".org")
    theme = rng.choice(list(TOPICS))
    topic = rng.choice(TOPICS[theme])
    partner = rng.choice([p for p in PARTNER_COUNTRIES if p != country])
    v = {
        "organisation": name,
        "organisation_type": otype,
        "country": country,
        "cuf_member": rng.random() < 0.45,
        "organisation_description": f"{rng.randrange(5, 900) * 1000:,} habitants.".replace(",", " ")
        if otype != "association" else "Association de solidarité internationale.",
        "contact_last_name": last,
        "contact_first_name": first,
        "contact_role": rng.choice(ROLES),
        "contact_email": f"{slug(first)}.{slug(last)}@{domain}",
        "contact_phone": phone(rng, country),
        "website": f"www.{domain}",
    }
    fmt_args = dict(topic=topic, Topic=topic[0].upper() + topic[1:], place=place, partner=partner, org=name,
                    Org=name, year=rng.randrange(2005, 2017), n=rng.randrange(50, 5000), month=rng.choice(MONTHS))
    if kind == MA:
        v.update(
            project_title=rng.choice(TITLE_FORMS).format(**fmt_args),
            theme=theme,
            partner_countries=", ".join(sorted({partner, rng.choice(PARTNER_COUNTRIES)} - {country})) or partner,
            project_description=rng.choice(DESC_FORMS).format(**fmt_args),
            partners=f"Ville partenaire de {partner}, associations locales",
            format=rng.choice(["diaporama", "diaporama", "film", "demonstration"]),
            equipment=rng.choice(EQUIPMENT),
            preferred_slot=rng.choice(MA_SLOTS),
        )
    else:
        v.update(
            request_type=rng.choice(["cooperation", "specific_need"]),
            target_country=partner,
            theme=theme,
            partner_sought=rng.choice(list(choices(BP)["partner_sought"])),
            request_description=rng.choice(BP_DESC).format(**fmt_args),
            difficulties=rng.choice(DIFFICULTIES),
            preferred_slot=rng.choice(BP_SLOTS),
        )
    return v


def body_for(v: dict, kind: str, rng: random.Random) -> str:
    what = "un micro-atelier" if kind == MA else "la bourse aux projets"
    hello = rng.choice(["Bonjour,", "Madame, Monsieur,", "Bonjour à toute l'équipe,"])
    line = rng.choice([f"Veuillez trouver ci-joint notre fiche de renseignement pour {what}.",
                       f"Je vous prie de trouver en pièce jointe notre fiche pour {what}.",
                       f"Suite à votre appel à contributions, voici notre fiche pour {what}."])
    bye = rng.choice(["Bien cordialement,", "Cordialement,", "Bien à vous,"])
    return (f"{hello}\n\n{line}\n\n{bye}\n\n{v['contact_first_name']} {v['contact_last_name']}\n"
            f"{v['contact_role']}\n{v['organisation']}\nTél. : {v['contact_phone']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=Path("target/bulk-maildir"))
    ap.add_argument("--seed", default="2018")
    ap.add_argument("--target-kb", type=int, default=40, help="mean message size to aim at (KB)")
    args = ap.parse_args()
    t0 = time.monotonic()
    out: Path = args.out
    for sub in ("cur", "new", "tmp"):
        (out / sub).mkdir(parents=True, exist_ok=True)
        for f in (out / sub).iterdir():
            if f".{HOST}" in f.name:
                f.unlink()

    templates = {}
    for kind in (MA, BP):
        for fmt in ("docx", "xlsx"):
            for vi, habits in enumerate(VARIANTS[fmt]):
                templates[kind, fmt, vi] = ZipTemplate(fill(token_spec(kind, fmt, habits)))

    rng0 = random.Random(f"bulk-{args.seed}")
    orgs = org_names(args.count, rng0)
    start = dt.datetime(2018, 5, 14, 8, 0, tzinfo=PARIS).timestamp()
    end = dt.datetime(2018, 6, 7, 19, 0, tzinfo=PARIS).timestamp()
    late_start = dt.datetime(2018, 6, 11, 8, 0, tzinfo=PARIS).timestamp()

    def make(i: int, pad_png: bytes | None):
        rng = random.Random(f"bulk-{args.seed}-{i}")
        kind = BP if i % 3 == 0 else MA
        fmt = "docx" if i % 2 else "xlsx"
        vi = (i // 2) % 2
        habits = dict(VARIANTS[fmt][vi])
        values = make_values(i, kind, orgs[i - 1], rng)
        mark = rng.choice(["ballot", "ballot", "check", "x_upper", "x_lower"]) if fmt == "docx" else "ballot"
        if rng.random() < 0.02:
            ts = late_start + rng.random() * 9 * 86400
        else:
            ts = start + (end - start) * (i - 1 + rng.random()) / args.count
        date = dt.datetime.fromtimestamp(int(ts), PARIS)
        saved = (date - dt.timedelta(minutes=rng.randrange(10, 300))).replace(tzinfo=None)
        data = templates[kind, fmt, vi].render(substituter(fmt, kind, values, mark), saved)
        filename = f"fiche-{KIND_SLUG[kind]}-{slug(values['organisation'])[:40]}.{fmt}"
        atts = [Attachment(filename, data, MIME_OF[fmt])]
        if fmt == "xlsx" and pad_png:
            atts.append(Attachment("image001.png", pad_png, "image/png"))
        client = CLIENTS[i % len(CLIENTS)]
        mid = f"<bulk-{i:05d}@fiches.example>"
        what = "micro-atelier" if kind == MA else "bourse aux projets"
        subject = rng.choice([f"Fiche {what} – {values['organisation']}", "Rencontres 2018 : notre fiche",
                              f"Proposition {values['organisation']}"])
        mail = Mail(message_id=mid, date=date,
                    from_name=f"{values['contact_first_name']} {values['contact_last_name']}",
                    from_addr=values["contact_email"], subject=subject, body=body_for(values, kind, rng),
                    attachments=atts)
        msg, delay = render(client, mail, rng)
        name = f"{int(ts) + delay}.{i:05d}.{HOST}:2,S"
        spec = dict(kind=kind, fmt=fmt, values={k: values[k] for k in labels(kind)}, mark=mark, **habits)
        fields, _ = expected_fields(spec)
        entry = {
            "folder": "cur", "message_id": mid, "status": "fiche", "kinds": [kind],
            "organisation": values["organisation"], "late": date.date() > dt.date(2018, 6, 8),
            "supersedes": None, "supersedes_message_id": None, "date": date.isoformat(),
            "from": values["contact_email"], "subject": subject, "client": client,
            "cuf_member": values["cuf_member"],
            "proposals": [{"attachment": filename, "kind": kind, "format": fmt, "habits": habits_of(spec),
                           "fields": fields}],
        }
        return name, msg, entry

    # DOCX messages weigh ~51 KB; XLSX ones carry a signature image sized so
    # that the mean comes to --target-kb
    docx_len = len(make(1, None)[1])
    xlsx_len = len(make(2, None)[1])
    want_b64 = 2 * args.target_kb * 1000 - docx_len - xlsx_len - 400
    pad_png = tiny_png(100, max(1, (want_b64 * 3 // 4) // 301), 4242, noise=True) if want_b64 > 1000 else None

    manifest = {}
    sizes = []
    for i in range(1, args.count + 1):
        name, msg, entry = make(i, pad_png)
        (out / "cur" / name).write_bytes(msg)
        sizes.append(len(msg))
        manifest[name] = entry
    (out / "MANIFEST.json").write_text(json.dumps({
        "about": f"Bulk benchmark mail made by scripts/sample/make_bulk.py --count {args.count} --seed {args.seed}",
        "summary": {"messages": len(manifest), "late": sum(e["late"] for e in manifest.values()),
                    "fiches_by_kind": {k: sum(1 for e in manifest.values() if e["kinds"] == [k]) for k in (MA, BP)},
                    "mean_bytes": sum(sizes) // max(1, len(sizes))},
        "messages": manifest,
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    took = time.monotonic() - t0
    print(f"wrote {len(sizes)} messages to {out} in {took:.1f} s; mean {sum(sizes) / max(1, len(sizes)) / 1000:.1f} KB, "
          f"total {sum(sizes) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
