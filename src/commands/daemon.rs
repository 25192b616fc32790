//! `fiches daemon`: watches the mail sources of the configuration in the
//! foreground — IMAP mailboxes, and local Maildirs and folders of `.eml`
//! (for systemd, see `contrib/fiches-daemon.service`) —, or makes one pass
//! over each with `--once` (for cron and tests).
//!
//! It is the process that brings the database's schema up to date (after a
//! backup beside it). An error that a restart cannot fix (configuration,
//! permissions, a database of another build) ends it with exit status
//! [`super::EXIT_PERMANENT`], which the unit does not restart.
//!
//! One daemon per database: a lock file beside it (`DB.lock`, `flock`),
//! released by the kernel whatever way the process ends. SIGTERM and
//! SIGINT finish the current message and exit cleanly (a second one exits
//! at once; the database stays sound either way); SIGUSR1 asks for a pass
//! now; SIGHUP (the end of the session that started it by hand) is logged
//! and ignored: a daemon stops only when asked to (SIGTERM), and reads its
//! configuration again only when restarted.
//!
//! A database replaced on disk while it runs (a backup restored without
//! stopping it) is noticed within seconds: nothing more is written to the
//! old file (see `Store::replaced`), the log says so, and the daemon ends
//! with an error status, which the unit restarts on the new file.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::json;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1};
use signal_hook::iterator::Signals;

use super::Globals;
use super::Permanent;
use super::output::{Out, json_line};
use crate::config::{Config, SourceConfig};
use crate::domain::french::plural_s;
use crate::intake::IntakeOptions;
use crate::intake::daemon::{self, Command, Shutdown};
use crate::intake::imap::ImapSourceConfig;
use crate::intake::watch::{LocalSource, LocalWatch};
use crate::safe::terminal_line as clean;
use crate::store::{Migrate, StoreError};

/// Relève le courrier des sources de la configuration ([[sources]] : boîtes
/// IMAP, Maildir et dossiers de .eml).
///
/// Sans option : tourne au premier plan (IDLE, ou relève périodique ; les
/// dossiers locaux toutes les 30 s) jusqu'à SIGTERM ou Ctrl-C, qui terminent
/// le message en cours puis arrêtent proprement. Met la base à jour (après
/// une sauvegarde à côté). Journal sur la sortie d'erreur (FICHES_LOG=debug
/// pour plus). Un seul démon par base de données. Code de sortie : 0 arrêt
/// normal ou passage réussi, 1 une source n'a pas pu être relevée (--once),
/// 2 erreur, 78 erreur qu'un redémarrage ne corrige pas (configuration,
/// droits, base d'une autre version).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Un seul passage sur chaque boîte puis sortie (cron, tests).
    #[arg(long)]
    pub once: bool,

    /// Avec --once : le résumé de chaque boîte en une ligne JSON.
    #[arg(long)]
    pub json: bool,

    /// Abandonne les actions différées sur le serveur (déplacements et
    /// mots-clés pas encore faits, dits « post-actions ») de chaque boîte,
    /// puis sort ; noté au journal. Le démon ne doit pas tourner.
    #[arg(long, conflicts_with = "once")]
    pub reset_pending: bool,
}

/// The lock that makes one daemon per database. Held while the value lives.
#[derive(Debug)]
pub struct DaemonLock {
    _file: File,
    pub path: PathBuf,
}

pub use crate::status::daemon_lock_path as lock_path;

/// Takes the daemon lock of `db`, or says who holds it.
pub fn take_lock(db: &Path) -> anyhow::Result<DaemonLock> {
    let path = lock_path(db);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| {
            anyhow::anyhow!(
                "fichier de verrou du démon : {} ; vérifier [database] path et les droits du dossier de la base",
                crate::os_error::path_problem(&path, &e)
            )
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let pid = pid.trim();
            let who = if pid.is_empty() {
                "un autre démon fiches".to_string()
            } else {
                format!("un autre démon fiches (pid {pid})")
            };
            bail!(
                "{who} relève déjà le courrier pour la base {} (verrou {}) : un seul démon par base ; \
                 l'arrêter d'abord (systemctl stop fiches-daemon) ou utiliser une autre base",
                db.display(),
                path.display()
            );
        }
        Err(TryLockError::Error(e)) => {
            bail!(
                "verrou {} impossible : {}",
                path.display(),
                crate::os_error::io_fr(&e)
            );
        }
    }
    // Our pid, for the message above. Best effort.
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = writeln!(file, "{}", std::process::id());
    let _ = file.flush();
    Ok(DaemonLock { _file: file, path })
}

