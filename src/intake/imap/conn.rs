//! A logged-in IMAP connection and the few commands the sync needs.
//!
//! Thin glue over the `imap` crate: the socket (plain TCP or rustls, with
//! read and write timeouts, TCP keepalive, and a wall-clock deadline for
//! IDLE and DONE) is ours, the protocol is the crate's, and every error
//! goes through [`super::error::Ctx`] on its way out.
//!
//! What the servers people really have taught this module (dovecot, Cyrus,
//! Courier, GNU Mailutils imap4d):
//! - new messages are found with `UID FETCH n+1:* (UID RFC822.SIZE FLAGS)`,
//!   never with `UID SEARCH UID n+1:*` (Mailutils answers it with an empty
//!   list), and the result is checked against EXISTS: the message just
//!   before the new ones, by sequence number, must be an old one;
//! - the `move_to` folder is checked (LIST, else CREATE) before anything is
//!   fetched; a refusal names the folder and, from the server's NAMESPACE
//!   and delimiter, the name to use instead ([`super::folders`]);
//! - without MOVE, a replayed post-action never copies a message twice:
//!   messages already `\Deleted` in the source were copied, the others are
//!   looked up in the target folder by Message-ID (or size and date);
//! - without UIDPLUS, `\Deleted` messages are expunged only with
//!   `expunge_without_uidplus = true` (a plain EXPUNGE removes every
//!   `\Deleted` message of the mailbox);
//! - keywords are used only when PERMANENTFLAGS allows them.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use imap::extensions::idle::{SetReadTimeout, WaitOutcome};
use imap::types::{Flag, UnsolicitedResponse};
use imap_proto::NameAttribute;
use imap_proto::ResponseCode;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use super::config::{ImapConfigError, ImapSourceConfig, PostAction, TlsMode};
use super::error::{Ctx, ImapError, clip};
use super::folders::{self, Namespace};
use super::tls;

/// IDLE is re-issued at least this often (RFC 2177 asks for < 29 min;
/// NAT boxes and some servers drop quieter connections much sooner).
pub const IDLE_REISSUE: Duration = Duration::from_secs(10 * 60);

/// Longest wait for the server's answer to DONE (capped by `read_timeout`):
/// a connection that went silent is noticed at the next re-check, not
/// after the whole read timeout.
pub const DONE_TIMEOUT: Duration = Duration::from_secs(10);

/// TCP keepalive: the first probe after this much silence…
pub const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);
/// …then one probe this often…
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
/// …and the connection is declared dead after this many unanswered ones
/// (about a minute in all). Data left unacknowledged this long also ends
/// it (`TCP_USER_TIMEOUT`).
pub const KEEPALIVE_PROBES: u32 = 3;
pub const TCP_USER_TIMEOUT: Duration = Duration::from_secs(60);

/// The keyword that marks the messages one database took:
/// `$FichesDaemon_` and 8 hexadecimal digits of the database's identity.
pub const MARK_PREFIX: &str = "$FichesDaemon_";

/// UIDs per command line when a UID set cannot be written as ranges.
const MAX_UIDS_PER_COMMAND: usize = 500;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the connection and its socket share:
/// - a wall-clock limit on reads: unlike a socket timeout, the server's
///   keep-alive chatter ("OK Still here") does not push it back;
/// - untagged lines taken out of the stream before the `imap` crate sees
///   them: it cannot parse some answers (NAMESPACE) and would lose its
///   place in the conversation.
#[derive(Debug, Default)]
struct Clock {
    deadline: Mutex<Option<Instant>>,
    /// A read hit the deadline.
    expired: AtomicBool,
    /// While set, the lines it matches are captured.
    capture: Mutex<Option<Capture>>,
    captured: Mutex<Vec<u8>>,
}

/// Which untagged lines the socket takes out of the stream.
#[derive(Debug, Clone)]
enum Capture {
    /// Starting with this (`* NAMESPACE `), any case.
    Prefix(&'static [u8]),
    /// Untagged and ending with this (`EXPUNGED`, GNU Mailutils' misspelt
    /// EXPUNGE), any case.
    Suffix(&'static [u8]),
}

impl Capture {
    fn matches(&self, line: &[u8]) -> bool {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match self {
            Capture::Prefix(p) => line.len() >= p.len() && line[..p.len()].eq_ignore_ascii_case(p),
            Capture::Suffix(x) => {
                line.starts_with(b"* ")
                    && line.len() >= x.len()
                    && line[line.len() - x.len()..].eq_ignore_ascii_case(x)
            }
        }
    }
}

/// The socket under the IMAP session.
pub struct Stream {
    inner: StreamKind,
    /// The configured read timeout: what "no timeout" means.
    read_timeout: Duration,
    /// The timeout the `imap` crate asked for (IDLE).
    asked: Option<Duration>,
    /// The timeout currently set on the socket.
    applied: Option<Duration>,
    clock: Arc<Clock>,
    /// While capturing: bytes read, not yet a whole line…
    carry: Vec<u8>,
    /// …and whole lines for the `imap` crate.
    out: Vec<u8>,
}

enum StreamKind {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match &self.inner {
            StreamKind::Plain(s) => s,
            StreamKind::Tls(s) => s.get_ref(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if !self.out.is_empty() {
                let n = buf.len().min(self.out.len());
                buf[..n].copy_from_slice(&self.out[..n]);
                self.out.drain(..n);
                return Ok(n);
            }
            let capture = lock(&self.clock.capture).clone();
            let Some(capture) = capture else {
                if !self.carry.is_empty() {
                    self.out = std::mem::take(&mut self.carry);
                    continue;
                }
                return self.read_socket(buf);
            };
            let mut tmp = [0u8; 8192];
            let n = self.read_socket(&mut tmp)?;
            if n == 0 {
                self.out = std::mem::take(&mut self.carry);
                if self.out.is_empty() {
                    return Ok(0);
                }
                continue;
            }
            self.carry.extend_from_slice(&tmp[..n]);
            while let Some(pos) = self.carry.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.carry.drain(..=pos).collect();
                if capture.matches(&line) {
                    lock(&self.clock.captured).extend_from_slice(&line);
                } else {
                    self.out.extend_from_slice(&line);
                }
            }
        }
    }
}

impl Stream {
    fn read_socket(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let limit = self.asked.unwrap_or(self.read_timeout);
        let deadline = *lock(&self.clock.deadline);
        let want = match deadline {
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    self.clock.expired.store(true, Ordering::SeqCst);
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "délai écoulé"));
                }
                (d - now).min(limit)
            }
            None => limit,
        }
        .max(Duration::from_millis(1));
        if self.applied != Some(want) {
            self.tcp().set_read_timeout(Some(want))?;
            self.applied = Some(want);
        }
        let r = match &mut self.inner {
            StreamKind::Plain(s) => s.read(buf),
            StreamKind::Tls(s) => s.read(buf),
        };
        if deadline.is_some()
            && let Err(e) = &r
            && matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            )
        {
            self.clock.expired.store(true, Ordering::SeqCst);
        }
        r
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            StreamKind::Plain(s) => s.write(buf),
            StreamKind::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            StreamKind::Plain(s) => s.flush(),
            StreamKind::Tls(s) => s.flush(),
        }
    }
}

impl SetReadTimeout for Stream {
    /// The `imap` crate's IDLE sets a timeout, then clears it: remembered
    /// and applied at the next read (clearing means our configured one,
    /// never none).
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> imap::Result<()> {
        self.asked = timeout.filter(|t| !t.is_zero());
        Ok(())
    }
}

/// The capabilities the sync cares about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerCaps {
    pub idle: bool,
    pub move_: bool,
    pub uidplus: bool,
    pub namespace: bool,
    /// Everything the server announced, upper-cased.
    pub all: Vec<String>,
}

