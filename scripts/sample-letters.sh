#!/usr/bin/env bash
# Every kind of letter fiches sends, and the partners' weekly e-mail, made
# from the bundled sample inbox (fixtures/inbox) and written as the .eml
# files that would leave the building: the real commands (`fiches import`,
# `decide`, `move`, `publish`, `send`) run on a scratch database, and
# `fiches send` hands each message to an SMTP server on loopback (a small
# one, below) that keeps it byte for byte as it was received.
#
#   scripts/sample-letters.sh OUT_DIR
#
# OUT_DIR (created; must be empty or absent) gets one folder per kind:
#   1-accuse-reception/  2-acceptation/  3-liste-attente/  4-non-retenu/
#   5-creneau-modifie/   6-annulation/   7-envoi-partenaires/
# each message named NN-organisation.eml (NN: the proposal's number, or
# the publication's for the partners), and LISEZMOI.txt (French): what
# each file is, its envelope recipients, and the decision that made it.
#
# Two fiches of the sample are sent again with the civility typed before
# the contact's name (« Mme Vidal », « M. Garnier »), as people do, so that
# "Madame Vidal," and "Monsieur Garnier," show too; every other letter
# opens with "Madame, Monsieur," (the forms have no civility field).
#
# FICHES_BIN: a built binary to use (default: `cargo build --release`).
# Needs python3 (standard library only).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -ne 1 ]; then
  echo "usage : $0 DOSSIER_DE_SORTIE" >&2
  exit 2
fi
OUT="$1"
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
  echo "$OUT n'est pas vide : donner un dossier vide ou absent" >&2
  exit 2
fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

