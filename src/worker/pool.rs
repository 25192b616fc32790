//! The parent's side: a pool of warm workers. A reading takes an idle
//! worker (or starts one), writes the request and waits for the answer with
//! the wall-clock deadline (`poll` on non-blocking pipes), then gives the
//! worker back. A worker that does not answer — dead, or too slow and then
//! killed — is reaped (`wait4`: its status, CPU time and peak memory) and
//! the death is told apart: out of memory, out of time, crashed.
//!
//! Workers are started by one thread of the pool's own, so that they die
//! with it (`PR_SET_PDEATHSIG` follows the thread that forked, not the
//! process): a pool dropped, or a parent killed, leaves no worker behind.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use super::protocol::{ANSWER_MAGIC, Answer, HELLO, Outcome, request_header};
use super::{Interrupted, ReadResult, Unavailable, WORKER_SUBCOMMAND, WorkerLimits};
use crate::fiche::Limits;

/// How long a new worker may take to say hello (a cold start of a debug
/// build on a loaded machine included).
const HELLO_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a worker that closed its pipes may take to exit before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(2);
/// What is kept of a dead worker's last words.
const MAX_STDERR: usize = 16 * 1024;

static REGISTERED_EXE: OnceLock<PathBuf> = OnceLock::new();

/// Registers the program the workers run: the `fiches` binary calls this
/// at start with itself (`/proc/self/exe`: the running file even after an
/// upgrade replaced it on disk).
pub fn set_worker_exe(path: PathBuf) {
    let _ = REGISTERED_EXE.set(path);
}

/// The program the workers run: the one registered by the `fiches`
/// binary, else `$FICHES_WORKER_EXE` (tests and library users that read
/// in workers from another program point it at a `fiches` binary, e.g.
/// `CARGO_BIN_EXE_fiches`).
pub fn worker_exe() -> Result<PathBuf, Unavailable> {
    if let Some(p) = REGISTERED_EXE.get() {
        return Ok(p.clone());
    }
    match std::env::var_os("FICHES_WORKER_EXE") {
        Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
        _ => Err(Unavailable(
            "programme du lecteur inconnu : ce programme n'est pas fiches et FICHES_WORKER_EXE \
             n'est pas défini"
                .into(),
        )),
    }
}

/// A pool of reader workers; cheap to clone (shared).
#[derive(Clone)]
pub struct WorkerPool {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerPool")
            .field("exe", &self.inner.exe)
            .field("limits", &self.inner.limits)
            .finish()
    }
}

struct Inner {
    exe: PathBuf,
    limits: WorkerLimits,
    idle: Mutex<Vec<Worker>>,
    spawner: Mutex<Sender<Sender<io::Result<Worker>>>>,
}

/// One worker process and the parent's ends of its pipes (non-blocking).
/// Dropped without `retire` or `bury` (a panic on our side), it is killed
/// and reaped all the same: no zombie, no orphan.
struct Worker {
    /// 0 once reaped.
    pid: libc::pid_t,
    /// `None` once closed (end of input for the worker).
    stdin: Option<File>,
    stdout: File,
    stderr: File,
}

impl Drop for Worker {
    fn drop(&mut self) {
        if self.pid > 0 {
            // SAFETY: our own child, not yet reaped: the pid is still ours.
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
            }
            let _ = reap(self.pid, Duration::ZERO);
            self.pid = 0;
        }
    }
}

/// Why a request got no answer.
#[derive(Debug)]
enum Failure {
    /// Past the wall-clock deadline.
    Timeout,
    /// The worker closed its end (it died) while we wrote or read.
    Closed {
        writing: bool,
    },
    /// The answer announced more bytes than allowed.
    TooLarge(u64),
    /// The answer could not be read.
    Garbled(String),
    Io(io::Error),
}

