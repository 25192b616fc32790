//! `config.toml`: where the database is, the event (date, deadline), the
//! slots and places of each kind of session, the mail sources, the letters
//! (`[letters]`) and the server they are sent through (`[smtp]`). Found with
//! `--config` (or `FICHES_CONFIG`), else `./config.toml`, else the user's
//! own `$XDG_CONFIG_HOME/fiches/config.toml` (`~/.config/fiches/config.toml`),
//! else the server's `/etc/fiches/config.toml` (installed by `fiches setup
//! --system` from the production template, `contrib/config.toml`). Relative
//! paths in the file are relative to the file's own directory. Every error
//! names the file and what is wrong. The CUF members list is `members.csv`
//! beside the file.
//!
//! `[demo]` marks a demonstration configuration (the repository's
//! `config.toml`): only it imports the bundled sample inbox, it is shown as
//! a demo, and it cannot send letters (`[smtp]` is refused beside it).

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

use crate::domain::{KindLayout, Layout};
use crate::intake::imap::ImapSourceConfig;
use crate::outbox::config::{LettersConfig, SmtpConfig};
use crate::publish::PublishOptions;
use crate::publish::schedule::Schedule;

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("fichier de configuration {path} : {}", crate::os_error::problem(.path, .error))]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("fichier de configuration {path} : {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(
        "aucun fichier de configuration trouvé (ni --config, ni FICHES_CONFIG, ni ./config.toml, ni {xdg}, ni {SYSTEM_CONFIG}). \
         Sur un serveur, l'administrateur l'installe avec `sudo fiches setup --system` \
         (README, « Installer sur un serveur ») : le lui demander ; ou lancer fiches dans le dossier \
         qui contient config.toml, ou le donner avec --config FICHIER"
    )]
    NotFound { xdg: String },
}

/// The server's configuration, last in the lookup order.
pub const SYSTEM_CONFIG: &str = "/etc/fiches/config.toml";

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    demo: Option<RawDemo>,
    database: RawDatabase,
    event: RawEvent,
    /// `[call] path`: the call definition (the built-in 2018 call without
    /// it). Read by the probe of `Config::parse`, before the rest.
    #[allow(dead_code)]
    #[serde(default)]
    call: Option<RawCall>,
    #[serde(default)]
    console: RawConsole,
    #[serde(default)]
    sources: Vec<RawSource>,
    #[serde(default)]
    publish: RawPublish,
    #[serde(default)]
    letters: LettersConfig,
    #[serde(default)]
    smtp: Option<SmtpConfig>,
    #[serde(default)]
    selection: RawSelection,
    #[serde(default)]
    reader: RawReader,
}

/// `[selection]`: how proposals are ranked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelection {
    /// On-time fiches before late ones (after CUF members first); default true.
    late_last: Option<bool>,
}

/// `[reader]`: the bounds of the worker processes that read attachments
/// (see `worker`). Every key is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReader {
    memory_mib: Option<u64>,
    cpu_seconds: Option<u64>,
    wall_seconds: Option<u64>,
    workers: Option<usize>,
    /// Time pdftotext or LibreOffice may take to turn an attachment into text.
    convert_seconds: Option<u64>,
}

/// `[publish]`: where and how the programme lists are written, and when the
/// daemon publishes them by itself.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPublish {
    output_dir: Option<PathBuf>,
    internal_dir: Option<PathBuf>,
    csv_delimiter: Option<char>,
    csv_bom: Option<bool>,
    latest_link: Option<bool>,
    schedule: Option<String>,
    #[serde(default)]
    partners: Vec<String>,
    partners_subject: Option<String>,
    partners_link: Option<String>,
    partners_attachments: Option<Vec<String>>,
    #[serde(default)]
    auto_send_publication: bool,
}

