//! Next year's call without a line of code changed: a definition with a
//! third kind (a "table ronde" with a new several-choices field, a date and
//! its own grid of rooms) and a renamed option. Its blank fiches are
//! generated (`fiches templates`), filled the way people fill them, emailed
//! through the intake (`fiches import`), decided in the console (the real
//! key handling on a `TestBackend`), published (`fiches publish`), and the
//! letters are sent to a real SMTP server (`fiches send`).

use crate::support::outbox_env;
use crate::support::process::own_process;
use crate::support::smtp;
use crate::support::templates as templates_support;
use crate::support::third_kind;

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fiches::config::Config;
use fiches::console::{Options, Session};
use fiches::fiche::Kind;
use fiches::store::Store;
use outbox_env::{Env, FROM};
use serde_json::Value;

fn key(s: &mut Session, script: &str) {
    for c in script.chars() {
        let k = match c {
            '\n' => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
            c if c.is_uppercase() => KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT),
            c => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
        };
        s.key(k);
    }
}

fn screen(s: &Session) -> String {
    let (w, h) = s.app.size;
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| fiches::console::view::draw(f, &s.app)).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The environment: the outbox tests' folder (letters, `[smtp]` to a real
/// server) with the new definition named in its configuration.
fn new_call_env(server: &smtp::SmtpServer) -> (Env, Config) {
    let env = Env::new("acknowledge = true\n", &server.smtp_toml(FROM));
    std::fs::write(env.path().join("call.toml"), third_kind::definition()).unwrap();
    let cfg_path = env.path().join("config.toml");
    let cfg = std::fs::read_to_string(&cfg_path).unwrap();
    std::fs::write(
        &cfg_path,
        cfg.replacen(
            "[database]",
            "[call]\npath = \"call.toml\"\n\n[database]",
            1,
        ),
    )
    .unwrap();
    // This process reads the new definition too (the console below).
    let config = Config::load(&cfg_path).unwrap_or_else(|e| panic!("{e}"));
    (env, config)
}

fn filled(
    dir: &Path,
    template: &Path,
    kind: Kind,
    name: &str,
) -> (PathBuf, Vec<templates_support::Fill>) {
    let mut fills = templates_support::fills(kind);
    // Each proposal its own organisation and address.
    for f in fills.iter_mut() {
        if f.key == fiches::call::roles().organisation {
            f.what = templates_support::What::Text(name.to_string());
            f.expected = name.to_string();
        }
        if f.key == fiches::call::roles().contact_email {
            let mail = format!("contact@{}.example", name.to_lowercase().replace(' ', "-"));
            f.what = templates_support::What::Text(mail.clone());
            f.expected = mail;
        }
    }
    let bytes = std::fs::read(template).unwrap();
    let ext = template.extension().unwrap().to_str().unwrap();
    let out = match ext {
        "docx" => templates_support::fill_docx(&bytes, &fills),
        "odt" => templates_support::fill_odt(&bytes, &fills),
        _ => templates_support::fill_xlsx(&bytes, &fills),
    };
    let path = dir.join(format!("{}.{ext}", name.replace(' ', "-")));
    std::fs::write(&path, out).unwrap();
    (path, fills)
}

fn same(v: &Value, expected: &str) -> bool {
    match v {
        Value::Bool(b) => b.to_string() == expected,
        Value::String(s) => s == expected,
        _ => false,
    }
}

