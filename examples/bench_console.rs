//! Helper of `scripts/bench-console.sh`.
//!
//! - `bench_console gen DB N`: writes N synthetic proposals (one message
//!   each, realistic field sizes, a few warnings) into a new database
//!   through the store API (`Store::ingest`, then `Store::decide` for the
//!   places of the programme, a waiting list and some refusals).
//! - `bench_console measure DB`: in this process, times the console from
//!   opening the database to its first frame written to a terminal backend
//!   (crossterm, 120×40, into a sink), then every keystroke of a search to
//!   the next frame, moves in the list, and a frame alone. Prints
//!   `key=value` lines, peak memory (`VmHWM`) included.

// A benchmark or tool, not the program: a panic is its report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fiches::console::format::Zone;
use fiches::console::theme::Theme;
use fiches::console::{Options, Session, view};
use fiches::domain::Layout;
use fiches::fiche::{Kind, Value, Warning};
use fiches::store::{
    AttachmentOutcome, Decision, MessageStatus, NewAttachment, NewMessage, NewProposal, Store,
};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["gen", db, n] => generate(Path::new(db), n.parse().expect("N")),
        ["measure", db] => measure(Path::new(db)),
        _ => {
            eprintln!("usage: bench_console gen DB N | bench_console measure DB");
            std::process::exit(2);
        }
    }
}

const COUNTRIES: &[&str] = &[
    "France",
    "Sénégal",
    "Maroc",
    "Tunisie",
    "Cameroun",
    "Burkina Faso",
    "Madagascar",
    "Vietnam",
    "Liban",
    "Haïti",
    "Mexique",
    "Arménie",
];
const PLACES: &[&str] = &[
    "Ville de",
    "Commune de",
    "Région",
    "Département de",
    "Métropole de",
];
const TOWNS: &[&str] = &[
    "Saint-Étienne",
    "Besançon",
    "Thiès",
    "Kairouan",
    "Douala",
    "Ouahigouya",
    "Huế",
    "Gyumri",
    "Jacmel",
    "Oaxaca",
    "Chefchaouen",
    "Antsirabe",
    "Lévis",
    "Goris",
    "Dieppe",
    "Pau",
];
const THEMES: &[&str] = &["odd", "climat", "migrations", "jeunesse", "autre"];

fn text(k: &str, v: String) -> (String, Value) {
    (k.to_string(), Value::Text(v))
}

fn proposal(i: usize, layout: &Layout) -> NewProposal {
    let kind = if i % 3 == 2 {
        Kind::BourseProjets
    } else {
        Kind::MicroAtelier
    };
    let town = TOWNS[i % TOWNS.len()];
    let org = format!("{} {town} {i}", PLACES[i % PLACES.len()]);
    let slots = &layout.of(kind).slots;
    let slot = if i.is_multiple_of(9) {
        "any".to_string()
    } else {
        slots[(i * 7) % slots.len()].clone()
    };
    let mut fields: std::collections::BTreeMap<String, Value> = [
        text("organisation", org),
        text("organisation_type", "commune".into()),
        text("country", COUNTRIES[i % COUNTRIES.len()].into()),
        text(
            "organisation_description",
            format!("Collectivité de {} habitants, engagée dans la coopération décentralisée depuis {}.", 10_000 + i * 37 % 900_000, 1980 + i % 40),
        ),
        text("contact_last_name", format!("Martin-{i}")),
        text("contact_first_name", "Claire".into()),
        text("contact_role", "Chargée de mission relations internationales".into()),
        text("contact_email", format!("contact{i}@{}.example", town.to_lowercase())),
        text("contact_phone", format!("04 77 {:02} {:02} {:02}", i % 100, (i / 100) % 100, (i / 10_000) % 100)),
        text("theme", THEMES[i % THEMES.len()].into()),
        text("preferred_slot", slot),
    ]
    .into_iter()
    .collect();
    fields.insert("cuf_member".into(), Value::Bool(i.is_multiple_of(3)));
    match kind {
        Kind::MicroAtelier => {
            fields.extend([
                text("project_title", format!("Projet de coopération n° {i} : eau, assainissement et jeunesse")),
                text("project_description", format!("Depuis {}, la collectivité et ses partenaires conduisent un programme d'accès à l'eau potable dans {} quartiers, avec un volet de formation des jeunes et un suivi par les habitants. Le micro-atelier présentera la méthode et ses résultats.", 2010 + i % 8, 3 + i % 20)),
                text("partner_countries", COUNTRIES[(i + 1) % COUNTRIES.len()].into()),
                text("format", "diaporama".into()),
            ]);
        }
        _ => {
            fields.extend([
                text("request_type", "cooperation".into()),
                text("target_country", COUNTRIES[(i + 2) % COUNTRIES.len()].into()),
                text("request_description", format!("Nous cherchons une collectivité partenaire pour un projet de gestion des déchets (n° {i}), avec un échange d'agents techniques et un appui à la collecte sélective."))
            ]);
        }
    }
    let warnings = if i.is_multiple_of(7) {
        vec![Warning::field(
            "country",
            "valeur saisie dans la case du libellé",
        )]
    } else {
        vec![]
    };
    NewProposal {
        kind: Some(kind),
        fields,
        extra: vec![],
        warnings,
        flags: if i.is_multiple_of(50) {
            vec!["late".into()]
        } else {
            vec![]
        },
    }
}

