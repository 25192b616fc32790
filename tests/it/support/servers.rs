//! The IMAP servers people really have, for the tests: dovecot, Cyrus,
//! Courier and GNU Mailutils imap4d, each run as a child process on
//! loopback with its own directory, configuration, TLS certificate and
//! mailbox, and killed on drop.
//!
//! - dovecot: [`super::dovecot::Dovecot`], wrapped;
//! - Cyrus 3.6 and Courier-IMAP 5.0 conflict with the `dovecot-imapd`
//!   package: `scripts/install-test-deps.sh` fetches them with
//!   `apt-get download` and unpacks them with `dpkg -x` into
//!   `target/imap-servers/root` (their libraries are installed normally).
//!   Both have paths compiled in (`/etc/courier`, `/run/courier`,
//!   `/usr/lib/courier-authlib`, a `cyrus` user in `/etc/passwd`): each
//!   runs in a private mount namespace (`unshare --mount`) where read-only
//!   overlays put the unpacked tree over `/usr` and this server's files
//!   over `/etc`, and a tmpfs over `/run`. Nothing of the host is changed.
//!   Their configuration is Debian's shipped one with our paths and ports
//!   (Cyrus: `altnamespace: no`, `unixhierarchysep: no`, so folders live
//!   under `INBOX.`; Courier: folders under `INBOX.`, no MOVE);
//! - Mailutils imap4d (the `mailutils-imap4d` package, installed normally):
//!   a virtual domain user `staff@fiches.test`, Maildir.
//!
//! Every server has a user with the password in `DIR/password`, a plain
//! port and an implicit-TLS port with a certificate for 127.0.0.1 signed by
//! the CA in `DIR/ca.pem`.

use std::fs;
use std::io::{BufRead, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use fiches::intake::imap::conn::encode_mailbox_name;
use fiches::intake::imap::{ImapSourceConfig, TlsMode};

use super::dovecot::{
    CertVariant, Dovecot, MAIL_UID, Options, PASSWORD, chown_tree, free_port, make_certs,
    signal_group,
};

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dovecot,
    Cyrus,
    Courier,
    Mailutils,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Dovecot, Kind::Cyrus, Kind::Courier, Kind::Mailutils];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Dovecot => "dovecot",
            Kind::Cyrus => "cyrus",
            Kind::Courier => "courier",
            Kind::Mailutils => "mailutils",
        }
    }

    /// The user the tests log in as.
    pub fn user(self) -> &'static str {
        match self {
            Kind::Mailutils => "staff@fiches.test",
            _ => "staff",
        }
    }

    /// Personal folders live under `INBOX.` on this server.
    pub fn inbox_prefix(self) -> &'static str {
        match self {
            Kind::Cyrus | Kind::Courier => "INBOX.",
            Kind::Dovecot | Kind::Mailutils => "",
        }
    }

    /// Whether the server announces MOVE.
    pub fn has_move(self) -> bool {
        matches!(self, Kind::Dovecot | Kind::Cyrus)
    }

    /// Whether the server announces UIDPLUS.
    pub fn has_uidplus(self) -> bool {
        !matches!(self, Kind::Mailutils)
    }

    /// Whether messages can carry keywords (`$Fiches`).
    pub fn has_keywords(self) -> bool {
        !matches!(self, Kind::Mailutils)
    }
}

/// The unpacked Cyrus and Courier packages.
pub fn unpacked_root() -> PathBuf {
    let base = std::env::var_os("FICHES_IMAP_SERVERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/imap-servers"));
    let root = base.join("root");
    assert!(
        root.join("usr/lib/cyrus/bin/master").is_file() && root.join("usr/bin/imapd").is_file(),
        "Cyrus and Courier are not unpacked in {}: run scripts/install-test-deps.sh (as root)",
        root.display()
    );
    root
}