#[test]
fn a_new_call_from_blank_fiche_to_letters() {
    // It installs the new definition in this process (`Config::load` of a
    // config with `[call]`): alone in a child process.
    if !own_process("call_new_year::a_new_call_from_blank_fiche_to_letters") {
        return;
    }
    let server = smtp::SmtpServer::start(smtp::Options::default());
    let (env, config) = new_call_env(&server);
    let tr = Kind::from_key("table_ronde").expect("the third kind");
    assert_eq!(Kind::all().len(), 3);

    // Blank fiches for the three kinds, from the definition.
    let tpl = env.path().join("modeles");
    env.ok(&["templates", "--out", tpl.to_str().unwrap()]);
    let docx = tpl.join("fiche-table-ronde.docx");
    let xlsx = tpl.join("fiche-table-ronde.xlsx");
    let odt = tpl.join("fiche-table-ronde.odt");
    for f in [&docx, &xlsx, &odt] {
        assert!(f.is_file(), "{} not written", f.display());
    }

    // Filled the way people fill them, one per format, and emailed.
    let mails = env.path().join("courrier");
    std::fs::create_dir_all(&mails).unwrap();
    let mut sent = Vec::new();
    for (i, (template, org)) in [
        (&docx, "Ville de Grenoble"),
        (&xlsx, "Commune de Dschang"),
        (&odt, "Région Occitanie"),
    ]
    .into_iter()
    .enumerate()
    {
        let (file, fills) = filled(&mails, template, tr, org);
        let from = format!("Contact <contact{i}@exemple.fr>");
        std::fs::write(
            mails.join(format!("{i}.eml")),
            third_kind::mail_with(&file, &from, &format!("tr-{i}@exemple.fr")),
        )
        .unwrap();
        sent.push((org, fills));
    }
    env.ok(&["import", mails.to_str().unwrap()]);

    // Every field read back as filled, under its kind.
    let props = env.json_lines(&["proposals", "--json", "--live"]);
    assert_eq!(
        props.len(),
        3,
        "{props:#?}\n{:#?}",
        env.json_lines(&["messages", "--json"])
    );
    for (org, fills) in &sent {
        let p = props
            .iter()
            .find(|p| p["fields"]["organisation"] == *org)
            .unwrap_or_else(|| panic!("{org} not stored: {props:#?}"));
        assert_eq!(p["kind"], "table_ronde", "{p:#}");
        for f in fills {
            assert!(
                same(&p["fields"][f.key], &f.expected),
                "{org}: {} read as {} instead of {}",
                f.key,
                p["fields"][f.key],
                f.expected
            );
        }
    }

    // Decided in the console: the first one found by its name and accepted
    // into the first place offered.
    let db = env.db();
    let mut o = Options::fixed(
        "marie",
        Utc.with_ymd_and_hms(2018, 6, 12, 10, 0, 0).unwrap(),
        (120, 40),
    );
    o.layout = config.layout();
    o.letters = Some(config.load_letters().expect("letters"));
    let mut s = Session::open(Store::open(&db).unwrap(), o).unwrap();
    key(&mut s, "/grenoble\n\n");
    let sc = screen(&s);
    assert!(sc.contains("Salle 1") || sc.contains("Salle 2"), "{sc}");
    key(&mut s, "\n");
    let sc = screen(&s);
    assert!(sc.contains("retenue"), "{sc}");
    // The programme shows the third kind's grid (Tab goes round the kinds).
    key(&mut s, "3");
    let mut seen = false;
    for _ in 0..3 {
        let sc = screen(&s);
        if sc.contains("Tables rondes") && sc.contains("Salle 1") {
            seen = true;
            break;
        }
        s.key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    }
    assert!(seen, "{}", screen(&s));
    drop(s);
    let props = env.json_lines(&["proposals", "--json", "--live"]);
    let accepted = props
        .iter()
        .find(|p| p["fields"]["organisation"] == "Ville de Grenoble")
        .unwrap();
    assert_eq!(accepted["status"], "accepted", "{accepted:#}");
    assert!(
        accepted["space"].as_str().unwrap().starts_with("Salle "),
        "{accepted:#}"
    );

    // Published: the third kind has its section, heading and public fields.
    let out = env.ok(&["publish"]);
    let dir = std::fs::read_dir(env.path().join("publications"))
        .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default();
    let all_public: String = walk(&env.path().join("publications"))
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "html" || x == "csv"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(all_public.contains("Tables rondes"), "{out}\n{dir:?}");
    assert!(all_public.contains("Ville de Grenoble"), "{out}");

    // The letters: an acceptance naming the room, sent once.
    for l in env
        .json_lines(&["outbox", "--json"])
        .iter()
        .filter(|l| !l["hold"].is_null())
    {
        let id = l["id"].as_i64().unwrap().to_string();
        env.ok(&["outbox", "confirm", &id]);
    }
    let letters = env.json_lines(&["outbox", "--json"]);
    let acceptance = letters
        .iter()
        .find(|l| l["kind"] == "accepted")
        .unwrap_or_else(|| panic!("{letters:#?}"));
    let body = acceptance["body"].as_str().unwrap().replace('\u{a0}', " ");
    assert!(body.contains("table ronde"), "{body}");
    assert!(body.contains("Salle "), "{body}");
    for word in ["micro-atelier", "bourse", "rendez-vous", "Espace"] {
        assert!(!body.contains(word), "« {word} » in:\n{body}");
    }
    env.ok(&["send"]);
    assert_eq!(server.count(), letters.len(), "every letter sent once");
    env.ok(&["send"]);
    assert_eq!(server.count(), letters.len(), "and only once");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
