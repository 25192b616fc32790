//! The files open in real programs: the XLSX workbooks convert to PDF with
//! LibreOffice headless, the HTML pages render in headless Chromium (a
//! desktop and a phone screenshot, a PDF print) and the DOM Chromium builds
//! holds no script and no link. Each test runs when its program is on the
//! PATH and otherwise prints why it was skipped; `scripts/install-test-deps.sh`
//! installs them for `.ci/run`.
//!
//! `FICHES_KEEP_RENDERS=DIR` copies the PDFs and screenshots to `DIR` for a
//! look.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fiches::domain::{Layout, Status};
use fiches::fiche::{Kind, Value};
use fiches::publish::{Entry, Event, PublishOptions, Snapshot, compare, write_draft};

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if let Ok(meta) = fs::metadata(&p) {
                use std::os::unix::fs::PermissionsExt;
                if meta.is_file() && meta.permissions().mode() & 0o111 != 0 {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// Runs a program with a deadline; kills it (and only it) when over.
/// Returns success, stdout, and a log (stdout and stderr) for messages.
fn run(program: &Path, args: &[&OsStr], limit: Duration) -> (bool, String, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start program");
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait") {
            Some(_) => break,
            None if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return (
                    false,
                    String::new(),
                    format!("{} timed out", program.display()),
                );
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let log = format!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    (out.status.success(), stdout, log)
}

fn text_entry(id: i64, kind: Kind, status: Status, fields: &[(&str, &str)]) -> Entry {
    let mut e = Entry::new(id, Some(kind), status);
    e.received_at = format!("2018-05-{:02}T09:00:00+02:00", id % 28 + 1);
    for (k, v) in fields {
        e.fields.insert(k.to_string(), Value::Text(v.to_string()));
    }
    e
}

fn placed(mut e: Entry, slot: &str, place: &str) -> Entry {
    e.slot = Some(slot.into());
    e.place = Some(place.into());
    e
}

/// A realistic programme, with a hostile line and a long title.
fn programme() -> Vec<Entry> {
    let micro = |id, slot, space, org: &str, title: &str, country: &str, theme: &str| {
        placed(
            text_entry(
                id,
                Kind::MicroAtelier,
                Status::Accepted,
                &[
                    ("organisation", org),
                    ("project_title", title),
                    ("country", country),
                    ("theme", theme),
                    ("contact_phone", "+33 4 77 48 77 48"),
                ],
            ),
            slot,
            space,
        )
    };
    let bourse =
        |id, slot, table, org: &str, country: &str, sought: &str, target: &str, req: &str| {
            placed(
                text_entry(
                    id,
                    Kind::BourseProjets,
                    Status::Accepted,
                    &[
                        ("organisation", org),
                        ("country", country),
                        ("partner_sought", sought),
                        ("target_country", target),
                        ("request_type", req),
                    ],
                ),
                slot,
                table,
            )
        };
    let mut v = vec![
        micro(
            1,
            "14:00",
            "Espace A",
            "Municipalidad de Quito",
            "Dialogues mensuels et salon du développement durable",
            "Équateur",
            "climat",
        ),
        micro(
            2,
            "14:20",
            "Espace B",
            "Ville de Saint-Étienne",
            "Un guide du financement de l'AICT pour les non-initiés",
            "France",
            "odd",
        ),
        micro(
            3,
            "14:20",
            "Espace C",
            "=HYPERLINK(\"http://evil.example\",\"Ville\")",
            "<script>alert(1)</script>\u{1b}]0;pwned\u{7}",
            "France",
            "odd",
        ),
        micro(
            4,
            "15:00",
            "Espace A",
            "Communauté urbaine de Dunkerque",
            "Former les agents aux ODD : un parcours en trois modules, avec des exercices pratiques et une évaluation par les pairs",
            "France",
            "odd",
        ),
        micro(
            5,
            "15:20",
            "Espace D",
            "Ville de Chefchaouen",
            "Patrimoine et tourisme durable",
            "Maroc",
            "migrations",
        ),
        bourse(
            6,
            "12:45",
            "Table 1",
            "Conseil départemental de l'Isère",
            "France",
            "french_local_government",
            "Arménie",
            "cooperation",
        ),
        bourse(
            7,
            "13:15",
            "Table 3",
            "Région Nouvelle-Aquitaine",
            "France",
            "foreign_local_government",
            "Mexique (État de Guanajuato)",
            "cooperation",
        ),
        bourse(
            8,
            "16:30",
            "Table 2",
            "Commune de Dschang",
            "Cameroun",
            "french_local_government",
            "Cameroun",
            "specific_need",
        ),
    ];
    let mut w = text_entry(
        9,
        Kind::MicroAtelier,
        Status::Waitlisted,
        &[
            ("organisation", "Ville de Lyon"),
            ("project_title", "Lyon et le climat"),
        ],
    );
    w.member = true;
    v.push(w);
    v
}

fn render_draft(dir: &Path) {
    let entries = programme();
    let s = Snapshot::build(
        &entries,
        &Layout::spec_default(),
        &Event::spec_default(),
        "2018-05-28T08:00:00+02:00",
    );
    let changes = compare(None, &s);
    let opts = PublishOptions {
        internal_dir: dir.join("interne"),
        ..PublishOptions::default()
    };
    write_draft(&dir.join("brouillon"), &s, &entries, Some(&changes), &opts).unwrap();
    // Also a final edition, next to it, without watermark.
    let (p, c) = fiches::publish::Publication::new(1, "test", s, None).unwrap();
    fiches::publish::write_publication(
        &dir.join("final"),
        &p,
        &entries,
        &c,
        &PublishOptions {
            internal_dir: dir.join("final-interne"),
            ..PublishOptions::default()
        },
    )
    .unwrap();
}

fn keep(files: &[PathBuf]) {
    if let Some(dir) = std::env::var_os("FICHES_KEEP_RENDERS") {
        let dir = PathBuf::from(dir);
        fs::create_dir_all(&dir).unwrap();
        for f in files {
            fs::copy(f, dir.join(f.file_name().unwrap())).unwrap();
        }
    }
}

fn starts_with(path: &Path, magic: &[u8]) -> bool {
    fs::read(path)
        .map(|b| b.starts_with(magic))
        .unwrap_or(false)
}

#[test]
fn xlsx_opens_in_libreoffice() {
    // Installed by scripts/install-test-deps.sh: missing, the test fails
    // (a test that passes without looking says nothing).
    let Some(soffice) = find_program(&["soffice", "libreoffice"]) else {
        panic!(
            "soffice not found on PATH: run scripts/install-test-deps.sh \
             (apt-get install libreoffice-calc-nogui)"
        );
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    render_draft(&out);
    let profile = format!("file://{}", tmp.path().join("lo-profile").display());
    let pdf_dir = tmp.path().join("pdf");
    let mut kept = Vec::new();
    for (xlsx, pdf_name) in [
        (out.join("brouillon/programme.xlsx"), "programme.pdf"),
        (
            out.join("interne/brouillon/suivi-complet.xlsx"),
            "suivi-complet.pdf",
        ),
        (
            out.join("final").join("2018-05-28-001/programme.xlsx"),
            "programme.pdf",
        ),
    ] {
        let target = pdf_dir.join(kept.len().to_string());
        let env_arg = format!("-env:UserInstallation={profile}");
        let args: Vec<&OsStr> = vec![
            OsStr::new(&env_arg),
            OsStr::new("--headless"),
            OsStr::new("--norestore"),
            OsStr::new("--convert-to"),
            OsStr::new("pdf"),
            OsStr::new("--outdir"),
            target.as_os_str(),
            xlsx.as_os_str(),
        ];
        let (ok, _, log) = run(&soffice, &args, Duration::from_secs(180));
        assert!(ok, "soffice failed on {}: {log}", xlsx.display());
        let pdf = target.join(pdf_name);
        assert!(
            starts_with(&pdf, b"%PDF"),
            "no PDF for {}: {log}",
            xlsx.display()
        );
        // Distinct names for FICHES_KEEP_RENDERS.
        let named = pdf_dir.join(format!("xlsx-{}-{pdf_name}", kept.len() + 1));
        fs::rename(&pdf, &named).unwrap();
        kept.push(named);
    }
    keep(&kept);
}

#[test]
fn html_renders_in_chromium() {
    let Some(chromium) = find_program(&["chromium", "chromium-browser", "google-chrome"]) else {
        panic!(
            "chromium not found on PATH: run scripts/install-test-deps.sh \
             (apt-get install chromium)"
        );
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    render_draft(&out);
    let profile = tmp.path().join("chromium-profile");
    let profile_arg = format!("--user-data-dir={}", profile.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--no-first-run",
        "--hide-scrollbars",
        "--run-all-compositor-stages-before-draw",
    ];
    let final_page = out.join("final/2018-05-28-001/programme.html");
    let draft_page = out.join("brouillon/programme.html");
    let mut kept = Vec::new();
    let mut go = |page: &Path, what: &str, output: PathBuf, magic: &[u8]| {
        let url = format!("file://{}", page.display());
        let out_arg = format!("{what}={}", output.display());
        let mut args: Vec<&OsStr> = common.iter().map(OsStr::new).collect();
        args.push(OsStr::new(&profile_arg));
        let size;
        if what == "--screenshot" {
            size = if output.to_string_lossy().contains("phone") {
                "--window-size=390,1400"
            } else {
                "--window-size=1280,1400"
            };
            args.push(OsStr::new(size));
        }
        args.push(OsStr::new(&out_arg));
        args.push(OsStr::new(&url));
        let (ok, _, log) = run(&chromium, &args, Duration::from_secs(120));
        assert!(ok, "chromium {what} failed: {log}");
        assert!(
            starts_with(&output, magic),
            "no output {}: {log}",
            output.display()
        );
        kept.push(output);
    };
    go(
        &final_page,
        "--screenshot",
        tmp.path().join("programme-desktop.png"),
        b"\x89PNG",
    );
    go(
        &final_page,
        "--screenshot",
        tmp.path().join("programme-phone.png"),
        b"\x89PNG",
    );
    go(
        &draft_page,
        "--screenshot",
        tmp.path().join("brouillon-desktop.png"),
        b"\x89PNG",
    );
    go(
        &final_page,
        "--print-to-pdf",
        tmp.path().join("programme-print.pdf"),
        b"%PDF",
    );
    go(
        &draft_page,
        "--print-to-pdf",
        tmp.path().join("brouillon-print.pdf"),
        b"%PDF",
    );

    // The DOM Chromium built from the page: no script, no link, the hostile
    // text shown as text.
    let url = format!("file://{}", final_page.display());
    let mut args: Vec<&OsStr> = common.iter().map(OsStr::new).collect();
    args.push(OsStr::new(&profile_arg));
    args.push(OsStr::new("--dump-dom"));
    args.push(OsStr::new(&url));
    let (ok, dom, log) = run(&chromium, &args, Duration::from_secs(120));
    assert!(ok, "chromium --dump-dom failed: {log}");
    let doc = scraper::Html::parse_document(&dom);
    for bad in ["script", "a", "img"] {
        let sel = scraper::Selector::parse(bad).unwrap();
        assert_eq!(doc.select(&sel).count(), 0, "<{bad}> in Chromium's DOM");
    }
    let text: String = doc.root_element().text().collect();
    assert!(text.contains("<script>alert(1)</script>␛]0;pwned␇"));
    assert!(text.contains("=HYPERLINK(\"http://evil.example\",\"Ville\")"));
    keep(&kept);
}
