//! `fiches status [--json]`: the state of the server for the administrator
//! and staff — the daemon (running, what it does, silent, failing or
//! stopped, per source), the last mail stored, the last publication, the
//! outbox, messages to handle by hand, the schema, whether this user can
//! write the database. Read only: it works for anyone who can read the
//! database, and says what is wrong rather than failing on it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::Globals;
use super::output::{Out, json_line};
use crate::config::{Config, SourceConfig};
use crate::console::format::{Zone, ago, long_datetime, parse_time};
use crate::safe::terminal_line as clean;
use crate::status::{Health, SILENT_AFTER, daemon_holder, daemon_sentence, health};
use crate::store::{LetterState, Store};

/// Affiche l'état du serveur : démon (en marche, en attente, silencieux,
/// arrêté, dernière erreur), dernier courrier, dernière publication, lettres
/// à envoyer, messages à traiter, version du schéma, droits d'écriture.
///
/// Code de sortie : 0 tout va bien, 1 quelque chose demande une action
/// (démon arrêté ou en erreur, base à mettre à jour, lecture seule…),
/// 2 erreur.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Un objet JSON sur une ligne.
    #[arg(long)]
    pub json: bool,
}

/// How long the daemon may stay without contact before it is "silent":
/// [`SILENT_AFTER`], or longer with long poll intervals.
pub fn silent_after(config: Option<&Config>) -> Duration {
    let longest_poll = config
        .into_iter()
        .flat_map(|c| &c.sources)
        .filter_map(|s| match s {
            SourceConfig::Imap(i) if !i.idle => Some(i.poll_interval),
            _ => None,
        })
        .max()
        .unwrap_or_default();
    SILENT_AFTER.max(longest_poll * 2 + Duration::from_secs(60))
}

/// An error as a person reads it: its text, with any operating-system
/// error in it in French (see [`crate::status::os_errors_fr`]).
fn said(e: &impl std::fmt::Display) -> String {
    crate::status::os_errors_fr(&e.to_string())
}

fn time_text(zone: Zone, now: DateTime<Utc>, t: &str) -> String {
    parse_time(t).map_or_else(
        || t.to_string(),
        |d| format!("{} ({})", long_datetime(zone, d), ago(now, d)),
    )
}

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    // The administrator (root) is never shown a demonstration found in
    // the current folder as if it were the server.
    let config = match &globals.db {
        Some(_) => globals.config().ok().flatten(),
        None if crate::system::euid() == 0 => Some(globals.admin_config("fiches status")?),
        None => Some(globals.require_config()?),
    };
    let db = globals.db_path(config.as_ref())?;
    let now = Utc::now();
    let report = gather(config.as_ref(), &db, now);
    let ok = report.attention.is_empty();
    let mut out = Out::new();
    if args.json {
        out.line(&json_line(&report.json))?;
    } else {
        for line in report.text() {
            out.line(&clean(&line))?;
        }
    }
    out.finish()?;
    Ok(ok)
}

/// Everything `fiches status` found.
pub struct Report {
    /// The JSON object.
    pub json: Value,
    /// What needs someone, in French.
    pub attention: Vec<String>,
    lines: Vec<(String, String)>,
    sources: Vec<String>,
}

impl Report {
    fn text(&self) -> Vec<String> {
        let mut v = Vec::new();
        for (k, val) in &self.lines {
            v.push(format!("{k:<22} {val}"));
            if k == "Démon" {
                for s in &self.sources {
                    v.push(format!("{:<22} {s}", ""));
                }
            }
        }
        if self.attention.is_empty() {
            v.push("Tout va bien.".into());
        } else {
            v.push("À faire :".into());
            for a in &self.attention {
                v.push(format!("  - {a}"));
            }
        }
        v
    }
}