impl ServerCaps {
    fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let all: Vec<String> = names.into_iter().map(|s| s.to_ascii_uppercase()).collect();
        let has = |c: &str| all.iter().any(|a| a == c);
        ServerCaps {
            idle: has("IDLE"),
            move_: has("MOVE"),
            uidplus: has("UIDPLUS"),
            namespace: has("NAMESPACE"),
            all: all.clone(),
        }
    }

    /// A short summary for the heartbeat and the logs:
    /// `IDLE MOVE UIDPLUS NAMESPACE`, what is missing marked `-MOVE`.
    pub fn summary(&self) -> String {
        [
            (self.idle, "IDLE"),
            (self.move_, "MOVE"),
            (self.uidplus, "UIDPLUS"),
            (self.namespace, "NAMESPACE"),
        ]
        .iter()
        .map(|(has, name)| {
            if *has {
                (*name).to_string()
            } else {
                format!("-{name}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// The selected mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    pub mailbox: String,
    pub uidvalidity: u32,
    pub exists: u32,
    pub uid_next: Option<u32>,
}

/// One message as fetched, byte for byte.
#[derive(Clone, PartialEq, Eq)]
pub struct FetchedMessage {
    pub uid: u32,
    pub bytes: Vec<u8>,
    /// The server's INTERNALDATE (when it received the message).
    pub internal_date: Option<DateTime<FixedOffset>>,
}

impl std::fmt::Debug for FetchedMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchedMessage")
            .field("uid", &self.uid)
            .field("bytes", &self.bytes.len())
            .field("internal_date", &self.internal_date)
            .finish()
    }
}

/// The new messages of the selected mailbox, as [`ImapConnection::discover_new`]
/// found them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// `(uid, size)` of each message above the watermark, ascending.
    pub sizes: Vec<(u32, u32)>,
    /// Marks of other databases (`$FichesDaemon_…`) on these messages.
    pub foreign_marks: BTreeSet<String>,
    /// The server's answer disagreed with its own message count (French,
    /// for the logs and the heartbeat).
    pub warning: Option<String>,
    /// The disagreement remained after the second way of looking: some
    /// messages may not have been found.
    pub incomplete: bool,
}

/// What [`ImapConnection::check_post_action`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostActionCheck {
    /// What the server lacks and the user should know (French).
    pub notices: Vec<String>,
    /// Marks (`$FichesDaemon_…`) on the last message of the `move_to`
    /// folder.
    pub target_marks: BTreeSet<String>,
}

/// What a replayed post-action did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replayed {
    /// Messages the action was applied to now.
    pub applied: usize,
    /// Messages found already done (gone from the source, already copied
    /// to the target folder): nothing sent for them.
    pub already_done: usize,
}

/// Cuts a connection from another thread (see
/// [`ImapConnection::interrupter`]): whatever the connection was waiting
/// for fails at once as a lost connection.
#[derive(Debug)]
pub struct Interrupter(TcpStream);

impl Interrupter {
    pub fn interrupt(&self) {
        let _ = self.0.shutdown(std::net::Shutdown::Both);
    }
}

/// How an IDLE wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleOutcome {
    /// The server reported new messages (EXISTS/RECENT): search now.
    NewMail,
    /// Nothing happened before the timeout.
    Timeout,
}

/// Where the server keeps folders (read once per connection, when a
/// folder is refused).
#[derive(Debug, Clone, Default)]
struct FolderLayout {
    personal: Vec<Namespace>,
    delimiter: Option<char>,
    inbox_has_no_children: bool,
}

/// A logged-in connection.
pub struct ImapConnection {
    session: imap::Session<Stream>,
    host: String,
    read_timeout: Duration,
    caps: ServerCaps,
    selected: Option<Selected>,
    tls: bool,
    /// The post-action already checked on this connection.
    checked: Option<PostAction>,
    /// PERMANENTFLAGS of the selected mailbox (empty: not announced).
    permanent_flags: Vec<String>,
    /// Messages in the selected mailbox, kept up to date from EXISTS and
    /// EXPUNGE.
    exists: u32,
    /// The server reported new messages (EXISTS) since the last search.
    new_mail_hint: bool,
    /// A second handle on the socket, to cut it from another thread.
    socket: Option<TcpStream>,
    /// Set after an error that leaves the protocol state unknown.
    broken: bool,
    clock: Arc<Clock>,
    expunge_without_uidplus: bool,
}

impl std::fmt::Debug for ImapConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapConnection")
            .field("host", &self.host)
            .field("caps", &self.caps)
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
}

/// An IMAP quoted string.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn is_mark(flag: &str) -> bool {
    flag.len() > MARK_PREFIX.len() && flag[..MARK_PREFIX.len()].eq_ignore_ascii_case(MARK_PREFIX)
}

impl ImapConnection {
    /// Checks the configuration, reads the password, connects (TCP with
    /// timeout and keepalive, TLS as configured) and logs in.
    pub fn connect(cfg: &ImapSourceConfig) -> Result<Self, ImapError> {
        cfg.check()?;
        // A name that does not resolve now may resolve later (network down):
        // reported as a connection failure, which is transient.
        let addrs = cfg.resolve().map_err(|e| match e {
            ImapConfigError::Resolve { host, detail } => ImapError::Connect {
                host,
                port: cfg.port(),
                detail: format!("nom d'hôte introuvable ({detail})"),
            },
            other => other.into(),
        })?;
        let password = cfg.password()?;
        let host = cfg.host.trim_start_matches('[').trim_end_matches(']');
        let ctx = Ctx {
            host,
            during: "la connexion",
            timeout: cfg.connect_timeout,
        };
        let tcp = connect_tcp(&addrs, cfg, &ctx)?;
        let socket = tcp.try_clone().ok();
        let ctx = Ctx {
            timeout: cfg.read_timeout,
            ..ctx
        };
        let clock = Arc::new(Clock::default());

        let stream = |inner| Stream {
            inner,
            read_timeout: cfg.read_timeout,
            asked: None,
            applied: Some(cfg.read_timeout),
            clock: clock.clone(),
            carry: Vec::new(),
            out: Vec::new(),
        };
        let (client, greeting) = match cfg.tls {
            TlsMode::Plain => {
                let mut c = imap::Client::new(stream(StreamKind::Plain(tcp)));
                let g = c.read_greeting().map_err(|e| ctx.imap(e))?;
                (c, Some(g))
            }
            TlsMode::Implicit => {
                let tls =
                    tls_handshake(tcp, host, tls::client_config(cfg.ca_file.as_deref())?, &ctx)?;
                let mut c = imap::Client::new(stream(StreamKind::Tls(Box::new(tls))));
                let g = c.read_greeting().map_err(|e| ctx.imap(e))?;
                (c, Some(g))
            }
            TlsMode::Starttls => {
                let mut tcp = tcp;
                starttls_exchange(&mut tcp, &ctx)?;
                let tls =
                    tls_handshake(tcp, host, tls::client_config(cfg.ca_file.as_deref())?, &ctx)?;
                let mut c = imap::Client::new(stream(StreamKind::Tls(Box::new(tls))));
                // No second greeting after STARTTLS.
                c.greeting_read = true;
                (c, None)
            }
        };
        if let Some(g) = greeting {
            check_greeting(&g, &ctx)?;
            if greeting_capabilities(&g).is_some_and(|c| c.iter().any(|c| c == "LOGINDISABLED")) {
                return Err(ImapError::LoginDisabled {
                    host: host.to_owned(),
                });
            }
        }
        let login_ctx = Ctx {
            during: "l'authentification",
            ..ctx
        };
        let mut session = match client.login(&cfg.username, password.expose()) {
            Ok(s) => s,
            Err((imap::Error::No(no), _)) => {
                return Err(ImapError::Auth {
                    host: host.to_owned(),
                    user: cfg.username.clone(),
                    detail: clip(&no.information),
                });
            }
            Err((e, _)) => return Err(login_ctx.imap(e)),
        };
        drop(password);
        let cap_ctx = Ctx {
            during: "CAPABILITY",
            ..ctx
        };
        let caps = session.capabilities().map_err(|e| cap_ctx.imap(e))?;
        let caps = ServerCaps::from_names(caps.iter().filter_map(|c| match c {
            imap_proto::types::Capability::Atom(a) => Some(a.as_ref()),
            imap_proto::types::Capability::Imap4rev1 => Some("IMAP4REV1"),
            _ => None,
        }));
        tracing::debug!(host, ?caps, "connexion IMAP établie");
        Ok(ImapConnection {
            session,
            host: host.to_owned(),
            read_timeout: cfg.read_timeout,
            caps,
            selected: None,
            tls: cfg.tls != TlsMode::Plain,
            checked: None,
            permanent_flags: Vec::new(),
            exists: 0,
            new_mail_hint: false,
            socket,
            broken: false,
            clock,
            expunge_without_uidplus: cfg.expunge_without_uidplus,
        })
    }

