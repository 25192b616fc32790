//! Notes and opinions, and several proposals at once, on a real database
//! file (the sample inbox imported): each staff member's note and opinion
//! kept and journaled, seen by a second console through its refresh
//! (`PRAGMA data_version` + the journal), summed up in the list and sorted
//! by; never published nor put in a letter. Proposals marked with Space and
//! decided together after one confirmation that says what will happen to
//! each, every decision through the store's rules and version check (a
//! colleague's change in between refused by name, the others done).
//! Snapshots at 80×24 and 120×40.

use crate::support::console as console_support;

use std::path::Path;

use console_support::*;
use fiches::console::Session;
use fiches::domain::Status;
use fiches::fiche::Kind;
use fiches::store::Store;
use fiches::store::notes::{NOTE_MAX_CHARS, NotesSummary, Opinion};

/// Pending micro-ateliers, by number, in the order the list shows them
/// sorted by number.
fn pending_micro(s: &Session) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> = s
        .app
        .listing
        .rows()
        .iter()
        .filter(|r| r.kind == Some(Kind::MicroAtelier) && r.status == Status::Pending)
        .map(|r| (r.number, r.id))
        .collect();
    v.sort();
    v
}

fn snap(s: &Session, name: &str) {
    let t = render(s);
    let snap = format!("{name}_{}x{}", s.app.size.0, s.app.size.1);
    insta::with_settings!({
        filters => vec![
            // Times the test run wrote (notes, decisions): not the mail's.
            (r"\d{2}/\d{2}/20[2-9]\d \d{2}:\d{2}", "[maintenant]"),
            (r"20[2-9]\d-\d{2}-\d{2}", "[aujourd'hui]"),
        ],
        omit_expression => true,
    }, {
        insta::assert_snapshot!(snap, t.backend());
    });
}

fn summary(s: &Session, id: i64) -> NotesSummary {
    s.app.listing.get(id).unwrap().notes
}

#[test]
fn notes_and_opinions_are_kept_per_person_and_journaled() {
    let (_d, db) = sample_db();
    let s = session(&db, (120, 40));
    let id = id_of(&s, "Grenoble");
    let number = s.app.listing.get(id).unwrap().number;
    drop(s);
    let mut st = Store::open(&db).unwrap();
    st.set_note(number, Some("  Très bon projet, à retenir  "), "marie")
        .unwrap();
    st.set_opinion(number, Some(Opinion::Favorable), "marie")
        .unwrap();
    st.set_opinion(number, Some(Opinion::Score(2)), "paul")
        .unwrap();
    let notes = st.notes(number).unwrap();
    assert_eq!(notes.len(), 2, "{notes:?}");
    let marie = notes.iter().find(|n| n.actor == "marie").unwrap();
    assert_eq!(marie.note.as_deref(), Some("Très bon projet, à retenir"));
    assert_eq!(marie.opinion, Some(Opinion::Favorable));
    let paul = notes.iter().find(|n| n.actor == "paul").unwrap();
    assert_eq!(
        (paul.note.as_deref(), paul.opinion),
        (None, Some(Opinion::Score(2)))
    );

    // Each change is a journal line on the live revision.
    let journal = st.proposal_journal(id).unwrap();
    let lines: Vec<(&str, &str)> = journal
        .iter()
        .filter(|e| e.action == "note" || e.action == "opinion")
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        lines,
        [("note", "marie"), ("opinion", "marie"), ("opinion", "paul")]
    );
    let head = st.journal_head().unwrap();
    // The same again changes nothing and writes nothing.
    st.set_opinion(number, Some(Opinion::Favorable), "marie")
        .unwrap();
    assert_eq!(st.journal_head().unwrap(), head);

    // The listing counts them.
    let mut rows = Vec::new();
    st.scan_listing(Some(&[id]), |r| rows.push(r)).unwrap();
    assert_eq!(
        rows[0].notes,
        NotesSummary {
            notes: 1,
            favorable: 1,
            scores: 1,
            score_sum: 2,
            ..NotesSummary::default()
        }
    );

    // Too long: refused, saying how long it may be; nothing changed.
    let long = "x".repeat(NOTE_MAX_CHARS + 1);
    let e = st.set_note(number, Some(&long), "marie").unwrap_err();
    assert!(e.to_string().contains("4000 au plus"), "{e}");
    assert_eq!(st.journal_head().unwrap(), head);

    // Clearing both removes marie's row; paul's stays.
    st.set_note(number, None, "marie").unwrap();
    st.set_opinion(number, None, "marie").unwrap();
    let notes = st.notes(number).unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].actor, "paul");
    // An unknown number is said as such.
    let e = st.set_note(99_999, Some("x"), "marie").unwrap_err();
    assert!(e.to_string().contains("99999"), "{e}");
}

