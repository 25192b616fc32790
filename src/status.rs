//! The state of the server as staff and the administrator see it: is the
//! daemon running (its lock, read from `/proc/locks` without touching it),
//! what is it doing (the heartbeat rows it writes), is it silent, failing
//! or stopped. `fiches status` prints it; the console's status line says
//! the same in a few words. Pure interpretation: the facts are gathered by
//! the caller (store, lock) and passed in. The errors the daemon recorded
//! are shown with their operating-system part in French (`os_errors_fr`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::time::{ago, parse_time};
use crate::store::{DaemonState, Heartbeat};

/// A running daemon that has not reached its mail for this long (by
/// default; longer poll intervals lengthen it) is "silent".
pub const SILENT_AFTER: Duration = Duration::from_secs(15 * 60);

/// The daemon's lock file of a database: `fiches.db` → `fiches.db.lock`.
pub fn daemon_lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    db.with_file_name(name)
}

/// Whether a daemon holds the lock of a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// Held, by this pid (as this system's `/proc/locks` numbers it).
    Held(u32),
    Free,
    /// The system cannot tell (no `/proc/locks`): the heartbeat alone is read.
    Unknown,
}

/// Who holds the daemon lock of `db`.
pub fn daemon_holder(db: &Path) -> Holder {
    if !Path::new("/proc/locks").exists() {
        return Holder::Unknown;
    }
    let lock = daemon_lock_path(db);
    if !lock.exists() {
        return Holder::Free;
    }
    match crate::system::flock_holder(&lock) {
        Some(pid) => Holder::Held(pid),
        None => Holder::Free,
    }
}

/// The daemon, in one word and its details.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Health {
    /// Never seen on this database and not running.
    #[default]
    Unknown,
    /// Running, not yet in touch with its mail.
    Starting { pid: Option<u32> },
    /// Running and in touch: `activity` is what it does now.
    Running {
        pid: Option<u32>,
        activity: DaemonState,
        last_contact: String,
    },
    /// Running, but the last error is newer than the last contact.
    Failing {
        pid: Option<u32>,
        error: String,
        error_at: String,
        last_contact: Option<String>,
    },
    /// Running (lock held) but no contact for longer than it should.
    Silent {
        pid: Option<u32>,
        since: Option<String>,
    },
    /// Not running: since when (its last heartbeat), and its last error.
    Stopped {
        since: Option<String>,
        last_error: Option<String>,
    },
}

impl Health {
    /// Whether staff need to worry (anything but running, or a daemon never
    /// set up).
    pub fn is_ok(&self) -> bool {
        matches!(self, Health::Running { .. } | Health::Starting { .. })
    }

    /// The code `fiches status --json` gives.
    pub fn code(&self) -> &'static str {
        match self {
            Health::Unknown => "unknown",
            Health::Starting { .. } => "starting",
            Health::Running { .. } => "running",
            Health::Failing { .. } => "failing",
            Health::Silent { .. } => "silent",
            Health::Stopped { .. } => "stopped",
        }
    }
}

/// Post-actions the server refuses, waiting while intake goes on: how many
/// (for the mailbox with the most) and the server's reason.
pub fn refused_post_actions(beats: &[Heartbeat]) -> Option<(u64, String)> {
    beats
        .iter()
        .filter_map(|h| {
            h.post_action_error
                .as_ref()
                .map(|e| (h.pending_post_actions, e.clone()))
        })
        .max_by_key(|(n, _)| *n)
}

