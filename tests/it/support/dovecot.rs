//! A real dovecot for the IMAP tests, run as a child process.
//!
//! Each [`Dovecot`] has its own temporary directory (config, passwd-file
//! user `staff`, Maildir owned by uid 65534, certificates made here with
//! rcgen) and listens on two free loopback ports: plain IMAP (with
//! STARTTLS) and IMAPS. It can be stopped and started again on the same
//! ports and Maildir, and is killed on drop.
//!
//! Nothing is installed here: without dovecot the tests fail and say how to
//! install it (`scripts/install-test-deps.sh`).

use std::fs;
use std::io::{BufRead, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use fiches::intake::imap::{ImapSourceConfig, TlsMode};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    date_time_ymd,
};

pub const USER: &str = "staff";
pub const PASSWORD: &str = "s3cret-pass";
pub const MAIL_UID: u32 = 65534;

/// Which certificate the server presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertVariant {
    /// For `127.0.0.1` and `localhost`, signed by the CA in `ca.pem`.
    Valid,
    /// For `imap.other.example`, signed by the CA in `ca.pem`.
    OtherHost,
    /// For `127.0.0.1`, expired in 2021, signed by the CA in `ca.pem`.
    Expired,
    /// For `127.0.0.1`, signed by another CA than the one in `ca.pem`.
    UntrustedCa,
}

/// Variants of the server.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub cert: CertVariant,
    /// Announce no MOVE (`imap_capability` without it).
    pub without_move: bool,
    /// `ssl = no`: no IMAPS listener, no STARTTLS.
    pub without_tls: bool,
    /// `imap_idle_notify_interval` in seconds: how often dovecot says
    /// "OK Still here" to a client in IDLE (2 minutes by default).
    pub idle_notify_secs: Option<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cert: CertVariant::Valid,
            without_move: false,
            without_tls: false,
            idle_notify_secs: None,
        }
    }
}

pub struct Dovecot {
    dir: tempfile::TempDir,
    binary: PathBuf,
    child: Option<Child>,
    pub plain_port: u16,
    pub tls_port: u16,
    pub options: Options,
}

/// Where dovecot is, or a failure that says how to install it.
fn dovecot_binary() -> PathBuf {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|d| d.join("dovecot"));
    for c in candidates {
        if c.is_file() {
            return c;
        }
    }
    panic!(
        "dovecot is not installed: the IMAP tests need a real server. Install it with \
         `apt-get install dovecot-imapd` (or run scripts/install-test-deps.sh)"
    );
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