/// The publication settings.
#[derive(Debug, Clone, Default)]
pub struct PublishSettings {
    /// Output folder (resolved against the configuration's folder), CSV options.
    pub options: PublishOptions,
    /// Weekly publication by the daemon, in the event's time zone.
    pub schedule: Option<Schedule>,
    /// Who receives each publication that changed the public lists (one
    /// e-mail through the outbox), and how.
    pub partners: crate::publish::partners::PartnersSettings,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConsole {
    /// Moved to `[demo]`: refused here with a word.
    #[serde(default)]
    sample: Option<PathBuf>,
}

/// `[demo]`: a demonstration configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDemo {
    #[serde(default)]
    sample: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    path: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    name: String,
    date: toml::value::Datetime,
    #[serde(default)]
    place: Option<String>,
    deadline: toml::value::Datetime,
    timezone: String,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, tag = "type", rename_all = "lowercase")]
enum RawSource {
    Maildir { path: PathBuf },
    Eml { path: PathBuf },
    Imap(Box<ImapSourceConfig>),
}

/// `[call]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCall {
    path: PathBuf,
}

/// A kind's programme grid set in the configuration (`[<kind key>]`,
/// e.g. `[micro_atelier] slots = [...] spaces = [...]`), which replaces the
/// one of the call definition. Its places may be called `places`, or, as
/// configurations written before the definition did, `spaces` or `tables`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct RawGrid {
    slots: Vec<String>,
    #[serde(alias = "spaces", alias = "tables")]
    places: Vec<String>,
}

/// Cuts out of a configuration's text the sections named by a kind key,
/// each replaced by blank lines so that every other line keeps its number
/// (errors name lines). Returns the rest and each section (kind key, first
/// line, text).
fn split_kind_sections(text: &str, kinds: &[String]) -> (String, Vec<(String, usize, String)>) {
    let mut rest = String::with_capacity(text.len());
    let mut sections: Vec<(String, usize, String)> = Vec::new();
    let mut current: Option<usize> = None;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let t = line.split('#').next().unwrap_or("").trim();
        if t.starts_with('[') {
            let name = t.trim_start_matches('[').trim_end_matches(']').trim();
            current = if !t.starts_with("[[") && kinds.iter().any(|k| k == name) {
                sections.push((name.to_string(), i + 1, String::new()));
                Some(sections.len() - 1)
            } else {
                None
            };
        }
        match current {
            Some(n) => {
                sections[n].2.push_str(line);
                rest.push('\n');
            }
            None => rest.push_str(line),
        }
    }
    (rest, sections)
}

/// The event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub name: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub place: Option<String>,
    /// Fiches dated after this instant are flagged `late`.
    pub deadline: DateTime<FixedOffset>,
    /// IANA name, for display (the deadline carries its own offset).
    pub timezone: String,
}

/// A mail source from the configuration.
#[derive(Debug, Clone)]
pub enum SourceConfig {
    Maildir(PathBuf),
    Eml(PathBuf),
    /// Checked at load (`ImapSourceConfig::check`); its relative file paths
    /// resolved against the configuration's directory.
    Imap(Box<ImapSourceConfig>),
}

/// The loaded configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from.
    pub path: PathBuf,
    pub database: PathBuf,
    pub event: Event,
    /// The programme grid of each kind of the call definition, in its
    /// order: the definition's, or the configuration's `[<kind key>]`.
    pub programme: Layout,
    /// `[call] path`, resolved; `None`: the built-in 2018 call.
    pub call_path: Option<PathBuf>,
    /// The kinds whose grid this file replaces (`[<kind key>]`), with the
    /// line of their section.
    pub grid_overrides: Vec<(String, usize)>,
    pub sources: Vec<SourceConfig>,
    pub publish: PublishSettings,
    /// `[demo]` is present: a demonstration configuration.
    pub demo: bool,
    /// `[demo] sample`: a Maildir the console imports first when the
    /// database holds no message yet (the bundled sample inbox).
    pub sample: Option<PathBuf>,
    /// `[letters]`, its folder resolved.
    pub letters: LettersConfig,
    /// `[smtp]`, checked, its file paths resolved; `None` when absent.
    pub smtp: Option<SmtpConfig>,
    /// `[selection] late_last` (default true): fiches on time come before
    /// late ones in the priority order (after CUF members first).
    pub late_last: bool,
    /// `[reader]`: bounds of the attachment reader workers.
    pub reader: crate::worker::WorkerLimits,
    /// `[reader] convert_seconds`: how long an attachment's conversion to
    /// text may take (`crate::convert`).
    pub convert_timeout: std::time::Duration,
}