    pub fn capabilities(&self) -> &ServerCaps {
        &self.caps
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn selected(&self) -> Option<&Selected> {
        self.selected.as_ref()
    }

    /// Whether the connection is still fit for use; after a timeout or a
    /// lost connection it is not, and the caller reconnects.
    pub fn is_usable(&self) -> bool {
        !self.broken
    }

    /// A handle that cuts this connection from another thread: the way to
    /// end an IDLE wait at once when the daemon is asked to stop. `None`
    /// when the socket could not be duplicated.
    pub fn interrupter(&self) -> Option<Interrupter> {
        self.socket
            .as_ref()
            .and_then(|s| s.try_clone().ok())
            .map(Interrupter)
    }

    /// Whether the session runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    fn ctx(&self, during: &'static str) -> Ctx<'_> {
        Ctx {
            host: &self.host,
            during,
            timeout: self.read_timeout,
        }
    }

    /// Maps an error and remembers whether the connection is still usable.
    fn fail(&mut self, during: &'static str, e: imap::Error) -> ImapError {
        let err = self.ctx(during).imap(e);
        if !err.connection_usable() {
            self.broken = true;
        }
        err
    }

    /// Unsolicited responses pile up in the session; they are dropped after
    /// each command, keeping the message count up to date and remembering
    /// whether there was an EXISTS (new mail), so that
    /// [`Self::idle_wait`] does not sleep on it.
    fn drain_unsolicited(&mut self) -> bool {
        let mut new = false;
        for r in self.session.take_all_unsolicited() {
            match r {
                UnsolicitedResponse::Exists(n) => {
                    new |= n > self.exists;
                    self.exists = n;
                }
                UnsolicitedResponse::Expunge(_) => self.exists = self.exists.saturating_sub(1),
                UnsolicitedResponse::Recent(n) if n > 0 => new = true,
                _ => {}
            }
        }
        self.new_mail_hint |= new;
        new
    }

    /// `SELECT`: reads UIDVALIDITY, the message count and PERMANENTFLAGS.
    pub fn select(&mut self, mailbox: &str) -> Result<Selected, ImapError> {
        self.select_inner(mailbox, false)
    }

    fn select_inner(&mut self, mailbox: &str, read_only: bool) -> Result<Selected, ImapError> {
        let enc = encode_mailbox_name(mailbox);
        let r = if read_only {
            self.session.examine(&enc)
        } else {
            self.session.select(&enc)
        };
        let during = if read_only { "EXAMINE" } else { "SELECT" };
        let mb = match r {
            Ok(mb) => mb,
            Err(e) => {
                // Whatever was selected is not any more.
                self.selected = None;
                return Err(match self.fail(during, e) {
                    ImapError::Refused { detail, .. } | ImapError::Protocol { detail, .. } => {
                        // Dovecot's answer names the folder in UTF-8, which the
                        // `imap` crate cannot parse: the state of the
                        // connection is then unknown.
                        self.broken = true;
                        ImapError::Mailbox {
                            host: self.host.clone(),
                            mailbox: mailbox.to_owned(),
                            detail,
                        }
                    }
                    other => other,
                });
            }
        };
        self.exists = mb.exists;
        self.drain_unsolicited();
        if !read_only {
            self.permanent_flags = mb.permanent_flags.iter().map(|f| f.to_string()).collect();
        }
        let uidvalidity = mb.uid_validity.ok_or_else(|| ImapError::NoUidValidity {
            host: self.host.clone(),
            mailbox: mailbox.to_owned(),
        })?;
        let sel = Selected {
            mailbox: mailbox.to_owned(),
            uidvalidity,
            exists: mb.exists,
            uid_next: mb.uid_next,
        };
        self.selected = Some(sel.clone());
        Ok(sel)
    }

    /// Whether messages of the selected mailbox can carry this keyword
    /// (PERMANENTFLAGS has `\*` or the keyword; not announced: assumed).
    pub fn keywords_allowed(&self, keyword: &str) -> bool {
        self.permanent_flags.is_empty()
            || self
                .permanent_flags
                .iter()
                .any(|f| f == &Flag::MayCreate.to_string() || f.eq_ignore_ascii_case(keyword))
    }