fn generate(db: &Path, n: usize) {
    if db.exists() {
        eprintln!("{} exists", db.display());
        std::process::exit(2);
    }
    let layout = Layout::spec_default();
    let mut store = Store::open(db).expect("open");
    let t0 = Instant::now();
    for i in 0..n {
        let p = proposal(i, &layout);
        let from = p.fields["contact_email"].display();
        let day = 1 + (i * 31 / n.max(1)) % 31;
        let at = format!("2018-05-{day:02}T{:02}:{:02}:00Z", 8 + i % 10, i % 60);
        let raw = format!(
            "From: <{from}>\r\nTo: rencontres@cites-unies-france.org\r\nSubject: Fiche n° {i}\r\nMessage-ID: <bench-{i}@fiches.example>\r\nDate: Tue, {day} May 2018 10:00:00 +0200\r\n\r\nBonjour,\r\nveuillez trouver ci-joint notre fiche de renseignement.\r\nCordialement,\r\nClaire Martin\r\n"
        )
        .into_bytes();
        let msg = NewMessage {
            raw,
            message_id: Some(format!("bench-{i}@fiches.example")),
            from_addr: Some(from),
            subject: Some(format!("Fiche n° {i}")),
            received_at: Some(at.clone()),
            effective_at: Some(at),
            source_ref: format!("bench:{i}"),
            size: 300,
            status: MessageStatus::Fiche,
            attachments: vec![NewAttachment {
                part_path: "2".into(),
                filename: Some(format!("fiche-{i}.docx")),
                content_type: Some("application/octet-stream".into()),
                size: 40_000,
                sha256: format!("{i:064x}"),
                format: Some("DOCX".into()),
                outcome: AttachmentOutcome::Fiche,
                reason: None,
                proposal: Some(p),
            }],
            ..NewMessage::default()
        };
        store.ingest(&msg).expect("ingest");
    }
    let ingest_s = t0.elapsed().as_secs_f64();
    // Fill the programme, a waiting list, some refusals.
    let live = store
        .list_proposals(&fiches::store::ProposalFilter {
            live_only: true,
            ..Default::default()
        })
        .expect("list");
    let mut places = Vec::new();
    for k in Kind::all() {
        let g = layout.of(k);
        for s in &g.slots {
            for p in &g.places {
                places.push((k, s.clone(), p.clone()));
            }
        }
    }
    let rules = fiches::domain::Rules::default();
    for (i, p) in live.iter().enumerate() {
        let d = if let Some(pos) = places.iter().position(|(k, ..)| Some(*k) == p.kind) {
            let (_, slot, place) = places.remove(pos);
            Decision::Accept { slot, place }
        } else if i % 50 == 1 {
            Decision::Waitlist
        } else if i % 20 == 3 {
            Decision::Reject {
                reason: "hors sujet".into(),
            }
        } else {
            continue;
        };
        store
            .decide(p.number, Some(p.version), &d, &rules, "bench")
            .expect("decide");
    }
    println!("proposals={n}");
    println!("ingest_s={ingest_s:.2}");
    println!("gen_s={:.2}", t0.elapsed().as_secs_f64());
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn measure(db: &Path) {
    let (w, h) = (120, 40);
    let t0 = Instant::now();
    let store = Store::open(db).expect("open");
    let opts = Options {
        user: "bench".into(),
        db_label: "bench.db".into(),
        layout: Layout::spec_default(),
        members: Default::default(),
        late_last: true,
        zone: Zone::CentralEurope,
        theme: Theme::new(false),
        now: Some(Utc::now()),
        size: (w, h),
        search_budget: Some(fiches::console::run::SEARCH_SLICE),
        letters: None,
        smtp: None,
        silent_after: fiches::status::SILENT_AFTER,
        config: None,
        convert_timeout: fiches::convert::DEFAULT_TIMEOUT,
    };
    let mut session = Session::open(store, opts).expect("session");
    let loaded = t0.elapsed();
    let mut term = Terminal::with_options(
        CrosstermBackend::new(std::io::sink()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
        },
    )
    .expect("terminal");
    term.draw(|f| view::draw(f, &session.app)).expect("draw");
    let first_frame = t0.elapsed();
    let rss_start = peak_rss_mib();
    let n = session.app.listing.len();

    // Every keystroke of a search, then one that matches nothing (the whole
    // list looked at), then Backspace (widening). Each keystroke is timed to
    // its frame (the search may stop at its time budget there, as in the
    // console), then the rest of the search is run to its end, timed apart.
    let mut typed = Vec::new();
    let mut step = |session: &mut Session, k: KeyEvent, label: String| {
        let t = Instant::now();
        session.key(k);
        term.draw(|f| view::draw(f, &session.app)).expect("draw");
        let frame = t.elapsed();
        let t = Instant::now();
        let partial = session.app.listing.scanning();
        session.app.listing.step(None);
        if partial {
            term.draw(|f| view::draw(f, &session.app)).expect("draw");
        }
        typed.push((label, frame, t.elapsed(), session.app.listing.visible_len()));
    };
    step(&mut session, key(KeyCode::Char('/')), "/".into());
    for c in "ville 12".chars() {
        step(&mut session, key(KeyCode::Char(c)), c.to_string());
    }
    step(&mut session, key(KeyCode::Esc), "Échap".into());
    step(&mut session, key(KeyCode::Char('/')), "/".into());
    for c in "zqx".chars() {
        step(&mut session, key(KeyCode::Char(c)), c.to_string());
    }
    step(&mut session, key(KeyCode::Backspace), "⌫".into());
    step(&mut session, key(KeyCode::Backspace), "⌫".into());
    step(&mut session, key(KeyCode::Backspace), "⌫".into());
    step(&mut session, key(KeyCode::Enter), "Entrée".into());
    // Moving in the list (each move loads the new selection's detail).
    let mut moves = Vec::new();
    for i in 0..40 {
        let k = if i % 10 == 9 {
            key(KeyCode::PageDown)
        } else {
            key(KeyCode::Char('j'))
        };
        let t = Instant::now();
        session.key(k);
        term.draw(|f| view::draw(f, &session.app)).expect("draw");
        moves.push(t.elapsed());
    }
    // A frame alone (state unchanged, forced full redraw).
    let mut frames = Vec::new();
    for _ in 0..20 {
        let mut fresh = Terminal::with_options(
            CrosstermBackend::new(std::io::sink()),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
            },
        )
        .expect("terminal");
        let t = Instant::now();
        fresh.draw(|f| view::draw(f, &session.app)).expect("draw");
        frames.push(t.elapsed());
    }
    let search_max = typed
        .iter()
        .map(|(_, d, _, _)| *d)
        .max()
        .unwrap_or_default();
    let complete_max = typed
        .iter()
        .map(|(_, d, rest, _)| *d + *rest)
        .max()
        .unwrap_or_default();
    let move_max = moves.iter().max().copied().unwrap_or_default();
    let frame_mean = frames.iter().sum::<Duration>() / frames.len() as u32;
    println!("proposals={n}");
    println!("load_ms={:.1}", ms(loaded));
    println!("first_frame_ms={:.1}", ms(first_frame));
    println!("rss_after_start_mib={rss_start:.1}");
    for (label, d, rest, shown) in &typed {
        println!(
            "key {label:>6} {:7.2} ms to its frame, {:7.2} ms to the whole search  {shown} shown",
            ms(*d),
            ms(*d + *rest)
        );
    }
    println!("search_key_max_ms={:.2}", ms(search_max));
    println!("search_complete_max_ms={:.2}", ms(complete_max));
    println!("move_key_max_ms={:.2}", ms(move_max));
    println!("frame_only_ms={:.2}", ms(frame_mean));
    measure_courrier(&mut session, &mut term);
    println!("peak_rss_mib={:.1}", peak_rss_mib());
}

