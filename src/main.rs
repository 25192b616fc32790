//! The `fiches` binary: parse the command line and hand over to `commands`.
//! With no subcommand it opens the review console.

// No unsafe, unwrap or expect outside tests: see `[lints]` in Cargo.toml.

use std::process::ExitCode;

use fiches::cli::Command;
use fiches::commands;

fn main() -> ExitCode {
    // Before any file is created: group-writable for the staff and the
    // daemon who share them, nothing for others, whatever the login's umask.
    fiches::system::set_umask();
    // A reader worker (see `fiches::worker`): nothing else of the program runs.
    let mut args = std::env::args_os().skip(1);
    if args
        .next()
        .is_some_and(|a| a == fiches::worker::WORKER_SUBCOMMAND)
    {
        let rest: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
        fiches::worker::run_worker(&rest);
    }
    // One line for a panic (backtraces behind FICHES_BACKTRACE), none for a
    // closed output.
    fiches::worker::quiet_panics();
    // Every command ends quietly when whoever reads its output went away
    // (`fiches proposals | head`): one place for all of them, whatever
    // they print with. `println!` panics on a closed pipe; that panic is
    // not reported (`quiet_on_closed_output`) and ends the command here,
    // after unwinding (open transactions roll back, as on any error).
    quiet_on_closed_output();
    match std::panic::catch_unwind(run) {
        Ok(code) => code,
        Err(payload) if closed_output(fiches::worker::panic_text(&*payload)) => ExitCode::SUCCESS,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// The panic of `print!`/`println!`/`eprintln!` when the reader of the
/// output closed it ("failed printing to stdout: Broken pipe (os error 32)").
fn closed_output(text: &str) -> bool {
    text.starts_with("failed printing to std")
        && (text.contains("Broken pipe") || text.contains("os error 32"))
}

/// Panics of a closed output are not reported (other panics are, as usual).
fn quiet_on_closed_output() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(closed_output) {
            return;
        }
        default(info);
    }));
}

/// Whether an error is only that the output was closed (a write through
/// a checked writer, `commands::output::Out`, or any `io::Write`).
fn is_closed_output(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run() -> ExitCode {
    fiches::worker::set_worker_exe(self_exe());
    let cli = fiches::cli::parse();
    // The daemon tells what it does by default; other commands only warn.
    // `daemon --once` is typed by hand (or run by cron): its passes are
    // told on stdout and a source it cannot read once on stderr, so its
    // log shows warnings only, as plain lines, without the watcher's copy
    // of that same error.
    let quiet = match &cli.command {
        Some(Command::Daemon(args)) if args.once => "warn,fiches::intake::watch=off",
        Some(Command::Daemon(_)) => "info",
        _ => "warn",
    };
    init_tracing(cli.verbose, quiet);
    let globals = cli.globals();
    let result = match cli.command {
        Some(Command::Parse { paths, json }) => globals
            .config()
            .and_then(|_| commands::parse::run(&paths, json)),
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
        Some(Command::Article(args)) => commands::article::run(&globals, &args),
        Some(Command::Attachment(args)) => commands::attachment::run(&globals, &args),
        Some(Command::Move(args)) => commands::decide::move_to(&globals, &args),
        Some(Command::Swap(args)) => commands::decide::swap(&globals, &args),
        Some(Command::Programme(args)) => commands::programme::run(&globals, &args),
        Some(Command::Suggest(args)) => commands::programme::suggest(&globals, &args),
        Some(Command::Status(args)) => commands::status::run(&globals, &args),
        Some(Command::Backup(args)) => commands::backup::run(&globals, &args),
        Some(Command::Migrate(args)) => commands::migrate::run(&globals, &args),
        Some(Command::Setup(args)) => commands::setup::run(&globals, &args),
        Some(Command::CheckCall(args)) => commands::check_call::run(&globals, &args),
        Some(Command::Templates(args)) => commands::templates::run(&globals, &args),
        None => commands::console::run(&globals, &Default::default()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) if is_closed_output(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "fiches : {}",
                fiches::safe::terminal_line(&fiches::os_error::chain_text(&e))
            );
            if e.downcast_ref::<commands::Permanent>().is_some() {
                ExitCode::from(commands::EXIT_PERMANENT)
            } else {
                ExitCode::from(2)
            }
        }
    }
}

/// This program, for the reader workers: `/proc/self/exe` names the file
/// that is running even once an upgrade replaced it on disk.
fn self_exe() -> std::path::PathBuf {
    let proc_self = std::path::PathBuf::from("/proc/self/exe");
    if proc_self.exists() {
        return proc_self;
    }
    std::env::current_exe().unwrap_or_else(|_| "fiches".into())
}

/// Logs go to stderr; `-v` for progress details, `FICHES_LOG` for filters.
/// No colours off a terminal; under systemd (`JOURNAL_STREAM` set) no
/// timestamps either, journald adds its own. An interactive command (not
/// the daemon, no `-v`, no `FICHES_LOG`) shows its warnings as plain
/// French lines, like its other messages, not in the log layout. A log
/// line that cannot be written (its terminal closed under a daemon started
/// by hand) is dropped: never a panic, never a second message about it.
fn init_tracing(verbose: u8, quiet: &str) {
    let default = match verbose {
        0 => quiet,
        1 => "info",
        _ => "debug",
    };
    let from_env = std::env::var_os("FICHES_LOG").is_some();
    let filter = tracing_subscriber::EnvFilter::try_from_env("FICHES_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    if verbose == 0 && quiet.starts_with("warn") && !from_env {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .log_internal_errors(false)
            .event_format(commands::output::PlainLines)
            .try_init();
        return;
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .log_internal_errors(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    let _ = if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().try_init()
    } else {
        builder.try_init()
    };
}
