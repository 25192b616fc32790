//! Key sequences on the console, checked in the database: accept, undo,
//! waiting list ranks, refuse with a reason, back to pending, correct a
//! field, mark a message handled, enter a fiche by hand, a second session
//! seeing the first one's decision, and the hostile mail.

use crate::support::console as console_support;

use console_support::*;
use fiches::console::view::is_unsafe_char;
use fiches::domain::Status;
use fiches::fiche::Value;
use fiches::store::Store;

fn db_proposal(db: &std::path::Path, id: i64) -> fiches::store::Proposal {
    Store::open(db).unwrap().proposal(id).unwrap()
}

#[test]
fn accept_into_the_wanted_slot_then_undo() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    let id = id_of(&s, "Grenoble");
    // Search like a person: "/", the name, Enter; then Enter to decide.
    keys(&mut s, "/grenoble<Enter>");
    assert_eq!(s.app.current_id(), Some(id));
    keys(&mut s, "<Enter>");
    assert!(screen(&s).contains("Places libres (20)"), "{}", screen(&s));
    // The wanted slot (14:00) is offered first.
    assert!(screen(&s).contains("▶ 14:00  Espace A"), "{}", screen(&s));
    keys(&mut s, "j<Enter>");
    assert!(
        notice(&s).contains("retenue : 14:00, Espace B"),
        "{}",
        notice(&s)
    );
    let p = db_proposal(&db, id);
    assert_eq!(p.status, Status::Accepted);
    assert_eq!(
        (p.slot.as_deref(), p.space.as_deref()),
        (Some("14:00"), Some("Espace B"))
    );
    let j = Store::open(&db).unwrap().journal(Some(id)).unwrap();
    let last = j.last().unwrap();
    assert_eq!(
        (last.actor.as_str(), last.action.as_str()),
        ("marie", "decision")
    );
    assert_eq!(last.after.as_ref().unwrap()["space"], "Espace B");

    // The place is no longer offered.
    assert!(screen(&s).contains("Places libres (19)"));
    // Undo: asked first (what is undone, what it goes back to), then back
    // to pending, journaled too.
    keys(&mut s, "u");
    let sc = screen(&s);
    assert!(
        sc.contains("Annuler la dernière décision sur la proposition n° 1")
            && sc.contains("redeviendra : à décider"),
        "{sc}"
    );
    assert_eq!(
        db_proposal(&db, id).status,
        Status::Accepted,
        "not before yes"
    );
    keys(&mut s, "o");
    assert!(
        notice(&s).contains("Dernière décision annulée — n° 1 : à décider"),
        "{}",
        notice(&s)
    );
    let p = db_proposal(&db, id);
    assert_eq!(p.status, Status::Pending);
    assert_eq!(p.slot, None);
    let j = Store::open(&db).unwrap().journal(Some(id)).unwrap();
    let last = j.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("undo", "marie")
    );
    assert_eq!(last.after.as_ref().unwrap()["status"], "pending");
    // Nothing left to undo.
    keys(&mut s, "u");
    assert!(
        notice(&s).contains("rien à annuler pour la proposition n° 1"),
        "{}",
        notice(&s)
    );
}

#[test]
fn waiting_list_ranks_members_first_then_receipt() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    // Three micro-ateliers: a non-member received first, then two members.
    let rufisque = id_of(&s, "Rufisque"); // non-member, 16 May
    let chambery = id_of(&s, "Chambéry"); // member, 16 May
    let lyon = id_of(&s, "Métropole de Lyon"); // member, 14 May
    for id in [rufisque, chambery, lyon] {
        select(&mut s, id);
        keys(&mut s, "2w");
        assert!(notice(&s).contains("liste d'attente"), "{}", notice(&s));
    }
    let ranks = &s.app.programme().ranks;
    assert_eq!(ranks[&lyon], 1);
    assert_eq!(ranks[&chambery], 2);
    assert_eq!(ranks[&rufisque], 3);
    select(&mut s, rufisque);
    keys(&mut s, "2");
    assert!(
        screen(&s).contains("3e sur la liste d'attente"),
        "{}",
        screen(&s)
    );
    // The rank at the time of the decision is stored with it.
    assert_eq!(db_proposal(&db, lyon).rank, Some(1));
    assert_eq!(db_proposal(&db, rufisque).status, Status::Waitlisted);
}