/// Reads the heartbeat rows against the lock: `holder` is
/// [`daemon_holder`]'s answer.
pub fn health(
    beats: &[Heartbeat],
    holder: Holder,
    now: DateTime<Utc>,
    silent_after: Duration,
) -> Health {
    let latest_contact = beats.iter().filter_map(|h| h.last_contact_at.clone()).max();
    // The last sign of life of any row.
    let latest_update = beats
        .iter()
        .flat_map(|h| {
            [
                Some(h.updated_at.clone()),
                h.last_contact_at.clone(),
                h.last_error_at.clone(),
            ]
        })
        .flatten()
        .max();
    // An error counts while it is newer than its mailbox's last contact
    // (`Heartbeat::current_error`).
    let error = beats
        .iter()
        .filter(|h| h.current_error().is_some())
        .max_by(|a, b| a.last_error_at.cmp(&b.last_error_at));
    let running = match holder {
        Holder::Held(pid) => Some(Some(pid)),
        Holder::Free => None,
        // Cannot tell from the lock: a heartbeat not marked stopped, whose
        // process exists, is taken as running.
        Holder::Unknown => beats
            .iter()
            .filter(|h| h.state != DaemonState::Stopped)
            .filter_map(|h| h.pid)
            .find(|pid| pid_alive(*pid))
            .map(Some),
    };
    let Some(pid) = running else {
        if beats.is_empty() {
            return Health::Unknown;
        }
        let last_error = beats
            .iter()
            .filter(|h| h.current_error().is_some())
            .max_by(|a, b| a.last_error_at.cmp(&b.last_error_at))
            .and_then(|h| h.current_error().map(str::to_string));
        return Health::Stopped {
            since: latest_update,
            last_error,
        };
    };
    // The rows of this run: started by the lock holder (older rows are of
    // sources no longer configured).
    let live: Vec<&Heartbeat> = match pid {
        Some(p) if beats.iter().any(|h| h.pid == Some(p)) => {
            beats.iter().filter(|h| h.pid == Some(p)).collect()
        }
        _ => beats.iter().collect(),
    };
    if let Some(e) = error
        && live.iter().any(|h| std::ptr::eq(*h, e))
    {
        return Health::Failing {
            pid,
            error: e.last_error.clone().unwrap_or_default(),
            error_at: e.last_error_at.clone().unwrap_or_default(),
            last_contact: e.last_contact_at.clone(),
        };
    }
    let contact = live.iter().filter_map(|h| h.last_contact_at.clone()).max();
    let Some(contact) = contact.or(latest_contact.filter(|_| live.is_empty())) else {
        return Health::Starting { pid };
    };
    let stale = parse_time(&contact)
        .map(|t| (now - t).to_std().unwrap_or_default() > silent_after)
        .unwrap_or(false);
    if stale {
        return Health::Silent {
            pid,
            since: Some(contact),
        };
    }
    let activity = live
        .iter()
        .map(|h| h.state)
        .find(|s| *s == DaemonState::Syncing)
        .or_else(|| live.iter().map(|h| h.state).next())
        .unwrap_or(DaemonState::Starting);
    Health::Running {
        pid,
        activity,
        last_contact: contact,
    }
}

