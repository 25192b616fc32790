//! Reading untrusted files in a process that may die. Anyone can email the
//! inbox, and the third-party readers behind `fiche` (the spreadsheet
//! library above all) can abort on an allocation, panic, or loop: a fuzzing
//! run made one attachment stop every intake. So the intake reads each
//! attachment in a **worker**: the same `fiches` binary started with the
//! hidden subcommand `__read-worker`, which limits itself before it reads
//! anything (address space, CPU time, no file it can open or create, no
//! network, no new privileges, no core dump; see `sandbox`) and answers over
//! a pipe with the fiche module's own result type, serialised with serde.
//!
//! - [`Reader`] is what the intake holds: `InProcess` (library users, unit
//!   tests: `fiche::parse_file_with` behind `catch_unwind`) or `Isolated` (a
//!   [`WorkerPool`]; `fiches import`, `fiches daemon` and `fiches parse` use
//!   it). Both give `Result<ReadResult, Interrupted>`.
//! - [`Interrupted`] is a reading that did not end with an answer: memory,
//!   time, a crash, a panic of the reader. It is a result, not a failure: the
//!   attachment is recorded as `rejected` with [`Interrupted::reason`].
//! - [`Unavailable`] is the one real failure: no worker could be started
//!   (the binary is gone, the system refuses a process). The message is then
//!   not stored, and tried again later.
//!
//! When the reader's return type changes, only [`ReadResult`] and
//! [`read_in_process`] change: the worker serialises whatever they are.

// libc calls std has no safe wrapper for; `unsafe` is denied elsewhere
// (src/lib.rs).
#![allow(
    unsafe_code,
    reason = "libc calls std does not wrap; each block says why it is sound (SAFETY)"
)]

mod child;
mod pool;
mod protocol;
mod sandbox;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::fiche::{self, Limits, Parsed};
pub use child::run as run_worker;
pub use pool::{WorkerPool, set_worker_exe, worker_exe};

/// The hidden subcommand that turns the `fiches` binary into a worker.
pub const WORKER_SUBCOMMAND: &str = "__read-worker";

/// What reading one file gives: the fiche module's own results, one per
/// form found in it, or per file inside it for a `.zip` or `winmail.dat`.
pub type ReadResult = Vec<Parsed>;

/// Reads a file in this process (no isolation). The worker runs exactly
/// this; [`read_caught`] runs it behind `catch_unwind`.
pub fn read_in_process(bytes: &[u8], file_name: &str, limits: &Limits) -> ReadResult {
    fiche::parse_file_with(bytes, file_name, limits)
}

/// The bounds of one worker. Defaults suit the forms (a filled fiche reads
/// in milliseconds and a few MiB) and the service's `MemoryMax`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerLimits {
    /// Address space of the worker process (`RLIMIT_AS`), bytes.
    pub memory_bytes: u64,
    /// CPU time for one file (`RLIMIT_CPU`, raised between files).
    pub cpu_seconds: u64,
    /// Wall time for one file, enforced by the parent (then `SIGKILL`).
    pub wall: Duration,
    /// Largest answer accepted from the worker, bytes.
    pub max_answer_bytes: u64,
    /// Workers kept warm, at most (more are started while more threads read
    /// at once; the extra ones end after their file).
    pub max_idle: usize,
}

impl Default for WorkerLimits {
    fn default() -> Self {
        WorkerLimits {
            memory_bytes: 256 * 1024 * 1024,
            cpu_seconds: 10,
            wall: Duration::from_secs(30),
            max_answer_bytes: 32 * 1024 * 1024,
            max_idle: 4,
        }
    }
}

/// A reading that ended without an answer. Never the sender's fault alone
/// nor ours: the file is kept, staff decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interrupted {
    /// The worker ran out of memory (allocation refused, or killed by the
    /// system's memory limit).
    Memory { limit_bytes: u64 },
    /// Over its CPU time or wall time.
    Time { seconds: u64 },
    /// The reader panicked (caught); the message is the panic's.
    Panicked { message: String },
    /// The worker died otherwise (a signal, an unexpected exit).
    Crashed { how: String },
    /// The answer was larger than allowed, or unreadable.
    BadAnswer { what: String },
}

impl Interrupted {
    /// What happened, in one phrase (French): « lecture interrompue :
    /// mémoire dépassée (limite de 256 Mio) ».
    pub fn summary(&self) -> String {
        let what = match self {
            Interrupted::Memory { limit_bytes } => format!(
                "mémoire dépassée (limite de {} Mio)",
                limit_bytes / (1024 * 1024)
            ),
            Interrupted::Time { seconds } => format!("délai dépassé ({seconds} s)"),
            Interrupted::Panicked { .. } => "le lecteur a échoué sur ce fichier".to_string(),
            Interrupted::Crashed { how } => format!("le lecteur s'est arrêté ({how})"),
            Interrupted::BadAnswer { what } => format!("réponse du lecteur refusée ({what})"),
        };
        format!("lecture interrompue : {what}")
    }

