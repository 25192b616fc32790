//! The `fiches` binary: parse the command line and hand over to `commands`.

use std::process::ExitCode;

use clap::Parser;
use fiches::cli::{Cli, Command};
use fiches::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let globals = cli.globals();
    let result = match cli.command {
        Some(Command::Parse { paths, json }) => commands::parse::run(&paths, json),
        Some(Command::Import(args)) => commands::import::run(&globals, &args),
        Some(Command::Messages(args)) => commands::messages::run(&globals, &args),
        Some(Command::Proposals(args)) => commands::proposals::run(&globals, &args),
        Some(Command::Outbox(args)) => commands::outbox::run(&globals, &args),
        Some(Command::Send(args)) => commands::send::run(&globals, &args),
        None => {
            eprintln!("fiches : préciser une commande (voir `fiches --help`)");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!(
                "fiches : {}",
                fiches::safe::terminal_line(&format!("{e:#}"))
            );
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr; `-v` for progress details, `FICHES_LOG` for filters.
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
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