if [ -z "${FICHES_BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release --locked --quiet)
  FICHES_BIN="$ROOT/target/release/fiches"
fi

WORK="$(mktemp -d)"
SINK_PID=""
cleanup() {
  if [ -n "$SINK_PID" ]; then kill "$SINK_PID" 2>/dev/null || true; wait "$SINK_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- An SMTP server on loopback that keeps every message as received ------
cat >"$WORK/sink.py" <<'PY'
"""SMTP on 127.0.0.1: each message as received into SPOOL/NNNNNN.eml, its
envelope into NNNNNN.rcpt (one recipient a line). Prints the port."""
import os, socketserver, sys, threading

SPOOL = sys.argv[1]
lock = threading.Lock()
count = [0]

class Session(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 sink.localhost ESMTP")
        rcpts = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip()
            verb = cmd.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-sink.localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                self.wfile.flush()
            elif verb == "MAIL":
                rcpts = []
                self.reply("250 OK")
            elif verb == "RCPT":
                addr = cmd.split(":", 1)[1].strip()
                rcpts.append(addr.split(">", 1)[0].lstrip("<"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = bytearray()
                while True:
                    l = self.rfile.readline()
                    if not l or l == b".\r\n":
                        break
                    if l.startswith(b"."):
                        l = l[1:]
                    data += l
                with lock:
                    count[0] += 1
                    n = count[0]
                base = os.path.join(SPOOL, "%06d" % n)
                with open(base + ".rcpt", "w") as f:
                    f.write("\n".join(rcpts) + "\n")
                with open(base + ".eml.tmp", "wb") as f:
                    f.write(bytes(data))
                os.rename(base + ".eml.tmp", base + ".eml")
                self.reply("250 OK queued as %d" % n)
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

srv = Server(("127.0.0.1", 0), Session)
print(srv.server_address[1], flush=True)
srv.serve_forever()
PY
mkdir -p "$WORK/spool"
python3 "$WORK/sink.py" "$WORK/spool" >"$WORK/port" &
SINK_PID=$!
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
PORT="$(cat "$WORK/port")"

# --- Two sample fiches sent again with the civility before the name -------
mkdir -p "$WORK/again"
python3 - "$ROOT/fixtures/inbox/cur" "$WORK/again" <<'PY'
import base64, email, email.policy, glob, io, os, sys, zipfile
from email.utils import make_msgid

src, dst = sys.argv[1], sys.argv[2]
# (sample message, file inside the fiche, name as written, name retyped, new date)
AGAIN = [
    ("*.042.*", "xl/worksheets/sheet1.xml", ">Vidal<", ">Mme Vidal<", "Thu, 07 Jun 2018 09:05:00 +0200"),
    ("*.037.*", "word/document.xml", ">Garnier<", ">M. Garnier<", "Thu, 07 Jun 2018 10:20:00 +0200"),
]
for pattern, inner, old, new, date in AGAIN:
    path = glob.glob(os.path.join(src, pattern))[0]
    msg = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
    for part in msg.walk():
        if part.get_filename():
            data = part.get_payload(decode=True)
            zin = zipfile.ZipFile(io.BytesIO(data))
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
                for item in zin.infolist():
                    body = zin.read(item.filename)
                    if item.filename == inner:
                        text = body.decode("utf-8")
                        assert text.count(old) == 1, (path, old)
                        body = text.replace(old, new).encode("utf-8")
                    zout.writestr(item, body)
            del part["Content-Transfer-Encoding"]
            part["Content-Transfer-Encoding"] = "base64"
            part.set_payload(base64.encodebytes(buf.getvalue()).decode("ascii"))
    msg.replace_header("Message-ID", make_msgid(domain="fiches.example"))
    msg.replace_header("Date", date)
    msg.replace_header("Subject", "Re: " + str(msg["Subject"]) + " (fiche corrigée)")
    name = os.path.basename(path).split(":")[0] + ".again.eml"
    with open(os.path.join(dst, name), "wb") as f:
        f.write(msg.as_bytes(policy=email.policy.SMTP))
PY

# --- Configuration: the sample's event, the letters of this repository ----
cp "$ROOT/members.csv" "$WORK/members.csv"
cat >"$WORK/config.toml" <<EOF
[database]
path = "fiches.db"

[event]
name = "Rencontres de l'internationalisation des collectivités territoriales"
date = 2018-07-04
place = "Pavillon d'Armenonville, Paris"
deadline = 2018-06-08T23:59:59+02:00
timezone = "Europe/Paris"

[micro_atelier]
slots = ["14:00", "14:20", "14:40", "15:00", "15:20"]
spaces = ["Espace A", "Espace B", "Espace C", "Espace D"]

[bourse_projets]
slots = ["12:45", "13:15", "16:30", "17:00"]
tables = ["Table 1", "Table 2", "Table 3", "Table 4", "Table 5", "Table 6"]

[publish]
output_dir = "publications"
internal_dir = "publications-interne"
partners = ["Réseau des partenaires <partenaires@reseau.example>", "veille@partenaire.example"]

[letters]
dir = "$ROOT/letters"
acknowledge = true

[smtp]
host = "127.0.0.1"
port = $PORT
tls = "plain"
allow_plaintext = true
from = "Cités Unies France – Rencontres <rencontres@cites-unies-france.org>"
reply_to = "Équipe des Rencontres <rencontres@cites-unies-france.org>"
EOF

f() { "$FICHES_BIN" --config "$WORK/config.toml" "$@"; }
# `fiches send`: 0 all sent, 1 something left (held for review…), 2 error.
send() {
  local rc=0
  f send >>"$WORK/send.log" 2>&1 || rc=$?
  if [ "$rc" -gt 1 ]; then cat "$WORK/send.log" >&2; exit "$rc"; fi
}
# The number of the live proposal of this organisation and kind.
num() {
  f proposals --live --json --kind "$2" | python3 -c '
import json, sys
want = sys.argv[1]
for line in sys.stdin:
    p = json.loads(line)
    if p["fields"].get("organisation") == want:
        print(p["number"]); break
else:
    sys.exit("aucune proposition « %s »" % want)
' "$1"
}
decide() { f decide "$@" >>"$WORK/decide.log"; }

f import -q "$ROOT/fixtures/inbox" >/dev/null
f import -q "$WORK/again" >/dev/null
send # the acknowledgements

GRENOBLE=$(num "Ville de Grenoble" micro_atelier)
JACMEL=$(num "Mairie de Jacmel" micro_atelier)
BRETAGNE=$(num "Région Bretagne" micro_atelier)
HERAULT=$(num "Département de l'Hérault" micro_atelier)
EAUVIVE=$(num "Eau Vive Internationale" micro_atelier)
HORIZONS=$(num "Horizons Solidaires" micro_atelier)
OAXACA=$(num "Municipio de Oaxaca de Juárez" micro_atelier)
LYON=$(num "Métropole de Lyon" micro_atelier)
SHERBROOKE=$(num "Ville de Sherbrooke" micro_atelier)
MONTREUIL=$(num "Ville de Montreuil" micro_atelier)
DIEPPE=$(num "Ville de Dieppe" micro_atelier)
CHOUF=$(num "Union des municipalités du Chouf Souayjani" micro_atelier)
VALDEMARNE=$(num "Conseil départemental du Val-de-Marne" bourse_projets)
HDF=$(num "Région Hauts-de-France" bourse_projets)
LIANES=$(num "Lianes coopération" bourse_projets)
NANCY=$(num "Ville de Nancy" bourse_projets)
CVL=$(num "Région Centre-Val de Loire" bourse_projets)
GORIS=$(num "Communauté de Goris" bourse_projets)

# Decisions: accepted (micro-atelier: a space; bourse: a table), waiting
# list, not retained with a reason.
decide "$GRENOBLE" accept --slot 14:00 --place "Espace A"
decide "$JACMEL" accept --slot 14:00 --place "Espace B"
decide "$BRETAGNE" accept --slot 14:20 --place "Espace A"
decide "$HERAULT" accept --slot 14:20 --place "Espace B"
decide "$EAUVIVE" accept --slot 14:40 --place "Espace C"
decide "$HORIZONS" accept --slot 15:00 --place "Espace D"
decide "$OAXACA" accept --slot 15:20 --place "Espace A"
decide "$VALDEMARNE" accept --slot 12:45 --place "Table 1"
decide "$HDF" accept --slot 13:15 --place "Table 2"
decide "$LIANES" accept --slot 16:30 --place "Table 3"
decide "$NANCY" accept --slot 17:00 --place "Table 4"
decide "$LYON" waitlist
decide "$SHERBROOKE" waitlist
decide "$MONTREUIL" waitlist
decide "$CVL" waitlist
decide "$DIEPPE" refuse --reason "la fiche est arrivée après la date limite de dépôt, le vendredi 8 juin 2018"
decide "$CHOUF" refuse --reason "un micro-atelier sur le même sujet est déjà au programme"
decide "$GORIS" refuse --reason "la demande porte sur un financement, que la bourse aux projets ne peut pas apporter"
send

# A publication: the partners' e-mail (P1), then sent.
f publish >/dev/null
send

# After the letters went: places change, acceptances are withdrawn.
f move "$GRENOBLE" --slot 14:40 --place "Espace A" >>"$WORK/decide.log"
f move "$VALDEMARNE" --slot 17:00 --place "Table 5" >>"$WORK/decide.log"
decide "$JACMEL" withdraw
decide "$LIANES" refuse --reason "le programme de la bourse a été réduit et la table réservée ne peut finalement pas être tenue"
decide "$BRETAGNE" waitlist
send

# The next week's publication: what changed since P1.
f publish >/dev/null
send

# --- Into OUT_DIR, named and explained ------------------------------------
f outbox --json --all >"$WORK/outbox.jsonl"
f proposals --live --json >"$WORK/proposals.jsonl"
python3 - "$WORK/spool" "$WORK/outbox.jsonl" "$WORK/proposals.jsonl" "$OUT" <<'PY'
import email, email.policy, json, os, re, shutil, sys, unicodedata

spool, outbox, proposals, out = sys.argv[1:5]
letters = {}
for line in open(outbox, encoding="utf-8"):
    l = json.loads(line)
    if l.get("message_id"):
        letters[l["message_id"].strip("<>")] = l
orgs = {}
for line in open(proposals, encoding="utf-8"):
    p = json.loads(line)
    orgs[p["number"]] = p["fields"].get("organisation", "")

FOLDERS = {
    "acknowledgement": ("1-accuse-reception", "accusé de réception"),
    "accepted": ("2-acceptation", "acceptation"),
    "waitlisted": ("3-liste-attente", "liste d'attente"),
    "rejected": ("4-non-retenu", "non retenue"),
    "slot_changed": ("5-creneau-modifie", "créneau ou lieu modifié"),
    "cancellation": ("6-annulation", "annulation"),
    "partners": ("7-envoi-partenaires", "envoi aux partenaires"),
}

def slug(s):
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")[:50]

index = []
for name in sorted(os.listdir(spool)):
    if not name.endswith(".eml"):
        continue
    raw = open(os.path.join(spool, name), "rb").read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    mid = str(msg["Message-ID"]).strip().strip("<>")
    l = letters.get(mid)
    if l is None:
        sys.exit("message %s inconnu de la boîte d'envoi" % mid)
    kind = l["kind"]
    folder, label = FOLDERS[kind]
    if kind == "partners":
        ref = str(l["id"])
        base = "%s-publication-%s" % (ref, ref.lstrip("P"))
        about = "publication n° %s" % ref.lstrip("P")
    else:
        n = l["proposal_number"]
        org = orgs.get(n) or l.get("organisation", "")
        base = "%02d-%s" % (n, slug(org))
        about = "n° %s, %s" % (n, org)
    os.makedirs(os.path.join(out, folder), exist_ok=True)
    dest = os.path.join(folder, base + ".eml")
    k = 2
    while os.path.exists(os.path.join(out, dest)):
        dest = os.path.join(folder, "%s-%d.eml" % (base, k))
        k += 1
    shutil.copyfile(os.path.join(spool, name), os.path.join(out, dest))
    rcpt = open(os.path.join(spool, name[:-4] + ".rcpt")).read().split()
    index.append((dest, label, about, rcpt, str(msg["Subject"])))

with open(os.path.join(out, "LISEZMOI.txt"), "w", encoding="utf-8") as f:
    f.write(
        "Lettres et envois aux partenaires tels qu'ils partiraient de fiches\n"
        "(fichiers .eml : à ouvrir avec un logiciel de messagerie, ou à lire en texte).\n\n"
        "Faits par scripts/sample-letters.sh à partir des 50 réponses d'exemple\n"
        "(fixtures/inbox) : import, décisions (retenues, liste d'attente, non retenues),\n"
        "publication, puis changements de place, retraits et refus après coup, et\n"
        "seconde publication. Chaque message est, à l'octet près, ce que le serveur\n"
        "SMTP a reçu de `fiches send`. « Destinataires » : l'enveloppe SMTP (qui reçoit\n"
        "vraiment) ; pour les partenaires, ils sont en copie cachée.\n\n"
        "Deux fiches de l'exemple ont été renvoyées avec la civilité devant le nom\n"
        "(« Mme Vidal », « M. Garnier ») : leurs lettres commencent par « Madame Vidal, »\n"
        "et « Monsieur Garnier, ». Les autres fiches ne disent pas la civilité : « Madame,\n"
        "Monsieur, ».\n\n")
    for dest, label, about, rcpt, subject in index:
        f.write("%s\n  %s — %s\n  Destinataires : %s\n  Objet : %s\n\n" % (dest, label, about, ", ".join(rcpt), subject))
print("%d messages dans %s (voir LISEZMOI.txt)" % (len(index), out))
PY
