//! The command line: clap definitions only. Each subcommand's work is in
//! `commands/`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "fiches",
    version,
    about = "Fiches de renseignement des Rencontres de Cités Unies France : lecture, réception, console, publication"
)]
pub struct Cli {
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
}