    /// Finds the messages above `after` in the selected mailbox:
    /// `UID FETCH after+1:* (UID RFC822.SIZE FLAGS)`, UIDs ≤ `after`
    /// dropped (the server answers with the last message when there is
    /// nothing new). Then checked against the message count: the message
    /// just before the new ones must be an old one. When it is not, the
    /// server hid some: they are looked for by sequence number (the first
    /// one above `after` found by bisection), and the disagreement is
    /// reported in [`Discovery::warning`].
    pub fn discover_new(&mut self, after: u32) -> Result<Discovery, ImapError> {
        let mut d = Discovery::default();
        let Some(from) = after.checked_add(1) else {
            return Ok(d);
        };
        // Cleared before: an EXISTS arriving with the answer may or may not
        // be covered by it, so it is kept for the next wait.
        self.drain_unsolicited();
        self.new_mail_hint = false;
        let found = self.fetch_range(&format!("{from}:*"), true, after, &mut d)?;
        d.sizes = found;
        let exists = self.exists;
        let k = d.sizes.len() as u32;
        if exists <= k {
            return Ok(d);
        }
        // The message before the new ones (by sequence number).
        let before = exists - k;
        if self.uid_at(before)?.is_none_or(|u| u <= after) {
            return Ok(d);
        }
        // More messages above `after` than the server gave: find the first
        // one by bisection over sequence numbers, then take them all.
        let (mut lo, mut hi) = (1u32, before);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.uid_at(mid)? {
                Some(u) if u > after => hi = mid,
                _ => lo = mid + 1,
            }
        }
        let mut again = Discovery::default();
        let by_seq = self.fetch_range(&format!("{lo}:{exists}"), false, after, &mut again)?;
        let missing = by_seq.len().saturating_sub(d.sizes.len());
        let mailbox = self
            .selected
            .as_ref()
            .map(|s| s.mailbox.clone())
            .unwrap_or_default();
        d.foreign_marks.extend(again.foreign_marks);
        let complete = by_seq.len() as u32 == exists - lo + 1;
        d.incomplete = !complete;
        d.warning = Some(format!(
            "le serveur {} n'a pas donné tous les messages nouveaux de « {mailbox} » : \
             UID FETCH {from}:* en a rendu {k}, alors que son propre compte (EXISTS {exists}) \
             en suppose au moins {} ; {} retrouvé{} par numéro de séquence{}",
            self.host,
            exists - lo + 1,
            missing,
            if missing > 1 { "s" } else { "" },
            if complete {
                ""
            } else {
                " — certains messages restent introuvables : vérifier la boîte sur le serveur"
            }
        ));
        let mut all: BTreeMap<u32, u32> = d.sizes.drain(..).collect();
        all.extend(by_seq);
        d.sizes = all.into_iter().collect();
        Ok(d)
    }

    /// `(UID RFC822.SIZE FLAGS)` of a range (by UID or by sequence
    /// number), keeping UIDs above `after`; marks of other databases are
    /// collected into `d`.
    fn fetch_range(
        &mut self,
        range: &str,
        by_uid: bool,
        after: u32,
        d: &mut Discovery,
    ) -> Result<Vec<(u32, u32)>, ImapError> {
        let query = "(UID RFC822.SIZE FLAGS)";
        let r = if by_uid {
            self.session.uid_fetch(range, query)
        } else {
            self.session.fetch(range, query)
        };
        let fetches = r.map_err(|e| self.fail("UID FETCH (RFC822.SIZE)", e))?;
        let mut out = Vec::new();
        for f in fetches.iter() {
            let (Some(uid), Some(size)) = (f.uid, f.size) else {
                continue;
            };
            if uid <= after {
                continue;
            }
            for fl in f.flags() {
                let s = fl.to_string();
                if is_mark(&s) {
                    d.foreign_marks.insert(s);
                }
            }
            out.push((uid, size));
        }
        drop(fetches);
        self.drain_unsolicited();
        out.sort_unstable();
        out.dedup_by_key(|(u, _)| *u);
        Ok(out)
    }

    /// The UID of message number `seq` of the selected mailbox.
    fn uid_at(&mut self, seq: u32) -> Result<Option<u32>, ImapError> {
        let fetches = self
            .session
            .fetch(seq.to_string(), "(UID)")
            .map_err(|e| self.fail("FETCH (UID)", e))?;
        let uid = fetches
            .iter()
            .find(|f| f.message == seq)
            .and_then(|f| f.uid);
        drop(fetches);
        self.drain_unsolicited();
        Ok(uid)
    }

    /// `UID FETCH … (UID INTERNALDATE BODY.PEEK[])`: whole messages, without
    /// setting `\Seen`. UIDs the server no longer has are missing from the
    /// result. Ascending by UID.
    pub fn fetch_messages(&mut self, uids: &[u32]) -> Result<Vec<FetchedMessage>, ImapError> {
        let mut sorted = uids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut out = Vec::with_capacity(sorted.len());
        for set in uid_sets(&sorted) {
            let fetches = self
                .session
                .uid_fetch(&set, "(UID INTERNALDATE BODY.PEEK[])")
                .map_err(|e| self.fail("UID FETCH", e))?;
            for f in fetches.iter() {
                let (Some(uid), Some(body)) = (f.uid, f.body()) else {
                    continue;
                };
                if sorted.binary_search(&uid).is_ok() {
                    out.push(FetchedMessage {
                        uid,
                        bytes: body.to_vec(),
                        internal_date: f.internal_date(),
                    });
                }
            }
        }
        self.drain_unsolicited();
        out.sort_by_key(|m| m.uid);
        out.dedup_by_key(|m| m.uid);
        Ok(out)
    }

    /// Checks, once per connection, that the post-action can be done on
    /// this server, before anything is fetched: the `move_to` folder exists
    /// or is created now (a refusal names the folder and the name to use
    /// instead), keywords and flags are allowed by PERMANENTFLAGS. Call
    /// after selecting the source mailbox. Returns what the server lacks
    /// and the user should know (French, to say once), and, for `move_to`
    /// with a `mark`, the marks of databases on the last message moved to
    /// the folder.
    pub fn check_post_action(
        &mut self,
        action: &PostAction,
        mark: Option<&str>,
    ) -> Result<PostActionCheck, ImapError> {
        let mut check = PostActionCheck::default();
        if self.checked.as_ref() == Some(action) {
            return Ok(check);
        }
        if !action.is_none()
            && let Some(m) = mark
            && !self.keywords_allowed(m)
        {
            check.notices.push(format!(
                "le serveur {} n'accepte pas de mot-clé sur les messages : cette base ne peut pas \
                 les marquer ({m}), et une autre base fiches qui relèverait la même boîte ne \
                 serait pas repérée",
                self.host
            ));
        }
        let notices = &mut check.notices;
        match action {
            PostAction::None => {}
            PostAction::AddKeyword(k) => {
                if !self.keywords_allowed(k) {
                    return Err(ImapError::PostActionUnsupported {
                        host: self.host.clone(),
                        action: action.to_string(),
                        detail: format!(
                            "le serveur n'accepte pas de mot-clé sur les messages (PERMANENTFLAGS : {}) \
                             — utiliser post_action = {{ move_to = \"…\" }} ou {{ add_flag = \"\\\\Seen\" }}",
                            self.permanent_flags.join(" ")
                        ),
                    });
                }
            }
            PostAction::AddFlag(f) => {
                if !self.permanent_flags.is_empty()
                    && !self
                        .permanent_flags
                        .iter()
                        .any(|p| p.eq_ignore_ascii_case(f))
                {
                    return Err(ImapError::PostActionUnsupported {
                        host: self.host.clone(),
                        action: action.to_string(),
                        detail: format!(
                            "le serveur ne garde pas le drapeau {f} (PERMANENTFLAGS : {})",
                            self.permanent_flags.join(" ")
                        ),
                    });
                }
            }
            PostAction::MoveTo(folder) => {
                self.check_target(folder)?;
                if !self.caps.move_ && !self.caps.uidplus {
                    let source = self
                        .selected
                        .as_ref()
                        .map(|s| s.mailbox.clone())
                        .unwrap_or_else(|| "INBOX".into());
                    notices.push(if self.expunge_without_uidplus {
                        format!(
                            "le serveur {} n'a ni MOVE ni UIDPLUS : après la copie dans « {folder} », \
                             EXPUNGE effacera de « {source} » tous les messages marqués \\Deleted \
                             (expunge_without_uidplus = true)",
                            self.host
                        )
                    } else {
                        format!(
                            "le serveur {} n'a ni MOVE ni UIDPLUS : les messages traités seront copiés \
                             dans « {folder} » et marqués \\Deleted, mais resteront dans « {source} » ; \
                             sur ce serveur, préférer post_action = {{ add_keyword = \"$Fiches\" }}, ou \
                             mettre expunge_without_uidplus = true si la boîte ne sert qu'à fiches",
                            self.host
                        )
                    });
                }
                if let Some(m) = mark
                    && self.keywords_allowed(m)
                {
                    check.target_marks = self.target_marks(folder)?;
                }
            }
        }
        self.checked = Some(action.clone());
        Ok(check)
    }

    /// The `move_to` folder exists and can hold messages, or is created.
    fn check_target(&mut self, folder: &str) -> Result<(), ImapError> {
        let enc = encode_mailbox_name(folder);
        let names = self
            .session
            .list(Some(""), Some(&quoted(&enc)))
            .map_err(|e| self.fail("LIST", e))?;
        let found = names.iter().find(|n| n.name() == enc).map(|n| {
            n.attributes().iter().any(|a| {
                matches!(a, NameAttribute::NoSelect)
                    || matches!(a, NameAttribute::Extension(x) if x.eq_ignore_ascii_case("\\NonExistent"))
            })
        });
        drop(names);
        self.drain_unsolicited();
        match found {
            Some(false) => return Ok(()),
            Some(true) => {
                return Err(ImapError::TargetFolder {
                    host: self.host.clone(),
                    folder: folder.to_owned(),
                    detail: "le dossier existe mais ne peut pas contenir de messages (\\Noselect)"
                        .into(),
                    advice: String::new(),
                });
            }
            None => {}
        }
        let refusal = match self.session.create(&enc) {
            Ok(()) => {
                tracing::info!(host = %self.host, "dossier IMAP « {folder} » créé");
                return Ok(());
            }
            Err(imap::Error::No(no)) => clip(&no.information),
            Err(e) => match self.fail("CREATE", e) {
                // An answer the `imap` crate cannot read (dovecot quotes the
                // name in UTF-8): a refusal all the same.
                ImapError::Protocol { detail, .. } => {
                    self.broken = true;
                    detail
                }
                other => return Err(other),
            },
        };
        let advice = if self.broken {
            None
        } else {
            let layout = self.folder_layout()?;
            folders::advise(
                folder,
                &layout.personal,
                layout.delimiter,
                layout.inbox_has_no_children,
            )
        };
        Err(ImapError::TargetFolder {
            host: self.host.clone(),
            folder: folder.to_owned(),
            detail: refusal,
            advice: advice
                .map(|a| {
                    format!(
                        " : {} : essayez move_to = \"{}\" dans la configuration",
                        a.why, a.suggestion
                    )
                })
                .unwrap_or_default(),
        })
    }

    /// Runs `f` while the socket captures the lines `capture` matches;
    /// returns its result and the captured lines.
    fn with_capture<T>(
        &mut self,
        capture: Capture,
        f: impl FnOnce(&mut imap::Session<Stream>) -> imap::Result<T>,
    ) -> (imap::Result<T>, Vec<u8>) {
        *lock(&self.clock.capture) = Some(capture);
        let r = f(&mut self.session);
        *lock(&self.clock.capture) = None;
        let raw = std::mem::take(&mut *lock(&self.clock.captured));
        (r, raw)
    }

    /// The personal namespace (NAMESPACE), the delimiter (`LIST "" ""`) and
    /// whether INBOX may have children.
    fn folder_layout(&mut self) -> Result<FolderLayout, ImapError> {
        let mut layout = FolderLayout::default();
        if self.caps.namespace {
            // The `imap` crate cannot parse `* NAMESPACE`: the socket takes
            // the line out for us.
            let (r, raw) = self.with_capture(Capture::Prefix(b"* NAMESPACE "), |s| {
                s.run_command_and_check_ok("NAMESPACE")
            });
            match r {
                Ok(()) => layout.personal = folders::parse_namespace(&raw).unwrap_or_default(),
                Err(imap::Error::No(_) | imap::Error::Bad(_)) => {}
                Err(e) => return Err(self.fail("NAMESPACE", e)),
            }
        }
        let names = self
            .session
            .list(Some(""), Some("\"\""))
            .map_err(|e| self.fail("LIST", e))?;
        layout.delimiter = names
            .iter()
            .find_map(|n| n.delimiter().and_then(|d| d.chars().next()));
        drop(names);
        let names = self
            .session
            .list(Some(""), Some("INBOX"))
            .map_err(|e| self.fail("LIST", e))?;
        layout.inbox_has_no_children = names.iter().any(|n| {
            n.attributes()
                .iter()
                .any(|a| matches!(a, NameAttribute::NoInferiors))
        });
        drop(names);
        self.drain_unsolicited();
        Ok(layout)
    }

    /// The marks of other databases on the last message of the `move_to`
    /// folder (the one moved there last). Selects the folder read-only,
    /// then the source again. Once per connection is enough.
    pub fn target_marks(&mut self, folder: &str) -> Result<BTreeSet<String>, ImapError> {
        let Some(source) = self.selected.clone() else {
            return Ok(BTreeSet::new());
        };
        let t = self.select_inner(folder, true)?;
        let mut marks = BTreeSet::new();
        if t.exists > 0 {
            let fetches = self
                .session
                .fetch(t.exists.to_string(), "(UID FLAGS)")
                .map_err(|e| self.fail("FETCH (FLAGS)", e))?;
            for f in fetches.iter() {
                marks.extend(
                    f.flags()
                        .iter()
                        .map(|fl| fl.to_string())
                        .filter(|s| is_mark(s)),
                );
            }
        }
        self.reselect(&source)?;
        Ok(marks)
    }

    /// Selects the source again after looking at another folder or
    /// removing messages. Its UIDVALIDITY may have changed meanwhile (GNU
    /// Mailutils gives an emptied mailbox a new one): the caller compares
    /// [`Self::selected`] with what it started with.
    fn reselect(&mut self, source: &Selected) -> Result<(), ImapError> {
        self.select_inner(&source.mailbox, false).map(|_| ())
    }

    /// Applies a post-action to messages of the selected mailbox, adding
    /// `mark` (this database's keyword) when keywords are allowed. Safe to
    /// repeat: UIDs already moved away are ignored by the server.
    pub fn apply_post_action(
        &mut self,
        action: &PostAction,
        uids: &[u32],
        mark: Option<&str>,
    ) -> Result<(), ImapError> {
        if uids.is_empty() {
            return Ok(());
        }
        let mut sorted = uids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mark = mark.filter(|m| self.keywords_allowed(m));
        let store_flags = |s: &mut Self, flags: &str| -> Result<(), ImapError> {
            for set in uid_sets(&sorted) {
                s.session
                    .uid_store(&set, format!("+FLAGS.SILENT ({flags})"))
                    .map_err(|e| s.fail("UID STORE", e))?;
            }
            Ok(())
        };
        match action {
            PostAction::None => Ok(()),
            PostAction::AddKeyword(flag) | PostAction::AddFlag(flag) => {
                let flags = match mark {
                    Some(m) => format!("{flag} {m}"),
                    None => flag.clone(),
                };
                store_flags(self, &flags)?;
                self.drain_unsolicited();
                Ok(())
            }
            PostAction::MoveTo(folder) => {
                let target = encode_mailbox_name(folder);
                if let Some(m) = mark {
                    store_flags(self, m)?;
                }
                if self.caps.move_ {
                    for set in uid_sets(&sorted) {
                        self.with_trycreate(&target, "UID MOVE", |s| s.uid_mv(&set, &target))?;
                    }
                } else {
                    for set in uid_sets(&sorted) {
                        self.with_trycreate(&target, "UID COPY", |s| s.uid_copy(&set, &target))?;
                    }
                    self.delete_copied(&sorted)?;
                }
                self.drain_unsolicited();
                Ok(())
            }
        }
    }

    /// After a COPY: `\Deleted` on the originals, then `UID EXPUNGE` (with
    /// UIDPLUS), or EXPUNGE when `expunge_without_uidplus`, or nothing.
    fn delete_copied(&mut self, sorted: &[u32]) -> Result<(), ImapError> {
        for set in uid_sets(sorted) {
            self.session
                .uid_store(&set, "+FLAGS.SILENT (\\Deleted)")
                .map_err(|e| self.fail("UID STORE", e))?;
        }
        if self.caps.uidplus {
            for set in uid_sets(sorted) {
                self.session
                    .uid_expunge(&set)
                    .map_err(|e| self.fail("UID EXPUNGE", e))?;
            }
        } else if self.expunge_without_uidplus {
            // GNU Mailutils answers `* n EXPUNGED`, which the `imap` crate
            // cannot parse: the socket takes those lines out.
            let (r, _) = self.with_capture(Capture::Suffix(b" EXPUNGED"), |s| {
                s.run_command_and_check_ok("EXPUNGE")
            });
            r.map_err(|e| self.fail("EXPUNGE", e))?;
        }
        // Else: copied and \Deleted, left to the mailbox's owner (said once
        // at connect by check_post_action).
        self.drain_unsolicited();
        Ok(())
    }

    /// Replays post-actions an earlier pass committed but did not confirm,
    /// without ever doing one twice where that would show: only messages
    /// still in the source are touched; without MOVE, messages already
    /// `\Deleted` were copied before, and the others are looked up in the
    /// target folder (by Message-ID, else by size and date) before a COPY.
    pub fn replay_post_action(
        &mut self,
        action: &PostAction,
        uids: &[u32],
        mark: Option<&str>,
    ) -> Result<Replayed, ImapError> {
        let mut sorted = uids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let present = self.source_state(&sorted)?;
        let mut done = Replayed {
            already_done: sorted.len() - present.len(),
            ..Replayed::default()
        };
        let PostAction::MoveTo(folder) = action else {
            let todo: Vec<u32> = present.keys().copied().collect();
            self.apply_post_action(action, &todo, mark)?;
            done.applied = todo.len();
            return Ok(done);
        };
        // Messages leave the source: the count the discovery checks against
        // is read again afterwards (the `imap` crate does not report the
        // EXPUNGEs that MOVE and EXPUNGE cause).
        let source = self.selected.clone();
        if self.caps.move_ {
            let todo: Vec<u32> = present.keys().copied().collect();
            self.apply_post_action(action, &todo, mark)?;
            done.applied = todo.len();
            if let (Some(source), false) = (source, todo.is_empty()) {
                self.reselect(&source)?;
            }
            return Ok(done);
        }
        // Without MOVE: COPY only what the target folder does not have.
        let (copied, rest): (Vec<_>, Vec<_>) = present.into_iter().partition(|(_, s)| s.deleted);
        let copied: Vec<u32> = copied.into_iter().map(|(u, _)| u).collect();
        let in_target = if rest.is_empty() {
            BTreeSet::new()
        } else {
            self.find_in_target(folder, &rest)?
        };
        let to_copy: Vec<u32> = rest
            .iter()
            .map(|(u, _)| *u)
            .filter(|u| !in_target.contains(u))
            .collect();
        done.already_done += copied.len() + in_target.len();
        let target = encode_mailbox_name(folder);
        if !to_copy.is_empty() {
            if let Some(m) = mark.filter(|m| self.keywords_allowed(m)) {
                for set in uid_sets(&to_copy) {
                    self.session
                        .uid_store(&set, format!("+FLAGS.SILENT ({m})"))
                        .map_err(|e| self.fail("UID STORE", e))?;
                }
            }
            for set in uid_sets(&to_copy) {
                self.with_trycreate(&target, "UID COPY", |s| s.uid_copy(&set, &target))?;
            }
        }
        done.applied = to_copy.len();
        let mut all: Vec<u32> = rest.iter().map(|(u, _)| *u).chain(copied).collect();
        all.sort_unstable();
        if !all.is_empty() {
            self.delete_copied(&all)?;
            if let Some(source) = source {
                self.reselect(&source)?;
            }
        }
        if done.already_done > 0 {
            tracing::info!(
                host = %self.host,
                deja_copies = done.already_done,
                "reprise sans MOVE : messages déjà copiés dans « {folder} » non recopiés"
            );
        }
        Ok(done)
    }

    /// Which of these UIDs are still in the selected mailbox, with what the
    /// replay needs to know of them.
    fn source_state(&mut self, sorted: &[u32]) -> Result<BTreeMap<u32, SourceMessage>, ImapError> {
        let mut out = BTreeMap::new();
        for set in uid_sets(sorted) {
            let fetches = self
                .session
                .uid_fetch(
                    &set,
                    "(UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])",
                )
                .map_err(|e| self.fail("UID FETCH (FLAGS)", e))?;
            for f in fetches.iter() {
                let Some(uid) = f.uid else { continue };
                if sorted.binary_search(&uid).is_err() {
                    continue;
                }
                out.insert(
                    uid,
                    SourceMessage {
                        deleted: f.flags().iter().any(|fl| matches!(fl, Flag::Deleted)),
                        size: f.size,
                        date: f.internal_date(),
                        message_id: f.header().and_then(header_message_id),
                    },
                );
            }
        }
        self.drain_unsolicited();
        Ok(out)
    }

    /// The source UIDs whose message is already in the target folder.
    fn find_in_target(
        &mut self,
        folder: &str,
        messages: &[(u32, SourceMessage)],
    ) -> Result<BTreeSet<u32>, ImapError> {
        let Some(source) = self.selected.clone() else {
            return Ok(BTreeSet::new());
        };
        let t = self.select_inner(folder, true)?;
        let mut found = BTreeSet::new();
        if t.exists > 0 {
            for (uid, m) in messages {
                let hit = match &m.message_id {
                    Some(id) => !self
                        .uid_search(&format!("HEADER Message-ID {}", quoted(id)))?
                        .is_empty(),
                    None => self.same_size_and_date(m)?,
                };
                if hit {
                    found.insert(*uid);
                }
            }
        }
        self.reselect(&source)?;
        Ok(found)
    }

    fn uid_search(&mut self, query: &str) -> Result<BTreeSet<u32>, ImapError> {
        let r = self
            .session
            .uid_search(query)
            .map_err(|e| self.fail("UID SEARCH", e))?;
        self.drain_unsolicited();
        Ok(r.into_iter().collect())
    }

    /// A message of the (selected) target folder with this size and date.
    fn same_size_and_date(&mut self, m: &SourceMessage) -> Result<bool, ImapError> {
        let (Some(size), Some(date)) = (m.size, m.date) else {
            return Ok(false);
        };
        let candidates = self.uid_search(&format!(
            "LARGER {} SMALLER {}",
            size.saturating_sub(1),
            size.saturating_add(1)
        ))?;
        if candidates.is_empty() {
            return Ok(false);
        }
        let set = uid_sets(&candidates.into_iter().collect::<Vec<_>>()).join(",");
        let fetches = self
            .session
            .uid_fetch(&set, "(UID INTERNALDATE)")
            .map_err(|e| self.fail("UID FETCH (INTERNALDATE)", e))?;
        let hit = fetches.iter().any(|f| f.internal_date() == Some(date));
        drop(fetches);
        self.drain_unsolicited();
        Ok(hit)
    }

    /// Runs a COPY or MOVE, creating the target folder once if the server
    /// answers `[TRYCREATE]`.
    fn with_trycreate(
        &mut self,
        target: &str,
        during: &'static str,
        mut op: impl FnMut(&mut imap::Session<Stream>) -> imap::Result<()>,
    ) -> Result<(), ImapError> {
        match op(&mut self.session) {
            Ok(()) => Ok(()),
            Err(imap::Error::No(no)) if no.code == Some(ResponseCode::TryCreate) => {
                tracing::info!(host = %self.host, "création du dossier IMAP {target}");
                self.session
                    .create(target)
                    .map_err(|e| self.fail("CREATE", e))?;
                op(&mut self.session).map_err(|e| self.fail(during, e))
            }
            Err(e) => Err(self.fail(during, e)),
        }
    }

    /// Waits with IDLE until the server reports new mail or `timeout` has
    /// passed — a wall-clock limit, whatever the server says meanwhile
    /// (keep-alive lines do not extend it); the IDLE command is re-issued
    /// every [`IDLE_REISSUE`] at most. Returns at once when the server
    /// already announced new mail since the last search. Call
    /// [`Self::discover_new`] afterwards in both cases. The server's answer
    /// to DONE is awaited [`DONE_TIMEOUT`] at most: a silent connection is
    /// then reported as a timeout. A `BYE` (server shutting down) ends the
    /// wait as [`ImapError::Bye`]. Servers without IDLE get a NOOP and an
    /// immediate answer: the caller polls at its interval instead.
    pub fn idle_wait(&mut self, timeout: Duration) -> Result<IdleOutcome, ImapError> {
        self.drain_unsolicited();
        if self.new_mail_hint {
            return Ok(IdleOutcome::NewMail);
        }
        if !self.caps.idle {
            return Ok(if self.noop()? {
                IdleOutcome::NewMail
            } else {
                IdleOutcome::Timeout
            });
        }
        let deadline = Instant::now() + timeout;
        let done_timeout = DONE_TIMEOUT.min(self.read_timeout);
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(IdleOutcome::Timeout);
            }
            let slice = (deadline - now).min(IDLE_REISSUE);
            let session = &mut self.session;
            let clock = self.clock.clone();
            let mut bye: Option<String> = None;
            let mut new_mail = false;
            // The `imap` crate asserts on a few impossible server answers to
            // IDLE; a misbehaving server must not bring the daemon down.
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let mut handle = session.idle();
                handle.timeout(slice).keepalive(false);
                *lock(&clock.deadline) = Some(Instant::now() + slice);
                let r = handle.wait_while(|r| match r {
                    UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_) => {
                        new_mail = true;
                        false
                    }
                    UnsolicitedResponse::Bye { information, .. } => {
                        bye = Some(information.unwrap_or_default());
                        false
                    }
                    _ => true,
                });
                // DONE (sent when the handle is dropped) gets a short wait.
                clock.expired.store(false, Ordering::SeqCst);
                *lock(&clock.deadline) = Some(Instant::now() + done_timeout);
                if bye.is_none() {
                    drop(handle);
                } else {
                    // The server is going away: no DONE.
                    std::mem::forget(handle);
                }
                r
            }));
            *lock(&self.clock.deadline) = None;
            let done_expired = self.clock.expired.swap(false, Ordering::SeqCst);
            if let Some(detail) = bye {
                self.broken = true;
                return Err(ImapError::Bye {
                    host: self.host.clone(),
                    during: "IDLE",
                    detail: clip(&detail),
                });
            }
            match outcome {
                Ok(Ok(_)) if done_expired => {
                    self.broken = true;
                    return Err(ImapError::Timeout {
                        host: self.host.clone(),
                        during: "la fin de IDLE (DONE)",
                        timeout: done_timeout,
                    });
                }
                Ok(Ok(WaitOutcome::MailboxChanged)) if new_mail => {
                    self.new_mail_hint = true;
                    return Ok(IdleOutcome::NewMail);
                }
                Ok(Ok(_)) => continue,
                Ok(Err(e)) => return Err(self.fail("IDLE", e)),
                Err(_) => {
                    self.broken = true;
                    return Err(ImapError::Protocol {
                        host: self.host.clone(),
                        during: "IDLE",
                        detail: "réponse incohérente du serveur".into(),
                    });
                }
            }
        }
    }

    /// `NOOP`: keeps the connection alive and collects updates; true when
    /// the server reported new mail.
    pub fn noop(&mut self) -> Result<bool, ImapError> {
        self.session.noop().map_err(|e| self.fail("NOOP", e))?;
        Ok(self.drain_unsolicited())
    }

    /// `APPEND` (for tests and tools): returns the new UID when the server
    /// has UIDPLUS.
    pub fn append(&mut self, mailbox: &str, message: &[u8]) -> Result<Option<u32>, ImapError> {
        let enc = encode_mailbox_name(mailbox);
        let appended = self
            .session
            .append(&enc, message)
            .finish()
            .map_err(|e| self.fail("APPEND", e))?;
        self.drain_unsolicited();
        Ok(appended.uids.and_then(|v| match v.as_slice() {
            [imap_proto::UidSetMember::Uid(u)] => Some(*u),
            _ => None,
        }))
    }

    /// `LOGOUT`, ignoring errors (the connection is dropped either way).
    pub fn logout(mut self) {
        let _ = self.session.logout();
    }
}