/// The sources of the configuration, IMAP and local; none is a permanent
/// error.
fn sources(config: &Config) -> anyhow::Result<(Vec<ImapSourceConfig>, Vec<LocalSource>)> {
    let mut imap = Vec::new();
    let mut local = Vec::new();
    for s in &config.sources {
        match s {
            SourceConfig::Imap(c) => imap.push((**c).clone()),
            SourceConfig::Maildir(p) => local.push(LocalSource::Maildir(p.clone())),
            SourceConfig::Eml(p) => local.push(LocalSource::Eml(p.clone())),
        }
    }
    if imap.is_empty() && local.is_empty() {
        return Err(Permanent::wrap(anyhow::anyhow!(
            "aucune source de courrier dans {} : ajouter une section [[sources]] (type = \"imap\", \
             \"maildir\" ou \"eml\" ; voir les exemples commentés du fichier)",
            config.path.display()
        )));
    }
    Ok((imap, local))
}

/// Says at start what staff would otherwise discover later: a missing
/// members list, a publication folder the daemon cannot write.
fn check_surroundings(config: &Config) -> anyhow::Result<()> {
    if let Some(problem) = super::MembersFile::read(config).problem() {
        tracing::warn!("{problem}");
    }
    if config.publish.schedule.is_some() {
        let out = &config.publish.options.output_dir;
        let mut probe = out.as_path();
        while !probe.exists() {
            match probe.parent() {
                Some(p) if !p.as_os_str().is_empty() => probe = p,
                _ => break,
            }
        }
        if probe.exists() && !crate::system::writable(probe) {
            return Err(Permanent::wrap(anyhow::anyhow!(
                "publication planifiée ([publish] schedule) : le dossier {} n'est pas modifiable par {} ; \
                 mettre [publish] output_dir dans le dossier d'état (/var/lib/fiches/publications) \
                 ou retirer schedule",
                probe.display(),
                crate::system::effective_user()
            )));
        }
    }
    Ok(())
}

/// Errors of the configuration or the environment a restart cannot fix
/// (a folder missing, a right lacking, a database of another build).
fn is_permanent(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<StoreError>().is_some_and(|s| {
            matches!(
                s,
                StoreError::ReadOnly { .. }
                    | StoreError::NoAccess { .. }
                    | StoreError::MissingFolder { .. }
                    | StoreError::OtherBuild { .. }
                    | StoreError::TooNew { .. }
                    | StoreError::NotFiches { .. }
            )
        }) || c.downcast_ref::<std::io::Error>().is_some_and(|io| {
            use std::io::ErrorKind as K;
            matches!(
                io.kind(),
                K::NotFound | K::PermissionDenied | K::NotADirectory | K::ReadOnlyFilesystem
            )
        })
    })
}

/// `e`, marked permanent when a restart cannot fix it.
fn permanent_if_so(e: anyhow::Error) -> anyhow::Error {
    if is_permanent(&e) {
        Permanent::wrap(e)
    } else {
        e
    }
}

/// How often the daemon looks whether its database was replaced on disk.
const REPLACED_CHECK: std::time::Duration = std::time::Duration::from_secs(2);

/// Watches the database file: when the file at its path is no longer the
/// one opened at start (a backup restored while the daemon runs), logs it
/// and stops the daemon; the returned flag says it happened.
fn watch_replacement(
    db: &Path,
    shutdown: &Shutdown,
) -> anyhow::Result<std::sync::Arc<std::sync::atomic::AtomicBool>> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let store = crate::store::Store::open_read_only(db)?;
    let replaced = std::sync::Arc::new(AtomicBool::new(false));
    let (flag, shutdown) = (replaced.clone(), shutdown.clone());
    std::thread::Builder::new()
        .name("remplacement".into())
        .spawn(move || {
            while !shutdown.is_set() {
                if store.replaced() {
                    tracing::error!(
                        base = %store.path().display(),
                        "la base a été remplacée sur le disque pendant que le démon tournait \
                         (une sauvegarde restaurée ?) : plus rien n'est écrit dans l'ancienne ; \
                         arrêt, à relancer sur la nouvelle (systemd le fait de lui-même)"
                    );
                    flag.store(true, Ordering::SeqCst);
                    shutdown.trigger();
                    break;
                }
                std::thread::sleep(REPLACED_CHECK);
            }
        })
        .context("impossible de lancer le fil de surveillance de la base")?;
    Ok(replaced)
}