#[test]
fn a_note_seen_by_a_second_console() {
    let (_d, db) = sample_db();
    let mut a = session_as(&db, "marie", (120, 40));
    let mut b = session_as(&db, "paul", (120, 40));
    let id = id_of(&a, "Grenoble");
    select(&mut a, id);
    select(&mut b, id);
    assert!(!b.tick(), "nothing new yet");
    // Marie writes a note on two lines and gives her opinion.
    keys(&mut a, "nPorteur solide,<C-j>voir le budget<Enter>");
    assert!(notice(&a).contains("Note enregistrée"), "{}", notice(&a));
    keys(&mut a, "o<Enter>");
    assert!(notice(&a).contains("favorable"), "{}", notice(&a));

    // Paul's console sees it on its next tick: the journal names the proposal.
    assert!(b.tick(), "data_version changed");
    assert!(
        notice(&b).contains("marie vient d'écrire une note ou un avis sur la proposition n°"),
        "{}",
        notice(&b)
    );
    let d = b.app.current_detail().expect("detail reloaded");
    assert_eq!(d.notes.len(), 1);
    assert_eq!(d.notes[0].actor, "marie");
    assert_eq!(
        d.notes[0].note.as_deref(),
        Some("Porteur solide,\nvoir le budget")
    );
    assert_eq!(summary(&b, id).favorable, 1);
    let sc = screen(&b);
    assert!(sc.contains("Notes et avis de l'équipe"), "{sc}");
    assert!(sc.contains("marie"), "{sc}");
    assert!(sc.contains("avis : favorable"), "{sc}");
    assert!(sc.contains("voir le budget"), "{sc}");
    assert!(sc.contains("Avis"), "the list's column: {sc}");
    assert!(!b.tick(), "nothing new");

    // Paul adds his own; marie's console sees both, each with its name.
    keys(&mut b, "nÀ revoir avec le pôle Afrique<Enter>");
    keys(&mut b, "o<Down><Down><Enter>");
    assert!(a.tick());
    let d = a.app.current_detail().unwrap();
    let who: Vec<&str> = d.notes.iter().map(|n| n.actor.as_str()).collect();
    assert_eq!(who, ["marie", "paul"]);
    let s = summary(&a, id);
    assert_eq!((s.favorable, s.defavorable, s.notes), (1, 1, 2));
    assert!(screen(&a).contains("1+ 1-"), "{}", screen(&a));

    // Her note opens with its text to edit; emptied, it is removed.
    keys(&mut a, "n");
    assert!(
        screen(&a).contains("Ma note sur la proposition"),
        "{}",
        screen(&a)
    );
    keys(&mut a, "<C-u><Enter>");
    assert!(notice(&a).contains("Note effacée"), "{}", notice(&a));
    assert!(b.tick());
    let d = b.app.current_detail().unwrap();
    assert_eq!(d.notes.iter().filter(|n| n.note.is_some()).count(), 1);
}

/// Opinions of three colleagues on three proposals, written in the store.
fn three_opinions(db: &Path, s: &Session) -> [i64; 3] {
    let ids = [
        id_of(s, "Grenoble"),
        id_of(s, "Chambéry"),
        id_of(s, "Rufisque"),
    ];
    let numbers: Vec<i64> = ids
        .iter()
        .map(|id| s.app.listing.get(*id).unwrap().number)
        .collect();
    let mut st = Store::open(db).unwrap();
    // Grenoble: one favorable, one réservé. Chambéry: two favorable and a 5.
    // Rufisque: a 1 and a défavorable, with a note.
    st.set_opinion(numbers[0], Some(Opinion::Favorable), "marie")
        .unwrap();
    st.set_opinion(numbers[0], Some(Opinion::Reserve), "paul")
        .unwrap();
    st.set_opinion(numbers[1], Some(Opinion::Favorable), "marie")
        .unwrap();
    st.set_opinion(numbers[1], Some(Opinion::Favorable), "paul")
        .unwrap();
    st.set_opinion(numbers[1], Some(Opinion::Score(5)), "claire")
        .unwrap();
    st.set_opinion(numbers[2], Some(Opinion::Score(1)), "marie")
        .unwrap();
    st.set_opinion(numbers[2], Some(Opinion::Defavorable), "paul")
        .unwrap();
    st.set_note(
        numbers[2],
        Some("Hors sujet : pas de coopération décentralisée."),
        "paul",
    )
    .unwrap();
    ids
}

