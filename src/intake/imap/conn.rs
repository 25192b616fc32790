//! A logged-in IMAP connection and the few commands the sync needs.
//!
//! Thin glue over the `imap` crate: the socket (plain TCP or rustls, with
//! read and write timeouts) is ours, the protocol is the crate's, and every
//! error goes through [`super::error::Ctx`] on its way out.

use std::collections::BTreeSet;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use imap::extensions::idle::{SetReadTimeout, WaitOutcome};
use imap::types::UnsolicitedResponse;
use imap_proto::ResponseCode;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use super::config::{ConfigError, ImapSourceConfig, PostAction, TlsMode};
use super::error::{Ctx, ImapError, clip};
use super::tls;

/// IDLE is re-issued at least this often (RFC 2177 asks for < 29 min;
/// NAT boxes and some servers drop quieter connections much sooner).
pub const IDLE_REISSUE: Duration = Duration::from_secs(10 * 60);

/// UIDs per command line when a UID set cannot be written as ranges.
const MAX_UIDS_PER_COMMAND: usize = 500;

/// The socket under the IMAP session.
pub struct Stream {
    inner: StreamKind,
    /// What "no timeout" means to the `imap` crate's IDLE, which clears the
    /// read timeout when it is done: our configured one, never none.
    read_timeout: Duration,
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
        match &mut self.inner {
            StreamKind::Plain(s) => s.read(buf),
            StreamKind::Tls(s) => s.read(buf),
        }
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
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> imap::Result<()> {
        let t = timeout
            .filter(|t| !t.is_zero())
            .unwrap_or(self.read_timeout);
        self.tcp()
            .set_read_timeout(Some(t))
            .map_err(imap::Error::Io)
    }
}

/// The capabilities the sync cares about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerCaps {
    pub idle: bool,
    pub move_: bool,
    pub uidplus: bool,
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
            all: all.clone(),
        }
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