fn write(path: &Path, content: impl AsRef<[u8]>) {
    if let Some(p) = path.parent() {
        fs::create_dir_all(p).unwrap();
    }
    fs::write(path, content).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn private(path: &Path) {
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
}

/// One running (or stopped) server of any kind.
pub struct Server {
    pub kind: Kind,
    dovecot: Option<Dovecot>,
    dir: Option<tempfile::TempDir>,
    child: Option<Child>,
    plain: u16,
    tls: u16,
}

impl Server {
    pub fn start(kind: Kind) -> Server {
        Self::start_with(kind, Options::default())
    }

    /// `options` only matter for dovecot (other servers are as Debian
    /// ships them).
    pub fn start_with(kind: Kind, options: Options) -> Server {
        if kind == Kind::Dovecot {
            let d = Dovecot::start_with(options);
            let (plain, tls) = (d.plain_port, d.tls_port);
            return Server {
                kind,
                dovecot: Some(d),
                dir: None,
                child: None,
                plain,
                tls,
            };
        }
        let dir = tempfile::Builder::new()
            .prefix(&format!("fiches-{}-", kind.name()))
            .tempdir()
            .unwrap();
        let root = dir.path();
        fs::set_permissions(root, fs::Permissions::from_mode(0o755)).unwrap();
        let certs = make_certs(CertVariant::Valid);
        write(&root.join("ca.pem"), &certs.ca_pem);
        write(&root.join("cert.pem"), &certs.cert_pem);
        write(&root.join("key.pem"), &certs.key_pem);
        private(&root.join("key.pem"));
        write(&root.join("password"), format!("{PASSWORD}\n"));
        private(&root.join("password"));
        let mut s = Server {
            kind,
            dovecot: None,
            dir: Some(dir),
            child: None,
            plain: 0,
            tls: 0,
        };
        for attempt in 0.. {
            s.plain = free_port();
            s.tls = free_port();
            s.configure();
            match s.spawn() {
                Ok(()) => break,
                Err(e) if attempt < 3 => eprintln!("{} start failed, retrying: {e}", kind.name()),
                Err(e) => panic!("{e}"),
            }
        }
        if kind == Kind::Cyrus {
            s.cyrus_create_inbox();
        }
        s
    }

    pub fn dir(&self) -> &Path {
        match &self.dovecot {
            Some(d) => d.dir(),
            None => self.dir.as_ref().unwrap().path(),
        }
    }

    pub fn plain_port(&self) -> u16 {
        self.plain
    }

    pub fn tls_port(&self) -> u16 {
        self.tls
    }

    pub fn user(&self) -> &'static str {
        self.kind.user()
    }

    pub fn ca_file(&self) -> PathBuf {
        self.dir().join("ca.pem")
    }

    pub fn password_file(&self) -> PathBuf {
        self.dir().join("password")
    }

    /// The wrapped dovecot, for its own helpers.
    pub fn dovecot(&self) -> Option<&Dovecot> {
        self.dovecot.as_ref()
    }

    /// A folder name as this server wants it in the configuration:
    /// `Traitées` on dovecot, `INBOX.Traitées` on Courier.
    pub fn folder(&self, name: &str) -> String {
        format!("{}{name}", self.kind.inbox_prefix())
    }

    /// The same, as sent on the wire (modified UTF-7).
    pub fn folder_wire(&self, name: &str) -> String {
        encode_mailbox_name(&self.folder(name))
    }

    fn configure(&self) {
        match self.kind {
            Kind::Dovecot => unreachable!(),
            Kind::Cyrus => self.configure_cyrus(),
            Kind::Courier => self.configure_courier(),
            Kind::Mailutils => self.configure_mailutils(),
        }
    }

    fn configure_cyrus(&self) {
        let root = self.dir();
        let r = root.display();
        let pkg = unpacked_root();
        let bin = pkg.join("usr/lib/cyrus/bin");
        let b = bin.display();
        for d in [
            "lib",
            "spool",
            "sieve",
            "run/proc",
            "run/lock",
            "run/socket",
        ] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        // Debian's /etc/imapd.conf, our paths.
        write(
            &root.join("imapd.conf"),
            format!(
                "configdirectory: {r}/lib
proc_path: {r}/run/proc
mboxname_lockpath: {r}/run/lock
defaultpartition: default
partition-default: {r}/spool
altnamespace: no
unixhierarchysep: no
lmtp_downcase_rcpt: yes
allowanonymouslogin: no
popminpoll: 1
autocreate_quota: 0
umask: 077
sieveusehomedir: false
sievedir: {r}/sieve
hashimapspool: true
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {r}/sasldb2
sasl_auto_transition: no
sasl_mech_list: PLAIN LOGIN
tls_server_cert: {r}/cert.pem
tls_server_key: {r}/key.pem
lmtpsocket: {r}/run/socket/lmtp
idlesocket: {r}/run/socket/idle
notifysocket: {r}/run/socket/notify
syslog_prefix: cyrus-fiches-test
admins: cyrus
"
            ),
        );
        write(
            &root.join("cyrus.conf"),
            format!(
                "START {{
  recover cmd=\"{b}/ctl_cyrusdb -C {r}/imapd.conf -r\"
}}
SERVICES {{
  imap cmd=\"{b}/imapd -C {r}/imapd.conf -U 30\" listen=\"127.0.0.1:{plain}\" prefork=0 maxchild=100
  imaps cmd=\"{b}/imapd -s -C {r}/imapd.conf -U 30\" listen=\"127.0.0.1:{tls}\" prefork=0 maxchild=100
}}
EVENTS {{
}}
",
                plain = self.plain,
                tls = self.tls
            ),
        );
        if !root.join("sasldb2").exists() {
            for (user, pw) in [("staff", PASSWORD), ("cyrus", CYRUS_ADMIN_PASSWORD)] {
                let mut c = Command::new("saslpasswd2")
                    .args(["-f"])
                    .arg(root.join("sasldb2"))
                    .args(["-p", "-c", user])
                    .stdin(Stdio::piped())
                    .spawn()
                    .expect("saslpasswd2 (package sasl2-bin): run scripts/install-test-deps.sh");
                c.stdin.take().unwrap().write_all(pw.as_bytes()).unwrap();
                assert!(c.wait().unwrap().success(), "saslpasswd2 failed");
            }
        }
        // The `cyrus` user master insists on, only inside the namespace.
        let mut passwd = fs::read_to_string("/etc/passwd").unwrap();
        if !passwd.lines().any(|l| l.starts_with("cyrus:")) {
            passwd.push_str(&format!(
                "cyrus:x:{MAIL_UID}:{MAIL_UID}:Cyrus (fiches tests):{r}:/usr/sbin/nologin\n"
            ));
        }
        write(&root.join("etc/passwd"), passwd);
        let lib = pkg.join("usr/lib/x86_64-linux-gnu");
        write(
            &root.join("start.sh"),
            format!(
                "#!/bin/sh\nset -e\n\
                 mount -t overlay overlay -o lowerdir={r}/etc:/etc /etc\n\
                 export LD_LIBRARY_PATH={lib}\n\
                 exec {b}/master -C {r}/imapd.conf -M {r}/cyrus.conf -p {r}/run/master.pid\n",
                lib = lib.display()
            ),
        );
        chown_tree(root);
    }

    fn configure_courier(&self) {
        let root = self.dir();
        let r = root.display();
        let pkg = unpacked_root();
        let etc = root.join("etc/courier");
        fs::create_dir_all(&etc).unwrap();
        for f in ["imapd", "imapd-ssl"] {
            fs::copy(pkg.join("etc/courier").join(f), etc.join(f)).unwrap();
        }
        let certs = format!(
            "{}{}",
            fs::read_to_string(root.join("cert.pem")).unwrap(),
            fs::read_to_string(root.join("key.pem")).unwrap()
        );
        write(&etc.join("imapd.pem"), certs);
        private(&etc.join("imapd.pem"));
        write(
            &etc.join("authdaemonrc"),
            "authmodulelist=\"authuserdb\"\ndaemons=3\nauthdaemonvar=/run/courier/authdaemon\n\
             DEBUG_LOGIN=0\nDEFAULTOPTIONS=\"\"\nLOGGEROPTS=\"\"\n",
        );
        if !etc.join("userdb").exists() {
            let hash = Command::new("openssl")
                .args(["passwd", "-6", PASSWORD])
                .output()
                .expect("openssl");
            let hash = String::from_utf8(hash.stdout).unwrap();
            write(
                &etc.join("userdb"),
                format!(
                    "staff\tuid={MAIL_UID}|gid={MAIL_UID}|home={r}/home/staff|mail={r}/home/staff/Maildir|systempw={}\n",
                    hash.trim()
                ),
            );
            private(&etc.join("userdb"));
        }
        fs::create_dir_all(root.join("home/staff")).unwrap();
        write(&root.join("tlscache"), "");
        let tcpd = |port: u16, tls: &str| {
            format!(
                "/usr/sbin/couriertcpd -address=127.0.0.1 -nodnslookup -noidentlookup \
                 -maxprocs=40 -maxperip=40 {port} {tls}/usr/lib/courier/courier/imaplogin \
                 /usr/bin/imapd Maildir &\n"
            )
        };
        // Debian's /etc/courier/imapd and imapd-ssl, as its init script
        // reads them, then our TLS files.
        write(
            &root.join("start.sh"),
            format!(
                "#!/bin/sh\nset -e\n\
                 mount -t overlay overlay -o lowerdir={pkg}/usr:/usr /usr\n\
                 mount -t overlay overlay -o lowerdir={r}/etc:/etc /etc\n\
                 mount -t tmpfs tmpfs /run\n\
                 mkdir -p /run/courier/authdaemon\n\
                 [ -f {r}/etc/courier/userdb.dat ] || /usr/sbin/makeuserdb -f {r}/etc/courier/userdb\n\
                 [ -d {r}/home/staff/Maildir ] || /usr/bin/maildirmake.courier {r}/home/staff/Maildir\n\
                 chown -R {MAIL_UID}:{MAIL_UID} {r}/home\n\
                 set -a\n. /etc/courier/imapd\n. /etc/courier/imapd-ssl\n\
                 TLS_CERTFILE=/etc/courier/imapd.pem\nTLS_CACHEFILE={r}/tlscache\nTLS_DHPARAMS=\n\
                 set +a\n\
                 trap 'kill -TERM -1; wait; exit 0' TERM\n\
                 /usr/lib/courier/courier-authlib/authdaemond &\n\
                 {plain}{tls}wait\n",
                pkg = pkg.display(),
                plain = tcpd(self.plain, ""),
                tls = tcpd(self.tls, "/usr/bin/couriertls -server -tcpd "),
            ),
        );
    }

    fn configure_mailutils(&self) {
        let root = self.dir();
        let r = root.display();
        let hash = Command::new("openssl")
            .args(["passwd", "-6", PASSWORD])
            .output()
            .expect("openssl");
        let hash = String::from_utf8(hash.stdout).unwrap();
        write(
            &root.join("pw/fiches.test"),
            format!(
                "staff:{}:{MAIL_UID}:{MAIL_UID}::{r}/mail/staff:/bin/false\n",
                hash.trim()
            ),
        );
        for sub in ["cur", "new", "tmp"] {
            fs::create_dir_all(root.join("mail/staff/INBOX").join(sub)).unwrap();
        }
        chown_tree(&root.join("mail"));
        write(
            &root.join("imap4d.conf"),
            format!(
                "logging {{ syslog no; }}
auth {{ authentication generic; authorization virtdomain; }}
virtdomain {{ passwd-dir \"{r}/pw\"; }}
mailbox {{ mailbox-type maildir; mail-spool \"maildir:{r}/mail\"; }}
namespace personal {{ prefix \"\" {{ directory \"{r}/mail/$user\"; }} }}
server 127.0.0.1:{plain} {{ }}
server 127.0.0.1:{tls} {{
  tls-mode connection;
  tls {{ ssl-certificate-file \"{r}/cert.pem\"; ssl-key-file \"{r}/key.pem\"; }}
}}
",
                plain = self.plain,
                tls = self.tls
            ),
        );
    }

    /// The server in a PID namespace of its own (`unshare --pid --fork
    /// --kill-child`): when it is stopped, or when the test dies, the
    /// kernel ends every process of it — couriertcpd and imap4d detach
    /// from their process group and would outlive a group kill. Cyrus and
    /// Courier also get a mount namespace for their overlays.
    fn command(&self) -> Command {
        let root = self.dir();
        let mut c = Command::new("unshare");
        c.args(["--pid", "--fork", "--kill-child"]);
        match self.kind {
            Kind::Dovecot => unreachable!(),
            Kind::Cyrus | Kind::Courier => {
                c.args(["--mount", "--propagation", "private", "sh"])
                    .arg(root.join("start.sh"));
            }
            Kind::Mailutils => {
                c.arg("imap4d")
                    .arg(format!(
                        "--config-file={}",
                        root.join("imap4d.conf").display()
                    ))
                    .args(["--daemon", "--foreground"]);
            }
        }
        // SAFETY: prctl only, between fork and exec.
        unsafe {
            c.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        c
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = fs::File::create(self.dir().join("server.log")).unwrap();
        let child = self
            .command()
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            // Its own process group: stopping it ends every process.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.kind.name()))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // A login, not only a greeting: Courier greets before its
            // authentication daemon is up.
            if logs_in(self.plain, self.user())
                && TcpStream::connect(("127.0.0.1", self.tls)).is_ok()
            {
                return Ok(());
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                self.child = None;
                return Err(format!(
                    "{} exited ({status}); log:\n{}",
                    self.kind.name(),
                    self.log()
                ));
            }
            if Instant::now() > deadline {
                self.stop();
                return Err(format!(
                    "{} did not answer in 20 s; log:\n{}",
                    self.kind.name(),
                    self.log()
                ));
            }
            sleep(Duration::from_millis(50));
        }
    }

    /// The server's own log, for failure messages.
    pub fn log(&self) -> String {
        match &self.dovecot {
            Some(d) => d.log(),
            None => fs::read_to_string(self.dir().join("server.log")).unwrap_or_default(),
        }
    }

    /// Stops the server (every process of its group) and waits until its
    /// ports are free. The mail stays.
    pub fn stop(&mut self) {
        if let Some(d) = self.dovecot.as_mut() {
            d.stop();
            return;
        }
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SIGTERM to the namespace's first process (unshare itself ignores
        // it): the servers close their sessions (BYE) and exit, and the
        // namespace with them. Then, whatever is left, SIGKILL.
        let init =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children", pid = child.id()))
                .unwrap_or_default();
        for pid in init.split_whitespace() {
            let _ = Command::new("kill").args(["-TERM", pid]).status();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && !matches!(child.try_wait(), Ok(Some(_))) {
            sleep(Duration::from_millis(20));
        }
        signal_group(&child, "KILL");
        let _ = child.kill();
        let _ = child.wait();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline
            && (TcpListener::bind(("127.0.0.1", self.plain)).is_err()
                || TcpListener::bind(("127.0.0.1", self.tls)).is_err())
        {
            sleep(Duration::from_millis(50));
        }
    }

    /// Starts the server again, same ports and mail.
    pub fn start_again(&mut self) {
        if let Some(d) = self.dovecot.as_mut() {
            d.start_again();
            return;
        }
        assert!(
            self.child.is_none(),
            "{} is already running",
            self.kind.name()
        );
        self.spawn().unwrap_or_else(|e| panic!("{e}"));
    }

    fn cyrus_create_inbox(&self) {
        // Debian's autocreate_quota makes it at the first login; else here.
        let mut s = session(self.plain, "cyrus", CYRUS_ADMIN_PASSWORD);
        if let Err(e) = s.create("user.staff")
            && !e.to_string().contains("already exists")
        {
            panic!("CREATE user.staff: {e}");
        }
        let _ = s.logout();
    }

    /// A source configuration for this server: implicit TLS, the test CA,
    /// password file, short timeouts.
    pub fn source(&self) -> ImapSourceConfig {
        let mut c = ImapSourceConfig::new("127.0.0.1", self.user());
        c.tls = TlsMode::Implicit;
        c.port = Some(self.tls);
        c.ca_file = Some(self.ca_file());
        c.password_file = Some(self.password_file());
        c.connect_timeout = Duration::from_secs(5);
        c.read_timeout = Duration::from_secs(10);
        c
    }

    /// An administrative session (plain IMAP, loopback) with the `imap`
    /// crate, to prepare and inspect the mailbox behind the code's back.
    pub fn admin(&self) -> imap::Session<TcpStream> {
        session(self.plain, self.user(), PASSWORD)
    }

    /// APPENDs messages to a mailbox (created if needed; names as on the
    /// wire).
    pub fn append_all(&self, mailbox: &str, messages: &[&[u8]]) {
        let mut s = self.admin();
        if mailbox != "INBOX" {
            let _ = s.create(mailbox);
        }
        for m in messages {
            s.append(mailbox, m)
                .finish()
                .unwrap_or_else(|e| panic!("APPEND to {mailbox} on {}: {e}", self.kind.name()));
        }
        let _ = s.logout();
    }

    /// The UIDs of a mailbox (name as on the wire), with their flags;
    /// empty when the mailbox does not exist.
    pub fn flags(&self, mailbox: &str) -> Vec<(u32, Vec<String>)> {
        let mut s = self.admin();
        let mut out = Vec::new();
        let Ok(mb) = s.examine(mailbox) else {
            let _ = s.logout();
            return out;
        };
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

    /// The Message-IDs in a mailbox (name as on the wire), sorted, with
    /// repetitions.
    pub fn message_ids(&self, mailbox: &str) -> Vec<String> {
        let mut s = self.admin();
        let mut out = Vec::new();
        let Ok(mb) = s.examine(mailbox) else {
            let _ = s.logout();
            return out;
        };
        if mb.exists > 0 {
            let fetches = s
                .fetch("1:*", "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                .expect("FETCH Message-ID");
            for f in fetches.iter() {
                let h = String::from_utf8_lossy(f.header().unwrap_or_default()).into_owned();
                let id = h
                    .split_once(':')
                    .map(|(_, v)| v.trim().to_string())
                    .unwrap_or_default();
                out.push(id);
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

/// The Cyrus administrator's password (in Cyrus's sasldb only).
const CYRUS_ADMIN_PASSWORD: &str = "admin-s3cret";

fn session(port: u16, user: &str, password: &str) -> imap::Session<TcpStream> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect to the test server");
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    tcp.set_nodelay(true).unwrap();
    let mut client = imap::Client::new(tcp);
    client.read_greeting().expect("greeting");
    client
        .login(user, password)
        .map_err(|(e, _)| e)
        .unwrap_or_else(|e| panic!("admin login as {user}: {e}"))
}

/// Whether the plain listener greets and lets the test user log in.
fn logs_in(port: u16, user: &str) -> bool {
    let Ok(s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut r = BufReader::new(&s);
    let mut line = String::new();
    if r.read_line(&mut line).is_err() || !line.starts_with("* OK") {
        return false;
    }
    if (&s)
        .write_all(format!("p1 LOGIN \"{user}\" \"{PASSWORD}\"\r\n").as_bytes())
        .is_err()
    {
        return false;
    }
    loop {
        line.clear();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return false;
        }
        if line.starts_with("p1 ") {
            let ok = line.starts_with("p1 OK");
            let _ = (&s).write_all(b"p2 LOGOUT\r\n");
            return ok;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