#[test]
fn the_list_sums_up_opinions_and_sorts_by_them() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        let [grenoble, chambery, rufisque] = three_opinions(&db, &s);
        keys(&mut s, "<C-r>");
        // "s" seven times: the eighth order is by opinion, best first.
        keys(&mut s, "sssssss");
        assert!(screen(&s).contains("Tri : avis"), "{}", screen(&s));
        let order: Vec<i64> = (0..3)
            .map(|i| s.app.listing.visible(i).unwrap().id)
            .collect();
        assert_eq!(order, [chambery, grenoble, rufisque]);
        // The last ones have none.
        let last = s
            .app
            .listing
            .visible(s.app.listing.visible_len() - 1)
            .unwrap();
        assert!(last.notes.is_empty());
        let sc = screen(&s);
        assert!(sc.contains("2+ ø5"), "{sc}");
        assert!(sc.contains("1+ 1~"), "{sc}");
        assert!(sc.contains("1- ø1"), "{sc}");
        snap(&s, "notes_list_sorted");
        // S reverses the whole order: the best last.
        keys(&mut s, "S");
        assert_eq!(
            s.app
                .listing
                .visible(s.app.listing.visible_len() - 1)
                .unwrap()
                .id,
            chambery
        );
    }
}

#[test]
fn the_detail_shows_everyones_notes_with_name_and_date() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        let [_, _, rufisque] = three_opinions(&db, &s);
        keys(&mut s, "<C-r>");
        select(&mut s, rufisque);
        let sc = screen(&s);
        assert!(sc.contains("Notes et avis"), "{sc}");
        assert!(sc.contains("paul"), "{sc}");
        snap(&s, "notes_detail");
        // The opinion picker, marie's own opinion under the cursor.
        keys(&mut s, "o");
        assert!(screen(&s).contains("Mon avis sur la proposition"));
        assert!(screen(&s).contains("▶ note 1/5"), "{}", screen(&s));
        snap(&s, "notes_opinion_picker");
        keys(&mut s, "<Esc>n");
        snap(&s, "notes_editor");
        // Décider says the team's opinions too.
        keys(&mut s, "<Esc>2");
        let sc = screen(&s);
        assert!(
            sc.contains("Avis : marie note 1/5 · paul défavorable"),
            "{sc}"
        );
    }
}

#[test]
fn notes_are_never_published_nor_written_in_a_letter() {
    const SECRET: &str = "NOTE-INTERNE-7Q2Z";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        std::fs::read_to_string(repo().join("config.toml")).unwrap(),
    )
    .unwrap();
    let db = dir.path().join("fiches.db");
    import(&db, &repo().join("fixtures/inbox"));
    let mut s = session(&db, (120, 40));
    for org in ["Grenoble", "Chambéry", "Rufisque"] {
        let id = id_of(&s, org);
        select(&mut s, id);
        keys(&mut s, &format!("n{SECRET} {org}<Enter>o<Enter>"));
        keys(&mut s, if org == "Rufisque" { "2w" } else { "2<Enter>" });
    }
    // The letters of those decisions say nothing of the notes.
    keys(&mut s, "6");
    assert_eq!(s.app.envoi.letters.len(), 3, "{}", screen(&s));
    for l in &s.app.envoi.letters {
        assert!(
            !l.body.contains(SECRET) && !l.subject.contains(SECRET),
            "{}",
            l.body
        );
    }
    // Published by the real binary: neither the public folder nor the
    // staff's files hold them.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fiches"))
        .arg("--config")
        .arg(dir.path().join("config.toml"))
        .arg("publish")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut seen = 0;
    for folder in ["publications", "publications-interne"] {
        for (name, text) in all_texts(&dir.path().join(folder)) {
            seen += 1;
            assert!(!text.contains(SECRET), "{folder}/{name} holds a note");
            assert!(
                !text.contains("favorable"),
                "{folder}/{name} holds an opinion"
            );
        }
    }
    assert!(seen > 5, "the publication wrote its files ({seen})");
    // And the code that publishes and writes letters never reads them.
    for module in ["src/publish", "src/letters", "src/outbox"] {
        for (name, text) in all_texts(&repo().join(module)) {
            for needle in ["proposal_notes", "notes::", ".notes("] {
                assert!(
                    !text.contains(needle),
                    "{module}/{name} reads the notes ({needle})"
                );
            }
        }
    }
}

