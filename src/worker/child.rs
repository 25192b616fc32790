//! The worker's side: `fiches __read-worker LIMITS_JSON PARENT_PID`. Confines
//! itself (`sandbox`), says hello, then reads one file per request from
//! stdin and answers on stdout, until end of input. Prints nothing else:
//! stderr is for the runtime's last words (an allocation refused), which
//! the parent reads to tell a memory death from another.

use std::io::{self, Read, Write};
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;

use super::protocol::{
    Answer, HELLO, MAX_FILE_BYTES, MAX_LIMITS_BYTES, MAX_NAME_BYTES, Outcome, REQUEST_MAGIC,
    answer_frame,
};
use super::{WorkerLimits, catch_quietly, read_in_process, sandbox};
use crate::fiche::Limits;

/// Lifetime CPU budget of one worker, in files' worth of CPU time: then it
/// retires and the pool starts a fresh one.
const LIFETIME_FILES: u64 = 30;

/// Runs the worker; never returns. Exit status 0 at end of input, 3 when
/// the arguments or the confinement failed (the parent reports it).
pub fn run(args: &[String]) -> ! {
    let code = match serve(args) {
        Ok(()) => 0,
        Err(_) => 3,
    };
    std::process::exit(code)
}

fn serve(args: &[String]) -> io::Result<()> {
    let limits: WorkerLimits = args
        .first()
        .and_then(|a| serde_json::from_str(a).ok())
        .ok_or_else(|| io::Error::other("limites du lecteur illisibles"))?;
    let parent: u32 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| io::Error::other("pid du parent manquant"))?;
    if let Some(def) = args.get(2) {
        let call: crate::call::CallFile = serde_json::from_str(def)
            .map_err(|_| io::Error::other("définition de l'appel illisible"))?;
        crate::call::install(call);
    }
    let cpu = limits.cpu_seconds.max(1);
    // A panic is answered, never printed.
    super::quiet_panics();
    sandbox::confine(
        limits.memory_bytes,
        cpu.saturating_mul(LIFETIME_FILES),
        parent,
    )?;

    // SAFETY: fds 0 and 1 are the pipes the parent gave us; never closed here.
    let mut input = ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(0) });
    let mut output = ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(1) });
    output.write_all(HELLO)?;
    loop {
        let Some((name, file_limits, bytes)) = read_request(&mut *input)? else {
            return Ok(());
        };
        sandbox::cpu_budget_for_next_file(cpu)?;
        let outcome = match catch_quietly(|| {
            test_hooks(&bytes);
            read_in_process(&bytes, &name, &file_limits)
        }) {
            Ok(result) => Outcome::Read(result),
            Err(panic) => Outcome::Panicked(panic),
        };
        drop(bytes);
        let retiring = sandbox::cpu_nearly_spent(cpu);
        output.write_all(&answer_frame(&Answer { outcome, retiring }))?;
        if retiring {
            return Ok(());
        }
    }
}

/// Reads one request; `None` at end of input.
fn read_request(input: &mut impl Read) -> io::Result<Option<(String, Limits, Vec<u8>)>> {
    let mut magic = [0u8; 4];
    match input.read_exact(&mut magic) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    if &magic != REQUEST_MAGIC {
        return Err(io::Error::other("requête illisible"));
    }
    let name = read_block(input, MAX_NAME_BYTES)?;
    let limits = read_block(input, MAX_LIMITS_BYTES)?;
    let limits: Limits = serde_json::from_slice(&limits).map_err(io::Error::other)?;
    let mut len = [0u8; 8];
    input.read_exact(&mut len)?;
    let len = u64::from_le_bytes(len);
    if len > MAX_FILE_BYTES {
        return Err(io::Error::other("fichier trop grand"));
    }
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(len as usize)
        .map_err(io::Error::other)?;
    input.take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len {
        return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
    }
    Ok(Some((
        String::from_utf8_lossy(&name).into_owned(),
        limits,
        bytes,
    )))
}

fn read_block(input: &mut impl Read, max: u32) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let len = u32::from_le_bytes(len);
    if len > max {
        return Err(io::Error::other("bloc trop grand"));
    }
    let mut v = vec![0u8; len as usize];
    input.read_exact(&mut v)?;
    Ok(v)
}

/// Debug builds only, and only with `FICHES_TEST_READER_HOOKS` set: a file
/// holding one of these markers makes the reader misbehave the way hostile
/// files do, so the tests can check that the intake survives each death
/// (the real reproducers are in `fixtures/hostile/`; no file is known to
/// make the reader sleep or spin forever, these stand in for one).
fn test_hooks(bytes: &[u8]) {
    #[cfg(debug_assertions)]
    if std::env::var_os("FICHES_TEST_READER_HOOKS").is_some() {
        let has = |m: &[u8]| memchr::memmem::find(bytes, m).is_some();
        if has(b"FICHES-TEST-SPIN") {
            // Burns CPU until RLIMIT_CPU ends it.
            let mut x = 0u64;
            loop {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        }
        if has(b"FICHES-TEST-SLEEP") {
            // Uses no CPU: only the parent's wall clock ends it.
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
        if has(b"FICHES-TEST-ABORT") {
            std::process::abort();
        }
        if has(b"FICHES-TEST-PANIC") {
            panic!("panique simulée (FICHES-TEST-PANIC)");
        }
        if has(b"FICHES-TEST-SEGV") {
            // A real invalid access (a raised signal would be swallowed
            // by the runtime's stack-overflow handler).
            // SAFETY: none; this is the point (debug builds, tests only).
            unsafe {
                std::ptr::null_mut::<u8>().write_volatile(1);
            }
        }
        if has(b"FICHES-TEST-ESCAPE") {
            // What a hostile reader would try: every attempt must fail.
            let file = std::fs::File::create("/tmp/fiches-worker-escape");
            let sock = std::net::TcpStream::connect("127.0.0.1:9");
            let spawn = std::process::Command::new("/bin/true").status();
            panic!(
                "évasion : fichier {}, réseau {}, processus {}",
                if file.is_ok() { "créé" } else { "refusé" },
                if sock.is_ok() { "ouvert" } else { "refusé" },
                if spawn.is_ok() { "lancé" } else { "refusé" },
            );
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = bytes;
}
