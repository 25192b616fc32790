//! Hostile mail structure through the real `fiches import` (and the commands
//! staff read it with), after an outside test: header floods that made the
//! parser take 30 times the message in memory, a zip with more fiches than
//! the reader opens, Dates not to be believed, messages of headers alone,
//! multiparts that cannot be split, a nested archive, a damaged XLS, eight
//! copies of one fiche, bidi and C1 controls in JSON output. Every sample is
//! built here.

use crate::support;

use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;
use support::daemon::DaemonEnv;
use support::hostile::{base64, mail_with};
use support::process::own_process;

fn fixture(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A real fiche (DOCX) whose organisation is `org`.
fn fiche_of(org: &str) -> Vec<u8> {
    let real = fixture("corpus/fiches/01-fiche-micro-atelier-ville-de-saint-etienne.docx");
    let mut src = zip::ZipArchive::new(Cursor::new(real)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == "word/document.xml" {
            let xml = String::from_utf8(data).unwrap();
            assert!(xml.contains("Saint-Étienne"));
            data = xml.replace("Ville de Saint-Étienne", org).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A mail with these header lines (CRLF-terminated) and one attachment.
fn mail(headers: &str, name: &str, file: &[u8]) -> Vec<u8> {
    format!(
        "{headers}To: fiches@example.org\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b-test\"\r\n\r\n\
         --b-test\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCi-joint.\r\n\
         --b-test\r\nContent-Type: application/octet-stream\r\n\
         Content-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\n\r\n{}\r\n--b-test--\r\n",
        base64(file)
    )
    .into_bytes()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn import(env: &DaemonEnv, dir: &Path) -> String {
    let out = env.run(&["import", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "import failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn messages(env: &DaemonEnv) -> Vec<Value> {
    env.json_lines(&["messages", "--json"])
}

fn by_mid<'a>(all: &'a [Value], mid: &str) -> &'a Value {
    all.iter()
        .find(|m| m["message_id"] == mid)
        .unwrap_or_else(|| panic!("{mid} not stored: {all:?}"))
}

fn reason(env: &DaemonEnv, mid: &str) -> String {
    env.query_text(&format!(
        "SELECT reason FROM messages WHERE message_id = '{mid}'"
    ))
    .unwrap_or_default()
}

fn flags(m: &Value) -> Vec<String> {
    m["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect()
}

/// Runs the binary, waits for it with `wait4`: its peak resident memory
/// (KiB; the largest of it and its reader workers) and whether it succeeded.
// Reaped by `wait4` (for its resource usage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run_measured(env: &DaemonEnv, args: &[&str]) -> (bool, i64) {
    let child = env
        .command()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: our own child, reaped once here (never through `Child`).
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut ru) };
    assert_eq!(r, child.id() as libc::pid_t);
    (
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        ru.ru_maxrss,
    )
}

/// 1. Header lines by the million (the parser kept ~130 bytes each: a
///    12 MB mail took ~400 MB) are refused before parsing; the message is
///    stored `rejected`, its bytes and Message-ID kept; its neighbours are
///    read; importing again is a no-op; memory stays a small multiple of
///    the message.
#[test]
fn header_floods_are_refused_before_parsing_in_bounded_memory() {
    // A child started from this process reports, as its own peak, this
    // process's peak at the start (`posix_spawn` shares its memory until
    // `exec`): alone in a small child process, so that the peak measured is
    // the import's, not that of every test run before in the shared binary.
    if !own_process(
        "intake_hostile_mail::header_floods_are_refused_before_parsing_in_bounded_memory",
    ) {
        return;
    }
    let env = DaemonEnv::new("");
    let dir = env.path().join("mails");
    let top = format!(
        "From: Flot <flot@example.org>\r\nSubject: en-tetes\r\n\
         Date: Fri, 01 Jun 2018 10:00:00 +0200\r\nMessage-ID: <flood-top@test>\r\n{}\
         Content-Type: text/plain\r\n\r\nbonjour\r\n",
        "X:\r\n".repeat(3_000_000)
    );
    let size = top.len() as i64;
    write(&dir, "1-top.eml", top.as_bytes());
    // 40 parts of 1,500 empty header lines each.
    let mut parts = String::from(
        "From: Parties <parties@example.org>\r\nSubject: parties\r\n\
         Date: Fri, 01 Jun 2018 10:00:00 +0200\r\nMessage-ID: <flood-parts@test>\r\n\
         Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n",
    );
    for _ in 0..40 {
        parts.push_str("--p\r\n");
        parts.push_str(&"X:\r\n".repeat(1_500));
        parts.push_str("\r\nx\r\n");
    }
    parts.push_str("--p--\r\n");
    write(&dir, "2-parts.eml", parts.as_bytes());
    // One header field of 2 MB (an address list: ~25 bytes of parser per
    // address written in four).
    let wide = format!(
        "From: Large <large@example.org>\r\nSubject: large\r\nMessage-ID: <flood-wide@test>\r\n\
         Cc: {}\r\n\r\nx\r\n",
        "a@b,".repeat(500_000)
    );
    write(&dir, "3-wide.eml", wide.as_bytes());
    // An ordinary mail among them.
    write(
        &dir,
        "4-ordinary.eml",
        &mail_with("ordinary@test", "fiche.docx", &fiche_of("Ville de Lyon")),
    );

    let (ok, peak_kib) = run_measured(&env, &["import", dir.to_str().unwrap()]);
    assert!(ok, "import failed");
    // Before the prescan this import peaked near 400 MB (the 12 MB mail
    // alone); now the mail's bytes and a few copies of them.
    assert!(
        peak_kib < (8 * size / 1024) + 64 * 1024,
        "peak resident memory {peak_kib} KiB for a {size}-byte mail"
    );

    let all = messages(&env);
    assert_eq!(all.len(), 4, "{all:?}");
    let m = by_mid(&all, "flood-top@test");
    assert_eq!(m["status"], "rejected");
    assert_eq!(m["from"], "flot@example.org");
    assert_eq!(m["subject"], "en-tetes");
    let r = reason(&env, "flood-top@test");
    assert!(
        r.starts_with(
            "trop de lignes d'en-tête (plus de 1000 dans l'en-tête du message) : message refusé avant lecture"
        ),
        "{r}"
    );
    assert!(r.contains("le traiter à la main"), "{r}");
    // Its raw bytes are kept, whole.
    assert_eq!(
        env.query(
            "SELECT length(r.bytes) FROM message_raw r JOIN messages m ON m.id = r.message_id \
             WHERE m.message_id = 'flood-top@test'"
        ),
        size
    );
    let r = reason(&env, "flood-parts@test");
    assert!(
        r.starts_with("trop de lignes d'en-tête (plus de 1000 dans la partie MIME n° 2)"),
        "{r}"
    );
    assert_eq!(by_mid(&all, "flood-parts@test")["status"], "rejected");
    let r = reason(&env, "flood-wide@test");
    assert!(
        r.starts_with("en-têtes trop volumineux (plus de 1024 Kio dans l'en-tête du message)"),
        "{r}"
    );
    assert_eq!(by_mid(&all, "ordinary@test")["status"], "fiche");

    // Staff see them in the listing, with the reason.
    let human = String::from_utf8(env.run(&["messages", "--status", "rejected"]).stdout).unwrap();
    assert!(human.contains("trop de lignes d'en-tête"), "{human}");

    // Importing again: nothing new (the Message-ID was read from the
    // refused headers too).
    let again = import(&env, &dir);
    assert!(
        again.starts_with("4 messages lus : 0 nouveau, 4 déjà enregistrés"),
        "{again}"
    );
}

/// 2. A zip holding more fiches than the reader opens: the fiches read are
///    stored, the message is flagged and says which files were not read,
///    and it is among what staff must look at.
#[test]
fn files_past_the_zip_limit_are_named_and_flagged() {
    let env = DaemonEnv::new("");
    let dir = env.path().join("mails");
    let entries: Vec<(String, Vec<u8>)> = (0..25)
        .map(|i| {
            (
                format!("fiche{i:02}.docx"),
                fiche_of(&format!("Commune numéro {i}")),
            )
        })
        .collect();
    write(
        &dir,
        "zip.eml",
        &mail_with("zip25@test", "fiches.zip", &zip_of(&entries)),
    );
    // A fiche beside a zip inside a zip.
    let nested = zip_of(&[(
        "dedans.zip".to_string(),
        zip_of(&[("fiche.docx".to_string(), fiche_of("Ville cachée"))]),
    )]);
    let both = String::from_utf8(mail_with("nested@test", "fiche.docx", &fiche_of("Ville de Lyon")))
        .unwrap()
        .replace(
            "--b-hostile--",
            &format!(
                "--b-hostile\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n\
                 Content-Disposition: attachment; filename=\"archive.zip\"\r\n\r\n{}\r\n--b-hostile--",
                base64(&nested)
            ),
        );
    write(&dir, "nested.eml", both.as_bytes());
    // A zip inside a zip alone.
    write(
        &dir,
        "nested-alone.eml",
        &mail_with("nested-alone@test", "archive.zip", &nested),
    );
    import(&env, &dir);

    let all = messages(&env);
    let m = by_mid(&all, "zip25@test");
    assert_eq!(m["status"], "fiche");
    assert_eq!(m["proposals"].as_array().unwrap().len(), 20);
    assert!(flags(m).contains(&"attachment_problem".to_string()), "{m}");
    let r = reason(&env, "zip25@test");
    assert!(
        r.contains("l'archive contient 5 fichier(s) de plus, non lu(s) (au-delà de 20) : fiche20.docx, fiche21.docx, fiche22.docx, fiche23.docx, fiche24.docx"),
        "{r}"
    );
    let m = by_mid(&all, "nested@test");
    assert_eq!(m["status"], "fiche");
    assert!(flags(m).contains(&"attachment_problem".to_string()), "{m}");
    let r = reason(&env, "nested@test");
    assert!(
        r.contains("archive.zip › dedans.zip : fichier refusé, il dépasse une limite de sécurité : archive zip dans une autre archive : non ouverte, à ouvrir à la main"),
        "{r}"
    );
    let m = by_mid(&all, "nested-alone@test");
    assert_eq!(m["status"], "rejected");
    let r = reason(&env, "nested-alone@test");
    assert!(r.contains("non ouverte, à ouvrir à la main"), "{r}");

    // All three are in À traiter.
    let store = fiches::store::Store::open(env.db()).unwrap();
    let triage: Vec<i64> = store
        .triage_messages()
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    for mid in ["zip25@test", "nested@test", "nested-alone@test"] {
        let id = by_mid(&all, mid)["id"].as_i64().unwrap();
        assert!(triage.contains(&id), "{mid} not in À traiter: {triage:?}");
    }
}

/// 3. A Date not to be believed (the epoch, the far future, no date at all)
///    is flagged `doubtful_date` and never orders anything: the receipt
///    time counts, and with nothing else known the proposal comes after
///    those with a date.
#[test]
fn dates_not_believed_are_flagged_and_never_rank() {
    let env = DaemonEnv::new("");
    let dir = env.path().join("mails");
    let received = "Received: from mx.example.org by inbox.cites-unies-france.org; \
                    Sat, 02 Jun 2018 10:00:00 +0200\r\n";
    let cases = [
        ("epoch", "Thu, 01 Jan 1970 00:00:00 +0000"),
        ("y2100", "Fri, 01 Jan 2100 10:00:00 +0000"),
        ("y9999", "Fri, 31 Dec 9999 23:59:59 +0000"),
        ("garbage", "Fri, 01 Jun 2018 25:61:61 +0200"),
    ];
    for (i, (tag, date)) in cases.iter().enumerate() {
        let headers = format!(
            "{received}From: Mairie <{tag}@example.org>\r\nSubject: {tag}\r\nDate: {date}\r\n\
             Message-ID: <{tag}@test>\r\n"
        );
        write(
            &dir,
            &format!("{i}-{tag}.eml"),
            &mail(&headers, "fiche.docx", &fiche_of(&format!("Ville {tag}"))),
        );
    }
    import(&env, &dir);
    let all = messages(&env);
    for (tag, _) in cases {
        let m = by_mid(&all, &format!("{tag}@test"));
        assert!(
            flags(m).contains(&"doubtful_date".to_string()),
            "{tag}: {m}"
        );
        assert_eq!(m["effective_at"], "2018-06-02T08:00:00Z", "{tag}: {m}");
        assert!(!flags(m).contains(&"late".to_string()), "{tag}: {m}");
    }
    let props = env.json_lines(&["proposals", "--json"]);
    assert_eq!(props.len(), 4);
    for p in &props {
        assert!(
            flags(p).contains(&"doubtful_date".to_string()),
            "proposal {p}"
        );
    }
    // The listing shows the date believed, not 1970 or 9999.
    let human = String::from_utf8(env.run(&["messages"]).stdout).unwrap();
    for line in human.lines().filter(|l| l.starts_with('#')) {
        assert!(line.contains("  2018-06-02 08:00 UTC  "), "{line}");
    }

    // Ranks: a mail with an epoch Date and nothing else to go by, imported
    // first (lower number), against an ordinary one.
    let env = DaemonEnv::new("");
    let dir = env.path().join("rank");
    write(
        &dir,
        "1-epoch.eml",
        &mail(
            "From: A <a@example.org>\r\nSubject: a\r\nDate: Thu, 01 Jan 1970 00:00:00 +0000\r\nMessage-ID: <rank-epoch@test>\r\n",
            "fiche.docx",
            &fiche_of("Ville de Lyon"),
        ),
    );
    write(
        &dir,
        "2-plain.eml",
        &mail(
            "From: B <b@example.org>\r\nSubject: b\r\nDate: Fri, 01 Jun 2018 10:00:00 +0200\r\nMessage-ID: <rank-plain@test>\r\n",
            "fiche.docx",
            &fiche_of("Ville de Lyon"),
        ),
    );
    import(&env, &dir);
    let all = messages(&env);
    let epoch = by_mid(&all, "rank-epoch@test");
    assert_eq!(flags(epoch), ["no_date", "doubtful_date"], "{epoch}");
    assert_eq!(epoch["effective_at"], Value::Null);
    let number_of = |mid: &str| -> i64 {
        let id = by_mid(&all, mid)["id"].as_i64().unwrap();
        env.json_lines(&["proposals", "--json"])
            .into_iter()
            .find(|p| p["message_id"] == id)
            .unwrap()["number"]
            .as_i64()
            .unwrap()
    };
    let (n_epoch, n_plain) = (number_of("rank-epoch@test"), number_of("rank-plain@test"));
    assert!(n_epoch < n_plain);
    for n in [n_epoch, n_plain] {
        let out = env.run(&["decide", &n.to_string(), "waitlist"]);
        assert!(out.status.success(), "{out:?}");
    }
    let rank = |n: i64| -> i64 {
        env.json_lines(&["proposals", "--json"])
            .into_iter()
            .find(|p| p["number"] == n)
            .unwrap()["rank"]
            .as_i64()
            .unwrap()
    };
    assert_eq!((rank(n_plain), rank(n_epoch)), (1, 2));
}

/// 4. and 5. Messages whose structure is not what it says: headers alone
///    (with or without a final newline), multiparts the parser cannot split,
///    lines ended by a lone CR.
#[test]
fn odd_structures_say_what_they_are() {
    let env = DaemonEnv::new("");
    let dir = env.path().join("mails");
    write(
        &dir,
        "1.eml",
        b"From: H <h@example.org>\r\nSubject: seulement\r\nDate: Fri, 01 Jun 2018 10:00:00 +0200\r\nMessage-ID: <hdr-only@test>\r\n",
    );
    write(
        &dir,
        "2.eml",
        b"From: a@b.c\r\nSubject: sans fin\r\nMessage-ID: <hdr-no-eol@test>",
    );
    let fiche = base64(&fiche_of("Ville de Lyon"));
    let body = |ct: &str, delim: &str| {
        format!(
            "From: M <m@example.org>\r\nSubject: mime\r\nMessage-ID: <{}@test>\r\n\
             Date: Fri, 01 Jun 2018 10:00:00 +0200\r\nMIME-Version: 1.0\r\nContent-Type: {ct}\r\n\r\n\
             {delim}\r\nContent-Type: application/octet-stream; name=\"fiche.docx\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{fiche}\r\n",
            ct.len()
        )
    };
    let unused = body("multipart/mixed; boundary=\"ABSENT\"", "--AUTRE");
    let missing = body("multipart/mixed", "--x");
    let empty = body("multipart/mixed; boundary=\"\"", "--");
    for (name, m) in [("3.eml", &unused), ("4.eml", &missing), ("5.eml", &empty)] {
        write(&dir, name, m.as_bytes());
    }
    // Old Mac line ends: a lone CR.
    let cr = String::from_utf8(mail(
        "From: Mac <mac@example.org>\r\nSubject: cr\r\nDate: Fri, 01 Jun 2018 10:00:00 +0200\r\nMessage-ID: <cr-only@test>\r\n",
        "fiche.docx",
        &fiche_of("Ville de Lyon"),
    ))
    .unwrap()
    .replace("\r\n", "\r");
    write(&dir, "6.eml", cr.as_bytes());
    import(&env, &dir);
    let all = messages(&env);

    for mid in ["hdr-only@test", "hdr-no-eol@test"] {
        let m = by_mid(&all, mid);
        assert_eq!(m["status"], "no_fiche", "{m}");
        assert_eq!(m["attachments"].as_array().unwrap().len(), 0, "{m}");
        assert_eq!(reason(&env, mid), "aucune pièce jointe");
    }
    assert_eq!(by_mid(&all, "hdr-no-eol@test")["subject"], "sans fin");
    for (ct, words) in [
        (
            "multipart/mixed; boundary=\"ABSENT\"",
            "frontière « ABSENT » déclarée mais jamais utilisée",
        ),
        (
            "multipart/mixed",
            "sans frontière (paramètre boundary absent)",
        ),
        (
            "multipart/mixed; boundary=\"\"",
            "frontière vide ou illisible",
        ),
    ] {
        let mid = format!("{}@test", ct.len());
        let m = by_mid(&all, &mid);
        assert_eq!(m["status"], "error", "{m}");
        let r = reason(&env, &mid);
        assert!(r.contains("structure MIME abîmée"), "{r}");
        assert!(r.contains(words), "{words}: {r}");
        assert!(r.contains("lire le message à la main"), "{r}");
    }
    let m = by_mid(&all, "cr-only@test");
    assert_eq!(m["status"], "fiche", "{m}");
    // The raw bytes stay as they came.
    assert_eq!(
        env.query(
            "SELECT instr(r.bytes, x'0a') FROM message_raw r JOIN messages m ON m.id = r.message_id \
             WHERE m.message_id = 'cr-only@test'"
        ),
        0
    );
}

/// 6. A damaged XLS (OLE2) is said to be one, not "format DOC".
#[test]
fn damaged_office_files_are_named_for_what_they_are() {
    let env = DaemonEnv::new("");
    let dir = env.path().join("mails");
    let xls = fixture("corpus/fiches/14-fiche-bourse-aux-projets-region-nouvelle-aquitaine.xls");
    let name: Vec<u8> = "Workbook"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let at = xls
        .windows(name.len())
        .position(|w| w == name.as_slice())
        .expect("Workbook entry");
    // One letter of the directory entry's name flipped: the stream is lost.
    let mut flipped = xls.clone();
    flipped[at + 12] ^= 0x40;
    // And a compound file with nothing left to tell what it was.
    let mut blank = xls.clone();
    for b in blank.iter_mut().skip(512) {
        *b = 0;
    }
    write(
        &dir,
        "1.eml",
        &mail_with("xls-flip@test", "fiche.xls", &flipped),
    );
    write(
        &dir,
        "2.eml",
        &mail_with("ole-blank@test", "fiche.xls", &blank),
    );
    import(&env, &dir);
    let all = messages(&env);
    for (mid, words) in [
        ("xls-flip@test", "fichier Excel (.xls) abîmé"),
        ("ole-blank@test", "fichier Office (OLE2) abîmé"),
    ] {
        let m = by_mid(&all, mid);
        assert_eq!(m["status"], "error", "{m}");
        assert_eq!(m["attachments"][0]["outcome"], "corrupt", "{m}");
        let r = reason(&env, mid);
        assert!(r.contains(words), "{r}");
        assert!(!r.contains("DOC"), "{r}");
    }
}

/// 7. Eight copies of one organisation's fiche: one proposal and seven
///    revisions of it, said so.
#[test]
fn the_summary_counts_revisions() {
    let env = DaemonEnv::new("");
    let dir = env.path().join("mails");
    let fiche = fiche_of("Ville de Lyon");
    for i in 0..8 {
        write(
            &dir,
            &format!("{i}.eml"),
            &mail_with(&format!("copy-{i}@test"), "fiche.docx", &fiche),
        );
    }
    let out = import(&env, &dir);
    assert!(
        out.contains("8 propositions créées (dont 7 révisions d'une fiche déjà reçue)"),
        "{out}"
    );
    let more = dir.join("plus");
    write(
        &more,
        "9.eml",
        &mail_with("copy-9@test", "fiche.docx", &fiche),
    );
    let json = env.json_lines(&["import", "--json", more.to_str().unwrap()]);
    assert_eq!(json[0]["proposals"], 1);
    assert_eq!(json[0]["revisions"], 1);
}

/// 8. JSON output escapes every control a terminal, an editor or a web
///    page would act on: C0, DEL, C1, bidi overrides and isolates.
#[test]
fn json_output_escapes_every_control() {
    let env = DaemonEnv::new("");
    let dir = env.path().join("mails");
    // (XML cannot carry C0 controls: a fiche carries C1 and bidi ones.)
    let org = "Ville \u{202e}etneirO\u{202c} de \u{2066}Lyon\u{2069} \u{9b}31m";
    let m = String::from_utf8(mail_with("bidi@test", "fiche.docx", &fiche_of(org)))
        .unwrap()
        .replace(
            "Subject: Notre fiche",
            "Subject: =?utf-8?B?4oCuwpvigaY=?= Notre fiche",
        );
    write(&dir, "1.eml", m.as_bytes());
    import(&env, &dir);
    let props = env.json_lines(&["proposals", "--json"]);
    let number = props[0]["number"].as_i64().unwrap();
    let out = env.run(&["decide", &number.to_string(), "accept"]);
    assert!(out.status.success(), "{out:?}");
    let drafts = env.path().join("brouillon");
    let out = env.run(&["publish", "--draft", drafts.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let programme = walk_files(&drafts)
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == "programme.json"))
        .expect("programme.json");

    let hidden = |c: char| {
        c.is_control()
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    let mut texts = vec![
        (
            "messages --json".to_string(),
            String::from_utf8(env.run(&["messages", "--json"]).stdout).unwrap(),
        ),
        (
            "proposals --json".to_string(),
            String::from_utf8(env.run(&["proposals", "--json"]).stdout).unwrap(),
        ),
        (
            "programme.json".to_string(),
            std::fs::read_to_string(&programme).unwrap(),
        ),
    ];
    for (what, text) in &mut texts {
        let raw: Vec<String> = text
            .chars()
            .filter(|&c| hidden(c) && c != '\n' && c != ' ')
            .map(|c| format!("U+{:04X}", c as u32))
            .collect();
        assert!(raw.is_empty(), "{what}: raw {raw:?}");
        // Escaped, the same text comes back.
        assert!(text.contains("\\u202e"), "{what}: {text}");
    }
    let m = &messages(&env)[0];
    assert_eq!(
        m["subject"],
        "\u{202e}\u{9b}\u{2066} Notre fiche (fiche.docx)"
    );
    let p = &env.json_lines(&["proposals", "--json"])[0];
    assert_eq!(p["fields"]["organisation"], org);
    let doc: Value = serde_json::from_str(&texts[2].1).unwrap();
    assert!(doc.to_string().contains(org), "{doc}");
}

fn walk_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}