/// Every file's text under `dir` (the parts of .xlsx files unzipped).
fn all_texts(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let path = e.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            out.extend(all_texts(&path));
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        if name.ends_with(".xlsx") {
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            for i in 0..zip.len() {
                let mut f = zip.by_index(i).unwrap();
                let mut s = String::new();
                std::io::Read::read_to_string(&mut f, &mut s).unwrap();
                let inner = f.name().map(|n| n.to_string()).unwrap_or_default();
                out.push((format!("{name}/{inner}"), s));
            }
        } else {
            out.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    out
}

/// Marks proposals with Space, as a person would: select, then Space.
fn mark(s: &mut Session, ids: &[i64]) {
    for id in ids {
        select(s, *id);
        keys(s, " ");
    }
}

#[test]
fn bulk_waitlist_of_5_proposals_with_one_confirmation() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        let five: Vec<(i64, i64)> = pending_micro(&s).into_iter().take(5).collect();
        assert_eq!(five.len(), 5);
        let ids: Vec<i64> = five.iter().map(|(_, id)| *id).collect();
        mark(&mut s, &ids);
        assert_eq!(s.app.marks.len(), 5);
        assert!(screen(&s).contains("5 marquées"), "{}", screen(&s));
        assert!(screen(&s).contains("●"), "{}", screen(&s));
        snap(&s, "bulk_marked");
        // Space on a marked one unmarks it; again marks it.
        select(&mut s, ids[0]);
        keys(&mut s, " ");
        assert_eq!(s.app.marks.len(), 4);
        select(&mut s, ids[0]);
        keys(&mut s, " ");
        assert_eq!(s.app.marks.len(), 5);

        let head = Store::open(&db).unwrap().journal_head().unwrap();
        keys(&mut s, "w");
        let sc = screen(&s);
        assert!(
            sc.contains("Mettre en liste d'attente les 5 propositions"),
            "{sc}"
        );
        assert!(sc.contains("5 en liste d'attente"), "{sc}");
        snap(&s, "bulk_waitlist_confirm");
        // Nothing written before the answer.
        assert_eq!(Store::open(&db).unwrap().journal_head().unwrap(), head);
        keys(&mut s, "o");
        assert!(notice(&s).contains("5 décisions prises"), "{}", notice(&s));
        assert!(notice(&s).contains("Marques effacées"), "{}", notice(&s));
        assert!(s.app.marks.is_empty());
        let st = Store::open(&db).unwrap();
        for (number, _) in &five {
            let p = st.proposal_by_number(*number).unwrap();
            assert_eq!(p.status, Status::Waitlisted, "n° {number}");
            assert_eq!(
                st.proposal_journal(p.id).unwrap().last().unwrap().actor,
                "marie"
            );
        }
        // Each decision is undone on its own, as today.
        select(&mut s, ids[2]);
        keys(&mut s, "uo");
        assert!(notice(&s).contains("à décider"), "{}", notice(&s));
        let st = Store::open(&db).unwrap();
        assert_eq!(
            st.proposal_by_number(five[2].0).unwrap().status,
            Status::Pending
        );
        assert_eq!(
            st.proposal_by_number(five[3].0).unwrap().status,
            Status::Waitlisted
        );
    }
}

