//! The command line: clap definitions only. Each subcommand's work is in
//! `commands/`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands;

#[derive(Debug, Parser)]
#[command(
    name = "fiches",
    version = crate::version_text(),
    about = "Fiches de renseignement des Rencontres de Cités Unies France : lecture, réception, console, publication"
)]
pub struct Cli {
    /// Fichier de configuration (par défaut ./config.toml, sinon
    /// $XDG_CONFIG_HOME/fiches/config.toml, sinon /etc/fiches/config.toml).
    #[arg(long, global = true, value_name = "FICHIER", env = "FICHES_CONFIG")]
    pub config: Option<PathBuf>,

    /// Base de données à utiliser à la place de celle de la configuration.
    #[arg(long, global = true, value_name = "FICHIER", env = "FICHES_DB")]
    pub db: Option<PathBuf>,

    /// Plus de détails dans le journal d'exécution (-v, -vv ; ou FICHES_LOG=debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read fiches (DOCX, XLSX, ODT, ODS, XLS) and print what was read.
    Parse {
        /// Files or directories (walked recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// One JSON object per file and per line.
        #[arg(long)]
        json: bool,
    },
    Console(commands::console::Args),
    Import(commands::import::Args),
    Messages(commands::messages::Args),
    Proposals(commands::proposals::Args),
    /// Publie le programme retenu (HTML, fragment SPIP, CSV, XLSX, JSON) avec ses changements, et prépare l'envoi aux partenaires.
    Publish(commands::publish::Args),
    Daemon(commands::daemon::Args),
    Outbox(commands::outbox::Args),
    Send(commands::send::Args),
    /// Decide on a proposal by its number (accept, waitlist, refuse, withdraw, pending).
    Decide(commands::decide::DecideArgs),
    /// Take back the last decision on a proposal.
    Undo(commands::decide::UndoArgs),
    /// Move an accepted proposal to a free place.
    Move(commands::decide::MoveArgs),
    /// Swap the places of two accepted proposals.
    Swap(commands::decide::SwapArgs),
    /// The programme: grids, places, waiting lists with ranks.
    Programme(commands::programme::Args),
    /// A suggested placement of the programme (draft, or --apply).
    Suggest(commands::programme::SuggestArgs),
    Status(commands::status::Args),
    Backup(commands::backup::Args),
    Migrate(commands::migrate::Args),
    Setup(commands::setup::Args),
    /// L'article du nom de l'organisation dans les lettres (l'afficher, ou le fixer : le, la, l', les, aucun, auto).
    Article(commands::article::Args),
    /// Une pièce jointe reçue, par son numéro (console, À traiter : « PJ N ») : l'enregistrer (--save DOSSIER) ou en afficher le texte (--text).
    Attachment(commands::attachment::Args),
}

impl Cli {
    /// The global options the database commands share.
    pub fn globals(&self) -> commands::Globals {
        commands::Globals {
            config: self.config.clone(),
            db: self.db.clone(),
        }
    }
}
