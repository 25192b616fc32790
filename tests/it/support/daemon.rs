//! The real `fiches` binary run as a daemon against the test dovecot: a
//! temporary directory with a `config.toml` whose `[[sources]]` is the
//! server (implicit TLS, the test CA, the password file), its database,
//! and helpers to start, signal and watch the process.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::dovecot::{Dovecot, USER};
use super::servers::Server;

/// A test IMAP server, as the daemon's configuration needs it.
pub trait Endpoint {
    fn tls_port(&self) -> u16;
    fn user(&self) -> &str;
    /// Holds `password` and `ca.pem`.
    fn dir(&self) -> &Path;
}

impl Endpoint for Dovecot {
    fn tls_port(&self) -> u16 {
        self.tls_port
    }
    fn user(&self) -> &str {
        USER
    }
    fn dir(&self) -> &Path {
        Dovecot::dir(self)
    }
}

impl Endpoint for Server {
    fn tls_port(&self) -> u16 {
        Server::tls_port(self)
    }
    fn user(&self) -> &str {
        Server::user(self)
    }
    fn dir(&self) -> &Path {
        Server::dir(self)
    }
}

/// The `[[sources]]` entry for `d`, with `extra` TOML lines appended
/// (`post_action = …`, `mailbox = …`).
pub fn imap_source(d: &impl Endpoint, extra: &str) -> String {
    format!(
        "[[sources]]\ntype = \"imap\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"{}\"\n\
         password_file = \"{}\"\nca_file = \"{}\"\nconnect_timeout = \"5s\"\nread_timeout = \"10s\"\n{extra}\n",
        d.tls_port(),
        d.user(),
        d.dir().join("password").display(),
        d.dir().join("ca.pem").display(),
    )
}

/// The same through a plain-text port on loopback (a test proxy in front
/// of the server's plain port).
pub fn imap_source_plain(d: &impl Endpoint, port: u16, extra: &str) -> String {
    let timeout = if extra.contains("read_timeout") {
        ""
    } else {
        "read_timeout = \"10s\"\n"
    };
    format!(
        "[[sources]]\ntype = \"imap\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"plain\"\n\
         allow_plaintext = true\nusername = \"{}\"\npassword_file = \"{}\"\n\
         connect_timeout = \"5s\"\n{timeout}{extra}\n",
        d.user(),
        d.dir().join("password").display(),
    )
}

pub struct DaemonEnv {
    pub dir: tempfile::TempDir,
    spawned: std::cell::Cell<usize>,
}

impl DaemonEnv {
    /// A directory with the shipped config.toml, its sources replaced by
    /// `sources` (TOML).
    pub fn new(sources: &str) -> DaemonEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        let shipped =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml"))
                .expect("config.toml");
        let head = shipped.split("[[sources]]").next().unwrap().to_string();
        std::fs::write(dir.path().join("config.toml"), format!("{head}\n{sources}")).unwrap();
        DaemonEnv {
            dir,
            spawned: std::cell::Cell::new(0),
        }
    }

    /// Replaces the `[[sources]]` of the configuration (a fix by the user).
    pub fn set_sources(&self, sources: &str) {
        let path = self.path().join("config.toml");
        let current = std::fs::read_to_string(&path).unwrap();
        let head = current.split("[[sources]]").next().unwrap().to_string();
        std::fs::write(&path, format!("{head}{sources}")).unwrap();
    }

    /// For one server, with extra lines in its `[[sources]]`.
    pub fn for_server(d: &impl Endpoint, extra: &str) -> DaemonEnv {
        DaemonEnv::new(&imap_source(d, extra))
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("fiches.db")
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_fiches"));
        c.current_dir(self.path())
            .env_remove("FICHES_CONFIG")
            .env_remove("FICHES_DB")
            .env_remove("FICHES_LOG")
            .env_remove("JOURNAL_STREAM")
            .env("XDG_CONFIG_HOME", self.path().join("xdg"));
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run fiches")
    }

    /// `fiches daemon --once --json`, which must succeed; its summary lines.
    pub fn once(&self) -> Vec<Value> {
        let out = self.run(&["daemon", "--once", "--json"]);
        assert!(
            out.status.success(),
            "fiches daemon --once failed ({:?}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        lines(&out.stdout)
    }

    /// `fiches daemon` in the background; its stderr goes to
    /// `daemon-N.log` in the directory.
    /// The daemon dies with the test's thread (`PR_SET_PDEATHSIG`), even
    /// when the test fails before stopping it.
    pub fn spawn(&self) -> Child {
        use std::os::unix::process::CommandExt as _;
        let n = self.spawned.get();
        self.spawned.set(n + 1);
        let log = std::fs::File::create(self.log_path(n)).unwrap();
        let mut c = self.command();
        c.args(["daemon", "-v"]).stdout(Stdio::null()).stderr(log);
        // SAFETY: prctl only, between fork and exec.
        unsafe {
            c.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        c.spawn().expect("spawn fiches daemon")
    }

    fn log_path(&self, n: usize) -> PathBuf {
        self.path().join(format!("daemon-{n}.log"))
    }

    /// Every daemon log so far, for failure messages.
    pub fn logs(&self) -> String {
        (0..self.spawned.get())
            .map(|n| std::fs::read_to_string(self.log_path(n)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n----\n")
    }

    pub fn json_lines(&self, args: &[&str]) -> Vec<Value> {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "fiches {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        lines(&out.stdout)
    }

    /// A number from the database (0 when it does not exist yet).
    pub fn query(&self, sql: &str) -> i64 {
        if !self.db().exists() {
            return 0;
        }
        let c = rusqlite::Connection::open_with_flags(
            self.db(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        c.busy_timeout(Duration::from_secs(10)).unwrap();
        c.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
    }

    /// A text from the database, if any.
    pub fn query_text(&self, sql: &str) -> Option<String> {
        if !self.db().exists() {
            return None;
        }
        let c = rusqlite::Connection::open_with_flags(
            self.db(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .ok()?;
        c.busy_timeout(Duration::from_secs(10)).unwrap();
        c.query_row(sql, [], |r| r.get(0)).ok()
    }

    pub fn messages_stored(&self) -> i64 {
        self.query("SELECT count(*) FROM messages")
    }

    /// The heartbeat state of the (only) mailbox.
    pub fn state(&self) -> Option<String> {
        self.query_text("SELECT state FROM heartbeat LIMIT 1")
    }
}

pub fn lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Polls `f` every 50 ms until it holds or `timeout` passes.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends SIGTERM and waits for the exit (at most `timeout`).
pub fn terminate(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(s)) = child.try_wait() {
            return Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
