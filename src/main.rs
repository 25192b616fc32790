//! The `fiches` binary: parse the command line and hand over to `commands`.
//! With no subcommand it opens the review console.

use std::process::ExitCode;

use clap::Parser;
use fiches::cli::{Cli, Command};
use fiches::commands;

fn main() -> ExitCode {
    // Before any file is created: group-writable for the staff and the
    // daemon who share them, nothing for others, whatever the login's umask.
    fiches::system::set_umask();
    let cli = Cli::parse();
    // The daemon tells what it does by default; other commands only warn.
    let quiet = if matches!(cli.command, Some(Command::Daemon(_))) {
        "info"
    } else {
        "warn"
    };
    init_tracing(cli.verbose, quiet);
    let globals = cli.globals();
    let result = match cli.command {
        Some(Command::Parse { paths, json }) => commands::parse::run(&paths, json),
        Some(Command::Import(args)) => commands::import::run(&globals, &args),
        Some(Command::Messages(args)) => commands::messages::run(&globals, &args),
        Some(Command::Proposals(args)) => commands::proposals::run(&globals, &args),
        Some(Command::Publish(args)) => commands::publish::run(&globals, &args),
        Some(Command::Daemon(args)) => commands::daemon::run(&globals, &args),
        Some(Command::Outbox(args)) => commands::outbox::run(&globals, &args),
        Some(Command::Send(args)) => commands::send::run(&globals, &args),
        Some(Command::Console(args)) => commands::console::run(&globals, &args),
        Some(Command::Decide(args)) => commands::decide::decide(&globals, &args),
        Some(Command::Undo(args)) => commands::decide::undo(&globals, &args),
        Some(Command::Move(args)) => commands::decide::move_to(&globals, &args),
        Some(Command::Swap(args)) => commands::decide::swap(&globals, &args),
        Some(Command::Programme(args)) => commands::programme::run(&globals, &args),
        Some(Command::Suggest(args)) => commands::programme::suggest(&globals, &args),
        Some(Command::Status(args)) => commands::status::run(&globals, &args),
        Some(Command::Backup(args)) => commands::backup::run(&globals, &args),
        Some(Command::Migrate(args)) => commands::migrate::run(&globals, &args),
        Some(Command::Setup(args)) => commands::setup::run(&globals, &args),
        Some(Command::Article(args)) => commands::article::run(&globals, &args),
        None => commands::console::run(&globals, &Default::default()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        // `fiches … | head`: the reader went away; nothing to say.
        Err(e) if commands::output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "fiches : {}",
                fiches::safe::terminal_line(&format!("{e:#}"))
            );
            if e.downcast_ref::<commands::Permanent>().is_some() {
                ExitCode::from(commands::EXIT_PERMANENT)
            } else {
                ExitCode::from(2)
            }
        }
    }
}

/// Logs go to stderr; `-v` for progress details, `FICHES_LOG` for filters.
/// No colours off a terminal; under systemd (`JOURNAL_STREAM` set) no
/// timestamps either, journald adds its own.
fn init_tracing(verbose: u8, quiet: &str) {
    let default = match verbose {
        0 => quiet,
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("FICHES_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    let _ = if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().try_init()
    } else {
        builder.try_init()
    };
}