#[test]
fn bulk_accept_says_what_happens_to_each_and_a_conflict_is_named() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    let mut b = session_as(&db, "paul", (120, 40));
    // Every pending micro-atelier wanting 14:00, and one already refused.
    let mut wanting: Vec<i64> = s
        .app
        .listing
        .rows()
        .iter()
        .filter(|r| {
            r.kind == Some(Kind::MicroAtelier)
                && r.status == Status::Pending
                && r.wanted.as_deref() == Some("14:00")
        })
        .map(|r| r.id)
        .collect();
    wanting.sort();
    let places = s.app.rules.layout.of(Kind::MicroAtelier).places.len();
    // Fill 14:00 up to one free place, by single decisions.
    let others: Vec<i64> = s
        .app
        .listing
        .rows()
        .iter()
        .filter(|r| {
            r.kind == Some(Kind::MicroAtelier)
                && r.status == Status::Pending
                && r.wanted.as_deref() != Some("14:00")
        })
        .map(|r| r.id)
        .collect();
    assert!(others.len() >= places, "sample too small");
    let refused = others[0];
    select(&mut s, refused);
    keys(&mut s, "2rHors sujet<Enter>");
    for id in others.iter().skip(1).take(places - 1) {
        select(&mut s, *id);
        keys(&mut s, "2");
        // Into 14:00 (the first free place of that slot).
        let at = s
            .app
            .decide_free()
            .iter()
            .position(|p| p.slot == "14:00")
            .unwrap();
        keys(&mut s, &format!("{}<Enter>", "j".repeat(at)));
        assert!(notice(&s).contains("14:00"), "{}", notice(&s));
    }
    assert!(wanting.len() >= 2, "{wanting:?}");
    let (first, second) = (wanting[0], wanting[1]);
    let mut marked = vec![first, second, refused];
    if let Some(third) = wanting.get(2) {
        marked.push(*third);
    }
    mark(&mut s, &marked);
    keys(&mut s, "a");
    let sc = screen(&s);
    assert!(sc.contains("1 retenue : n°"), "{sc}");
    assert!(sc.contains("→ 14:00"), "{sc}");
    assert!(
        sc.contains("sans place libre dans son créneau (14:00) → inchangée"),
        "{sc}"
    );
    assert!(sc.contains("1 déjà non retenue → inchangée"), "{sc}");
    snap(&s, "bulk_accept_confirm");

    // Meanwhile paul waitlists the one the plan would accept: refused by
    // name, the others go on.
    select(&mut b, first);
    keys(&mut b, "2w");
    keys(&mut s, "o");
    let n = notice(&s);
    let number = s.app.listing.get(first).unwrap().number;
    assert!(n.contains("0 décision prise"), "{n}");
    assert!(n.contains(&format!("n° {number} :")), "{n}");
    assert!(n.contains("paul"), "{n}");
    assert_eq!(s.app.listing.get(first).unwrap().status, Status::Waitlisted);
    assert!(s.app.marks.is_empty());
}

#[test]
fn bulk_refuse_asks_one_reason_for_all() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    let two: Vec<i64> = pending_micro(&s).into_iter().take(2).map(|x| x.1).collect();
    // Without marks: says how to mark.
    keys(&mut s, "r");
    assert!(notice(&s).contains("Espace marque"), "{}", notice(&s));
    mark(&mut s, &two);
    keys(&mut s, "r<Enter>");
    assert!(
        notice(&s).contains("motif est nécessaire"),
        "{}",
        notice(&s)
    );
    assert_eq!(s.app.marks.len(), 2, "marks kept");
    keys(&mut s, "rComplet<Enter>");
    assert!(
        screen(&s).contains("Refuser (motif : Complet)"),
        "{}",
        screen(&s)
    );
    // "n": nothing done, marks kept.
    keys(&mut s, "n");
    assert!(notice(&s).contains("les marques restent"), "{}", notice(&s));
    assert_eq!(s.app.marks.len(), 2);
    keys(&mut s, "rComplet<Enter>o");
    for id in two {
        let r = s.app.listing.get(id).unwrap();
        assert_eq!(r.status, Status::Rejected);
        assert_eq!(r.reason.as_deref(), Some("Complet"));
    }
    // M with nothing marked says so.
    keys(&mut s, "M");
    assert!(notice(&s).contains("Aucune marque"), "{}", notice(&s));
}