#[test]
fn refuse_needs_a_reason_withdraw_and_back_to_pending() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    let id = id_of(&s, "Poitiers");
    select(&mut s, id);
    keys(&mut s, "2r<Enter>");
    assert!(notice(&s).contains("motivé"), "{}", notice(&s));
    assert_eq!(db_proposal(&db, id).status, Status::Pending);
    keys(&mut s, "rHors sujet pour cette édition<Enter>");
    assert_eq!(db_proposal(&db, id).status, Status::Rejected);
    let j = Store::open(&db).unwrap().journal(Some(id)).unwrap();
    assert_eq!(
        j.last().unwrap().after.as_ref().unwrap()["reason"],
        "Hors sujet pour cette édition"
    );
    keys(&mut s, "1");
    assert!(
        screen(&s).contains("non retenue — motif : Hors sujet"),
        "{}",
        screen(&s)
    );
    keys(&mut s, "2");
    assert!(
        screen(&s).contains("Statut : non retenue — motif : Hors sujet"),
        "the reason in Décider: {}",
        screen(&s)
    );
    keys(&mut s, "2x");
    assert_eq!(db_proposal(&db, id).status, Status::Withdrawn);
    // Withdrawn again: the domain refuses a decision that changes nothing.
    keys(&mut s, "x");
    assert!(notice(&s).starts_with("Impossible"), "{}", notice(&s));
    keys(&mut s, "p");
    assert_eq!(db_proposal(&db, id).status, Status::Pending);
}

#[test]
fn programme_proposes_the_first_waiting_for_a_freed_place() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    let grenoble = id_of(&s, "Grenoble");
    let lyon = id_of(&s, "Métropole de Lyon");
    select(&mut s, grenoble);
    keys(&mut s, "2<Enter>"); // 14:00 Espace A
    select(&mut s, lyon);
    keys(&mut s, "2w"); // 1re
    // Grenoble withdraws: its place is free, Lyon (wants 14:00) is proposed.
    select(&mut s, grenoble);
    keys(&mut s, "2x");
    keys(&mut s, "3");
    let sc = screen(&s);
    assert!(sc.contains("→ Métropole de Lyon"), "{sc}");
    assert!(
        sc.contains(&format!(
            "Entrée : retenir n° {lyon} Métropole de Lyon (1re sur la liste d'attente)"
        )),
        "{sc}"
    );
    keys(&mut s, "<Enter>");
    let p = db_proposal(&db, lyon);
    assert_eq!(p.status, Status::Accepted);
    assert_eq!(
        (p.slot.as_deref(), p.space.as_deref()),
        (Some("14:00"), Some("Espace A"))
    );
    // Entrée on a taken place shows who holds it.
    keys(&mut s, "<Enter>");
    assert_eq!(s.app.current_id(), Some(lyon));
}

#[test]
fn correct_a_field_keeps_the_old_value_in_the_journal() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    let id = id_of(&s, "Rufisque");
    select(&mut s, id);
    // Corriger, third field (Pays), edit, clear, type, save.
    keys(&mut s, "cjj<Enter><C-u>République du Sénégal<Enter>");
    assert!(notice(&s).contains("« Pays » corrigé"), "{}", notice(&s));
    let p = db_proposal(&db, id);
    assert_eq!(p.text("country"), Some("République du Sénégal"));
    let j = Store::open(&db).unwrap().journal(Some(id)).unwrap();
    let e = j.last().unwrap();
    assert_eq!(e.action, "field_updated");
    assert_eq!(e.before.as_ref().unwrap()["country"], "Sénégal");
    assert_eq!(e.actor, "marie");
    // A choice field goes through its options: the member answer.
    keys(&mut s, "j<Enter>");
    assert!(screen(&s).contains("▶ Non"), "{}", screen(&s));
    keys(&mut s, "k<Enter>");
    assert_eq!(
        db_proposal(&db, id).fields.get("cuf_member"),
        Some(&Value::Bool(true))
    );
    // The detail shows the change.
    keys(&mut s, "1<Tab>");
    let _ = screen(&s);
}