impl WorkerPool {
    /// A pool running `exe`; one worker is started now, to check that `exe`
    /// is a fiches reader.
    pub fn start(exe: PathBuf, limits: WorkerLimits) -> Result<WorkerPool, Unavailable> {
        // Workers start in `/`: a relative path would name another file there.
        let exe = std::path::absolute(&exe).unwrap_or(exe);
        let (tx, rx) = mpsc::channel::<Sender<io::Result<Worker>>>();
        let (exe2, limits2) = (exe.clone(), limits);
        std::thread::Builder::new()
            .name("fiches-lecteurs".into())
            .spawn(move || {
                for reply in rx {
                    let _ = reply.send(spawn(&exe2, &limits2));
                }
            })
            .map_err(|e| {
                Unavailable(format!(
                    "fil de lancement impossible : {}",
                    crate::os_error::io_fr(&e)
                ))
            })?;
        let pool = WorkerPool {
            inner: Arc::new(Inner {
                exe,
                limits,
                idle: Mutex::new(Vec::new()),
                spawner: Mutex::new(tx),
            }),
        };
        let w = pool.new_worker()?;
        pool.give_back(w);
        Ok(pool)
    }

    pub fn limits(&self) -> &WorkerLimits {
        &self.inner.limits
    }

    pub fn exe(&self) -> &Path {
        &self.inner.exe
    }

    /// Reads one file in a worker. `Ok(Err(_))`: the worker died on it.
    pub fn read(
        &self,
        bytes: &[u8],
        file_name: &str,
        limits: &Limits,
    ) -> Result<Result<ReadResult, Interrupted>, Unavailable> {
        let limits_json = serde_json::to_vec(limits)
            .map_err(|e| Unavailable(format!("limites non sérialisables : {e}")))?;
        let mut fresh = false;
        loop {
            let worker = match self.take_idle() {
                Some(w) => w,
                None => {
                    fresh = true;
                    self.new_worker()?
                }
            };
            match worker.request(bytes, file_name, &limits_json, &self.inner.limits) {
                Ok(answer) => {
                    if answer.retiring {
                        worker.retire();
                    } else {
                        self.give_back(worker);
                    }
                    return Ok(match answer.outcome {
                        Outcome::Read(r) => Ok(r),
                        Outcome::Panicked(message) => Err(Interrupted::Panicked { message }),
                    });
                }
                // A warm worker found dead before it got the file (killed
                // from outside while idle): not this file's doing.
                Err(Failure::Closed { writing: true }) if !fresh => {
                    worker.bury(&Failure::Closed { writing: true }, &self.inner.limits);
                    continue;
                }
                Err(f) => return Ok(Err(worker.bury(&f, &self.inner.limits))),
            }
        }
    }

