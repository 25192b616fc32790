//! `fiches` with no arguments, or `fiches console`: the review console on
//! the configured database. With the repository's demo `config.toml`, an
//! empty database is first filled from the bundled sample inbox (`[demo]
//! sample`; only a demo configuration has one). A database this user cannot
//! write, or one whose schema the administrator must update first, is said
//! before the console opens; a missing members list on its first screen. The members list is `members.csv` beside the configuration;
//! the journal names the account of the real user (`system::acting_user`).

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, bail};

use super::Globals;
use crate::config::Config;
use crate::console::format::Zone;
use crate::console::theme::Theme;
use crate::console::{Options, Session};
use crate::domain::members::Members;
use crate::intake::{ImportReport, Importer, open_path};
use crate::safe::terminal_line;
use crate::store::Store;

/// Ouvre la console de suivi (aussi : `fiches` sans argument).
///
/// Écrans : Propositions (1), Décider (2), Programme (3), À traiter (4),
/// Corriger (5), Envoi (6) ; `?` pour l'aide, `q` pour quitter. Quand la base est
/// vide et que la configuration est une démonstration ([demo] sample),
/// l'échantillon est importé d'abord.
#[derive(Debug, Default, clap::Args)]
pub struct Args {}

/// Imports the configured sample when the database holds no message yet.
pub fn import_sample_if_empty(
    store: &mut Store,
    config: &Config,
) -> anyhow::Result<Option<ImportReport>> {
    let Some(sample) = &config.sample else {
        return Ok(None);
    };
    if store.counts()?.messages > 0 || !sample.exists() {
        return Ok(None);
    }
    let mut source = open_path(sample)
        .with_context(|| format!("échantillon {} ([demo] sample)", sample.display()))?;
    let mut importer = Importer::new(store, super::intake_options(config)?);
    importer
        .run(source.as_mut(), &mut |_| {})
        .context("import de l'échantillon")?;
    Ok(Some(importer.report))
}

/// The members list beside the configuration; empty when there is none.
pub fn load_members(config: &Config) -> anyhow::Result<Members> {
    let file = super::MembersFile::read(config);
    match file {
        super::MembersFile::Unreadable(why) => {
            anyhow::bail!("liste des adhérents illisible : {why}")
        }
        other => Ok(other.members()),
    }
}

/// How the status line names the database: the path as configured when
/// short, else its file name.
fn db_label(path: &Path) -> String {
    let full = path.display().to_string();
    if full.chars().count() <= 32 {
        full
    } else {
        path.file_name()
            .map_or(full, |n| n.to_string_lossy().into_owned())
    }
}

pub fn run(globals: &Globals, _args: &Args) -> anyhow::Result<bool> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!(
            "la console a besoin d'un terminal (lancer `fiches` dans un terminal ou une session SSH) ; pour un script, voir `fiches proposals --json`"
        );
    }
    let config = globals.require_config()?;
    let path = globals.db_path(Some(&config))?;
    let mut store = globals.open_store(Some(&config))?;
    super::check_call::refuse_orphans(&store, crate::call::current(), &config.call_name())?;
    if let Some(sample) = &config.sample
        && store.counts()?.messages == 0
        && sample.exists()
    {
        eprintln!(
            "Base vide : import de l'échantillon {}…",
            terminal_line(&sample.display().to_string())
        );
        if let Some(r) = import_sample_if_empty(&mut store, &config)? {
            eprintln!("{} messages importés, {} propositions.", r.new, r.proposals);
        }
    }
    let size = crossterm::terminal::size().unwrap_or((80, 24));
    let label = if config.demo {
        format!("démo {}", db_label(&path))
    } else {
        db_label(&path)
    };
    // A missing or unreadable members list: the console opens all the
    // same, and says it on its first screen.
    let members = super::MembersFile::read(&config);
    let members_problem = members.problem();
    let opts = Options {
        user: crate::system::acting_user(),
        db_label: label,
        layout: config.layout(),
        members: members.members(),
        late_last: config.late_last,
        zone: Zone::from_iana(&config.event.timezone),
        theme: Theme::from_env(),
        now: None,
        size,
        search_budget: Some(crate::console::run::SEARCH_SLICE),
        letters: match config.load_letters() {
            Ok(l) => Some(l),
            Err(e) => {
                eprintln!(
                    "modèles de lettres : {} (l'écran Envoi ne pourra pas envoyer)",
                    terminal_line(&e.to_string())
                );
                None
            }
        },
        smtp: config.smtp.clone(),
        silent_after: super::status::silent_after(Some(&config)),
        config: Some(config.clone()),
        convert_timeout: config.convert_timeout,
    };
    let mut session = Session::open(store, opts)?;
    if let Some(problem) = members_problem {
        session.app.notify(
            crate::console::app::Level::Warn,
            format!("{} (demander à l'administrateur)", terminal_line(&problem)),
        );
    }
    crate::console::run::run(session)?;
    Ok(true)
}