/// A logged-in connection.
pub struct ImapConnection {
    session: imap::Session<Stream>,
    host: String,
    read_timeout: Duration,
    caps: ServerCaps,
    selected: Option<Selected>,
    tls: bool,
    /// Folders known to exist (post-action targets), checked once per
    /// connection.
    known_folders: Vec<String>,
    /// The server reported new messages (EXISTS) since the last search.
    new_mail_hint: bool,
    /// A second handle on the socket, to cut it from another thread.
    socket: Option<TcpStream>,
    /// Set after an error that leaves the protocol state unknown.
    broken: bool,
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

impl ImapConnection {
    /// Checks the configuration, reads the password, connects (TCP with
    /// timeout, TLS as configured) and logs in.
    pub fn connect(cfg: &ImapSourceConfig) -> Result<Self, ImapError> {
        cfg.check()?;
        // A name that does not resolve now may resolve later (network down):
        // reported as a connection failure, which is transient.
        let addrs = cfg.resolve().map_err(|e| match e {
            ConfigError::Resolve { host, detail } => ImapError::Connect {
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

        let stream = |inner| Stream {
            inner,
            read_timeout: cfg.read_timeout,
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
            known_folders: Vec::new(),
            new_mail_hint: false,
            socket,
            broken: false,
        })
    }

    pub fn capabilities(&self) -> &ServerCaps {
        &self.caps
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
    /// each command, remembering only whether there was an EXISTS (new
    /// mail), so that [`Self::idle_wait`] does not sleep on it.
    fn drain_unsolicited(&mut self) -> bool {
        let new = self
            .session
            .take_all_unsolicited()
            .fold(false, |acc, r| acc | is_new_mail(&r));
        self.new_mail_hint |= new;
        new
    }

    /// `SELECT`: reads UIDVALIDITY.
    pub fn select(&mut self, mailbox: &str) -> Result<Selected, ImapError> {
        let mb = match self.session.select(encode_mailbox_name(mailbox)) {
            Ok(mb) => mb,
            Err(e) => {
                return Err(match self.fail("SELECT", e) {
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
        self.drain_unsolicited();
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

    /// `UID SEARCH UID n+1:*`, keeping only UIDs above `after` (the server
    /// always answers with the last message, even when its UID is ≤ n).
    /// Ascending.
    pub fn search_new(&mut self, after: u32) -> Result<Vec<u32>, ImapError> {
        let Some(from) = after.checked_add(1) else {
            return Ok(Vec::new());
        };
        // Cleared before: an EXISTS arriving with the answer may or may not
        // be covered by it, so it is kept for the next wait.
        self.drain_unsolicited();
        self.new_mail_hint = false;
        let found = self
            .session
            .uid_search(format!("UID {from}:*"))
            .map_err(|e| self.fail("UID SEARCH", e))?;
        self.drain_unsolicited();
        let mut uids: Vec<u32> = found.into_iter().filter(|&u| u > after).collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// `UID FETCH … (RFC822.SIZE)`: sizes, to plan batches and skip
    /// oversized messages without downloading them. Ascending by UID.
    pub fn fetch_sizes(&mut self, uids: &[u32]) -> Result<Vec<(u32, u32)>, ImapError> {
        let mut out = Vec::with_capacity(uids.len());
        for set in uid_sets(uids) {
            let fetches = self
                .session
                .uid_fetch(&set, "(UID RFC822.SIZE)")
                .map_err(|e| self.fail("UID FETCH (RFC822.SIZE)", e))?;
            out.extend(
                fetches
                    .iter()
                    .filter_map(|f| Some((f.uid?, f.size?)))
                    .filter(|(u, _)| uids.binary_search(u).is_ok()),
            );
        }
        self.drain_unsolicited();
        out.sort_unstable();
        out.dedup_by_key(|(u, _)| *u);
        Ok(out)
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

    /// Applies a post-action to messages of the selected mailbox. Safe to
    /// repeat: UIDs already moved away are ignored by the server.
    pub fn apply_post_action(
        &mut self,
        action: &PostAction,
        uids: &[u32],
    ) -> Result<(), ImapError> {
        if uids.is_empty() {
            return Ok(());
        }
        let mut sorted = uids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        match action {
            PostAction::None => Ok(()),
            PostAction::AddKeyword(flag) | PostAction::AddFlag(flag) => {
                for set in uid_sets(&sorted) {
                    self.session
                        .uid_store(&set, format!("+FLAGS.SILENT ({flag})"))
                        .map_err(|e| self.fail("UID STORE", e))?;
                }
                self.drain_unsolicited();
                Ok(())
            }
            PostAction::MoveTo(folder) => {
                let target = encode_mailbox_name(folder);
                self.ensure_folder(&target)?;
                for set in uid_sets(&sorted) {
                    if self.caps.move_ {
                        self.with_trycreate(&target, "UID MOVE", |s| s.uid_mv(&set, &target))?;
                    } else {
                        self.with_trycreate(&target, "UID COPY", |s| s.uid_copy(&set, &target))?;
                        self.session
                            .uid_store(&set, "+FLAGS.SILENT (\\Deleted)")
                            .map_err(|e| self.fail("UID STORE", e))?;
                        if self.caps.uidplus {
                            self.session
                                .uid_expunge(&set)
                                .map_err(|e| self.fail("UID EXPUNGE", e))?;
                        } else {
                            // A plain EXPUNGE would also remove messages
                            // someone else marked \Deleted: left to them.
                            tracing::warn!(
                                host = %self.host,
                                "serveur sans MOVE ni UIDPLUS : messages copiés dans « {folder} » \
                                 et marqués \\Deleted, mais pas effacés"
                            );
                        }
                    }
                }
                self.drain_unsolicited();
                Ok(())
            }
        }
    }

    /// Creates the folder unless LIST shows it. Done up front because the
    /// `[TRYCREATE]` answer quotes the folder name, in UTF-8 with dovecot,
    /// which the `imap` crate cannot parse.
    fn ensure_folder(&mut self, encoded: &str) -> Result<(), ImapError> {
        if self.known_folders.iter().any(|f| f == encoded) {
            return Ok(());
        }
        let names = self
            .session
            .list(Some(""), Some(encoded))
            .map_err(|e| self.fail("LIST", e))?;
        let exists = names.iter().any(|n| n.name() == encoded);
        drop(names);
        if !exists {
            tracing::info!(host = %self.host, "création du dossier IMAP {encoded}");
            self.session
                .create(encoded)
                .map_err(|e| self.fail("CREATE", e))?;
        }
        self.known_folders.push(encoded.to_owned());
        Ok(())
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
    /// passed; the IDLE command is re-issued every [`IDLE_REISSUE`] at most.
    /// Returns at once when the server already announced new mail since the
    /// last search. Call [`Self::search_new`] afterwards in both cases.
    /// Servers without IDLE get a NOOP and an immediate answer: the caller
    /// polls at its interval instead.
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
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(IdleOutcome::Timeout);
            }
            let slice = (deadline - now).min(IDLE_REISSUE);
            let session = &mut self.session;
            // The `imap` crate asserts on a few impossible server answers to
            // IDLE; a misbehaving server must not bring the daemon down.
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let mut handle = session.idle();
                handle.timeout(slice).keepalive(false);
                handle.wait_while(|r| !is_new_mail(&r))
            }));
            match outcome {
                Ok(Ok(WaitOutcome::MailboxChanged)) => {
                    self.new_mail_hint = true;
                    return Ok(IdleOutcome::NewMail);
                }
                Ok(Ok(WaitOutcome::TimedOut)) => continue,
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

fn is_new_mail(r: &UnsolicitedResponse) -> bool {
    matches!(
        r,
        UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
    )
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
                    .and_then(|_| s.set_nodelay(true));
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
        detail: e.to_string(),
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
    fn greeting_caps() {
        let g = b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] Dovecot ready.\r\n";
        assert_eq!(
            greeting_capabilities(g).unwrap(),
            vec!["IMAP4REV1", "STARTTLS", "LOGINDISABLED"]
        );
        assert!(greeting_capabilities(b"* OK hello\r\n").is_none());
    }
}