    /// For staff: what happened and what to do (French), as recorded with
    /// the attachment. Starts with [`Interrupted::summary`].
    pub fn reason(&self) -> String {
        format!(
            "{} ; fichier probablement abîmé ou piégé, il est conservé : demander à l'expéditeur \
             de renvoyer la fiche (.docx ou .xlsx) ou la saisir à la main",
            self.summary()
        )
    }

    /// A short stable name for logs and the fuzzing report.
    pub fn kind(&self) -> &'static str {
        match self {
            Interrupted::Memory { .. } => "memory",
            Interrupted::Time { .. } => "time",
            Interrupted::Panicked { .. } => "panic",
            Interrupted::Crashed { .. } => "crash",
            Interrupted::BadAnswer { .. } => "bad_answer",
        }
    }

    /// Details for a developer's log (the panic message, the signal).
    pub fn detail(&self) -> String {
        match self {
            Interrupted::Panicked { message } => message.clone(),
            Interrupted::Crashed { how } => how.clone(),
            Interrupted::BadAnswer { what } => what.clone(),
            Interrupted::Memory { limit_bytes } => format!("limite {limit_bytes} octets"),
            Interrupted::Time { seconds } => format!("{seconds} s"),
        }
    }
}

/// No worker could be started or reached: not the file's fault. The
/// message is not stored; the intake tries it again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "lecteur isolé indisponible ({0}) ; vérifier que le programme fiches est installé en entier \
     et que le système accepte de nouveaux processus, puis relancer"
)]
pub struct Unavailable(pub String);

/// How the intake reads attachments.
#[derive(Debug, Clone, Default)]
pub enum Reader {
    /// In this process, panics caught (library users, unit tests). An abort
    /// or a runaway allocation takes the process with it.
    #[default]
    InProcess,
    /// In worker processes.
    Isolated(WorkerPool),
}

impl Reader {
    /// Reads one file. `Err(Unavailable)` only when no worker could be had.
    pub fn read(
        &self,
        bytes: &[u8],
        file_name: &str,
        limits: &Limits,
    ) -> Result<Result<ReadResult, Interrupted>, Unavailable> {
        match self {
            Reader::InProcess => Ok(read_caught(bytes, file_name, limits)),
            Reader::Isolated(pool) => pool.read(bytes, file_name, limits),
        }
    }

    /// Workers started with the default limits, from the binary found by
    /// [`worker_exe`]; checked by starting one.
    pub fn isolated(limits: WorkerLimits) -> Result<Reader, Unavailable> {
        Ok(Reader::Isolated(WorkerPool::start(worker_exe()?, limits)?))
    }
}

/// The reader in this process, a panic turned into [`Interrupted`]. The
/// panic hook stays quiet meanwhile (see [`quiet_panics`]).
pub fn read_caught(
    bytes: &[u8],
    file_name: &str,
    limits: &Limits,
) -> Result<ReadResult, Interrupted> {
    catch_quietly(|| read_in_process(bytes, file_name, limits))
        .map_err(|message| Interrupted::Panicked { message })
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f`, catching a panic without printing anything: the caller logs
/// one line with what it was doing. `Err` holds the panic's message and place.
pub fn catch_quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let was = QUIET.with(|q| q.replace(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    r.map_err(|payload| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| panic_text(payload.as_ref()).to_string())
    })
}

/// The text of a panic's payload ("panique" when it carries none).
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("panique")
}

/// Installs the process's panic hook: a panic inside [`catch_quietly`]
/// prints nothing (its catcher logs one line); any other prints one line,
/// `fiches : erreur interne : … (file:line)`. With `FICHES_BACKTRACE=1`
/// (developers) the standard hook runs too, with its backtrace.
pub fn quiet_panics() {
    let verbose = std::env::var_os("FICHES_BACKTRACE").is_some_and(|v| v != "0" && !v.is_empty());
    let standard = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let place = info
            .location()
            .map(|l| format!(" ({}:{})", l.file(), l.line()))
            .unwrap_or_default();
        let text = format!("{}{place}", panic_text(info.payload()));
        if QUIET.with(|q| q.get()) {
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
            if verbose {
                standard(info);
            }
            return;
        }
        if verbose {
            standard(info);
        } else {
            // On a line of its own, as the standard hook does (a terminal
            // restored after it may put the cursor back above it).
            eprintln!(
                "\nfiches : erreur interne : {}",
                crate::safe::terminal_line(&text)
            );
        }
    }));
}

#[cfg(test)]
mod tests;
