//! A real terminal for the end-to-end tests: a tmux server of the test's
//! own (its own socket) with one pane running a command, read back as the
//! screen shows it, typed into, and killed with the test.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One tmux server with one pane, in a session named `fiches`.
pub struct Tmux {
    socket: String,
    /// How long [`Tmux::wait_for`] waits.
    patience: Duration,
}

/// Fails the test, saying how to install it, when tmux is missing.
pub fn tmux_installed() {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "tmux is not installed: the end-to-end console tests need it. Install it with \
         `apt-get install tmux` (or run scripts/install-test-deps.sh)"
    );
}

impl Tmux {
    /// Runs `command` in a pane of `w`×`h` that stays after it ends, to
    /// read how it ended (`FIN <status>`).
    pub fn start(name: &str, w: u16, h: u16, command: &str) -> Tmux {
        Tmux::run(
            name,
            w,
            h,
            &format!("{command}; echo \"FIN $?\"; sleep 120"),
            Duration::from_secs(40),
        )
    }

    /// Runs the shell command `command` as it is in a pane of `w`×`h`;
    /// [`Tmux::wait_for`] waits `patience`.
    pub fn run(name: &str, w: u16, h: u16, command: &str, patience: Duration) -> Tmux {
        tmux_installed();
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let socket = format!("fiches-test-{}-{n}-{name}", std::process::id());
        let t = Tmux { socket, patience };
        let out = t
            .cmd()
            .args(["new-session", "-d", "-s", "fiches", "-x"])
            .arg(w.to_string())
            .arg("-y")
            .arg(h.to_string())
            .arg(command)
            .output()
            .expect("tmux");
        assert!(
            out.status.success(),
            "tmux new-session failed ({:?}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    /// A tmux command on this server (its session is `fiches`).
    pub fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]);
        c
    }

    fn must(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("tmux");
        assert!(
            out.status.success(),
            "tmux {args:?} failed ({:?}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen, with `extra` arguments of `capture-pane` (e.g. `-e`).
    pub fn capture_with(&self, extra: &[&str]) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "fiches"])
            .args(extra)
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen as text.
    pub fn capture(&self) -> String {
        self.capture_with(&[])
    }

    /// Keys by tmux name (`Enter`, `Escape`, `C-c`, `q`…).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "fiches"];
        args.extend_from_slice(keys);
        self.must(&args);
    }

    /// Text typed as it is.
    pub fn text(&self, text: &str) {
        self.must(&["send-keys", "-t", "fiches", "-l", text]);
    }

    /// Waits until the screen shows every one of `needles`, `within` at
    /// the most; returns the screen.
    pub fn wait_for_all(&self, needles: &[&str], within: Duration) -> String {
        let t0 = Instant::now();
        loop {
            let screen = self.capture();
            if needles.iter().all(|n| screen.contains(n)) {
                return screen;
            }
            assert!(
                t0.elapsed() < within,
                "waited {within:?} for {needles:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the screen shows `needle` (the patience given at start).
    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_for_all(&[needle], self.patience)
    }

    /// A `display-message` format of the pane (`#{pane_pid}`…).
    fn display(&self, format: &str) -> String {
        self.must(&["display-message", "-p", "-t", "fiches", format])
            .trim()
            .to_string()
    }

    /// The pane's title (what an escape sequence could have set).
    pub fn pane_title(&self) -> String {
        self.display("#{pane_title}")
    }

    /// The pid of the `fiches` process running in the pane (a child of
    /// the pane's shell).
    pub fn fiches_pid(&self) -> u32 {
        let shell: u32 = self.display("#{pane_pid}").parse().unwrap();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // pid (comm) state ppid ...
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

/// The process `pid` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| !s.split(") ").nth(1).unwrap_or("").starts_with('Z'))
}