/// What a replay needs to know of a message still in the source.
#[derive(Debug, Clone)]
struct SourceMessage {
    deleted: bool,
    size: Option<u32>,
    date: Option<DateTime<FixedOffset>>,
    message_id: Option<String>,
}

/// The `<…>` of a `Message-ID:` header block, if it is plain ASCII that a
/// quoted string can carry.
fn header_message_id(block: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(block).ok()?;
    let start = text.find('<')?;
    let end = start + text[start..].find('>')?;
    let id = &text[start..=end];
    (id.len() > 2 && id.bytes().all(|b| (0x21..0x7f).contains(&b))).then(|| id.to_owned())
}

/// Turns TCP keepalive on with short delays, and bounds the time sent data
/// may stay unacknowledged: a connection that died without a word (NAT
/// timeout, cable, suspended host) is noticed in about a minute.
#[allow(
    unsafe_code,
    reason = "libc calls std does not wrap; each block says why it is sound (SAFETY)"
)]
fn keepalive(s: &TcpStream) -> io::Result<()> {
    let fd = s.as_raw_fd();
    let set = |level: libc::c_int, name: libc::c_int, value: libc::c_int| -> io::Result<()> {
        // SAFETY: a valid socket, an int option of the right size.
        let r = unsafe {
            libc::setsockopt(
                fd,
                level,
                name,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    };
    let secs = |d: Duration| d.as_secs().clamp(1, i32::MAX as u64) as libc::c_int;
    set(libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1)?;
    set(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, secs(KEEPALIVE_IDLE))?;
    set(
        libc::IPPROTO_TCP,
        libc::TCP_KEEPINTVL,
        secs(KEEPALIVE_INTERVAL),
    )?;
    set(
        libc::IPPROTO_TCP,
        libc::TCP_KEEPCNT,
        KEEPALIVE_PROBES as libc::c_int,
    )?;
    set(
        libc::IPPROTO_TCP,
        libc::TCP_USER_TIMEOUT,
        TCP_USER_TIMEOUT.as_millis() as libc::c_int,
    )?;
    Ok(())
}

fn connect_tcp(
    addrs: &[SocketAddr],
    cfg: &ImapSourceConfig,
    ctx: &Ctx<'_>,
) -> Result<TcpStream, ImapError> {
    let mut last: Option<io::Error> = None;
    for addr in addrs {
        match TcpStream::connect_timeout(addr, cfg.connect_timeout) {
            Ok(s) => {
                let setup = s
                    .set_read_timeout(Some(cfg.read_timeout))
                    .and_then(|_| s.set_write_timeout(Some(cfg.read_timeout)))
                    .and_then(|_| s.set_nodelay(true))
                    .and_then(|_| keepalive(&s));
                if let Err(e) = setup {
                    return Err(ctx.io(e));
                }
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    let e = last.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "aucune adresse"));
    if matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    ) {
        return Err(ctx.io(e));
    }
    Err(ImapError::Connect {
        host: ctx.host.to_owned(),
        port: cfg.port(),
        detail: crate::os_error::io_fr(&e),
    })
}

fn tls_handshake(
    mut tcp: TcpStream,
    host: &str,
    config: Arc<ClientConfig>,
    ctx: &Ctx<'_>,
) -> Result<StreamOwned<ClientConnection, TcpStream>, ImapError> {
    let ctx = Ctx {
        during: "la négociation TLS",
        ..*ctx
    };
    let name = ServerName::try_from(host.to_owned()).map_err(|_| ImapError::Tls {
        host: host.to_owned(),
        detail: "nom d'hôte invalide pour TLS".into(),
    })?;
    let mut conn = ClientConnection::new(config, name).map_err(|e| ctx.tls(e))?;
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp).map_err(|e| ctx.io(e))?;
    }
    Ok(StreamOwned::new(conn, tcp))
}