fn write(path: &Path, content: impl AsRef<[u8]>) {
    fs::write(path, content).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

pub struct Certs {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

fn make_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

pub fn make_certs(variant: CertVariant) -> Certs {
    let trusted = make_ca("fiches test CA");
    let other = make_ca("some other CA");
    let names: Vec<String> = match variant {
        CertVariant::OtherHost => vec!["imap.other.example".into()],
        _ => vec!["127.0.0.1".into(), "localhost".into()],
    };
    let mut params = CertificateParams::new(names).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "fiches test server");
    if variant == CertVariant::Expired {
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2021, 1, 1);
    }
    let key = KeyPair::generate().unwrap();
    let issuer = if variant == CertVariant::UntrustedCa {
        &other
    } else {
        &trusted
    };
    let cert = params.signed_by(&key, issuer).unwrap();
    Certs {
        ca_pem: trusted.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

impl Dovecot {
    pub fn start() -> Dovecot {
        Self::start_with(Options::default())
    }

    pub fn start_with(options: Options) -> Dovecot {
        let binary = dovecot_binary();
        let dir = tempfile::Builder::new()
            .prefix("fiches-dovecot-")
            .tempdir()
            .unwrap();
        let root = dir.path();
        // The mail processes run as uid 65534 and must reach the Maildir.
        fs::set_permissions(root, fs::Permissions::from_mode(0o755)).unwrap();
        let certs = make_certs(options.cert);
        write(&root.join("ca.pem"), &certs.ca_pem);
        write(&root.join("cert.pem"), &certs.cert_pem);
        write(&root.join("key.pem"), &certs.key_pem);
        fs::set_permissions(root.join("key.pem"), fs::Permissions::from_mode(0o600)).unwrap();
        let pw = root.join("password");
        write(&pw, format!("{PASSWORD}\n"));
        fs::set_permissions(&pw, fs::Permissions::from_mode(0o600)).unwrap();
        let home = root.join("mail").join(USER);
        fs::create_dir_all(&home).unwrap();
        chown_tree(&root.join("mail"));
        write(
            &root.join("passwd"),
            format!(
                "{USER}:{{PLAIN}}{PASSWORD}:{MAIL_UID}:{MAIL_UID}::{}\n",
                home.display()
            ),
        );

        let mut d = Dovecot {
            dir,
            binary,
            child: None,
            plain_port: 0,
            tls_port: 0,
            options,
        };
        // A port taken between our probe and dovecot's bind: try others.
        for attempt in 0.. {
            d.plain_port = free_port();
            d.tls_port = free_port();
            d.write_config();
            match d.spawn() {
                Ok(()) => return d,
                Err(e) if attempt < 3 => eprintln!("dovecot start failed, retrying: {e}"),
                Err(e) => panic!("{e}"),
            }
        }
        unreachable!()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn ca_file(&self) -> PathBuf {
        self.dir().join("ca.pem")
    }

    fn write_config(&self) {
        let root = self.dir();
        let r = root.display();
        let o = self.options;
        let ssl = if o.without_tls {
            "ssl = no\n".to_string()
        } else {
            format!("ssl = yes\nssl_cert = <{r}/cert.pem\nssl_key = <{r}/key.pem\n")
        };
        let imaps = if o.without_tls {
            String::new()
        } else {
            format!(
                "  inet_listener imaps {{\n    port = {}\n    ssl = yes\n  }}\n",
                self.tls_port
            )
        };
        let caps = if o.without_move {
            "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE \
             NAMESPACE UIDPLUS CHILDREN UNSELECT\n"
        } else {
            ""
        };
        let notify = o
            .idle_notify_secs
            .map(|n| format!("imap_idle_notify_interval = {n} secs\n"))
            .unwrap_or_default();
        let conf = format!(
            "base_dir = {r}/run
state_dir = {r}/state
instance_name = fiches-test-{port}
log_path = {r}/dovecot.log
first_valid_uid = 1
first_valid_gid = 1
protocols = imap
listen = 127.0.0.1
{ssl}auth_mechanisms = plain login
disable_plaintext_auth = no
mailbox_idle_check_interval = 1 secs
# A throwaway server: no fsync on APPEND (20x faster test setup).
mail_fsync = never
{notify}{caps}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
userdb {{
  driver = static
  args = uid={MAIL_UID} gid={MAIL_UID} home={r}/mail/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
{imaps}  chroot =
}}
service anvil {{
  chroot =
}}
",
            port = self.plain_port,
        );
        write(&root.join("dovecot.conf"), conf);
    }

    fn spawn(&mut self) -> Result<(), String> {
        let conf = self.dir().join("dovecot.conf");
        let child = Command::new(&self.binary)
            .arg("-F")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Its own process group, so that stopping it ends its login,
            // imap, auth and log processes too.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if self.greets() {
                return Ok(());
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                let mut err = String::new();
                if let Some(mut e) = self.child.take().and_then(|mut c| c.stderr.take()) {
                    use std::io::Read as _;
                    let _ = e.read_to_string(&mut err);
                }
                return Err(format!(
                    "dovecot exited ({status}): {err}\nlog: {}",
                    self.log()
                ));
            }
            if Instant::now() > deadline {
                self.stop();
                return Err(format!(
                    "dovecot did not answer in 15 s; log: {}",
                    self.log()
                ));
            }
            sleep(Duration::from_millis(50));
        }
    }

    /// Whether the plain listener answers with a greeting.
    fn greets(&self) -> bool {
        let Ok(s) = TcpStream::connect(("127.0.0.1", self.plain_port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let mut line = String::new();
        let ok = BufReader::new(&s).read_line(&mut line).is_ok() && line.starts_with("* OK");
        let _ = (&s).write_all(b"x LOGOUT\r\n");
        ok
    }

    /// dovecot's log, for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir().join("dovecot.log")).unwrap_or_default()
    }

    /// Stops the server as `systemctl stop dovecot` does (SIGTERM to the
    /// master, which closes the sessions with a BYE), then SIGKILL to
    /// whatever is left of its group, and waits until the ports are free.
    /// The Maildir stays.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            sleep(Duration::from_millis(20));
        }
        signal_group(&child, "KILL");
        // Login processes may outlive the master for a moment.
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline
            && (TcpListener::bind(("127.0.0.1", self.plain_port)).is_err()
                || (!self.options.without_tls
                    && TcpListener::bind(("127.0.0.1", self.tls_port)).is_err()))
        {
            sleep(Duration::from_millis(50));
        }
    }

    /// Starts the server again, same ports and Maildir.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "dovecot is already running");
        self.spawn().unwrap_or_else(|e| panic!("{e}"));
    }

    /// A source configuration for this server: `staff`, password from a
    /// private file, `ca_file` = the test CA, short timeouts.
    pub fn source(&self, tls: TlsMode) -> ImapSourceConfig {
        let mut c = ImapSourceConfig::new("127.0.0.1", USER);
        c.tls = tls;
        c.port = Some(match tls {
            TlsMode::Implicit => self.tls_port,
            TlsMode::Starttls | TlsMode::Plain => self.plain_port,
        });
        c.allow_plaintext = tls == TlsMode::Plain;
        c.ca_file = Some(self.ca_file());
        c.password_file = Some(self.dir().join("password"));
        c.connect_timeout = Duration::from_secs(5);
        c.read_timeout = Duration::from_secs(10);
        c
    }

    /// An administrative session (plain IMAP, loopback) with the `imap`
    /// crate, to prepare and inspect the mailbox behind the code's back.
    pub fn admin(&self) -> imap::Session<TcpStream> {
        let tcp = TcpStream::connect(("127.0.0.1", self.plain_port)).expect("connect to dovecot");
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        tcp.set_nodelay(true).unwrap();
        let mut client = imap::Client::new(tcp);
        client.read_greeting().expect("dovecot greeting");
        client
            .login(USER, PASSWORD)
            .map_err(|(e, _)| e)
            .expect("admin login")
    }

    /// APPENDs messages to a mailbox (created if needed); returns their UIDs.
    pub fn append_all(&self, mailbox: &str, messages: &[&[u8]]) -> Vec<u32> {
        let mut s = self.admin();
        if mailbox != "INBOX" {
            let _ = s.create(mailbox);
        }
        let mut uids = Vec::new();
        for m in messages {
            let a = s.append(mailbox, m).finish().expect("APPEND");
            if let Some(v) = a.uids {
                for member in v {
                    if let imap_proto::UidSetMember::Uid(u) = member {
                        uids.push(u);
                    }
                }
            }
        }
        let _ = s.logout();
        uids
    }

    /// The UIDs of a mailbox, with their flags.
    pub fn flags(&self, mailbox: &str) -> Vec<(u32, Vec<String>)> {
        let mut s = self.admin();
        let mb = s.examine(mailbox).expect("EXAMINE");
        let mut out = Vec::new();
        if mb.exists > 0 {
            let fetches = s.fetch("1:*", "(UID FLAGS)").expect("FETCH FLAGS");
            for f in fetches.iter() {
                out.push((
                    f.uid.unwrap_or(0),
                    f.flags().iter().map(|fl| fl.to_string()).collect(),
                ));
            }
        }
        let _ = s.logout();
        out.sort();
        out
    }

    /// UIDVALIDITY of a mailbox.
    pub fn uidvalidity(&self, mailbox: &str) -> u32 {
        let mut s = self.admin();
        let v = s.examine(mailbox).expect("EXAMINE").uid_validity.unwrap();
        let _ = s.logout();
        v
    }
}

/// Sends a signal to the process group led by dovecot's master (its own id).
pub fn signal_group(child: &Child, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{}", child.id()))
        .stderr(Stdio::null())
        .status();
}

pub fn chown_tree(path: &Path) {
    if let Err(e) = chown(path, Some(MAIL_UID), Some(MAIL_UID)) {
        panic!(
            "cannot give {} to uid {MAIL_UID} ({e}): the IMAP tests run dovecot as root, \
             as CI does",
            path.display()
        );
    }
    if let Ok(entries) = fs::read_dir(path) {
        for e in entries.flatten() {
            chown_tree(&e.path());
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}
