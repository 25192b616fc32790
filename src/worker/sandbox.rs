//! What a worker takes away from itself before it reads anything. Linux
//! lets an unprivileged process drop all of this, and none of it can be
//! given back:
//!
//! - it dies with the thread that started it (`PR_SET_PDEATHSIG`), and
//!   holds no file descriptor but its three pipes;
//! - `RLIMIT_AS`: address space (an allocation past it fails, Rust aborts
//!   with « memory allocation of … failed », which the parent recognises);
//! - `RLIMIT_CPU`: CPU time (soft limit per file, `SIGXCPU`; hard limit for
//!   the worker's life, then it retires);
//! - `RLIMIT_NOFILE` 3 (no new descriptor: no file, no socket, no pipe),
//!   `RLIMIT_FSIZE` 0, `RLIMIT_CORE` 0 (no core dump of hostile content),
//!   `RLIMIT_NPROC` 0;
//! - `PR_SET_NO_NEW_PRIVS` (no set-uid gain), `PR_SET_DUMPABLE` 0 (no
//!   ptrace by other processes of the user);
//! - a seccomp filter (the `seccompiler` crate of rust-vmm, made for
//!   Firecracker's sandbox): the system calls that open, create or change
//!   files, make sockets, start or trace processes, load modules or
//!   mount answer `EPERM`. It is a deny list on purpose: a call the
//!   readers legitimately make and we forgot is refused with an error, it
//!   never kills a worker reading a good fiche.

use std::io;

/// Applies everything above but the CPU limit of the first file. The
/// `parent` pid guards against a parent that died before the worker asked
/// to die with it.
pub fn confine(memory_bytes: u64, cpu_hard_seconds: u64, parent: u32) -> io::Result<()> {
    // SAFETY: plain system calls on this process, no memory handed over.
    unsafe {
        if libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        ) != 0
        {
            return Err(io::Error::last_os_error());
        }
        if libc::getppid() as u32 != parent {
            // The parent is gone already: nobody will read our answers.
            std::process::exit(0);
        }
    }
    close_other_fds();
    // The parent reads stderr only after a death: never block on it.
    // SAFETY: fcntl on our own stderr.
    unsafe {
        let flags = libc::fcntl(2, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(2, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
    }
    set_limit(libc::RLIMIT_CORE, 0, 0)?;
    set_limit(libc::RLIMIT_FSIZE, 0, 0)?;
    set_limit(libc::RLIMIT_NOFILE, 3, 3)?;
    set_limit(libc::RLIMIT_AS, memory_bytes, memory_bytes)?;
    set_limit(libc::RLIMIT_CPU, cpu_hard_seconds, cpu_hard_seconds)?;
    // Root ignores RLIMIT_NPROC; the seccomp filter refuses fork anyway.
    let _ = set_limit(libc::RLIMIT_NPROC, 0, 0);
    // SAFETY: prctl flags on this process.
    unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return Err(io::Error::last_os_error());
        }
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    // Without it (a service manager's own filter may refuse it) the limits
    // above still hold: no descriptor can be opened, no file written.
    let _ = seccomp::apply();
    Ok(())
}

/// Sets the CPU soft limit for the next file: `seconds` more than used so
/// far (whole seconds, rounded up), never over the hard limit.
pub fn cpu_budget_for_next_file(seconds: u64) -> io::Result<()> {
    let (soft, hard) = get_limit(libc::RLIMIT_CPU)?;
    let _ = soft;
    let used = cpu_used_seconds().ceil() as u64;
    let want = used.saturating_add(seconds).min(hard);
    set_limit(libc::RLIMIT_CPU, want, hard)
}

/// True when the hard CPU limit leaves less than one more file's budget.
pub fn cpu_nearly_spent(seconds: u64) -> bool {
    match get_limit(libc::RLIMIT_CPU) {
        Ok((_, hard)) => cpu_used_seconds().ceil() as u64 + seconds + 1 >= hard,
        Err(_) => true,
    }
}

/// CPU time of this process so far (user + system).
pub fn cpu_used_seconds() -> f64 {
    // SAFETY: getrusage fills the struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return 0.0;
    }
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn get_limit(resource: libc::__rlimit_resource_t) -> io::Result<(u64, u64)> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit fills the struct we own.
    if unsafe { libc::getrlimit(resource, &mut r) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((r.rlim_cur, r.rlim_max))
}