#[test]
fn corriger_sets_the_article_of_the_name_in_the_letters() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    let id = id_of(&s, "Grenoble");
    select(&mut s, id);
    // Corriger, `a`: the articles, each with the phrase it makes.
    keys(&mut s, "ca");
    let shown = screen(&s);
    assert!(shown.contains("Article du nom dans les lettres"), "{shown}");
    assert!(
        shown.contains("automatique : de la Ville de Grenoble"),
        "{shown}"
    );
    assert!(shown.contains("le : du Ville de Grenoble"), "{shown}");
    // Third option after "automatique" and "le": "la".
    keys(&mut s, "jj<Enter>");
    assert!(
        notice(&s).contains("la proposition de la Ville de Grenoble"),
        "{}",
        notice(&s)
    );
    let number = db_proposal(&db, id).number;
    let st = Store::open(&db).unwrap();
    assert_eq!(
        st.proposal_by_number(number).unwrap().article,
        Some(fiches::domain::french::Article::La)
    );
    let j = st.journal(Some(id)).unwrap();
    assert_eq!(j.last().unwrap().action, "article");
    // Back to the rule: the picker opens on the current choice.
    keys(&mut s, "akkk<Enter>");
    assert_eq!(
        Store::open(&db)
            .unwrap()
            .proposal_by_number(number)
            .unwrap()
            .article,
        None
    );
}

#[test]
fn triage_mark_handled_and_enter_a_fiche_by_hand() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    keys(&mut s, "4");
    assert!(screen(&s).contains("3 messages sans fiche lisible · 3 à traiter"));
    let first = s.app.current_message().unwrap().id;
    keys(&mut s, "m");
    assert!(notice(&s).contains("marqué traité"), "{}", notice(&s));
    assert!(screen(&s).contains("· 2 à traiter"), "{}", screen(&s));
    keys(&mut s, "m");
    assert!(screen(&s).contains("· 3 à traiter"));
    // The DOC of Chefchaouen, entered by hand.
    let before = s.app.listing.len();
    keys(&mut s, "nm");
    assert!(s.app.draft.is_some());
    keys(
        &mut s,
        "<Enter>Commune de Chefchaouen<Enter>jj<Enter>Maroc<Enter>",
    );
    keys(&mut s, "S");
    assert!(notice(&s).contains("obligatoires"), "{}", notice(&s));
    keys(&mut s, "S");
    assert!(notice(&s).contains("proposition n°"), "{}", notice(&s));
    assert_eq!(s.app.listing.len(), before + 1);
    let id = s.app.current_id().unwrap();
    let p = db_proposal(&db, id);
    assert_eq!(p.message_id, first);
    assert_eq!(p.text("organisation"), Some("Commune de Chefchaouen"));
    assert_eq!(p.text("country"), Some("Maroc"));
    assert!(p.flags.iter().any(|f| f == "entered_by_hand"));
    let st = Store::open(&db).unwrap();
    let tri = st.triage_messages().unwrap();
    let m = tri.iter().find(|m| m.id == first).unwrap();
    assert_eq!(m.handled.as_ref().unwrap().1, "marie");
    assert_eq!(m.proposals, 1);
}

#[test]
fn a_second_session_sees_the_first_ones_decision() {
    let (_d, db) = sample_db();
    let mut a = session_as(&db, "marie", (120, 40));
    let mut b = session_as(&db, "paul", (120, 40));
    let id = id_of(&a, "Grenoble");
    select(&mut a, id);
    select(&mut b, id);
    keys(&mut a, "2<Enter>");
    assert!(b.tick(), "data_version changed");
    assert_eq!(b.app.listing.get(id).unwrap().status, Status::Accepted);
    assert!(
        notice(&b).contains("modifiée par marie le\u{a0}") && notice(&b).contains("retenue"),
        "{}",
        notice(&b)
    );
    assert!(screen(&b).contains("retenue 14:00"), "{}", screen(&b));
    assert!(!b.tick(), "nothing new");
}

#[test]
fn hostile_mail_writes_no_control_character() {
    let (_d, db) = sample_db();
    import(
        &db,
        &repo().join("fixtures/corpus/mail/14-hostile-text.eml"),
    );
    let mut s = session(&db, (120, 40));
    keys(&mut s, "/evil@<Enter>");
    assert_eq!(s.app.listing.visible_len(), 1, "{}", screen(&s));
    let t = render(&s);
    let buf = t.backend().buffer();
    let text: String = buf.content.iter().map(|c| c.symbol()).collect();
    assert!(!text.chars().any(is_unsafe_char), "{text:?}");
    // Shown as visible pictures, not the final guard's �.
    assert!(text.contains("␛]0;pwned␇␛[2J"), "{}", screen(&s));
    // The bytes a real terminal would receive.
    let mut out = Vec::new();
    {
        let backend = ratatui::backend::CrosstermBackend::new(&mut out);
        let mut term = ratatui::Terminal::with_options(
            backend,
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 120, 40)),
            },
        )
        .unwrap();
        term.draw(|f| fiches::console::view::draw(f, &s.app))
            .unwrap();
    }
    let bytes = String::from_utf8(out).unwrap();
    assert!(!bytes.contains("\u{1b}]"), "no OSC");
    assert!(!bytes.contains("\u{1b}[2J"), "no clear screen from data");
    assert!(!bytes.contains("pwned\u{7}"), "no BEL from data");
    assert!(
        !bytes.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)),
        "no C1"
    );
    assert!(
        !bytes
            .chars()
            .any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
    );
    // Every ESC the backend wrote starts a CSI of its own (cursor, style).
    for (i, _) in bytes.match_indices('\u{1b}') {
        assert_eq!(
            &bytes[i + 1..i + 2],
            "[",
            "{:?}",
            &bytes[i..(i + 12).min(bytes.len())]
        );
    }
}