/// The event as the letters name it.
impl From<&Event> for crate::letters::EventInfo {
    fn from(e: &Event) -> Self {
        crate::letters::EventInfo {
            name: e.name.clone(),
            date: e.date.clone(),
            place: e.place.clone(),
        }
    }
}

impl Config {
    /// What the intake needs to know of the letters (copied into the
    /// database by every command that loads the configuration, see
    /// `Store::set_outbox_settings`).
    pub fn outbox_settings(&self) -> crate::store::OutboxSettings {
        crate::store::OutboxSettings {
            acknowledge: self.letters.acknowledge,
            own_addresses: self
                .smtp
                .as_ref()
                .map(SmtpConfig::own_addresses)
                .unwrap_or_default(),
        }
    }

    /// The templates of the configuration's letters folder.
    pub fn load_letters(&self) -> Result<crate::letters::Letters, crate::letters::LetterError> {
        crate::letters::Letters::load(&self.letters.dir, (&self.event).into())
    }

    /// Finds the file (`explicit` — `--config` or `FICHES_CONFIG` —, else
    /// `./config.toml`, else the user's own, else [`SYSTEM_CONFIG`]) and
    /// loads it.
    pub fn find_and_load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        Config::find_and_load_in(
            explicit,
            Path::new("config.toml"),
            xdg_config_path(),
            Path::new(SYSTEM_CONFIG),
        )
    }

    /// [`Config::find_and_load`] with its places given: `./config.toml`,
    /// the user's own, the server's.
    pub fn find_and_load_in(
        explicit: Option<&Path>,
        local: &Path,
        xdg: Option<PathBuf>,
        system: &Path,
    ) -> Result<Config, ConfigError> {
        if let Some(p) = explicit {
            return Config::load(p);
        }
        // A file there but unreadable for this user is still the one:
        // its error says why (never "no configuration").
        let there = |p: &Path| match std::fs::metadata(p) {
            Ok(m) => m.is_file(),
            Err(e) => e.kind() == std::io::ErrorKind::PermissionDenied,
        };
        if there(local) {
            return Config::load(local);
        }
        // The user's own file: a folder this user may not pass through on
        // its way (a HOME that is not theirs, under `sudo -u`) means none.
        if let Some(x) = &xdg
            && x.is_file()
        {
            return Config::load(x);
        }
        if there(system) {
            return Config::load(system);
        }
        Err(ConfigError::NotFound {
            xdg: xdg.map_or("$XDG_CONFIG_HOME/fiches/config.toml".into(), |p| {
                p.display().to_string()
            }),
        })
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.into(),
            error,
        })?;
        Config::parse(&text, path)
    }

    /// Parses the text of a configuration file that lives at `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.into(),
            message,
        };
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        // The call definition first: its kind keys name sections here.
        #[derive(Deserialize)]
        struct Probe {
            #[serde(default)]
            call: Option<RawCall>,
        }
        let probe: Probe = toml::from_str(text)
            .map_err(|e| invalid(crate::call::toml_fr::error_text(text, &e)))?;
        let call_path = probe.call.as_ref().map(|c| resolve(&c.path));
        if let Some(def_path) = &call_path {
            let def_text = std::fs::read_to_string(def_path).map_err(|e| {
                invalid(format!(
                    "[call] path : définition de l'appel illisible : {}",
                    crate::os_error::path_problem(def_path, &e)
                ))
            })?;
            let def =
                crate::fiche::callcheck::check_all(&def_text, &def_path.display().to_string())
                    .map_err(|e| invalid(format!("[call] path : {e}")))?;
            if !crate::call::install(def.clone()) && *crate::call::current() != def {
                return Err(invalid(format!(
                    "[call] path = {} : une autre définition de l'appel est déjà en usage dans ce programme ; relancer la commande",
                    def_path.display()
                )));
            }
        }
        let kinds: Vec<String> = crate::call::current()
            .kinds
            .iter()
            .map(|k| k.key.clone())
            .collect();
        let (rest, sections) = split_kind_sections(text, &kinds);
        let raw: RawConfig = toml::from_str(&rest)
            .map_err(|e| invalid(crate::call::toml_fr::error_text(&rest, &e)))?;
        let mut programme = Layout::spec_default();
        for (key, line, section) in &sections {
            let table: toml::Table = toml::from_str(section).map_err(|e| {
                invalid(format!(
                    "ligne {line}, [{key}] : {}",
                    crate::call::toml_fr::error_text(section, &e)
                ))
            })?;
            let grid: RawGrid = toml::Value::Table(table.get(key.as_str()).and_then(|v| v.as_table()).cloned().unwrap_or_default())
                .try_into()
                .map_err(|e: toml::de::Error| {
                    invalid(format!(
                        "ligne {line}, [{key}] : {} (attendu : slots = [\"14:00\", …] et places = [\"…\", …])",
                        e.message().trim()
                    ))
                })?;
            if let Some(kind) = crate::fiche::Kind::from_key(key) {
                programme.set(
                    kind,
                    KindLayout {
                        slots: grid.slots,
                        places: grid.places,
                    },
                );
            }
        }

        let deadline = DateTime::parse_from_rfc3339(&raw.event.deadline.to_string()).map_err(|_| {
            invalid(format!(
                "[event] deadline = {} : date et heure avec fuseau attendues, par exemple 2018-06-08T23:59:59+02:00",
                raw.event.deadline
            ))
        })?;
        let date = match (raw.event.date.date, raw.event.date.time) {
            (Some(d), None) => d.to_string(),
            _ => {
                return Err(invalid(format!(
                    "[event] date = {} : une date seule attendue (AAAA-MM-JJ)",
                    raw.event.date
                )));
            }
        };
        for (kind, g) in crate::fiche::Kind::all().into_iter().zip(&programme.kinds) {
            let (section, slots, places) = (kind.key(), &g.slots, &g.places);
            if slots.is_empty() || places.is_empty() {
                return Err(invalid(format!(
                    "[{section}] : slots et places ne doivent pas être vides"
                )));
            }
            for s in slots {
                if !is_hh_mm(s) {
                    return Err(invalid(format!(
                        "[{section}] slots : « {s} » n'est pas une heure HH:MM"
                    )));
                }
            }
        }
        let mut sources = Vec::with_capacity(raw.sources.len());
        for s in raw.sources {
            sources.push(match s {
                RawSource::Maildir { path } => SourceConfig::Maildir(resolve(&path)),
                RawSource::Eml { path } => SourceConfig::Eml(resolve(&path)),
                RawSource::Imap(mut c) => {
                    c.ca_file = c.ca_file.as_deref().map(resolve);
                    c.password_file = c.password_file.as_deref().map(resolve);
                    c.check().map_err(|e| {
                        invalid(format!("[[sources]] imap {} : {e}", c.account_id()))
                    })?;
                    SourceConfig::Imap(c)
                }
            });
        }
        let defaults = PublishOptions::default();
        let publish_options = PublishOptions {
            output_dir: resolve(
                raw.publish
                    .output_dir
                    .as_deref()
                    .unwrap_or(&defaults.output_dir),
            ),
            internal_dir: resolve(
                raw.publish
                    .internal_dir
                    .as_deref()
                    .unwrap_or(&defaults.internal_dir),
            ),
            csv_delimiter: raw.publish.csv_delimiter.unwrap_or(defaults.csv_delimiter),
            csv_bom: raw.publish.csv_bom.unwrap_or(defaults.csv_bom),
            latest_link: raw.publish.latest_link.unwrap_or(defaults.latest_link),
        };
        publish_options
            .validate()
            .map_err(|e| invalid(format!("[publish] : {e}")))?;
        let partners = crate::publish::partners::PartnersSettings::new(
            raw.publish.partners.clone(),
            raw.publish.partners_subject.clone(),
            raw.publish.partners_link.clone(),
            raw.publish.partners_attachments.clone(),
            raw.publish.auto_send_publication,
        )
        .map_err(|e| invalid(format!("[publish] {e}")))?;
        let schedule = match &raw.publish.schedule {
            Some(text) => Some(
                Schedule::parse(text).map_err(|e| invalid(format!("[publish] schedule : {e}")))?,
            ),
            None => None,
        };
        if schedule.is_some() && raw.event.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(invalid(format!(
                "[event] timezone = « {} » : fuseau inconnu (par exemple Europe/Paris)",
                raw.event.timezone
            )));
        }
        let mut letters = raw.letters;
        letters.dir = resolve(&letters.dir);
        if letters.auto_acknowledge && !letters.acknowledge {
            return Err(invalid(
                "[letters] auto_acknowledge = true demande aussi acknowledge = true".into(),
            ));
        }
        if let Some(sample) = &raw.console.sample {
            return Err(invalid(format!(
                "[console] sample = « {} » : l'échantillon n'est importé que par une configuration de \
                 démonstration ; écrire [demo] sample = … (ou retirer la ligne pour un vrai serveur)",
                sample.display()
            )));
        }
        if raw.demo.is_some() && raw.smtp.is_some() {
            return Err(invalid(
                "[smtp] dans une configuration de démonstration ([demo]) : une démonstration n'envoie \
                 aucune lettre (les adresses de l'échantillon ressemblent à de vraies) ; pour un vrai \
                 serveur, partir du modèle de production (`fiches setup --system`, contrib/config.toml)"
                    .into(),
            ));
        }
        let smtp = match raw.smtp {
            None => None,
            Some(mut s) => {
                s.ca_file = s.ca_file.as_deref().map(resolve);
                s.password_file = s.password_file.as_deref().map(resolve);
                s.check().map_err(|e| invalid(e.to_string()))?;
                Some(s)
            }
        };
        let defaults = crate::worker::WorkerLimits::default();
        let r = &raw.reader;
        for (key, v, min, max) in [
            ("memory_mib", r.memory_mib, 32, 65_536),
            ("cpu_seconds", r.cpu_seconds, 1, 3_600),
            ("wall_seconds", r.wall_seconds, 1, 3_600),
            ("workers", r.workers.map(|w| w as u64), 1, 64),
            ("convert_seconds", r.convert_seconds, 1, 600),
        ] {
            if let Some(v) = v
                && !(min..=max).contains(&v)
            {
                return Err(invalid(format!(
                    "[reader] {key} = {v} : attendu entre {min} et {max}"
                )));
            }
        }
        let reader = crate::worker::WorkerLimits {
            memory_bytes: r
                .memory_mib
                .map_or(defaults.memory_bytes, |m| m * 1024 * 1024),
            cpu_seconds: r.cpu_seconds.unwrap_or(defaults.cpu_seconds),
            wall: r
                .wall_seconds
                .map_or(defaults.wall, std::time::Duration::from_secs),
            max_idle: r.workers.unwrap_or(defaults.max_idle),
            ..defaults
        };
        Ok(Config {
            path: path.to_path_buf(),
            database: resolve(&raw.database.path),
            event: Event {
                name: raw.event.name,
                date,
                place: raw.event.place,
                deadline,
                timezone: raw.event.timezone,
            },
            programme,
            call_path,
            grid_overrides: sections
                .iter()
                .map(|(k, line, _)| (k.clone(), *line))
                .collect(),
            sources,
            publish: PublishSettings {
                options: publish_options,
                schedule,
                partners,
            },
            demo: raw.demo.is_some(),
            sample: raw
                .demo
                .as_ref()
                .and_then(|d| d.sample.as_deref())
                .map(resolve),
            letters,
            smtp,
            late_last: raw.selection.late_last.unwrap_or(true),
            reader,
            convert_timeout: r.convert_seconds.map_or(
                crate::convert::DEFAULT_TIMEOUT,
                std::time::Duration::from_secs,
            ),
        })
    }

    /// The event's time zone (Europe/Paris when the name is unknown).
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.event
            .timezone
            .parse()
            .unwrap_or(chrono_tz::Europe::Paris)
    }

    /// The CUF members list, `members.csv` beside this file.
    pub fn members_path(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
            .join("members.csv")
    }

    /// The selection rules: the grid, the given members list, the lateness setting.
    pub fn rules(&self, members: crate::domain::members::Members) -> crate::domain::Rules {
        crate::domain::Rules {
            layout: self.layout(),
            members,
            late_last: self.late_last,
        }
    }

    /// What the call definition in use is called in messages: its file, or
    /// the built-in one.
    pub fn call_name(&self) -> String {
        self.call_path
            .as_ref()
            .map_or(crate::call::DEFAULT_NAME.to_string(), |p| {
                p.display().to_string()
            })
    }

    /// The programme grid of every kind, for the selection rules.
    pub fn layout(&self) -> Layout {
        self.programme.clone()
    }
}