/// Sets a limit; never above the hard limit already in force (a parent run
/// under `ulimit -v` keeps its smaller bound).
fn set_limit(resource: libc::__rlimit_resource_t, soft: u64, hard: u64) -> io::Result<()> {
    let (_, current_hard) = get_limit(resource)?;
    let hard = hard.min(current_hard);
    let r = libc::rlimit {
        rlim_cur: soft.min(hard),
        rlim_max: hard,
    };
    // SAFETY: setrlimit reads the struct we own.
    if unsafe { libc::setrlimit(resource, &r) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Closes every descriptor above stderr (the parent's are close-on-exec,
/// this also covers any inherited by mistake).
fn close_other_fds() {
    // SAFETY: close_range on descriptors this process does not use.
    let r = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) };
    if r != 0 {
        for fd in 3..4096 {
            // SAFETY: closing a descriptor we do not use; EBADF is fine.
            unsafe {
                libc::close(fd);
            }
        }
    }
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod seccomp {
    use std::collections::BTreeMap;
    use std::io;

    use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

    /// System calls a reader of bytes in memory has no use for.
    #[rustfmt::skip]
    const DENIED: &[libc::c_long] = &[
        // files and directories
        #[cfg(target_arch = "x86_64")] libc::SYS_open,
        #[cfg(target_arch = "x86_64")] libc::SYS_creat,
        #[cfg(target_arch = "x86_64")] libc::SYS_mkdir,
        #[cfg(target_arch = "x86_64")] libc::SYS_rmdir,
        #[cfg(target_arch = "x86_64")] libc::SYS_unlink,
        #[cfg(target_arch = "x86_64")] libc::SYS_rename,
        #[cfg(target_arch = "x86_64")] libc::SYS_link,
        #[cfg(target_arch = "x86_64")] libc::SYS_symlink,
        #[cfg(target_arch = "x86_64")] libc::SYS_chmod,
        #[cfg(target_arch = "x86_64")] libc::SYS_chown,
        #[cfg(target_arch = "x86_64")] libc::SYS_lchown,
        #[cfg(target_arch = "x86_64")] libc::SYS_mknod,
        #[cfg(target_arch = "x86_64")] libc::SYS_fork,
        #[cfg(target_arch = "x86_64")] libc::SYS_vfork,
        libc::SYS_openat, libc::SYS_openat2, libc::SYS_open_by_handle_at,
        libc::SYS_mkdirat, libc::SYS_unlinkat, libc::SYS_renameat, libc::SYS_renameat2,
        libc::SYS_linkat, libc::SYS_symlinkat, libc::SYS_fchmod, libc::SYS_fchmodat,
        libc::SYS_fchown, libc::SYS_fchownat, libc::SYS_truncate, libc::SYS_ftruncate,
        libc::SYS_mknodat, libc::SYS_memfd_create,
        // network
        libc::SYS_socket, libc::SYS_socketpair, libc::SYS_connect, libc::SYS_bind,
        libc::SYS_listen, libc::SYS_accept, libc::SYS_accept4,
        // processes
        libc::SYS_clone, libc::SYS_clone3, libc::SYS_execve, libc::SYS_execveat,
        libc::SYS_ptrace, libc::SYS_process_vm_readv, libc::SYS_process_vm_writev,
        libc::SYS_kill, libc::SYS_pidfd_open, libc::SYS_pidfd_send_signal,
        // the system
        libc::SYS_mount, libc::SYS_umount2, libc::SYS_pivot_root, libc::SYS_chroot,
        libc::SYS_setns, libc::SYS_unshare, libc::SYS_bpf, libc::SYS_perf_event_open,
        libc::SYS_io_uring_setup, libc::SYS_keyctl, libc::SYS_add_key, libc::SYS_request_key,
        libc::SYS_init_module, libc::SYS_finit_module, libc::SYS_delete_module,
        libc::SYS_kexec_load, libc::SYS_reboot, libc::SYS_swapon, libc::SYS_swapoff,
    ];

    pub fn apply() -> io::Result<()> {
        let arch: TargetArch = std::env::consts::ARCH
            .try_into()
            .map_err(|e| io::Error::other(format!("seccomp : {e:?}")))?;
        let rules = DENIED
            .iter()
            // c_long is not i64 on every target.
            .map(|&n| {
                (
                    #[allow(clippy::unnecessary_cast)]
                    (n as i64),
                    Vec::new(),
                )
            })
            .collect::<BTreeMap<_, _>>();
        let filter = SeccompFilter::new(
            rules,
            SeccompAction::Allow,
            SeccompAction::Errno(libc::EPERM as u32),
            arch,
        )
        .map_err(|e| io::Error::other(format!("seccomp : {e}")))?;
        let program: BpfProgram = filter
            .try_into()
            .map_err(|e: seccompiler::BackendError| io::Error::other(format!("seccomp : {e}")))?;
        seccompiler::apply_filter(&program).map_err(|e| io::Error::other(format!("seccomp : {e}")))
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
mod seccomp {
    /// No filter for this architecture: the resource limits still hold.
    pub fn apply() -> std::io::Result<()> {
        Ok(())
    }
}