/// After SIGHUP: when the terminal the daemon was started from is gone
/// (reads and writes fail on it), its standard input and outputs are
/// pointed at /dev/null, so that nothing printed later (a log line, a
/// library's message) fails on it. A terminal still there is kept.
#[allow(
    unsafe_code,
    reason = "libc calls std does not wrap; each block says why it is sound (SAFETY)"
)]
fn leave_a_closed_terminal() {
    use std::os::fd::AsRawFd;
    // A hung-up terminal is no longer one for isatty (EIO); a file, a pipe
    // or the journal are left alone.
    let gone = |fd: i32| {
        // SAFETY: isatty only inspects the descriptor.
        let tty = unsafe { libc::isatty(fd) } == 1;
        !tty && std::io::Error::last_os_error().raw_os_error() == Some(libc::EIO)
    };
    let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    else {
        return;
    };
    for fd in [0, 1, 2] {
        if gone(fd) {
            // SAFETY: dup2 onto a standard descriptor this process owns;
            // `null` stays open until it returns.
            unsafe {
                libc::dup2(null.as_raw_fd(), fd);
            }
        }
    }
}

/// SIGTERM/SIGINT: stop (twice: exit now); SIGUSR1: a pass now; SIGHUP:
/// logged and ignored (see the module doc).
fn handle_signals(shutdown: &Shutdown) -> anyhow::Result<signal_hook::iterator::Handle> {
    let mut signals = Signals::new([SIGTERM, SIGINT, SIGUSR1, SIGHUP])
        .context("impossible d'installer les gestionnaires de signaux")?;
    let handle = signals.handle();
    let shutdown = shutdown.clone();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                match sig {
                    SIGUSR1 => shutdown.broadcast(Command::SyncNow),
                    SIGHUP => {
                        tracing::warn!(
                            "signal HUP reçu (la session qui a lancé le démon s'est fermée ?) : ignoré, \
                             le démon continue ; pour l'arrêter : SIGTERM ; pour relire la \
                             configuration : le redémarrer"
                        );
                        leave_a_closed_terminal();
                    }
                    _ if shutdown.is_set() => {
                        tracing::warn!("second signal d'arrêt : sortie immédiate");
                        std::process::exit(130);
                    }
                    _ => {
                        tracing::info!("signal d'arrêt reçu : fin du message en cours, puis arrêt");
                        shutdown.trigger();
                    }
                }
            }
        })
        .context("impossible de lancer le fil des signaux")?;
    Ok(handle)
}

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    if args.json && !args.once {
        // A usage mistake, before anything is opened (exit status 2).
        anyhow::bail!(
            "--json ne s'utilise qu'avec --once (le résumé d'un passage) ; voir fiches daemon --help"
        );
    }
    let config = globals
        .admin_config("fiches daemon")
        .map_err(Permanent::wrap)?;
    let (sources, local) = sources(&config)?;
    check_surroundings(&config)?;
    let db = globals.db_path(Some(&config))?;
    // Its folder first: a wrong [database] path is said as such, and the
    // unit does not restart in a loop on it.
    crate::store::check_folder(&db).map_err(|e| {
        Permanent::wrap(
            anyhow::Error::new(e).context(format!("configuration {}", config.path.display())),
        )
    })?;
    let _lock = take_lock(&db).map_err(permanent_if_so)?;
    // Opening migrates the schema once (after a backup), before the workers
    // open their own.
    let (mut store, backup) = globals
        .open_store_with(Some(&config), Migrate::Allowed)
        .map_err(permanent_if_so)?;
    if let Some(b) = backup {
        tracing::info!(sauvegarde = %b.display(), "base mise à jour ; sauvegarde d'avant la mise à jour");
    }
    // Never intake under a definition that would orphan stored fields.
    super::check_call::refuse_orphans(&store, crate::call::current(), &config.call_name())?;
    if args.reset_pending {
        return reset_pending(&sources, &mut store);
    }
    let intake = super::intake_options(&config)?;
    let shutdown = Shutdown::new();
    let signals = handle_signals(&shutdown)?;

    if args.once {
        let mut ok = once(&sources, &mut store, &intake, &shutdown, args.json)?;
        drop(store);
        if !local.is_empty() {
            ok &= once_local(&local, &db, &intake, args.json)?;
        }
        signals.close();
        return Ok(ok);
    }
    drop(store);
    let replaced = watch_replacement(&db, &shutdown)?;
    let publisher = spawn_publisher(&config, &db, &shutdown)?;
    tracing::info!(
        configuration = %config.path.display(),
        base = %db.display(),
        boites = sources.len(),
        dossiers_locaux = local.len(),
        pid = std::process::id(),
        "démon de relève démarré"
    );
    let watcher = if local.is_empty() {
        None
    } else {
        let store = crate::store::Store::open(&db)?;
        let watch = LocalWatch::new(local, store, intake.clone());
        let (shutdown, commands) = (shutdown.clone(), shutdown.subscribe());
        Some(
            std::thread::Builder::new()
                .name("dossiers-locaux".into())
                .spawn(move || watch.run(&shutdown, commands))
                .context("impossible de lancer le fil des dossiers locaux")?,
        )
    };
    let r = if sources.is_empty() {
        if let Some(w) = watcher {
            let _ = w.join();
        }
        Ok(())
    } else {
        let r = daemon::run_daemon(&sources, &db, &intake, &shutdown);
        shutdown.trigger();
        if let Some(w) = watcher {
            let _ = w.join();
        }
        r
    };
    signals.close();
    if let Some(p) = publisher {
        let _ = p.join();
    }
    if replaced.load(std::sync::atomic::Ordering::SeqCst) {
        bail!(
            "la base {} a été remplacée sur le disque pendant que le démon tournait : arrêté sans \
             rien écrire dans l'ancienne ; le relancer (systemctl start fiches-daemon)",
            db.display()
        );
    }
    match r {
        Ok(()) => {
            tracing::info!("démon de relève arrêté");
            Ok(true)
        }
        // What ends the reading loops is a refusal that a restart would
        // meet again (a post-action folder the server refuses, a keyword it
        // cannot keep: transient errors are retried inside, with backoff):
        // exit 78, which the unit's RestartPreventExitStatus does not loop on.
        Err(e) => Err(Permanent::wrap(anyhow::anyhow!(
            "démon de relève arrêté sur erreur : {e}"
        ))),
    }
}