fn is_hh_mm(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5
        && b[2] == b':'
        && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
        && s[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && s[3..].parse::<u8>().is_ok_and(|m| m < 60)
}

fn xdg_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("fiches").join("config.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../config.toml");

    #[test]
    fn shipped_config_loads() {
        let c = Config::parse(SHIPPED, Path::new("/etc/fiches/config.toml")).unwrap();
        assert_eq!(c.database, PathBuf::from("/etc/fiches/fiches.db"));
        assert_eq!(c.event.date, "2018-07-04");
        assert_eq!(c.event.deadline.to_rfc3339(), "2018-06-08T23:59:59+02:00");
        assert_eq!(
            c.programme.of(crate::fiche::Kind::MicroAtelier).slots,
            ["14:00", "14:20", "14:40", "15:00", "15:20"]
        );
        assert_eq!(
            c.programme.of(crate::fiche::Kind::MicroAtelier).capacity(),
            20
        );
        assert_eq!(
            c.programme.of(crate::fiche::Kind::BourseProjets).capacity(),
            24
        );
        assert!(!c.sources.is_empty());
        assert!(c.demo, "the repository's config.toml is the demo");
        assert_eq!(
            c.sample.as_deref(),
            Some(Path::new("/etc/fiches/fixtures/inbox"))
        );
        assert_eq!(c.members_path(), PathBuf::from("/etc/fiches/members.csv"));
    }

    #[test]
    fn reader_bounds_default_and_are_checked() {
        let c = Config::parse(SHIPPED, Path::new("c.toml")).unwrap();
        assert_eq!(c.reader, crate::worker::WorkerLimits::default());
        let text = SHIPPED.replace(
            "# [reader]\n# memory_mib = 256",
            "[reader]\nmemory_mib = 128\ncpu_seconds = 3\n# memory_mib = 256",
        );
        let c = Config::parse(&text, Path::new("c.toml")).unwrap();
        assert_eq!(c.reader.memory_bytes, 128 << 20);
        assert_eq!(c.reader.cpu_seconds, 3);
        assert_eq!(c.reader.wall, std::time::Duration::from_secs(30));
        let bad = text.replace("memory_mib = 128", "memory_mib = 4");
        let e = Config::parse(&bad, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("[reader] memory_mib = 4"), "{e}");
    }

    #[test]
    fn layout_matches_the_domain_default() {
        let c = Config::parse(SHIPPED, Path::new("config.toml")).unwrap();
        assert_eq!(c.layout(), Layout::spec_default());
    }

    #[test]
    fn an_imap_source_is_read_and_checked() {
        let text = format!(
            "{}\n[[sources]]\ntype = \"imap\"\nhost = \"imap.example.org\"\nusername = \"fiches\"\npassword_file = \"imap.pw\"\n",
            SHIPPED
        );
        let c = Config::parse(&text, Path::new("/etc/fiches/config.toml")).unwrap();
        let Some(SourceConfig::Imap(imap)) = c.sources.last() else {
            panic!("imap source expected")
        };
        assert_eq!(imap.host, "imap.example.org");
        assert_eq!(
            imap.password_file.as_deref(),
            Some(Path::new("/etc/fiches/imap.pw"))
        );
        // A password in the file is refused, with the file named.
        let bad = text.replace("password_file = \"imap.pw\"", "password = \"secret\"");
        let e = Config::parse(&bad, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml"), "{e}");
        assert!(!e.contains("secret"), "{e}");
    }

    #[test]
    fn the_commented_imap_example_is_valid() {
        let start = SHIPPED.find("# [[sources]]\n# type = \"imap\"").unwrap();
        // The commented block: from its first line to the first line that
        // is not a comment.
        let block: Vec<&str> = SHIPPED[start..]
            .lines()
            .take_while(|l| l.starts_with('#'))
            .collect();
        let end = start + block.iter().map(|l| l.len() + 1).sum::<usize>();
        let example: String = block
            .iter()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let text = format!(
            "{}\n{example}\n{}",
            &SHIPPED[..start],
            &SHIPPED[end.min(SHIPPED.len())..]
        );
        // `ca_file` must exist.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), "").unwrap();
        let c = Config::parse(&text, &dir.path().join("config.toml")).unwrap();
        let Some(SourceConfig::Imap(imap)) = c.sources.last() else {
            panic!("imap source expected")
        };
        assert_eq!(imap.account_id(), "rencontres");
        assert_eq!(imap.read_timeout, std::time::Duration::from_secs(120));
        assert_eq!(
            imap.ca_file.as_deref(),
            Some(dir.path().join("ca.pem").as_path())
        );
    }

    /// The shipped demo without its `[demo]` section.
    fn not_demo() -> &'static str {
        SHIPPED.split("\n[demo]").next().unwrap()
    }

    #[test]
    fn letters_and_smtp_sections() {
        let c = Config::parse(SHIPPED, Path::new("/etc/fiches/config.toml")).unwrap();
        assert_eq!(c.letters.dir, PathBuf::from("/etc/fiches/letters"));
        assert!(c.letters.acknowledge && !c.letters.auto_acknowledge);
        assert!(c.smtp.is_none(), "the shipped [smtp] is commented out");

        let with = format!(
            "{}\n[smtp]\nhost = \"smtp.example.org\"\nusername = \"u\"\npassword_file = \"smtp.pw\"\nfrom = \"CUF <r@example.org>\"\n",
            not_demo()
        );
        let c = Config::parse(&with, Path::new("/etc/fiches/config.toml")).unwrap();
        // The same beside [demo]: refused, a demonstration sends nothing.
        let e = Config::parse(&format!("{with}\n[demo]\n"), Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("[smtp]") && e.contains("démonstration"), "{e}");
        let smtp = c.smtp.unwrap();
        assert_eq!(
            smtp.password_file,
            Some(PathBuf::from("/etc/fiches/smtp.pw"))
        );
        assert_eq!(smtp.port(), 587);

        let bad = with.replace("password_file = \"smtp.pw\"", "password = \"hunter2\"");
        let e = Config::parse(&bad, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("c.toml") && e.contains("[smtp]") && !e.contains("hunter2"),
            "{e}"
        );

        let bad = SHIPPED.replace("acknowledge = true", "acknowledge = false");
        let bad = bad.replace("auto_acknowledge = false", "auto_acknowledge = true");
        let e = Config::parse(&bad, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("auto_acknowledge"), "{e}");
    }

    #[test]
    fn the_sample_is_a_demo_thing_and_the_lookup_ends_in_etc() {
        let e = Config::parse(
            &not_demo().replace("[database]", "[console]\nsample = \"x\"\n\n[database]"),
            Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("[demo] sample"), "{e}");
        let c = Config::parse(not_demo(), Path::new("c.toml")).unwrap();
        assert!(!c.demo && c.sample.is_none());

        // The order: explicit, ./config.toml, the user's own, the server's;
        // with none, the advice names every place and the setup.
        let dir = tempfile::tempdir().unwrap();
        let (local, user, system) = (
            dir.path().join("local.toml"),
            dir.path().join("user.toml"),
            dir.path().join("system.toml"),
        );
        let find = |explicit: Option<&Path>| {
            Config::find_and_load_in(explicit, &local, Some(user.clone()), &system)
        };
        let e = find(None).unwrap_err().to_string();
        assert!(
            e.contains("/etc/fiches/config.toml")
                && e.contains("user.toml")
                && e.contains("FICHES_CONFIG")
                && e.contains("fiches setup --system"),
            "{e}"
        );
        std::fs::write(&system, not_demo()).unwrap();
        assert_eq!(find(None).unwrap().path, system);
        std::fs::write(&user, not_demo()).unwrap();
        assert_eq!(find(None).unwrap().path, user);
        std::fs::write(&local, not_demo()).unwrap();
        assert_eq!(find(None).unwrap().path, local);
        assert_eq!(find(Some(&system)).unwrap().path, system);
    }

    #[test]
    fn toml_errors_are_explained_in_french_with_line_and_key() {
        let bad = SHIPPED.replace("csv_bom = true", "csv_bom = vrai");
        let e = Config::parse(&bad, Path::new("/etc/fiches/config.toml"))
            .unwrap_err()
            .to_string();
        let line = bad.lines().position(|l| l == "csv_bom = vrai").unwrap() + 1;
        assert!(
            e.starts_with("fichier de configuration /etc/fiches/config.toml : ")
                && e.contains(&format!("ligne {line}, [publish] csv_bom"))
                && e.contains("true ou false")
                && e.contains("entre guillemets"),
            "{e}"
        );
        let bad = SHIPPED.replace("csv_bom = true", "csv_bom = \"oui\"");
        let e = Config::parse(&bad, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("[publish] csv_bom")
                && e.contains("il faut true ou false, pas un texte entre guillemets"),
            "{e}"
        );
        let bad = SHIPPED.replace("[database]", "[database]\npaht = 1");
        let e = Config::parse(&bad, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("clé « paht » inconnue") && e.contains("path"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_file_is_said_once_in_french() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope.toml");
        let e = Config::find_and_load(Some(&p)).unwrap_err();
        let text = crate::os_error::chain_text(&anyhow::Error::new(e));
        assert_eq!(
            text,
            format!("fichier de configuration {} : n'existe pas", p.display())
        );
        let p = dir.path().join("absent/config.toml");
        let text = Config::find_and_load(Some(&p)).unwrap_err().to_string();
        assert!(
            text.contains(&format!(
                "le dossier {} n'existe pas",
                dir.path().join("absent").display()
            )),
            "{text}"
        );
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let bad = SHIPPED.replace(
            "deadline = 2018-06-08T23:59:59+02:00",
            "deadline = 2018-06-08",
        );
        let e = Config::parse(&bad, Path::new("x/config.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("x/config.toml") && e.contains("deadline"), "{e}");

        let bad = SHIPPED.replace("[database]", "[database]\npaht = 1");
        let e = Config::parse(&bad, Path::new("x/config.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("x/config.toml") && e.contains("paht"), "{e}");

        // A kind's grid set here is checked like the definition's.
        let bad =
            format!("{SHIPPED}\n[micro_atelier]\nslots = [\"14h20\"]\nspaces = [\"Espace A\"]\n");
        let e = Config::parse(&bad, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("14h20"), "{e}");
        let ok = format!("{SHIPPED}\n[micro_atelier]\nslots = [\"09:00\"]\nspaces = [\"Salle\"]\n");
        let c = Config::parse(&ok, Path::new("c.toml")).unwrap();
        assert_eq!(
            c.programme.of(crate::fiche::Kind::MicroAtelier).places,
            ["Salle"]
        );
    }
}
