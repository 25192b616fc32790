//! The `fiches` binary: parse the command line and hand over to `commands`.

use std::process::ExitCode;

use clap::Parser;
use fiches::cli::{Cli, Command};
use fiches::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Parse { paths, json }) => commands::parse::run(&paths, json),
        None => {
            eprintln!("fiches : préciser une commande (voir `fiches --help`)");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("fiches : {e:#}");
            ExitCode::from(2)
        }
    }
}
