//! `sync_once` against a real dovecot, with the in-memory state store.

use crate::support;

use std::sync::atomic::AtomicBool;

use fiches::intake::imap::{
    ImapConnection, ImapSourceConfig, MemoryStateStore, PendingPostAction, PostAction, SyncOptions,
    SyncStateStore, TlsMode, sync_once,
};
use support::dovecot::{Dovecot, Options};
use support::{corpus, small_message};

fn setup(
    d: &Dovecot,
    edit: impl FnOnce(&mut ImapSourceConfig),
) -> (ImapConnection, SyncOptions<'static>) {
    let mut cfg = d.source(TlsMode::Implicit);
    edit(&mut cfg);
    let conn = ImapConnection::connect(&cfg).expect("connect");
    (conn, SyncOptions::from_config(&cfg))
}

fn append_small(d: &Dovecot, mailbox: &str, range: std::ops::Range<usize>) -> Vec<u32> {
    let msgs: Vec<Vec<u8>> = range.map(small_message).collect();
    let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    d.append_all(mailbox, &refs)
}

fn uids(flags: &[(u32, Vec<String>)]) -> Vec<u32> {
    flags.iter().map(|(u, _)| *u).collect()
}

#[test]
fn corpus_comes_back_byte_identical_and_unread() {
    let d = Dovecot::start();
    let mails = corpus();
    assert_eq!(mails.len(), 14);
    let refs: Vec<&[u8]> = mails.iter().map(|(_, b)| b.as_slice()).collect();
    let appended = d.append_all("INBOX", &refs);
    assert_eq!(appended.len(), 14);

    let (mut conn, mut opts) = setup(&d, |c| c.batch_size = 5);
    opts.max_message_bytes = 10 * 1024 * 1024;
    let mut store = MemoryStateStore::new();
    let r = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!(
        (r.new_uids, r.stored, r.duplicates, r.skipped),
        (14, 14, 0, 0),
        "{r:?}"
    );
    assert_eq!(r.last_uid, *appended.last().unwrap());
    assert_eq!(store.messages.len(), 14);
    for ((name, bytes), stored) in mails.iter().zip(&store.messages) {
        assert!(
            stored.bytes == *bytes,
            "{name} differs after the round trip"
        );
        assert!(stored.received_at.is_some(), "{name}: no INTERNALDATE");
        assert!(stored.message_id.is_some(), "{name}: no Message-ID");
    }
    assert_eq!(
        store.messages[0].source_ref,
        format!(
            "imap://staff@127.0.0.1/INBOX;UIDVALIDITY={}/;UID={}",
            r.uidvalidity, appended[0]
        )
    );
    // BODY.PEEK[] leaves messages unread.
    let flags = d.flags("INBOX");
    assert_eq!(flags.len(), 14);
    assert!(
        flags.iter().all(|(_, f)| !f.iter().any(|x| x == "\\Seen")),
        "{flags:?}"
    );

    // Nothing new: nothing fetched (UID SEARCH returns the last message, dropped).
    let r2 = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!((r2.new_uids, r2.stored, r2.duplicates), (0, 0, 0), "{r2:?}");
    assert_eq!(r2.last_uid, r.last_uid);

    // A new connection (a restarted daemon) picks up only the new message.
    append_small(&d, "INBOX", 0..1);
    let (mut conn, opts) = setup(&d, |_| {});
    let r3 = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!((r3.new_uids, r3.stored), (1, 1), "{r3:?}");
    assert_eq!(store.messages.len(), 15);
}

#[test]
fn oversized_message_is_recorded_not_downloaded() {
    let d = Dovecot::start();
    let mails = corpus();
    let refs: Vec<&[u8]> = mails.iter().map(|(_, b)| b.as_slice()).collect();
    d.append_all("INBOX", &refs);
    let (mut conn, opts) = setup(&d, |c| c.max_message_bytes = 1024 * 1024);
    let mut store = MemoryStateStore::new();
    let r = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!((r.stored, r.skipped), (13, 1), "{r:?}");
    assert_eq!(store.skipped.len(), 1);
    assert!(store.skipped[0].reason.contains("max_message_bytes"));
    assert!(store.skipped[0].size > 1024 * 1024);
    let r = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!((r.new_uids, r.skipped), (0, 0));
}