/// The daemon's housekeeping thread, once a minute until shutdown: with
/// `[publish] schedule`, publishes the programme when the weekly instant has
/// passed; with `[smtp]`, sends the automatic letters (acknowledgements when
/// `[letters] auto_acknowledge = true`, due retries).
fn spawn_publisher(
    config: &Config,
    db: &Path,
    shutdown: &Shutdown,
) -> anyhow::Result<Option<std::thread::JoinHandle<()>>> {
    if config.publish.schedule.is_none() && config.smtp.is_none() {
        return Ok(None);
    }
    let (config, db, shutdown) = (config.clone(), db.to_path_buf(), shutdown.clone());
    let handle = std::thread::Builder::new()
        .name("entretien".into())
        .spawn(move || {
            while !shutdown.is_set() {
                let result = crate::store::Store::open(&db)
                    .map_err(anyhow::Error::from)
                    .and_then(|mut store| super::publish::publish_if_due(&config, &mut store, chrono::Utc::now()));
                match result {
                    Ok(Some(o)) if o.unchanged => {
                        tracing::info!(numero = o.number, "publication planifiée : aucun changement, rien à envoyer")
                    }
                    Ok(Some(o)) => tracing::info!(
                        numero = o.number,
                        dossier = %o.dir.as_deref().map(|d| d.display().to_string()).unwrap_or_default(),
                        "publication planifiée écrite"
                    ),
                    Ok(None) => {}
                    Err(e) => tracing::error!("publication planifiée impossible : {} ; nouvel essai dans une minute", crate::os_error::chain_text(&e)),
                }
                let sent = crate::store::Store::open(&db)
                    .map_err(anyhow::Error::from)
                    .and_then(|mut store| super::send::send_auto(&config, &mut store));
                match sent {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(lettres = n, "envoi automatique fait"),
                    Err(e) => tracing::error!("envoi automatique impossible : {} ; nouvel essai dans une minute", crate::os_error::chain_text(&e)),
                }
                for _ in 0..60 {
                    if shutdown.is_set() {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_secs(1));
                }
            }
        })
        .context("impossible de lancer le fil de publication")?;
    Ok(Some(handle))
}