/// Reads every fact; a failure of one is reported, the others still are.
pub fn gather(config: Option<&Config>, db: &Path, now: DateTime<Utc>) -> Report {
    let zone = Zone::from_iana(config.map_or("Europe/Paris", |c| &c.event.timezone));
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut attention = Vec::new();
    let mut sources = Vec::new();
    let mut j = serde_json::Map::new();
    j.insert("version".into(), json!(crate::version_text()));
    j.insert(
        "config".into(),
        json!(config.map(|c| c.path.display().to_string())),
    );
    j.insert("database".into(), json!(db.display().to_string()));
    lines.push((
        "Version".into(),
        format!("fiches {}", crate::version_text()),
    ));
    if let Some(c) = config {
        let demo = if c.demo { " (démonstration)" } else { "" };
        lines.push((
            "Configuration".into(),
            format!("{}{demo}", c.path.display()),
        ));
        j.insert("demo".into(), json!(c.demo));
    }

    // The database: there, writable, schema.
    let exists = match crate::os_error::exists(db) {
        Ok(e) => e,
        Err(why) => {
            // This user cannot even look at it.
            lines.push(("Base".into(), format!("{} : pas d'accès", db.display())));
            attention.push(format!("pas d'accès à la base : {why}"));
            j.insert("database_exists".into(), Value::Null);
            j.insert("writable".into(), json!(false));
            return finish(config, j, attention, lines, sources);
        }
    };
    let writable = exists
        && crate::system::writable(db)
        && db
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .is_some_and(crate::system::writable);
    j.insert("database_exists".into(), json!(exists));
    j.insert("writable".into(), json!(writable));
    if !exists {
        lines.push((
            "Base".into(),
            format!("{} : n'existe pas encore", db.display()),
        ));
        attention.push(missing_database_advice(config, db));
        j.insert("daemon".into(), json!({"state": "unknown"}));
        return finish(config, j, attention, lines, sources);
    }
    let store = match crate::store::check_folder(db).and_then(|_| Store::open_read_only(db)) {
        Ok(s) => s,
        Err(e) => {
            lines.push(("Base".into(), format!("{} : illisible", db.display())));
            attention.push(said(&e));
            return finish(config, j, attention, lines, sources);
        }
    };
    let mut base = db.display().to_string();
    if !writable {
        let target = if crate::system::writable(db) {
            db.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        } else {
            db.to_path_buf()
        };
        base.push_str(" — lecture seule pour vous");
        attention.push(format!(
            "lecture seule : {}",
            crate::os_error::not_writable_advice(&target)
        ));
    }
    match store.schema() {
        Ok(info) => {
            j.insert(
                "schema".into(),
                json!({
                    "applied": info.applied.len(),
                    "last": info.applied.last().map(|m| m.name.clone()),
                    "known": info.known,
                    "pending": info.pending,
                }),
            );
            let mut s = format!("schéma {}", info.label());
            if info.pending.is_empty() {
                s.push_str(", à jour");
            } else {
                s.push_str(&format!(", à mettre à jour ({})", info.pending.join(", ")));
                attention.push(
                    "la base attend une mise à jour de son schéma : `sudo fiches migrate` \
                     (ou redémarrer le démon, qui la fait après une sauvegarde)"
                        .into(),
                );
            }
            lines.push(("Base".into(), format!("{base}, {s}")));
        }
        Err(e) => {
            lines.push(("Base".into(), base));
            j.insert("schema".into(), json!({"error": e.to_string()}));
            attention.push(said(&e));
            return finish(config, j, attention, lines, sources);
        }
    }

    // Who has it open (a console, a command, the daemon): before restoring
    // a backup, nobody may (README, « Operating it »). Root sees everyone;
    // a staff member sees their own processes.
    let open_by = crate::system::processes_with_open(db);
    if !open_by.is_empty() {
        lines.push((
            "Ouverte par".into(),
            open_by
                .iter()
                .map(|p| format!("{} ({}, pid {})", p.user, p.command, p.pid))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    j.insert(
        "open_by".into(),
        json!(
            open_by
                .iter()
                .map(|p| json!({"pid": p.pid, "user": p.user, "command": p.command}))
                .collect::<Vec<_>>()
        ),
    );

    // The daemon.
    let beats = store.heartbeats().unwrap_or_default();
    let holder = daemon_holder(db);
    let h = health(&beats, holder, now, silent_after(config));
    let mut dj = serde_json::to_value(&h).unwrap_or_else(|_| json!({}));
    dj["sources"] = serde_json::to_value(&beats).unwrap_or_else(|_| json!([]));
    j.insert("daemon".into(), dj);
    lines.push(("Démon".into(), daemon_sentence(&h, now)));
    for b in &beats {
        let name = if b.account == "local" {
            crate::service::words::source(&b.mailbox)
        } else {
            format!("{}/{}", b.account, b.mailbox)
        };
        let mut s = format!(
            "{name} : {}, {}",
            crate::status::activity_fr(b.state),
            b.last_contact_at
                .as_deref()
                .and_then(parse_time)
                .map_or_else(
                    || "aucune relève".into(),
                    |t| format!("dernière relève {}", ago(now, t))
                )
        );
        if b.messages + b.skipped + b.errors > 0 {
            s.push_str(&format!(
                ", depuis le démarrage : {} nouveau{}, {} non téléchargé{}, {}",
                b.messages,
                if b.messages > 1 { "x" } else { "" },
                b.skipped,
                crate::domain::french::plural_s(b.skipped),
                crate::domain::french::count(b.errors, "erreur", "erreurs")
            ));
        }
        if let Some(e) = b.current_error() {
            let e = crate::status::os_errors_fr(e);
            s.push_str(&format!(
                ", dernière erreur {} : {e}",
                b.last_error_at
                    .as_deref()
                    .and_then(parse_time)
                    .map_or_else(String::new, |t| ago(now, t))
            ));
        }
        if let Some(t) = &b.next_attempt_at {
            let when = parse_time(t).map_or_else(|| t.clone(), |d| long_datetime(zone, d));
            s.push_str(&format!(", prochain essai le {when}"));
        }
        if let Some(w) = &b.warning {
            s.push_str(&format!(
                ", avertissement : {}",
                crate::status::os_errors_fr(w)
            ));
        }
        sources.push(s);
    }
    if let Some((n, e)) = crate::status::refused_post_actions(&beats) {
        let e = crate::status::os_errors_fr(&e);
        attention.push(format!(
            "{n} post-action{} en attente : le serveur refuse ({e}) ; corriger `post_action`/`move_to` \
             dans la configuration (le démon reprend au passage suivant) ou les abandonner : \
             fiches daemon --reset-pending",
            if n > 1 { "s" } else { "" }
        ));
    }
    match &h {
        Health::Running { .. } | Health::Starting { .. } => {}
        Health::Unknown => attention.push(
            "aucun démon ne relève le courrier de cette base : sudo systemctl enable --now fiches-daemon \
             (s'il est activé mais s'est arrêté, `journalctl -u fiches-daemon -n 20` dit pourquoi)"
                .into(),
        ),
        other => attention.push(format!("démon : {}", daemon_sentence(other, now))),
    }

    // Mail, publication, letters, messages to handle.
    let counts = store.counts().ok();
    match store.last_message() {
        Ok(Some(m)) => {
            let n = counts.as_ref().map_or(0, |c| c.messages);
            lines.push((
                "Dernier courrier".into(),
                format!(
                    "enregistré le {} ; {n} message{} en tout",
                    time_text(zone, now, &m.imported_at),
                    if n > 1 { "s" } else { "" }
                ),
            ));
            j.insert(
                "last_mail".into(),
                serde_json::to_value(&m).unwrap_or(Value::Null),
            );
        }
        Ok(None) => {
            lines.push(("Dernier courrier".into(), "aucun message encore".into()));
            j.insert("last_mail".into(), Value::Null);
        }
        Err(e) => attention.push(said(&e)),
    }
    if let Some(c) = &counts {
        j.insert(
            "counts".into(),
            json!({"messages": c.messages, "proposals": c.live_proposals, "by_status": c.by_status}),
        );
    }
    if let Ok(tr) = store.triage_messages() {
        let open = tr.iter().filter(|m| m.handled.is_none()).count();
        let not_downloaded = tr
            .iter()
            .filter(|m| m.handled.is_none() && m.flags.iter().any(|f| f == "not_downloaded"))
            .count();
        let mut s = format!(
            "{open} message{} à traiter à la main",
            if open > 1 { "s" } else { "" }
        );
        if not_downloaded > 0 {
            s.push_str(&format!(
                ", dont {not_downloaded} non téléchargé(s) (trop gros)"
            ));
        }
        lines.push(("À traiter".into(), s));
        j.insert(
            "to_handle".into(),
            json!({"open": open, "not_downloaded": not_downloaded}),
        );
    }
    match store.last_publication() {
        Ok(Some(p)) => {
            lines.push((
                "Dernière publication".into(),
                format!(
                    "n° {} le {} par {}{}",
                    p.number,
                    time_text(zone, now, &p.published_at),
                    p.author,
                    if p.unchanged {
                        " (sans changement)"
                    } else {
                        ""
                    }
                ),
            ));
            j.insert(
                "last_publication".into(),
                json!({"number": p.number, "at": p.published_at, "by": p.author, "unchanged": p.unchanged, "dir": p.dir}),
            );
        }
        Ok(None) => {
            lines.push(("Dernière publication".into(), "aucune".into()));
            j.insert("last_publication".into(), Value::Null);
        }
        Err(e) => attention.push(said(&e)),
    }
    if let Ok(letters) = store.letter_counts() {
        let get = |st: LetterState| {
            letters
                .iter()
                .find(|(s, _)| *s == st)
                .map_or(0, |(_, n)| *n)
        };
        let (pending, uncertain, failed, sent) = (
            get(LetterState::Pending),
            get(LetterState::Uncertain),
            get(LetterState::Failed),
            get(LetterState::Sent),
        );
        lines.push((
            "Lettres".into(),
            format!(
                "{pending} à envoyer, {sent} envoyée{}, {uncertain} incertaine{}, {failed} refusée{}",
                crate::domain::french::plural_s(sent),
                crate::domain::french::plural_s(uncertain),
                crate::domain::french::plural_s(failed)
            ),
        ));
        if uncertain > 0 {
            attention.push(format!(
                "{} : vérifier puis `fiches outbox resolve N --sent|--resend`",
                crate::domain::french::count(uncertain, "lettre incertaine", "lettres incertaines")
            ));
        }
        let map: serde_json::Map<String, Value> = letters
            .iter()
            .map(|(s, n)| (s.as_str().to_string(), json!(n)))
            .collect();
        j.insert("outbox".into(), Value::Object(map));
    }
    finish(config, j, attention, lines, sources)
}

/// What to do about a database that does not exist yet, as the daemon
/// will actually behave: it creates it when its folder exists and the user
/// `fiches` may write there; else it stops at start (status 78), so the
/// advice is to fix `[database] path` or the folder.
fn missing_database_advice(config: Option<&Config>, db: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    let where_ = config.map_or_else(
        || "la configuration".to_string(),
        |c| c.path.display().to_string(),
    );
    let dir = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let meta = match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => m,
        Ok(_) | Err(_) => {
            let problem = std::fs::metadata(dir).map_or_else(
                |e| crate::os_error::problem(db, &e),
                |_| format!("{} n'est pas un dossier", dir.display()),
            );
            return format!(
                "la base {} ne peut pas être créée : {problem} ; le démon ne démarrera pas (il s'arrête \
                 avec le code 78) : corriger [database] path dans {where_}",
                db.display()
            );
        }
    };
    let (uid, gid) = (
        crate::system::user_id(crate::system::GROUP),
        crate::system::group_id(crate::system::GROUP),
    );
    let mode = meta.mode();
    let daemon_writes = (Some(meta.uid()) == uid && mode & 0o200 != 0)
        || (Some(meta.gid()) == gid && mode & 0o020 != 0)
        || mode & 0o002 != 0;
    if uid.is_some() && !daemon_writes {
        return format!(
            "la base {} n'existe pas et le démon (utilisateur {}) ne peut pas la créer dans {} \
             (propriétaire {}, groupe {}, droits {:04o}) : il s'arrêtera au démarrage ; corriger \
             [database] path dans {where_}, ou donner le dossier au démon : \
             sudo chown fiches:fiches {} && sudo chmod 2770 {}",
            db.display(),
            crate::system::GROUP,
            dir.display(),
            crate::system::user_name(meta.uid()).unwrap_or_else(|| meta.uid().to_string()),
            crate::system::group_name(meta.gid()).unwrap_or_else(|| meta.gid().to_string()),
            mode & 0o7777,
            dir.display(),
            dir.display()
        );
    }
    format!(
        "la base {} n'existe pas encore : le démon la crée à son démarrage (systemctl start \
         fiches-daemon), ou la première commande de l'équipe",
        db.display()
    )
}

/// The report, with the members list (said whatever the database's state:
/// it does not depend on it).
fn finish(
    config: Option<&Config>,
    mut j: serde_json::Map<String, Value>,
    mut attention: Vec<String>,
    mut lines: Vec<(String, String)>,
    sources: Vec<String>,
) -> Report {
    if let Some(c) = config {
        let m = c.members_path();
        let file = super::MembersFile::read(c);
        match &file {
            super::MembersFile::Read(_) => {
                lines.push(("Adhérents".into(), m.display().to_string()))
            }
            super::MembersFile::Missing(_) => {
                lines.push(("Adhérents".into(), format!("{} introuvable", m.display())));
            }
            super::MembersFile::Unreadable(_) => {
                lines.push(("Adhérents".into(), format!("{} illisible", m.display())));
            }
        }
        if let Some(problem) = file.problem() {
            attention.push(problem);
        }
        j.insert(
            "members_list".into(),
            json!(matches!(file, super::MembersFile::Read(_))),
        );
    }
    j.insert("attention".into(), json!(attention));
    j.insert("ok".into(), json!(attention.is_empty()));
    Report {
        json: Value::Object(j),
        attention,
        lines,
        sources,
    }
}
