//! The real binary in a real terminal (tmux), killed in the middle of a
//! hand entry: `kill -9` of the console while a field is being typed
//! (nothing saved, no question asked), then the console started again by
//! the same user offers the draft, takes it up where it was, and the fiche
//! is entered. Needs tmux (scripts/install-test-deps.sh installs it).

use crate::support::console as console_support;
use crate::support::tmux::{Tmux, alive};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use console_support::repo;
use fiches::store::Store;

/// Starts `fiches` in `dir` in a detached tmux session of `w`×`h`.
fn start(dir: &Path, run: u32, w: u16, h: u16) -> Tmux {
    let cmd = format!(
        "cd '{}' && env -u FICHES_DB FICHES_CONFIG='{}' '{}'; r=$?; stty sane; printf '\\033[?1049l\\033[2J\\033[H'; echo \"FIN $r\"; sleep 60",
        dir.display(),
        dir.join("config.toml").display(),
        env!("CARGO_BIN_EXE_fiches")
    );
    Tmux::run(
        &format!("drafts-{run}"),
        w,
        h,
        &cmd,
        Duration::from_secs(30),
    )
}

fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::fs::read_to_string(repo().join("config.toml")).unwrap();
    let config = shipped.replace(
        "sample = \"fixtures/inbox\"",
        &format!("sample = \"{}\"", repo().join("fixtures/inbox").display()),
    );
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    std::fs::copy(repo().join("members.csv"), dir.path().join("members.csv")).unwrap();
    let db = dir.path().join("fiches.db");
    (dir, db)
}

#[test]
fn a_draft_typed_survives_kill_9_and_is_taken_up_again() {
    let (dir, db) = workdir();
    console_support::import(&db, &repo().join("fixtures/inbox"));
    let me = fiches::system::user_name(unsafe { libc::getuid() }).unwrap();
    let first = start(dir.path(), 1, 80, 24);
    first.wait_for("45 propositions");
    // À traiter, a fiche by hand (micro-atelier), its first field being typed.
    first.keys(&["4"]);
    first.wait_for("3 à traiter");
    first.keys(&["n"]);
    first.wait_for("Micro-atelier");
    first.keys(&["m"]);
    first.wait_for("Saisie à la main");
    first.keys(&["Enter"]);
    first.text("Commune de Tétouan");
    first.wait_for("Commune de Tétouan");
    // Written to the database a moment after the last key.
    let t0 = Instant::now();
    loop {
        let d = Store::open(&db).unwrap().draft(&me).unwrap();
        if d.as_ref()
            .is_some_and(|d| d.payload.contains("Commune de Tétouan"))
        {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "draft never written: {d:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The console is killed: no question, no clean exit.
    let pid = first.fiches_pid();
    let st = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    first.wait_for("FIN 137");
    assert!(!alive(pid));
    drop(first);

    // The same user's next console offers it.
    let second = start(dir.path(), 2, 80, 24);
    let screen = second.wait_for("a été retrouvé");
    assert!(screen.contains("Un brouillon du "), "{screen}");
    assert!(screen.contains("Commune de Tétouan"), "{screen}");
    second.keys(&["r"]);
    // Back in the field's editor, the text as it was typed.
    let screen = second.wait_for("Nouvelle valeur");
    assert!(screen.contains("Saisie à la main"), "{screen}");
    assert!(screen.contains("Commune de Tétouan"), "{screen}");
    // The text typed is validated, the fiche saved (asked once for the
    // required fields left empty).
    second.keys(&["Enter"]);
    second.wait_for("Entrée modifier");
    second.keys(&["S"]);
    second.wait_for("obligatoires");
    second.keys(&["S"]);
    second.wait_for("proposition n°");
    second.keys(&["q"]);
    second.wait_for("FIN 0");
    let st = Store::open(&db).unwrap();
    assert_eq!(st.draft(&me).unwrap(), None);
    let entered = st
        .list_proposals(&Default::default())
        .unwrap()
        .into_iter()
        .find(|p| p.text("organisation") == Some("Commune de Tétouan"))
        .expect("the fiche entered after the kill");
    assert!(entered.flags.iter().any(|f| f == "entered_by_hand"));
}
