//! The real binary in a real terminal (tmux), killed in the middle of a
//! hand entry: `kill -9` of the console while a field is being typed
//! (nothing saved, no question asked), then the console started again by
//! the same user offers the draft, takes it up where it was, and the fiche
//! is entered. Needs tmux (scripts/install-test-deps.sh installs it).

use crate::support::console as console_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use console_support::repo;
use fiches::store::Store;

struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `fiches` in `dir` in a detached tmux session of `w`×`h`.
    fn start(dir: &Path, run: u32, w: u16, h: u16) -> Tmux {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "tmux is not installed: the end-to-end console tests need it. Install it with \
             `apt-get install tmux` (or run scripts/install-test-deps.sh)"
        );
        let socket = format!("fiches-drafts-{}-{run}", std::process::id());
        let cmd = format!(
            "cd '{}' && env -u FICHES_DB FICHES_CONFIG='{}' '{}'; r=$?; stty sane; printf '\\033[?1049l\\033[2J\\033[H'; echo \"FIN $r\"; sleep 60",
            dir.display(),
            dir.join("config.toml").display(),
            env!("CARGO_BIN_EXE_fiches")
        );
        let t = Tmux { socket };
        let out = t
            .cmd()
            .args(["new-session", "-d", "-s", "fiches", "-x"])
            .arg(w.to_string())
            .arg("-y")
            .arg(h.to_string())
            .arg(cmd)
            .output()
            .expect("tmux");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]);
        c
    }

    fn capture(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "fiches"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let st = self
            .cmd()
            .args(["send-keys", "-t", "fiches"])
            .args(keys)
            .status()
            .unwrap();
        assert!(st.success());
    }

    fn text(&self, text: &str) {
        let st = self
            .cmd()
            .args(["send-keys", "-t", "fiches", "-l", text])
            .status()
            .unwrap();
        assert!(st.success());
    }

    fn wait_for(&self, needle: &str) -> String {
        let t0 = Instant::now();
        loop {
            let screen = self.capture();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "waited 30 s for {needle:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The pid of the `fiches` process running in the pane.
    fn fiches_pid(&self) -> u32 {
        let out = self
            .cmd()
            .args(["display-message", "-p", "-t", "fiches", "#{pane_pid}"])
            .output()
            .unwrap();
        let shell: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            let Some((comm, rest)) = stat.split_once(") ") else {
                continue;
            };
            let ppid: u32 = rest
                .split(' ')
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            if ppid == shell && comm.ends_with("(fiches") {
                return pid;
            }
        }
        panic!("no fiches process under the pane's shell {shell}");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
    }
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

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| !s.split(") ").nth(1).unwrap_or("").starts_with('Z'))
}

#[test]
fn a_draft_typed_survives_kill_9_and_is_taken_up_again() {
    let (dir, db) = workdir();
    console_support::import(&db, &repo().join("fixtures/inbox"));
    let me = fiches::system::user_name(unsafe { libc::getuid() }).unwrap();
    let first = Tmux::start(dir.path(), 1, 80, 24);
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
    let second = Tmux::start(dir.path(), 2, 80, 24);
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
