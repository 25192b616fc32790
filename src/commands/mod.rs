//! One file per subcommand: each turns parsed arguments into work on the
//! library modules and into output. No business rules live here. What the
//! database commands share (finding the configuration and the database from
//! the global options) is below.

pub mod article;
pub mod backup;
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

use std::path::PathBuf;

use anyhow::Context;

use crate::config::{Config, ConfigError};
use crate::intake::IntakeOptions;
use crate::store::{Migrate, Store};
use crate::worker::Reader;

/// Exit status of an error a restart cannot fix (`EX_CONFIG`): the units
/// list it in `RestartPreventExitStatus=`, so a daemon that cannot work is
/// not restarted in a loop.
pub const EXIT_PERMANENT: u8 = 78;

/// An error a restart cannot fix (configuration, permissions, a database
/// of another build): `main` exits with [`EXIT_PERMANENT`].
#[derive(Debug, thiserror::Error)]
#[error("{0:#}")]
pub struct Permanent(pub anyhow::Error);

impl Permanent {
    /// `e`, marked permanent.
    pub fn wrap(e: impl Into<anyhow::Error>) -> anyhow::Error {
        anyhow::Error::new(Permanent(e.into()))
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
        match self.config()? {
            Some(c) => Ok(c),
            None => Err(Config::find_and_load(None).unwrap_err().into()),
        }
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

    /// Opens the database, migrating it when `mode` allows (the daemon,
    /// `fiches migrate`); the backup made before a migration is returned.
    pub fn open_store_with(
        &self,
        config: Option<&Config>,
        mode: Migrate,
    ) -> anyhow::Result<(Store, Option<PathBuf>)> {
        let path = self.db_path(config)?;
        let (mut store, backup) = Store::open_with(&path, mode)
            .with_context(|| format!("ouverture de la base {}", path.display()))?;
        if let Some(c) = config {
            store
                .set_outbox_settings(&crate::outbox::settings_from(c))
                .with_context(|| format!("réglages des lettres dans {}", path.display()))?;
        }
        Ok((store, backup))
    }
}