    fn take_idle(&self) -> Option<Worker> {
        self.inner
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    fn give_back(&self, w: Worker) {
        let mut idle = self
            .inner
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.inner.limits.max_idle.max(1) {
            idle.push(w);
        } else {
            drop(idle);
            w.retire();
        }
    }

    /// Starts a worker (on the pool's thread) and waits for its hello.
    fn new_worker(&self) -> Result<Worker, Unavailable> {
        let (tx, rx) = mpsc::channel();
        self.inner
            .spawner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(tx)
            .map_err(|_| Unavailable("fil de lancement arrêté".into()))?;
        let exe = self.inner.exe.display().to_string();
        let w = rx
            .recv()
            .map_err(|_| Unavailable("fil de lancement arrêté".into()))?
            .map_err(|e| {
                Unavailable(format!(
                    "{exe} ne peut pas être lancé : {}",
                    crate::os_error::problem(&self.inner.exe, &e)
                ))
            })?;
        let mut hello = [0u8; HELLO.len()];
        match read_exact(&w.stdout, &mut hello, Instant::now() + HELLO_TIMEOUT) {
            Ok(()) if hello == HELLO => Ok(w),
            Ok(()) => {
                w.retire();
                Err(Unavailable(format!(
                    "{exe} n'a pas répondu comme un lecteur de fiches"
                )))
            }
            Err(f) => {
                let why = w.bury(&f, &self.inner.limits);
                Err(Unavailable(format!(
                    "{exe} n'a pas démarré comme lecteur de fiches ({})",
                    why.detail()
                )))
            }
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(PoisonError::into_inner));
        for w in idle {
            w.retire();
        }
    }
}

/// Starts one worker process (called on the pool's thread).
fn spawn(exe: &Path, limits: &WorkerLimits) -> io::Result<Worker> {
    let limits_json = serde_json::to_string(limits).map_err(io::Error::other)?;
    let mut cmd = Command::new(exe);
    // Nothing of our environment (a password in `password_env`, paths) is
    // the worker's business.
    cmd.env_clear();
    #[cfg(debug_assertions)]
    if let Some(v) = std::env::var_os("FICHES_TEST_READER_HOOKS") {
        cmd.env("FICHES_TEST_READER_HOOKS", v);
    }
    cmd.arg(WORKER_SUBCOMMAND)
        .arg(limits_json)
        .arg(std::process::id().to_string());
    // A call definition other than the built-in one is handed over whole:
    // the worker reads no file.
    if let Some(call) = crate::call::installed() {
        cmd.arg(serde_json::to_string(call).map_err(io::Error::other)?);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .current_dir("/")
        .spawn()?;
    let pid = child.id() as libc::pid_t;
    let take = |fd: Option<OwnedFd>| -> io::Result<File> {
        let fd = fd.ok_or_else(|| io::Error::other("tube manquant"))?;
        set_nonblocking(fd.as_raw_fd())?;
        Ok(File::from(fd))
    };
    let pipes = (|| {
        Ok::<_, io::Error>(Worker {
            pid,
            stdin: Some(take(child.stdin.take().map(OwnedFd::from))?),
            stdout: take(child.stdout.take().map(OwnedFd::from))?,
            stderr: take(child.stderr.take().map(OwnedFd::from))?,
        })
    })();
    match pipes {
        Ok(w) => Ok(w),
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(e)
        }
    }
}

impl Worker {
    /// Sends one file and reads the answer, within the wall-clock limit.
    fn request(
        &self,
        bytes: &[u8],
        name: &str,
        limits_json: &[u8],
        wl: &WorkerLimits,
    ) -> Result<Answer, Failure> {
        let deadline = Instant::now() + wl.wall;
        let header = request_header(name, limits_json, bytes.len() as u64);
        let writing = |f: Failure| match f {
            Failure::Closed { .. } => Failure::Closed { writing: true },
            other => other,
        };
        let stdin = self
            .stdin
            .as_ref()
            .ok_or(Failure::Closed { writing: true })?;
        write_all(stdin, &header, deadline).map_err(writing)?;
        write_all(stdin, bytes, deadline).map_err(writing)?;
        let mut head = [0u8; 12];
        read_exact(&self.stdout, &mut head, deadline)?;
        if &head[..4] != ANSWER_MAGIC {
            return Err(Failure::Garbled("en-tête de réponse inconnu".into()));
        }
        let len = u64::from_le_bytes(head[4..12].try_into().unwrap_or([0; 8]));
        if len > wl.max_answer_bytes {
            return Err(Failure::TooLarge(len));
        }
        let mut body = vec![0u8; len as usize];
        read_exact(&self.stdout, &mut body, deadline)?;
        serde_json::from_slice(&body).map_err(|e| Failure::Garbled(e.to_string()))
    }

    /// Ends a healthy worker: end of input, it exits; reaped.
    fn retire(mut self) {
        self.stdin = None;
        let _ = reap(self.pid, EXIT_GRACE);
        self.pid = 0;
    }

    /// Kills (if needed) and reaps a worker that gave no answer, and says
    /// why it gave none.
    fn bury(mut self, failure: &Failure, wl: &WorkerLimits) -> Interrupted {
        let alive_on_purpose = !matches!(failure, Failure::Closed { .. });
        if alive_on_purpose {
            // SAFETY: our own child, not yet reaped: the pid is still ours.
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
            }
        }
        let (status, cpu) = reap(self.pid, EXIT_GRACE);
        self.pid = 0;
        let last_words = read_available(&self.stderr);
        classify(failure, status, cpu, &last_words, wl)
    }
}

/// What a worker's end says about its death.
fn classify(
    failure: &Failure,
    status: Option<ExitStatus>,
    cpu_seconds: f64,
    last_words: &str,
    wl: &WorkerLimits,
) -> Interrupted {
    let memory = Interrupted::Memory {
        limit_bytes: wl.memory_bytes,
    };
    match failure {
        Failure::Timeout => {
            return Interrupted::Time {
                seconds: wl.wall.as_secs().max(1),
            };
        }
        Failure::TooLarge(n) => {
            return Interrupted::BadAnswer {
                what: format!("{n} octets, limite {}", wl.max_answer_bytes),
            };
        }
        Failure::Garbled(e) => return Interrupted::BadAnswer { what: e.clone() },
        Failure::Closed { .. } | Failure::Io(_) => {}
    }
    if last_words.contains("memory allocation of") || last_words.contains("overflowed its stack") {
        return memory;
    }
    let cpu_spent = cpu_seconds + 0.5 >= wl.cpu_seconds as f64;
    match status {
        Some(s) => match s.signal() {
            Some(libc::SIGXCPU) => Interrupted::Time {
                seconds: wl.cpu_seconds,
            },
            // Not sent by us: the CPU hard limit, or the system's memory
            // limit (the OOM killer, a cgroup's MemoryMax).
            Some(libc::SIGKILL) if cpu_spent => Interrupted::Time {
                seconds: wl.cpu_seconds,
            },
            Some(libc::SIGKILL) => memory,
            Some(sig) => Interrupted::Crashed {
                how: format!("signal {}", signal_name(sig)),
            },
            None => Interrupted::Crashed {
                how: format!(
                    "fin inattendue, code {}{}",
                    s.code().unwrap_or(-1),
                    match failure {
                        Failure::Io(e) => format!(", {e}"),
                        _ => String::new(),
                    }
                ),
            },
        },
        None => Interrupted::Crashed {
            how: "processus introuvable".into(),
        },
    }
}

