//! One file per subcommand: each turns parsed arguments into work on the
//! library modules and into output. No business rules live here. What the
//! database commands share (finding the configuration and the database from
//! the global options) is below.

pub mod article;
pub mod attachment;
pub mod backup;
pub mod check_call;
pub mod console;
pub mod daemon;
pub mod decide;
pub mod import;
pub mod messages;
pub mod migrate;
pub mod outbox;
pub mod output;
pub mod parse;
pub mod programme;
pub mod proposals;
pub mod publish;
pub mod send;
pub mod setup;
pub mod status;
pub mod templates;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::{Config, ConfigError};
use crate::intake::IntakeOptions;
use crate::store::{Migrate, Store};
use crate::worker::Reader;

pub use crate::service::members::MembersFile;

/// Exit status of an error a restart cannot fix (`EX_CONFIG`): the units
/// list it in `RestartPreventExitStatus=`, so a daemon that cannot work is
/// not restarted in a loop.
pub const EXIT_PERMANENT: u8 = 78;

/// An error a restart cannot fix (configuration, permissions, a database
/// of another build): `main` exits with [`EXIT_PERMANENT`].
#[derive(Debug, thiserror::Error)]
#[error("{}", crate::os_error::chain_text(.0))]
pub struct Permanent(pub anyhow::Error);

impl Permanent {
    /// `e`, marked permanent.
    pub fn wrap(e: impl Into<anyhow::Error>) -> anyhow::Error {
        anyhow::Error::new(Permanent(e.into()))
    }
}

/// `p` from the root, for a message that must leave no doubt about which
/// file (a relative path is relative to the current folder).
fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The line an administrator's command starts with: which configuration
/// and which database it acts on (a demonstration is called one).
pub fn acting_on(config: Option<&Config>, db: &Path) -> String {
    match config {
        Some(c) => format!(
            "configuration {}{}, base {}",
            absolute(&c.path).display(),
            if c.demo { " (démonstration)" } else { "" },
            absolute(db).display()
        ),
        None => format!("base {}", absolute(db).display()),
    }
}

/// The start of an administrator's command on an existing database
/// (`fiches backup`, `fiches migrate`): the configuration (required unless
/// `--db` names the base), the base's path, the "acting on" line said.
/// A missing base is refused with `missing` ("rien à sauvegarder"), the
/// setting to check and `hint`; `verb` names what failed otherwise
/// ("sauvegarde").
pub fn existing_database(
    globals: &Globals,
    command: &str,
    out: &mut output::Out,
    (missing, hint): (&str, &str),
    verb: &str,
) -> anyhow::Result<(Option<Config>, PathBuf)> {
    let config = match &globals.db {
        Some(_) => globals.config().ok().flatten(),
        None => Some(globals.admin_config(command)?),
    };
    let db = globals.db_path(config.as_ref())?;
    out.line(&crate::safe::terminal_line(&acting_on(
        config.as_ref(),
        &db,
    )))?;
    match crate::os_error::exists(&db) {
        Ok(true) => Ok((config, db)),
        Ok(false) => anyhow::bail!(
            "la base {} n'existe pas : {missing} ; vérifier [database] path{}{hint}",
            db.display(),
            config
                .as_ref()
                .map(|c| format!(" dans {}", c.path.display()))
                .unwrap_or_default()
        ),
        Err(why) => anyhow::bail!("{verb} impossible : {why}"),
    }
}

/// The intake's options for `config`: its deadline, attachments read in
/// worker processes with its `[reader]` bounds.
pub fn intake_options(config: &Config) -> anyhow::Result<IntakeOptions> {
    let mut opts = IntakeOptions::new(config.event.deadline);
    opts.reader = Reader::isolated(config.reader)?;
    Ok(opts)
}

/// The global options.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    pub config: Option<PathBuf>,
    pub db: Option<PathBuf>,
}

