//! A real SMTP server for the outbox tests: `smtp_server.py` (aiosmtpd) run
//! as a child process on a free loopback port, storing each message it
//! accepts as a file that the tests read back.
//!
//! Python with aiosmtpd is found as `$FICHES_TEST_PYTHON`, else the venv
//! `target/test-venv` that `scripts/install-test-deps.sh` makes, else
//! `python3`. Nothing is installed here: without aiosmtpd the tests fail and
//! say how to install it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

pub const USER: &str = "fiches-smtp";
pub const PASSWORD: &str = "s3cret-smtp";

/// How the server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// No TLS at all (and no STARTTLS offered).
    None,
    /// STARTTLS offered (and required before MAIL when `require_starttls`).
    Starttls,
    /// TLS from the first byte.
    Implicit,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub tls: Tls,
    pub require_starttls: bool,
    /// AUTH required (user `USER`, password `PASSWORD`), over TLS only.
    pub auth: bool,
    /// Answer 451 to the first N messages.
    pub tempfail_first: u32,
    /// Answer 550 to RCPT for these addresses.
    pub reject_rcpt: Vec<String>,
    /// Wait this long after storing a message before answering 250.
    pub delay: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tls: Tls::None,
            require_starttls: false,
            auth: false,
            tempfail_first: 0,
            reject_rcpt: Vec::new(),
            delay: Duration::ZERO,
        }
    }
}

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub file: PathBuf,
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub tls: bool,
    pub login: Option<String>,
    pub bytes: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.bytes)
            .expect("a parsable message")
    }

    /// A header's raw value (unfolded, trimmed), by name.
    pub fn header(&self, name: &str) -> Option<String> {
        let text = String::from_utf8_lossy(&self.bytes);
        let head = text.split("\r\n\r\n").next().unwrap_or("");
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_string()
    }

    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|t| t.replace("\r\n", "\n"))
            .unwrap_or_default()
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_string()
    }
}

pub struct SmtpServer {
    dir: tempfile::TempDir,
    child: Option<Child>,
    pub port: u16,
    pub options: Options,
}

/// The Python that has aiosmtpd, or a failure that says how to get it.
pub fn python() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python3");
    let candidates: Vec<PathBuf> = std::env::var_os("FICHES_TEST_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([venv, PathBuf::from("python3")])
        .collect();
    for c in &candidates {
        let ok = Command::new(c)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return c.clone();
        }
    }
    panic!(
        "aiosmtpd is not installed: the outbox tests need a real SMTP server. Run \
         `bash scripts/install-test-deps.sh` (it makes target/test-venv with aiosmtpd), or set \
         FICHES_TEST_PYTHON to a Python that has it (`python3 -m pip install aiosmtpd==1.4.6`)"
    );
}

use super::dovecot::free_port;

fn make_ca() -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "fiches SMTP test CA");
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

impl SmtpServer {
    pub fn start(options: Options) -> SmtpServer {
        let python = python();
        let dir = tempfile::Builder::new()
            .prefix("fiches-smtp-")
            .tempdir()
            .unwrap();
        let root = dir.path();
        let ca = make_ca();
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "fiches SMTP test server");
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();
        std::fs::write(root.join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(root.join("cert.pem"), cert.pem()).unwrap();
        std::fs::write(root.join("key.pem"), key.serialize_pem()).unwrap();
        let pw = root.join("password");
        std::fs::write(&pw, format!("{PASSWORD}\n")).unwrap();
        std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::create_dir_all(root.join("received")).unwrap();

        let mut s = SmtpServer {
            dir,
            child: None,
            port: 0,
            options,
        };
        for attempt in 0.. {
            s.port = free_port();
            match s.spawn(&python) {
                Ok(()) => return s,
                Err(e) if attempt < 3 => eprintln!("SMTP test server did not start, retrying: {e}"),
                Err(e) => panic!("{e}"),
            }
        }
        unreachable!()
    }

    fn spawn(&mut self, python: &Path) -> Result<(), String> {
        let root = self.dir.path();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support/smtp_server.py");
        let mut cmd = Command::new(python);
        cmd.arg(&script)
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--dir")
            .arg(root.join("received"))
            .arg("--tls")
            .arg(match self.options.tls {
                Tls::None => "none",
                Tls::Starttls => "starttls",
                Tls::Implicit => "implicit",
            })
            .arg("--cert")
            .arg(root.join("cert.pem"))
            .arg("--key")
            .arg(root.join("key.pem"))
            .arg("--tempfail-first")
            .arg(self.options.tempfail_first.to_string())
            .arg("--delay")
            .arg(format!("{:.3}", self.options.delay.as_secs_f64()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if self.options.require_starttls {
            cmd.arg("--require-starttls");
        }
        if self.options.auth {
            cmd.arg("--user")
                .arg(USER)
                .arg("--password-file")
                .arg(root.join("password"));
        }
        for r in &self.options.reject_rcpt {
            cmd.arg("--reject-rcpt").arg(r);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("{}: {e}", python.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(l) if l.starts_with("READY") => {
                self.child = Some(child);
                Ok(())
            }
            other => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("SMTP test server did not get ready: {other:?}"))
            }
        }
    }

    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The `password_file` of `USER` (mode 600).
    pub fn password_file(&self) -> PathBuf {
        self.dir.path().join("password")
    }

    /// The `[smtp]` section for this server (`from` given).
    pub fn smtp_toml(&self, from: &str) -> String {
        let (tls, extra) = match self.options.tls {
            Tls::None => ("plain", "allow_plaintext = true\n".to_string()),
            Tls::Starttls => (
                "starttls",
                format!("ca_file = \"{}\"\n", self.ca_file().display()),
            ),
            Tls::Implicit => (
                "implicit",
                format!("ca_file = \"{}\"\n", self.ca_file().display()),
            ),
        };
        let auth = if self.options.auth {
            format!(
                "username = \"{USER}\"\npassword_file = \"{}\"\n",
                self.password_file().display()
            )
        } else {
            String::new()
        };
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"{tls}\"\n{extra}{auth}from = \"{from}\"\ntimeout = \"10s\"\n",
            self.port
        )
    }

    /// The messages accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let dir = self.dir.path().join("received");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .filter_map(|p| {
                let meta: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(p.with_extension("json")).ok()?).ok()?;
                Some(Received {
                    bytes: std::fs::read(&p).ok()?,
                    file: p,
                    mail_from: meta["mail_from"].as_str().unwrap_or("").to_string(),
                    rcpt_tos: meta["rcpt_tos"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default(),
                    tls: meta["tls"].as_bool().unwrap_or(false),
                    login: meta["login"].as_str().map(String::from),
                })
            })
            .collect()
    }

    /// How many messages were accepted (files present).
    pub fn count(&self) -> usize {
        std::fs::read_dir(self.dir.path().join("received"))
            .map(|d| {
                d.flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Waits until at least `n` messages were accepted.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.count() >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            terminate(&mut c);
        }
    }
}

/// SIGTERM, then SIGKILL if it lingers.
fn terminate(c: &mut Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(c.id().to_string())
        .status();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if let Ok(Some(_)) = c.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = c.kill();
    let _ = c.wait();
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}