fn once(
    sources: &[ImapSourceConfig],
    store: &mut crate::store::Store,
    intake: &IntakeOptions,
    shutdown: &Shutdown,
    as_json: bool,
) -> anyhow::Result<bool> {
    let mut out = Out::new();
    let mut all_ok = true;
    for cfg in sources {
        if shutdown.is_set() {
            break;
        }
        let name = format!("{}/{}", cfg.account_id(), cfg.mailbox);
        match daemon::run_once(cfg, store, intake, shutdown.flag()) {
            Ok(p) => {
                let r = &p.report;
                let pending = store
                    .imap_pending(&p.mailbox)
                    .map(|v| v.len())
                    .unwrap_or_default();
                // The server hid messages: not a success, whatever was stored.
                if r.incomplete {
                    all_ok = false;
                }
                for w in &r.warnings {
                    eprintln!("fiches : {} : attention : {}", clean(&name), clean(w));
                }
                if let Some(e) = &r.post_action_error {
                    eprintln!(
                        "fiches : {} : post-actions en attente ({pending}) : {}",
                        clean(&name),
                        clean(e)
                    );
                }
                if as_json {
                    out.line(&json_line(&json!({
                        "account": p.mailbox.account,
                        "mailbox": p.mailbox.mailbox,
                        "ok": !r.incomplete,
                        "warnings": r.warnings,
                        "post_action_error": r.post_action_error,
                        "pending_post_actions": pending,
                        "replay_already_done": r.replay_already_done,
                        "pending_dropped": r.pending_dropped,
                        "uidvalidity": r.uidvalidity,
                        "uidvalidity_changed": r.uidvalidity_changed,
                        "new_uids": r.new_uids,
                        "stored": r.stored,
                        "duplicates": r.duplicates,
                        "skipped": r.skipped,
                        "vanished": r.vanished,
                        "post_actions": r.post_actions,
                        "replayed": r.replayed,
                        "last_uid": r.last_uid,
                        "stopped": r.stopped,
                        "proposals": p.proposals,
                        "superseded": p.superseded,
                        "elapsed_ms": p.elapsed.as_secs_f64() * 1000.0,
                        "read_ms": p.read_time.as_secs_f64() * 1000.0,
                        "store_ms": p.store_time.as_secs_f64() * 1000.0,
                    })))?;
                } else {
                    out.line(&format!(
                        "{} : {} nouveau{} message{}, {} proposition{}, {} déjà enregistré{}, \
                         {} non téléchargé{}, {} post-action{} ({:.2} s){}",
                        clean(&name),
                        r.stored,
                        if r.stored > 1 { "x" } else { "" },
                        plural_s(r.stored),
                        p.proposals,
                        plural_s(p.proposals as usize),
                        r.duplicates,
                        plural_s(r.duplicates),
                        r.skipped,
                        plural_s(r.skipped),
                        r.post_actions + r.replayed,
                        plural_s(r.post_actions + r.replayed),
                        p.elapsed.as_secs_f64(),
                        if r.stopped {
                            " — interrompu par un signal d'arrêt"
                        } else {
                            ""
                        },
                    ))?;
                }
            }
            Err(e) => {
                all_ok = false;
                let text = e.to_string();
                eprintln!(
                    "fiches : relève de {} impossible : {}",
                    clean(&name),
                    clean(&text)
                );
                if as_json {
                    out.line(&json_line(&json!({
                        "account": cfg.account_id(),
                        "mailbox": cfg.mailbox,
                        "ok": false,
                        "error": text,
                    })))?;
                }
            }
        }
    }
    out.finish()?;
    Ok(all_ok)
}