/// Courrier (every message, a page at a time): each keystroke to its
/// frame — opening the screen, moving down past the loaded pages, the
/// status filters (the rarest scans the most), a search by sender or
/// subject typed letter by letter, the message in full.
fn measure_courrier<W: std::io::Write>(
    session: &mut Session,
    term: &mut Terminal<CrosstermBackend<W>>,
) {
    let mut times: Vec<(String, Duration)> = Vec::new();
    let mut step = |session: &mut Session, k: KeyEvent, label: &str| {
        let t = Instant::now();
        session.key(k);
        term.draw(|f| view::draw(f, &session.app)).expect("draw");
        times.push((label.to_string(), t.elapsed()));
    };
    step(session, key(KeyCode::Char('7')), "7");
    for _ in 0..30 {
        step(session, key(KeyCode::PageDown), "PgSuiv");
    }
    step(session, key(KeyCode::Char('g')), "g");
    for _ in 0..10 {
        step(session, key(KeyCode::Char('f')), "f");
    }
    step(session, key(KeyCode::Char('f')), "f");
    step(session, key(KeyCode::Char('/')), "/");
    for c in "ville 12".chars() {
        step(session, key(KeyCode::Char(c)), &c.to_string());
    }
    step(session, key(KeyCode::Enter), "Entrée");
    step(session, key(KeyCode::Enter), "Entrée");
    step(session, key(KeyCode::Esc), "Échap");
    step(session, key(KeyCode::Esc), "Échap");
    let total = session.app.courrier.total;
    for (label, d) in &times {
        println!("courrier key {label:>6} {:7.2} ms to its frame", ms(*d));
    }
    let worst = times.iter().map(|(_, d)| *d).max().unwrap_or_default();
    let mut sorted: Vec<Duration> = times.iter().map(|(_, d)| *d).collect();
    sorted.sort();
    println!("courrier_messages={total}");
    println!("courrier_key_max_ms={:.2}", ms(worst));
    println!("courrier_key_median_ms={:.2}", ms(sorted[sorted.len() / 2]));
}