fn check_greeting(g: &[u8], ctx: &Ctx<'_>) -> Result<(), ImapError> {
    let text = String::from_utf8_lossy(g);
    let upper = text.to_ascii_uppercase();
    if upper.starts_with("* OK") {
        Ok(())
    } else if upper.starts_with("* BYE") {
        Err(ImapError::Bye {
            host: ctx.host.to_owned(),
            during: "l'accueil",
            detail: clip(text.get(5..).unwrap_or("")),
        })
    } else {
        Err(ImapError::Protocol {
            host: ctx.host.to_owned(),
            during: "l'accueil",
            detail: clip(&text),
        })
    }
}

/// The `[CAPABILITY …]` code of a greeting or tagged response, upper-cased.
fn greeting_capabilities(line: &[u8]) -> Option<Vec<String>> {
    let text = String::from_utf8_lossy(line).to_ascii_uppercase();
    let start = text.find("[CAPABILITY ")? + "[CAPABILITY ".len();
    let end = start + text[start..].find(']')?;
    Some(
        text[start..end]
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    )
}

/// Reads one line (up to CRLF) byte by byte, so that nothing after the
/// STARTTLS answer is read in plaintext.
fn read_line_unbuffered(tcp: &mut TcpStream, ctx: &Ctx<'_>) -> Result<Vec<u8>, ImapError> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match tcp.read(&mut byte) {
            Ok(0) => {
                return Err(ImapError::ConnectionLost {
                    host: ctx.host.to_owned(),
                    during: ctx.during,
                });
            }
            Ok(_) => {
                line.push(byte[0]);
                if line.ends_with(b"\r\n") {
                    return Ok(line);
                }
                if line.len() > 16 * 1024 {
                    return Err(ImapError::Protocol {
                        host: ctx.host.to_owned(),
                        during: ctx.during,
                        detail: "ligne trop longue".into(),
                    });
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ctx.io(e)),
        }
    }
}