#[test]
fn the_status_line_shows_the_daemon_heartbeat() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    assert!(
        screen(&s).contains("réception jamais vue"),
        "{}",
        screen(&s)
    );
    // A daemon runs: it holds its lock beside the database…
    let lock = std::fs::File::create(fiches::status::daemon_lock_path(&db)).unwrap();
    lock.lock().unwrap();
    // …and writes its heartbeat (table of migration 0003), as it writes it.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "INSERT INTO heartbeat (account, mailbox, state, last_contact_at, updated_at)
         VALUES ('imap', 'INBOX', 'idle', '2018-06-12T09:58:00Z', '2018-06-12T09:58:00Z');",
    )
    .unwrap();
    assert!(s.tick());
    // At 80 columns, the short form.
    assert!(screen(&s).contains("réception : 2 min │"), "{}", screen(&s));
    conn.execute(
        "UPDATE heartbeat SET last_contact_at = '2018-06-12T09:59:30Z', last_error = 'connexion refusée',
                last_error_at = '2018-06-12T09:59:40Z', state = 'reconnecting'",
        [],
    )
    .unwrap();
    s.dispatch(fiches::console::action::Action::Resize(120, 40));
    assert!(s.tick());
    assert!(
        screen(&s).contains("réception : vue il y a 30 s, erreur : connexion refusée"),
        "{}",
        screen(&s)
    );
    // Killed: its lock is free, its row still says "reconnecting". The
    // console looks at the lock when the database changes, and every 5 s.
    drop(lock);
    conn.execute("UPDATE heartbeat SET errors = errors + 1", [])
        .unwrap();
    assert!(s.tick());
    assert!(
        screen(&s).contains("réception : arrêtée │"),
        "{}",
        screen(&s)
    );
    s.dispatch(fiches::console::action::Action::Resize(200, 40));
    assert!(
        screen(&s)
            .contains("réception : arrêtée (il y a 20 s), dernière erreur : connexion refusée"),
        "{}",
        screen(&s)
    );
    // Post-actions the server refuses, waiting while intake goes on.
    // Running again, in touch, with post-actions the server refuses.
    let lock = std::fs::File::create(fiches::status::daemon_lock_path(&db)).unwrap();
    lock.lock().unwrap();
    conn.execute_batch(
        "UPDATE heartbeat SET last_error = NULL, state = 'idle',
                last_contact_at = '2018-06-12T09:59:50Z', post_action_error = 'dossier refusé';
         INSERT INTO imap_pending_actions (account, mailbox, uidvalidity, uid, action, created_at)
         VALUES ('imap', 'INBOX', 1, 1, 'move:Traitées', '2018-06-12T09:58:00Z'),
                ('imap', 'INBOX', 1, 2, 'move:Traitées', '2018-06-12T09:58:00Z');",
    )
    .unwrap();
    s.dispatch(fiches::console::action::Action::Resize(200, 40));
    assert!(s.tick());
    assert!(
        screen(&s).contains("2 post-actions en attente (refusées : dossier refusé)"),
        "{}",
        screen(&s)
    );
    s.dispatch(fiches::console::action::Action::Resize(80, 24));
    s.tick();
    assert!(screen(&s).contains("post-actions ✗"), "{}", screen(&s));
}