#[allow(
    unsafe_code,
    reason = "libc calls std does not wrap; each block says why it is sound (SAFETY)"
)]
fn pid_alive(pid: u32) -> bool {
    let Ok(p) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(p, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// What the daemon does, in French.
pub fn activity_fr(s: DaemonState) -> &'static str {
    match s {
        DaemonState::Starting => "démarrage",
        DaemonState::Syncing => "relève en cours",
        DaemonState::Idle => "en attente de courrier (IDLE)",
        DaemonState::Waiting => "en attente de la prochaine relève",
        DaemonState::Reconnecting => "reconnexion",
        DaemonState::Stopped => "arrêté",
    }
}

fn when(now: DateTime<Utc>, t: Option<&str>) -> String {
    t.and_then(parse_time)
        .map_or_else(|| "?".to_string(), |t| ago(now, t))
}

/// The status line's daemon part, long and short.
pub fn daemon_words(h: &Health, now: DateTime<Utc>) -> (String, String) {
    let short_when = |t: Option<&str>| when(now, t).trim_start_matches("il y a ").to_string();
    match h {
        Health::Unknown => (
            "service de réception : état inconnu (jamais démarré sur cette base ?)".into(),
            "réception jamais vue".into(),
        ),
        Health::Starting { .. } => ("réception : démarrage".into(), "réception : démarre".into()),
        Health::Running { last_contact, .. } => (
            format!("réception : vue {}", when(now, Some(last_contact))),
            format!("réception : {}", short_when(Some(last_contact))),
        ),
        Health::Failing {
            error,
            last_contact,
            ..
        } => (
            format!(
                "réception : vue {}, erreur : {}",
                when(now, last_contact.as_deref()),
                crate::safe::terminal_line(error)
            ),
            format!(
                "réception : {}, erreur",
                short_when(last_contact.as_deref())
            ),
        ),
        Health::Silent { since, .. } => (
            format!(
                "réception : silencieuse depuis {}",
                short_when(since.as_deref())
            ),
            format!("réception : muette {}", short_when(since.as_deref())),
        ),
        Health::Stopped { since, last_error } => {
            let long = match last_error {
                Some(e) => format!(
                    "réception : arrêtée ({}), dernière erreur : {}",
                    when(now, since.as_deref()),
                    crate::safe::terminal_line(&os_errors_fr(e))
                ),
                None => format!("réception : arrêtée ({})", when(now, since.as_deref())),
            };
            (long, "réception : arrêtée".into())
        }
    }
}

/// One sentence for `fiches status`.
pub fn daemon_sentence(h: &Health, now: DateTime<Utc>) -> String {
    let pid_text = |p: &Option<u32>| p.map_or_else(String::new, |p| format!(" (pid {p})"));
    match h {
        Health::Unknown => {
            "aucun démon n'a encore relevé cette base (systemctl start fiches-daemon)".into()
        }
        Health::Starting { pid } => format!("en marche{}, pas encore en contact", pid_text(pid)),
        Health::Running {
            pid,
            activity,
            last_contact,
        } => format!(
            "en marche{} : {}, dernier contact {}",
            pid_text(pid),
            activity_fr(*activity),
            when(now, Some(last_contact))
        ),
        Health::Failing {
            pid,
            error,
            error_at,
            last_contact,
        } => format!(
            "en marche{} mais en erreur depuis {} : {} (dernier contact réussi {})",
            pid_text(pid),
            when(now, Some(error_at)).trim_start_matches("il y a "),
            error,
            when(now, last_contact.as_deref())
        ),
        Health::Silent { pid, since } => format!(
            "en marche{} mais silencieux : aucun contact avec le courrier depuis {} ; \
             voir `journalctl -u fiches-daemon`",
            pid_text(pid),
            when(now, since.as_deref()).trim_start_matches("il y a ")
        ),
        Health::Stopped { since, last_error } => {
            let mut s = format!(
                "arrêté (dernier signe de vie {})",
                when(now, since.as_deref())
            );
            if let Some(e) = last_error {
                s.push_str(&format!(", dernière erreur : {}", os_errors_fr(e)));
            }
            s.push_str(" ; le relancer : systemctl start fiches-daemon");
            s
        }
    }
}

/// `text` (an error the daemon recorded, a library's message) with each
/// operating-system error in it — the system's English words and their
/// "(os error N)", as Rust writes them — told in French by the project's
/// one translation (`os_error::io_fr`): "Connection refused (os error
/// 111)" becomes "connexion refusée".
pub fn os_errors_fr(text: &str) -> String {
    const MARK: &str = "(os error ";
    let mut out = text.to_string();
    let mut from = 0;
    while let Some(i) = out[from..].find(MARK) {
        let at = from + i + MARK.len();
        let digits: String = out[at..].chars().take_while(char::is_ascii_digit).collect();
        from = at;
        let Ok(n) = digits.parse::<i32>() else {
            continue;
        };
        let system = std::io::Error::from_raw_os_error(n);
        let english = system.to_string();
        if let Some(j) = out.find(&english) {
            let french = crate::os_error::io_fr(&system);
            out.replace_range(j..j + english.len(), &french);
            from = j + french.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn beat(state: DaemonState, contact: Option<&str>, pid: u32) -> Heartbeat {
        Heartbeat {
            account: "a".into(),
            mailbox: "INBOX".into(),
            pid: Some(pid),
            started_at: Some("2018-06-12T08:00:00Z".into()),
            state,
            last_contact_at: contact.map(Into::into),
            last_new_mail_at: None,
            last_error: None,
            last_error_at: None,
            messages: 0,
            duplicates: 0,
            proposals: 0,
            skipped: 0,
            errors: 0,
            updated_at: contact.unwrap_or("2018-06-12T08:00:00Z").into(),
            next_attempt_at: None,
            post_action_error: None,
            post_action_error_at: None,
            pending_post_actions: 0,
            warning: None,
            warning_at: None,
            server: None,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2018, 6, 12, 10, 0, 0).unwrap()
    }

    #[test]
    fn the_lock_says_running_or_stopped() {
        let b = vec![beat(DaemonState::Idle, Some("2018-06-12T09:58:00Z"), 7)];
        let h = health(&b, Holder::Held(7), now(), SILENT_AFTER);
        assert!(
            matches!(
                h,
                Health::Running {
                    activity: DaemonState::Idle,
                    ..
                }
            ),
            "{h:?}"
        );
        assert_eq!(daemon_words(&h, now()).0, "réception : vue il y a 2 min");
        // Killed without a word: the row still says idle, the lock is free.
        let h = health(&b, Holder::Free, now(), SILENT_AFTER);
        assert!(matches!(h, Health::Stopped { .. }), "{h:?}");
        assert_eq!(daemon_words(&h, now()).1, "réception : arrêtée");
        assert!(
            daemon_words(&h, now())
                .0
                .starts_with("réception : arrêtée (il y a 2 min)")
        );
        assert_eq!(
            health(&[], Holder::Free, now(), SILENT_AFTER),
            Health::Unknown
        );
        assert_eq!(
            health(&[], Holder::Held(9), now(), SILENT_AFTER),
            Health::Starting { pid: Some(9) }
        );
    }

    #[test]
    fn silent_and_failing() {
        let b = vec![beat(DaemonState::Idle, Some("2018-06-12T09:43:00Z"), 7)];
        let h = health(&b, Holder::Held(7), now(), SILENT_AFTER);
        assert!(matches!(h, Health::Silent { .. }), "{h:?}");
        assert_eq!(
            daemon_words(&h, now()).0,
            "réception : silencieuse depuis 17 min"
        );
        // A longer poll interval: not silent yet.
        let h = health(&b, Holder::Held(7), now(), Duration::from_secs(3600));
        assert!(matches!(h, Health::Running { .. }), "{h:?}");
        let mut e = beat(DaemonState::Reconnecting, Some("2018-06-12T09:59:30Z"), 7);
        e.last_error = Some("connexion refusée".into());
        e.last_error_at = Some("2018-06-12T09:59:40Z".into());
        let h = health(&[e], Holder::Held(7), now(), SILENT_AFTER);
        assert_eq!(
            daemon_words(&h, now()).0,
            "réception : vue il y a 30 s, erreur : connexion refusée"
        );
        assert!(daemon_sentence(&h, now()).contains("connexion refusée"));
    }

    #[test]
    fn an_error_older_than_the_last_contact_no_longer_counts() {
        // A Maildir once unreadable, fixed since: five clean runs later the
        // row still holds the old error text, older than its contact.
        let mut b = beat(DaemonState::Waiting, Some("2018-06-12T09:59:30Z"), 7);
        b.account = "local".into();
        b.last_error = Some("Maildir /home/r/Maildir : accès refusé".into());
        b.last_error_at = Some("2018-06-12T09:40:00Z".into());
        assert_eq!(b.current_error(), None);
        let h = health(
            std::slice::from_ref(&b),
            Holder::Held(7),
            now(),
            SILENT_AFTER,
        );
        assert!(matches!(h, Health::Running { .. }), "{h:?}");
        // Stopped: no old error in its words either.
        let h = health(std::slice::from_ref(&b), Holder::Free, now(), SILENT_AFTER);
        assert_eq!(
            h,
            Health::Stopped {
                since: Some("2018-06-12T09:59:30Z".into()),
                last_error: None
            }
        );
        assert!(!daemon_sentence(&h, now()).contains("erreur"));
        // Newer than the contact: it counts, running or stopped.
        b.last_error_at = Some("2018-06-12T09:59:50Z".into());
        assert!(b.current_error().is_some());
        let h = health(std::slice::from_ref(&b), Holder::Free, now(), SILENT_AFTER);
        assert!(daemon_sentence(&h, now()).contains("accès refusé"), "{h:?}");
    }

    #[test]
    fn rows_of_an_older_run_do_not_count() {
        // A source removed from the configuration: its row stays, stopped.
        let mut old = beat(DaemonState::Reconnecting, Some("2018-06-01T09:00:00Z"), 3);
        old.account = "old".into();
        old.last_error = Some("mot de passe refusé".into());
        old.last_error_at = Some("2018-06-01T09:01:00Z".into());
        let b = vec![
            old,
            beat(DaemonState::Idle, Some("2018-06-12T09:59:00Z"), 7),
        ];
        let h = health(&b, Holder::Held(7), now(), SILENT_AFTER);
        assert!(matches!(h, Health::Running { .. }), "{h:?}");
    }

    #[test]
    fn os_errors_in_recorded_texts_are_told_in_french() {
        assert_eq!(
            os_errors_fr("imap.example.fr:993 : Connection refused (os error 111)"),
            "imap.example.fr:993 : connexion refusée"
        );
        assert_eq!(
            os_errors_fr(
                "lecture de /srv/a : Permission denied (os error 13) ; puis No such file or directory (os error 2)"
            ),
            "lecture de /srv/a : accès refusé ; puis introuvable"
        );
        // Nothing of the system: unchanged, whatever looks like it.
        assert_eq!(os_errors_fr("boîte INBOX : refusé"), "boîte INBOX : refusé");
        assert_eq!(os_errors_fr("(os error x)"), "(os error x)");
        assert_eq!(os_errors_fr("(os error 111)"), "(os error 111)");
    }
}