fn signal_name(sig: i32) -> String {
    match sig {
        libc::SIGABRT => "SIGABRT".into(),
        libc::SIGSEGV => "SIGSEGV".into(),
        libc::SIGBUS => "SIGBUS".into(),
        libc::SIGILL => "SIGILL".into(),
        libc::SIGFPE => "SIGFPE".into(),
        libc::SIGTERM => "SIGTERM".into(),
        libc::SIGSYS => "SIGSYS".into(),
        n => format!("n° {n}"),
    }
}

/// Waits for a child to end (killing it after `grace`): its status and
/// CPU time.
fn reap(pid: libc::pid_t, grace: Duration) -> (Option<ExitStatus>, f64) {
    let until = Instant::now() + grace;
    let mut killed = false;
    loop {
        let mut status = 0;
        // SAFETY: rusage is ours to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let flags = if killed { 0 } else { libc::WNOHANG };
        // SAFETY: waits for our own child only.
        let r = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if r == pid {
            let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
            return (
                Some(ExitStatus::from_raw(status)),
                t(usage.ru_utime) + t(usage.ru_stime),
            );
        }
        if r < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return (None, 0.0);
        }
        if Instant::now() >= until && !killed {
            // SAFETY: our own child, not yet reaped.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
            killed = true;
            continue;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we own.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Waits until `fd` is ready for `events`; false at the deadline.
fn wait_ready(fd: RawFd, events: i16, deadline: Instant) -> Result<bool, Failure> {
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Ok(false);
        }
        let ms = (deadline - now).as_millis().clamp(1, i32::MAX as u128) as i32;
        let mut p = libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        // SAFETY: one pollfd we own.
        let r = unsafe { libc::poll(&mut p, 1, ms) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(Failure::Io(e));
        }
        if r > 0 {
            return Ok(true);
        }
    }
}

fn write_all(mut f: &File, mut buf: &[u8], deadline: Instant) -> Result<(), Failure> {
    while !buf.is_empty() {
        match f.write(buf) {
            Ok(0) => return Err(Failure::Closed { writing: true }),
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if !wait_ready(f.as_raw_fd(), libc::POLLOUT, deadline)? {
                    return Err(Failure::Timeout);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                return Err(Failure::Closed { writing: true });
            }
            Err(e) => return Err(Failure::Io(e)),
        }
    }
    Ok(())
}

fn read_exact(mut f: &File, mut buf: &mut [u8], deadline: Instant) -> Result<(), Failure> {
    while !buf.is_empty() {
        match f.read(buf) {
            Ok(0) => return Err(Failure::Closed { writing: false }),
            Ok(n) => buf = &mut buf[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if !wait_ready(f.as_raw_fd(), libc::POLLIN, deadline)? {
                    return Err(Failure::Timeout);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Failure::Io(e)),
        }
    }
    Ok(())
}

/// What is in a pipe now (the worker is dead: no more will come).
fn read_available(mut f: &File) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() < MAX_STDERR {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
pub(super) mod tests_support {
    use super::*;

    /// `classify` for a worker that closed its pipes (it died).
    pub fn classify_closed(
        status: Option<ExitStatus>,
        cpu: f64,
        last_words: &str,
        wl: &WorkerLimits,
    ) -> Interrupted {
        classify(
            &Failure::Closed { writing: false },
            status,
            cpu,
            last_words,
            wl,
        )
    }
}