/// Sends `tag command` and reads up to the tagged answer; returns the
/// untagged lines and the tagged one.
fn plain_command(
    tcp: &mut TcpStream,
    tag: &str,
    command: &str,
    ctx: &Ctx<'_>,
) -> Result<(Vec<Vec<u8>>, Vec<u8>), ImapError> {
    tcp.write_all(format!("{tag} {command}\r\n").as_bytes())
        .map_err(|e| ctx.io(e))?;
    let mut untagged = Vec::new();
    loop {
        let line = read_line_unbuffered(tcp, ctx)?;
        if line.starts_with(format!("{tag} ").as_bytes()) {
            return Ok((untagged, line));
        }
        if untagged.len() > 100 {
            return Err(ImapError::Protocol {
                host: ctx.host.to_owned(),
                during: ctx.during,
                detail: "trop de réponses".into(),
            });
        }
        untagged.push(line);
    }
}

/// Greeting, CAPABILITY, STARTTLS over the bare socket. Aborts when the
/// server does not announce STARTTLS or does not accept it.
fn starttls_exchange(tcp: &mut TcpStream, ctx: &Ctx<'_>) -> Result<(), ImapError> {
    let ctx = Ctx {
        during: "STARTTLS",
        ..*ctx
    };
    let greeting = read_line_unbuffered(tcp, &ctx)?;
    check_greeting(&greeting, &ctx)?;
    let caps = match greeting_capabilities(&greeting) {
        Some(c) => c,
        None => {
            let (untagged, tagged) = plain_command(tcp, "S1", "CAPABILITY", &ctx)?;
            if !tagged.to_ascii_uppercase().starts_with(b"S1 OK") {
                return Err(ImapError::StartTlsUnavailable {
                    host: ctx.host.to_owned(),
                });
            }
            untagged
                .iter()
                .filter_map(|l| {
                    let t = String::from_utf8_lossy(l).to_ascii_uppercase();
                    t.strip_prefix("* CAPABILITY ")
                        .map(|r| r.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
                })
                .flatten()
                .collect()
        }
    };
    if !caps.iter().any(|c| c == "STARTTLS") {
        return Err(ImapError::StartTlsUnavailable {
            host: ctx.host.to_owned(),
        });
    }
    let (_, tagged) = plain_command(tcp, "S2", "STARTTLS", &ctx)?;
    if !tagged.to_ascii_uppercase().starts_with(b"S2 OK") {
        return Err(ImapError::StartTlsFailed {
            host: ctx.host.to_owned(),
            detail: clip(&String::from_utf8_lossy(&tagged)),
        });
    }
    Ok(())
}

/// Sorted UIDs as IMAP sequence sets (`1:5,8,10:12`), split so that no
/// command line gets too long.
pub(crate) fn uid_sets(sorted: &[u32]) -> Vec<String> {
    let uniq: BTreeSet<u32> = sorted.iter().copied().collect();
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for u in uniq {
        match ranges.last_mut() {
            Some((_, hi)) if hi.checked_add(1) == Some(u) => *hi = u,
            _ => ranges.push((u, u)),
        }
    }
    ranges
        .chunks(MAX_UIDS_PER_COMMAND)
        .map(|chunk| {
            chunk
                .iter()
                .map(|&(lo, hi)| {
                    if lo == hi {
                        lo.to_string()
                    } else {
                        format!("{lo}:{hi}")
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

/// Mailbox names in IMAP's modified UTF-7 (RFC 3501 §5.1.3): `Traitées`
/// is sent as `Trait&AOk-es`.
pub fn encode_mailbox_name(name: &str) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    fn flush(units: &mut Vec<u16>, out: &mut String) {
        if units.is_empty() {
            return;
        }
        let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push('&');
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            let chars = chunk.len() + 1;
            for i in 0..chars {
                let idx = (n >> (18 - 6 * i)) & 0x3f;
                out.push(char::from(B64[idx as usize]));
            }
        }
        out.push('-');
        units.clear();
    }
    let mut out = String::with_capacity(name.len());
    let mut units = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut units, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            units.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut units, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf7() {
        assert_eq!(encode_mailbox_name("INBOX"), "INBOX");
        assert_eq!(encode_mailbox_name("Traitées"), "Trait&AOk-es");
        assert_eq!(encode_mailbox_name("A&B"), "A&-B");
        // RFC 3501's example.
        assert_eq!(
            encode_mailbox_name("~peter/mail/台北/日本語"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
    }

    #[test]
    fn sets() {
        assert_eq!(uid_sets(&[1, 2, 3, 5, 7, 8]), vec!["1:3,5,7:8"]);
        assert_eq!(
            uid_sets(&[u32::MAX - 1, u32::MAX]),
            vec![format!("{}:{}", u32::MAX - 1, u32::MAX)]
        );
        assert!(uid_sets(&[]).is_empty());
        let many: Vec<u32> = (0..1200).map(|i| i * 2 + 1).collect();
        assert_eq!(uid_sets(&many).len(), 3);
    }

    #[test]
    fn message_id_of_a_header_block() {
        assert_eq!(
            header_message_id(b"Message-ID: <a.b@example.org>\r\n\r\n").as_deref(),
            Some("<a.b@example.org>")
        );
        // Folded.
        assert_eq!(
            header_message_id(b"Message-Id:\r\n <x@y>\r\n\r\n").as_deref(),
            Some("<x@y>")
        );
        // Absent, empty, or not something a quoted string can carry.
        assert_eq!(header_message_id(b"\r\n"), None);
        assert_eq!(header_message_id(b"Message-ID: <>\r\n"), None);
        assert_eq!(header_message_id("Message-ID: <é@x>\r\n".as_bytes()), None);
        assert_eq!(header_message_id(b"Message-ID: <a b@x>\r\n"), None);
        assert_eq!(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }

    #[test]
    fn captured_lines() {
        let ns = Capture::Prefix(b"* NAMESPACE ");
        assert!(ns.matches(b"* namespace ((\"\" \"/\")) NIL NIL\r\n"));
        assert!(!ns.matches(b"* 3 EXISTS\r\n"));
        let expunged = Capture::Suffix(b" EXPUNGED");
        assert!(expunged.matches(b"* 1 EXPUNGED\r\n"));
        assert!(!expunged.matches(b"* 1 EXPUNGE\r\n"));
        assert!(!expunged.matches(b"a3 OK EXPUNGED\r\n"));
    }

    #[test]
    #[allow(
        unsafe_code,
        reason = "libc calls std does not wrap; each block says why it is sound (SAFETY)"
    )]
    fn keepalive_is_set_on_the_socket() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let s = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        keepalive(&s).unwrap();
        let get = |level: libc::c_int, name: libc::c_int| -> libc::c_int {
            let mut v: libc::c_int = 0;
            let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            // SAFETY: a valid socket, an int option of the right size.
            let r = unsafe {
                libc::getsockopt(
                    s.as_raw_fd(),
                    level,
                    name,
                    (&mut v as *mut libc::c_int).cast(),
                    &mut len,
                )
            };
            assert_eq!(r, 0);
            v
        };
        assert_eq!(get(libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE), 30);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL), 10);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_KEEPCNT), 3);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT), 60_000);
    }

    #[test]
    fn capability_summary() {
        let c = ServerCaps::from_names(["IMAP4rev1", "IDLE", "uidplus", "NAMESPACE"]);
        assert_eq!(c.summary(), "IDLE -MOVE UIDPLUS NAMESPACE");
        assert!(is_mark("$FichesDaemon_0a1b2c3d") && !is_mark("$FichesDaemon_"));
        assert!(!is_mark("$Fiches"));
    }

    #[test]
    fn greeting_caps() {
        let g = b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] Dovecot ready.\r\n";
        assert_eq!(
            greeting_capabilities(g).unwrap(),
            vec!["IMAP4REV1", "STARTTLS", "LOGINDISABLED"]
        );
        assert!(greeting_capabilities(b"* OK hello\r\n").is_none());
    }
}