impl Globals {
    /// The configuration; `Ok(None)` when none was asked for and none exists.
    pub fn config(&self) -> anyhow::Result<Option<Config>> {
        match Config::find_and_load(self.config.as_deref()) {
            Ok(c) => Ok(Some(c)),
            Err(ConfigError::NotFound { .. }) if self.config.is_none() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The configuration, required.
    pub fn require_config(&self) -> anyhow::Result<Config> {
        // Not found is an error here (it says where it looked).
        Ok(Config::find_and_load(self.config.as_deref())?)
    }

    /// The configuration of an administrator's command (`migrate`,
    /// `backup`, `daemon`, `status` as root): never, without a word, a
    /// demonstration configuration found in the current folder (or the
    /// user's own) on a server that has its own — that is the repository's
    /// `config.toml` when the command is typed in the project's folder.
    /// An explicit `--config` (or `FICHES_CONFIG`) is taken as meant.
    pub fn admin_config(&self, command: &str) -> anyhow::Result<Config> {
        let config = self.require_config()?;
        let system = Path::new(crate::config::SYSTEM_CONFIG);
        if self.config.is_none()
            && self.db.is_none()
            && config.demo
            && config.path != system
            && system.exists()
        {
            anyhow::bail!(
                "{command} : la configuration trouvée est celle de démonstration {} (dossier courant ou \
                 configuration personnelle), pas celle de ce serveur, {} ; rien n'a été fait. Relancer \
                 hors du dossier du projet (`cd`), ou préciser `--config {}` ; pour agir vraiment sur \
                 la démonstration : `--config {}`",
                config.path.display(),
                system.display(),
                system.display(),
                config.path.display()
            );
        }
        Ok(config)
    }

    /// The database path: `--db`, else the configuration's.
    pub fn db_path(&self, config: Option<&Config>) -> anyhow::Result<PathBuf> {
        if let Some(db) = &self.db {
            return Ok(db.clone());
        }
        match config {
            Some(c) => Ok(c.database.clone()),
            None => Ok(self.require_config()?.database),
        }
    }

    /// Opens the database for a staff process (creating it if needed, never
    /// migrating it: see `store::schema`). With a configuration, its
    /// acknowledgement settings are recorded in the database, so that every
    /// process that stores messages follows them.
    pub fn open_store(&self, config: Option<&Config>) -> anyhow::Result<Store> {
        self.open_store_with(config, Migrate::Refused)
            .map(|(s, _)| s)
    }

    /// Opens the database of a command that only reads it (a listing).
    /// A database named by `--db` that does not exist is an error naming
    /// it (a typo must not leave an empty database behind); the configured
    /// one, shared by the team, is created as by any command (the first
    /// process on a new server may be a staff member's), and that is said.
    pub fn open_existing_store(&self, config: Option<&Config>) -> anyhow::Result<Store> {
        let path = self.db_path(config)?;
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // Only a missing file in a folder that is there: a missing folder
        // or one this user cannot pass is said by the opening, as usual.
        let folder_there = std::fs::metadata(&folder).is_ok_and(|m| m.is_dir());
        let missing = folder_there && crate::os_error::exists(&path) == Ok(false);
        if missing && self.db.is_some() {
            anyhow::bail!(
                "--db {} : cette base n'existe pas ; vérifier le chemin (rien n'a été créé)",
                path.display()
            );
        }
        let store = self.open_store(config)?;
        if missing {
            eprintln!(
                "fiches : la base {} n'existait pas : elle vient d'être créée, vide ([database] path de la configuration)",
                path.display()
            );
        }
        Ok(store)
    }

    /// Opens the database, migrating it when `mode` allows (the daemon,
    /// `fiches migrate`); the backup made before a migration is returned.
    pub fn open_store_with(
        &self,
        config: Option<&Config>,
        mode: Migrate,
    ) -> anyhow::Result<(Store, Option<PathBuf>)> {
        let path = self.db_path(config)?;
        let from = if self.db.is_some() {
            "--db".to_string()
        } else {
            "[database] path".to_string()
        };
        if path.is_dir() {
            anyhow::bail!(
                "{from} {} : c'est un dossier, pas un fichier de base de données ; indiquer le fichier \
                 (par exemple {})",
                path.display(),
                path.join("fiches.db").display()
            );
        }
        let (mut store, backup) = Store::open_with(&path, mode)
            .with_context(|| format!("ouverture de la base {} ({from})", path.display()))?;
        if let Some(c) = config {
            store
                .set_outbox_settings(&c.outbox_settings())
                .with_context(|| format!("réglages des lettres dans {}", path.display()))?;
        }
        Ok((store, backup))
    }
}