/// `--reset-pending`: drops the pending post-actions of every source,
/// journaled.
fn reset_pending(
    sources: &[ImapSourceConfig],
    store: &mut crate::store::Store,
) -> anyhow::Result<bool> {
    let actor = crate::system::acting_user();
    let mut out = Out::new();
    if sources.is_empty() {
        out.line(
            "Aucune boîte IMAP dans la configuration : aucune action en attente à abandonner.",
        )?;
    }
    for cfg in sources {
        let mb = crate::intake::imap::SyncOptions::from_config(cfg).mailbox;
        let n = store.imap_reset_pending(&mb, &actor).with_context(|| {
            format!(
                "{}/{} : post-actions non abandonnées",
                mb.account, mb.mailbox
            )
        })?;
        out.line(&format!(
            "{} : {n} post-action{} en attente abandonnée{}{}",
            clean(&format!("{}/{}", mb.account, mb.mailbox)),
            plural_s(n),
            plural_s(n),
            if n > 0 { " (noté au journal)" } else { "" }
        ))?;
    }
    out.finish()?;
    Ok(true)
}

/// `--once` over the local folders.
fn once_local(
    local: &[LocalSource],
    db: &Path,
    intake: &IntakeOptions,
    as_json: bool,
) -> anyhow::Result<bool> {
    let store = crate::store::Store::open(db)?;
    let mut watch = LocalWatch::new(local.to_vec(), store, intake.clone());
    watch.start();
    let mut out = Out::new();
    let mut all_ok = true;
    for (i, src) in local.iter().enumerate() {
        let name = src.mailbox().mailbox;
        match watch.pass_one(i) {
            Ok(s) => {
                all_ok &= s.failures.is_empty();
                if as_json {
                    out.line(&json_line(&json!({
                        "account": "local",
                        "mailbox": name,
                        "ok": s.failures.is_empty(),
                        "stored": s.pass.new,
                        "duplicates": s.pass.duplicates,
                        "proposals": s.pass.proposals,
                        "errors": s.pass.errors,
                    })))?;
                } else {
                    out.line(&format!(
                        "{} : {} nouveau{} message{}, {} proposition{}, {} déjà enregistré{}{}",
                        clean(&crate::service::words::source(&name)),
                        s.pass.new,
                        if s.pass.new > 1 { "x" } else { "" },
                        plural_s(s.pass.new as usize),
                        s.pass.proposals,
                        plural_s(s.pass.proposals as usize),
                        s.pass.duplicates,
                        plural_s(s.pass.duplicates as usize),
                        if s.pass.errors > 0 {
                            format!(", {} en erreur", s.pass.errors)
                        } else {
                            String::new()
                        }
                    ))?;
                }
                for (what, e) in &s.failures {
                    eprintln!("fiches : {} : {}", clean(what), clean(e));
                }
            }
            Err(e) => {
                all_ok = false;
                // "Maildir X : le dossier … n'existe pas": the source is
                // named once.
                let path = name.split_once(':').map_or(name.as_str(), |(_, p)| p);
                let why = e
                    .split_once(" : ")
                    .filter(|(head, _)| head.ends_with(path))
                    .map_or(e.as_str(), |(_, rest)| rest);
                eprintln!(
                    "fiches : relève impossible, {} : {}",
                    clean(&crate::service::words::source(&name)),
                    clean(why)
                );
                if as_json {
                    out.line(&json_line(&json!({
                        "account": "local", "mailbox": name, "ok": false, "error": e,
                    })))?;
                }
            }
        }
    }
    watch.stopped();
    out.finish()?;
    Ok(all_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_file_beside_the_database() {
        assert_eq!(
            lock_path(Path::new("/var/lib/fiches/fiches.db")),
            PathBuf::from("/var/lib/fiches/fiches.db.lock")
        );
        assert_eq!(lock_path(Path::new("x.db")), PathBuf::from("x.db.lock"));
    }

    #[test]
    fn second_lock_is_refused_with_the_pid() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("f.db");
        let held = take_lock(&db).unwrap();
        let e = take_lock(&db).unwrap_err().to_string();
        assert!(e.contains(&format!("pid {}", std::process::id())), "{e}");
        assert!(e.contains("un seul démon par base"), "{e}");
        drop(held);
        take_lock(&db).unwrap();
    }
}
