//! The command line: global options and the subcommands (clap derive). Each
//! subcommand lives in its own file under `commands/`; this file only wires
//! them, so adding a command is one variant and one match arm.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands;

/// Fiches de renseignement des Rencontres de Cités Unies France : import des
/// e-mails, propositions, programmation.
#[derive(Debug, Parser)]
#[command(name = "fiches", version, about, long_about = None)]
pub struct Cli {
    /// Fichier de configuration (par défaut ./config.toml, sinon
    /// $XDG_CONFIG_HOME/fiches/config.toml).
    #[arg(long, global = true, value_name = "FICHIER", env = "FICHES_CONFIG")]
    pub config: Option<PathBuf>,

    /// Base de données à utiliser à la place de celle de la configuration.
    #[arg(long, global = true, value_name = "FICHIER", env = "FICHES_DB")]
    pub db: Option<PathBuf>,

    /// Plus de détails dans le journal d'exécution (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Import(commands::import::Args),
    Messages(commands::messages::Args),
    Proposals(commands::proposals::Args),
}

/// Runs the command line; the exit code says how it went.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let globals = commands::Globals {
        config: cli.config.clone(),
        db: cli.db.clone(),
    };
    let result = match &cli.command {
        Command::Import(args) => commands::import::run(&globals, args),
        Command::Messages(args) => commands::messages::run(&globals, args),
        Command::Proposals(args) => commands::proposals::run(&globals, args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("erreur : {}", commands::output::clean(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("FICHES_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