#[test]
fn post_action_add_keyword() {
    let d = Dovecot::start();
    append_small(&d, "INBOX", 0..3);
    let (mut conn, opts) = setup(&d, |c| {
        c.post_action = PostAction::AddKeyword("$Fiches".into())
    });
    let mut store = MemoryStateStore::new();
    let r = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!((r.stored, r.post_actions), (3, 3));
    let flags = d.flags("INBOX");
    assert!(
        flags.iter().all(|(_, f)| f.iter().any(|x| x == "$Fiches")),
        "{flags:?}"
    );
    assert!(
        store
            .pending_post_actions(&opts.mailbox)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn post_action_add_flag() {
    let d = Dovecot::start();
    append_small(&d, "INBOX", 0..3);
    let (mut conn, opts) = setup(&d, |c| c.post_action = PostAction::AddFlag("\\Seen".into()));
    let mut store = MemoryStateStore::new();
    let r = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!((r.stored, r.post_actions), (3, 3));
    let flags = d.flags("INBOX");
    assert!(
        flags.iter().all(|(_, f)| f.iter().any(|x| x == "\\Seen")),
        "{flags:?}"
    );
}

fn check_move(options: Options) {
    let d = Dovecot::start_with(options);
    append_small(&d, "INBOX", 0..3);
    let (mut conn, opts) = setup(&d, |c| {
        c.post_action = PostAction::MoveTo("Traitées".into())
    });
    assert_eq!(conn.capabilities().move_, !options.without_move);
    let mut store = MemoryStateStore::new();
    // The target folder does not exist yet: created on [TRYCREATE].
    let r = sync_once(&mut conn, &mut store, &opts).unwrap_or_else(|e| panic!("{e}\n{}", d.log()));
    assert_eq!((r.stored, r.post_actions), (3, 3), "{r:?}");
    assert!(d.flags("INBOX").is_empty(), "INBOX: {:?}", d.flags("INBOX"));
    assert_eq!(d.flags("Trait&AOk-es").len(), 3);

    append_small(&d, "INBOX", 3..5);
    let r = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!((r.new_uids, r.stored, r.post_actions), (2, 2, 2), "{r:?}");
    assert!(d.flags("INBOX").is_empty());
    let moved = d.flags("Trait&AOk-es");
    assert_eq!(moved.len(), 5);
    // Copies carry no \Deleted flag.
    assert!(
        moved
            .iter()
            .all(|(_, f)| !f.iter().any(|x| x == "\\Deleted")),
        "{moved:?}"
    );
    assert_eq!(store.messages.len(), 5);
}

#[test]
fn post_action_move_with_move() {
    check_move(Options::default());
}

#[test]
fn post_action_move_fallback_without_move() {
    check_move(Options {
        without_move: true,
        ..Options::default()
    });
}

#[test]
fn post_action_only_after_commit_and_replayed_after_failure() {
    let d = Dovecot::start();
    append_small(&d, "INBOX", 0..5);
    let (mut conn, opts) = setup(&d, |c| {
        c.post_action = PostAction::MoveTo("Traitées".into())
    });
    let mut store = MemoryStateStore::new();
    store.fail_commits_after = Some(2);
    let err = sync_once(&mut conn, &mut store, &opts).unwrap_err();
    assert!(err.to_string().contains("stockage"), "{err}");
    // Nothing moved: the two committed messages wait as pending post-actions.
    assert_eq!(d.flags("INBOX").len(), 5);
    assert_eq!(store.pending_post_actions(&opts.mailbox).unwrap().len(), 2);
    assert_eq!(store.load(&opts.mailbox).unwrap().unwrap().last_uid, 2);

    store.fail_commits_after = None;
    let r = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!(
        (r.replayed, r.new_uids, r.stored, r.post_actions),
        (2, 3, 3, 3),
        "{r:?}"
    );
    assert!(d.flags("INBOX").is_empty());
    assert_eq!(d.flags("Trait&AOk-es").len(), 5);
    assert_eq!(store.messages.len(), 5);
    assert!(
        store
            .pending_post_actions(&opts.mailbox)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn pending_post_actions_left_by_a_crash_are_replayed() {
    let d = Dovecot::start();
    let appended = append_small(&d, "INBOX", 0..4);
    let (mut conn, opts) = setup(&d, |c| {
        c.post_action = PostAction::AddKeyword("$Fiches".into())
    });
    let mut store = MemoryStateStore::new();
    // A pass that committed everything, then died before the post-actions.
    let none = SyncOptions {
        post_action: PostAction::None,
        ..opts.clone()
    };
    let r = sync_once(&mut conn, &mut store, &none).unwrap();
    assert_eq!(r.stored, 4);
    for &uid in &appended[..3] {
        store.add_pending(
            &opts.mailbox,
            PendingPostAction {
                uidvalidity: r.uidvalidity,
                uid,
                action: opts.post_action.clone(),
            },
        );
    }
    // A stale one from another UIDVALIDITY is dropped, not applied.
    store.add_pending(
        &opts.mailbox,
        PendingPostAction {
            uidvalidity: r.uidvalidity.wrapping_add(1),
            uid: appended[3],
            action: opts.post_action.clone(),
        },
    );
    let (mut conn, _) = setup(&d, |_| {});
    let r = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!((r.replayed, r.new_uids), (3, 0), "{r:?}");
    let flags = d.flags("INBOX");
    let tagged: Vec<u32> = flags
        .iter()
        .filter(|(_, f)| f.iter().any(|x| x == "$Fiches"))
        .map(|(u, _)| *u)
        .collect();
    assert_eq!(tagged, appended[..3]);
    assert!(
        store
            .pending_post_actions(&opts.mailbox)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn uidvalidity_change_does_not_duplicate() {
    let d = Dovecot::start();
    let mails = corpus();
    let refs: Vec<&[u8]> = mails.iter().map(|(_, b)| b.as_slice()).collect();
    d.append_all("Fiches", &refs);
    let (mut conn, opts) = setup(&d, |c| c.mailbox = "Fiches".into());
    let mut store = MemoryStateStore::new();
    let r1 = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!(r1.stored, 14);
    conn.logout();

    // The mailbox is recreated with the same messages: new UIDVALIDITY.
    let mut admin = d.admin();
    admin.delete("Fiches").unwrap();
    admin.create("Fiches").unwrap();
    admin.logout().unwrap();
    d.append_all("Fiches", &refs);
    append_small(&d, "Fiches", 0..1);
    assert_ne!(d.uidvalidity("Fiches"), r1.uidvalidity);

    let (mut conn, opts) = setup(&d, |c| c.mailbox = "Fiches".into());
    let r2 = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert!(r2.uidvalidity_changed);
    assert_eq!(
        (r2.new_uids, r2.stored, r2.duplicates),
        (15, 1, 14),
        "{r2:?}"
    );
    assert_eq!(store.messages.len(), 15);
    let mut ids: Vec<_> = store
        .messages
        .iter()
        .map(|m| m.message_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 15);
    let state = store.load(&opts.mailbox).unwrap().unwrap();
    assert_eq!(state.uidvalidity, r2.uidvalidity);

    let r3 = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert!(!r3.uidvalidity_changed);
    assert_eq!(r3.new_uids, 0);
}

#[test]
fn server_restart_then_resume() {
    let mut d = Dovecot::start();
    append_small(&d, "INBOX", 0..5);
    let (mut conn, opts) = setup(&d, |_| {});
    let mut store = MemoryStateStore::new();
    assert_eq!(sync_once(&mut conn, &mut store, &opts).unwrap().stored, 5);

    d.stop();
    let err = sync_once(&mut conn, &mut store, &opts).unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(!conn.is_usable());
    let err = ImapConnection::connect(&d.source(TlsMode::Implicit)).unwrap_err();
    assert!(err.is_transient(), "{err:?}");

    d.start_again();
    append_small(&d, "INBOX", 5..8);
    let (mut conn, opts) = setup(&d, |_| {});
    let r = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!((r.new_uids, r.stored, r.duplicates), (3, 3, 0), "{r:?}");
    assert_eq!(store.messages.len(), 8);
    assert_eq!(uids(&d.flags("INBOX")).len(), 8);
}

#[test]
fn stop_flag_ends_the_pass_between_messages() {
    let d = Dovecot::start();
    append_small(&d, "INBOX", 0..3);
    let (mut conn, opts) = setup(&d, |_| {});
    let stop = AtomicBool::new(true);
    let stopping = SyncOptions {
        stop: Some(&stop),
        ..opts.clone()
    };
    let mut store = MemoryStateStore::new();
    let r = sync_once(&mut conn, &mut store, &stopping).unwrap();
    assert!(r.stopped);
    assert_eq!(r.stored, 0);
    let r = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!(r.stored, 3);
}

#[test]
fn missing_mailbox_is_named_in_the_error() {
    let d = Dovecot::start();
    for name in ["Reçus", "Absent"] {
        let (mut conn, mut opts) = setup(&d, |_| {});
        opts.mailbox.mailbox = name.into();
        let mut store = MemoryStateStore::new();
        let err = sync_once(&mut conn, &mut store, &opts).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&format!("« {name} »")), "{text}");
        assert!(text.contains("vérifier `mailbox`"), "{text}");
    }
}