#[test]
fn wide_and_combining_characters_keep_the_columns_aligned() {
    let (_d, db) = sample_db();
    {
        use fiches::fiche::Kind;
        use fiches::store::{
            AttachmentOutcome, MessageStatus, NewAttachment, NewMessage, NewProposal,
        };
        let mut st = Store::open(&db).unwrap();
        let mut fields = std::collections::BTreeMap::new();
        for (k, v) in [
            (
                "organisation",
                "東京都庁 国際交流課 Ville de Be\u{301}ziers",
            ),
            ("country", "日本"),
            ("preferred_slot", "14:00"),
        ] {
            fields.insert(k.to_string(), Value::Text(v.to_string()));
        }
        st.ingest(&NewMessage {
            raw: b"Subject: x\r\n\r\n".to_vec(),
            message_id: Some("wide@x".into()),
            from_addr: Some("a@x.jp".into()),
            received_at: Some("2018-05-01T08:00:00Z".into()),
            source_ref: "test:wide".into(),
            status: MessageStatus::Fiche,
            attachments: vec![NewAttachment {
                part_path: "2".into(),
                filename: None,
                content_type: None,
                size: 1,
                sha256: "w".into(),
                format: None,
                outcome: AttachmentOutcome::Fiche,
                reason: None,
                proposal: Some(NewProposal {
                    kind: Some(Kind::MicroAtelier),
                    fields,
                    ..Default::default()
                }),
            }],
            ..NewMessage::default()
        })
        .unwrap();
    }
    for size in [(80, 24), (120, 40)] {
        let s = session(&db, size);
        let t = render(&s);
        let buf = t.backend().buffer();
        // The received-first order puts it on top (1 May).
        // The column where `text` starts on line `y` (a wide character's
        // second cell is its own, empty, cell).
        let col = |y: u16, text: &str| -> u16 {
            let first = text.chars().next().unwrap().to_string();
            let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            (0..buf.area.width)
                .find(|&x| {
                    buf[(x, y)].symbol() == first
                        && (x..buf.area.width)
                            .map(|x| buf[(x, y)].symbol())
                            .filter(|s| !s.trim().is_empty())
                            .collect::<String>()
                            .starts_with(&text.replace(' ', ""))
                })
                .unwrap_or_else(|| panic!("{text:?} not on line {y}: {line}"))
        };
        let header = 2;
        assert_eq!(col(3, "日本"), col(header, "Pays"), "{}", screen(&s));
        assert_eq!(col(4, "France"), col(header, "Pays"));
        // The name is cut to its column, by display width.
        assert_eq!(col(3, "東京都庁"), col(header, "Organisation"));
    }
}

#[test]
fn envoi_drop_a_letter_after_confirming() {
    use fiches::store::{LetterFilter, LetterState};
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    // A decision queues its letter.
    let id = id_of(&s, "Grenoble");
    select(&mut s, id);
    keys(&mut s, "2<Enter>");
    keys(&mut s, "6");
    let sc = screen(&s);
    assert!(sc.contains("6 Envoi"), "{sc}");
    let pos = s
        .app
        .envoi
        .letters
        .iter()
        .position(|l| l.proposal_id == Some(id) && l.state == LetterState::Pending)
        .unwrap_or_else(|| panic!("a letter for {id}: {sc}"));
    keys(&mut s, &"j".repeat(pos));
    let letter = s.app.envoi.current().unwrap().id;
    // Asked first; "n" keeps it.
    keys(&mut s, "x");
    assert!(screen(&s).contains("Supprimer la lettre"), "{}", screen(&s));
    keys(&mut s, "n");
    let st = Store::open(&db).unwrap();
    assert_eq!(st.letter(letter).unwrap().state, LetterState::Pending);
    // "x" then "o": dropped, in the database, named after the user.
    keys(&mut s, "xo");
    assert!(notice(&s).contains("supprimée"), "{}", notice(&s));
    let rec = st.letter(letter).unwrap();
    assert_eq!(rec.state, LetterState::Dropped);
    assert_eq!(rec.closed_by.as_deref(), Some("marie"));
    // No longer listed; a sent one cannot be dropped.
    assert!(s.app.envoi.letters.iter().all(|l| l.id != letter));
    let left = st
        .letters(&LetterFilter {
            states: vec![LetterState::Dropped],
            ..LetterFilter::default()
        })
        .unwrap();
    assert_eq!(left.len(), 1);
}

#[test]
fn envoi_without_smtp_says_to_configure_it() {
    let (_d, db) = sample_db();
    let mut o = options("marie", (80, 24));
    o.smtp = None;
    let mut s = fiches::console::Session::open(Store::open(&db).unwrap(), o).unwrap();
    let id = id_of(&s, "Grenoble");
    select(&mut s, id);
    keys(&mut s, "2<Enter>6E");
    assert!(notice(&s).contains("[smtp]"), "{}", notice(&s));
    assert!(notice(&s).contains("restent à envoyer"), "{}", notice(&s));
}
