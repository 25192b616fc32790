//! The Unix side of sharing one server: who is acting (the journal's user),
//! the process's file-creation mask, accounts and groups, whether a file can
//! be written, and who holds a lock. Everything else asks here.
//!
//! The model: the daemon runs as the `fiches` system user, staff log in as
//! themselves and belong to the `fiches` group; the state directory
//! (`/var/lib/fiches`) is setgid `fiches`, so every file created in it
//! belongs to the group, and the process's umask (0007, set at start)
//! makes it group-writable whatever the login's own umask.

// libc calls std has no safe wrapper for; `unsafe` is denied elsewhere
// (src/lib.rs).
#![allow(
    unsafe_code,
    reason = "libc calls std does not wrap; each block says why it is sound (SAFETY)"
)]

use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The file-creation mask every `fiches` process runs with: read and write
/// for the owner and the group (staff and the daemon share the files), no
/// access for others.
pub const UMASK: u32 = 0o007;

/// The group staff and the daemon share.
pub const GROUP: &str = "fiches";

/// Sets [`UMASK`] for this process (and the children it starts). Called
/// once, first thing in `main`.
pub fn set_umask() {
    // SAFETY: umask has no failure mode and touches only this process.
    unsafe {
        libc::umask(UMASK as libc::mode_t);
    }
}

/// Who is acting, as the journal and the letters' history name them: the
/// account of the real user id. Behind `sudo`, the person who ran sudo
/// (`SUDO_USER`) — trusted only when the real user is root and the
/// variables are sudo's own (`SUDO_UID` is that account's uid), so that
/// `SUDO_USER=bob fiches publish` by anyone else still names its real user.
pub fn acting_user() -> String {
    let uid = unsafe { libc::getuid() };
    acting_user_from(
        uid,
        std::env::var("SUDO_USER").ok().as_deref(),
        std::env::var("SUDO_UID").ok().as_deref(),
    )
}

/// [`acting_user`] with the real uid and sudo's variables given.
pub fn acting_user_from(uid: u32, sudo_user: Option<&str>, sudo_uid: Option<&str>) -> String {
    if uid == 0
        && let (Some(name), Some(claimed)) = (sudo_user, sudo_uid)
        && let Ok(claimed) = claimed.trim().parse::<u32>()
        && claimed != 0
        && user_id(name) == Some(claimed)
    {
        return name.to_string();
    }
    user_name(uid).unwrap_or_else(|| format!("uid {uid}"))
}

/// The account name of a user id.
pub fn user_name(uid: u32) -> Option<String> {
    lookup(
        // SAFETY: the record, buffer and `out` pointers are valid for the
        // call (see `lookup`).
        |pwd, buf, len, out| unsafe { libc::getpwuid_r(uid, pwd, buf, len, out) },
        |pwd: &libc::passwd| {
            // SAFETY: pw_name is a NUL-terminated string in the buffer.
            let name = unsafe { CStr::from_ptr(pwd.pw_name) };
            name.to_string_lossy().into_owned()
        },
    )
}

/// The user id of an account name.
pub fn user_id(name: &str) -> Option<u32> {
    account_ids(name).map(|(uid, _)| uid)
}

/// The groups an account gets at its next login, from the account and
/// group databases (its primary group included) — not those of a session
/// opened before it was added to one.
pub fn account_groups(name: &str) -> Vec<u32> {
    let (Some((_, primary)), Ok(c)) = (account_ids(name), CString::new(name)) else {
        return Vec::new();
    };
    let mut n: libc::c_int = 64;
    loop {
        let mut groups = vec![0 as libc::gid_t; n as usize];
        let mut count = n;
        // SAFETY: `groups` holds `count` entries; getgrouplist writes at
        // most that many and sets `count` to the number it needs.
        let rc =
            unsafe { libc::getgrouplist(c.as_ptr(), primary, groups.as_mut_ptr(), &mut count) };
        if rc >= 0 {
            groups.truncate(count.max(0) as usize);
            return groups;
        }
        if count <= n || n >= 1 << 16 {
            return vec![primary];
        }
        n = count;
    }
}

/// What to tell `user`, who is not in `group` in this session: to ask for
/// it (`adduser`), or — already added since this session was opened — to
/// log in again. Both end with "log out and in again".
pub fn join_group_advice(user: &str, group: &str) -> String {
    let listed = group_id(group).is_some_and(|g| account_groups(user).contains(&g));
    if listed {
        format!(
            "{user} fait déjà partie du groupe {group}, mais cette session a été ouverte avant : \
             se déconnecter puis se reconnecter (ou `newgrp {group}` dans ce terminal)"
        )
    } else {
        format!(
            "demander à l'administrateur d'ajouter {user} au groupe {group} \
             (`sudo adduser {user} {group}`), puis se déconnecter et se reconnecter"
        )
    }
}

/// The user and primary group ids of an account name.
fn account_ids(name: &str) -> Option<(u32, u32)> {
    let c = CString::new(name).ok()?;
    lookup(
        // SAFETY: as in `user_name`; `c` is NUL-terminated.
        |pwd, buf, len, out| unsafe { libc::getpwnam_r(c.as_ptr(), pwd, buf, len, out) },
        |pwd: &libc::passwd| (pwd.pw_uid, pwd.pw_gid),
    )
}

/// The name of a group id.
pub fn group_name(gid: u32) -> Option<String> {
    lookup(
        // SAFETY: the record, buffer and `out` pointers are valid for the
        // call (see `lookup`).
        |grp, buf, len, out| unsafe { libc::getgrgid_r(gid, grp, buf, len, out) },
        |grp: &libc::group| {
            // SAFETY: gr_name is a NUL-terminated string in the buffer.
            let name = unsafe { CStr::from_ptr(grp.gr_name) };
            name.to_string_lossy().into_owned()
        },
    )
}

/// The id of a group name.
pub fn group_id(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    lookup(
        // SAFETY: as in `group_name`; `c` is NUL-terminated.
        |grp, buf, len, out| unsafe { libc::getgrnam_r(c.as_ptr(), grp, buf, len, out) },
        |grp: &libc::group| grp.gr_gid,
    )
}

/// Runs one of the reentrant account and group lookups (`getpwuid_r`,
/// `getpwnam_r`, `getgrgid_r`, `getgrnam_r`: `call(record, buffer, its
/// length, out)`), growing the buffer for the record's strings while the
/// call answers ERANGE (up to 1 MiB), and reads the record found with
/// `read` while that buffer is alive. `None`: not found, or an error.
fn lookup<T, R>(
    call: impl Fn(*mut T, *mut libc::c_char, libc::size_t, *mut *mut T) -> libc::c_int,
    read: impl FnOnce(&T) -> R,
) -> Option<R> {
    let mut buf = vec![0u8; 4096];
    loop {
        let mut record = std::mem::MaybeUninit::<T>::uninit();
        let mut out: *mut T = std::ptr::null_mut();
        let rc = call(
            record.as_mut_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut out,
        );
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        if rc != 0 || out.is_null() {
            return None;
        }
        // SAFETY: on success the call filled `record` and pointed `out` at
        // it; the strings it points to are in `buf`, alive until we return.
        return Some(read(unsafe { &*out }));
    }
}

/// The effective user id.
pub fn euid() -> u32 {
    unsafe { libc::geteuid() }
}

/// The name of the effective user (for messages: "ajouter X au groupe").
pub fn effective_user() -> String {
    let uid = euid();
    user_name(uid).unwrap_or_else(|| format!("uid {uid}"))
}

/// Whether this process may write `path` (and, for a directory, create
/// files in it), by the effective ids, as the kernel will judge it.
pub fn writable(path: &Path) -> bool {
    access(path, libc::W_OK)
}

/// Whether this process may read `path`.
pub fn readable(path: &Path) -> bool {
    access(path, libc::R_OK)
}

/// Whether this process may pass through the folder `path` (search).
pub fn searchable(path: &Path) -> bool {
    access(path, libc::X_OK)
}

fn access(path: &Path, mode: libc::c_int) -> bool {
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a valid C string; faccessat only reads it.
    unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), mode, libc::AT_EACCESS) == 0 }
}

/// Whether the process belongs to group `gid` (effective or supplementary).
pub fn in_group(gid: u32) -> bool {
    if unsafe { libc::getegid() } == gid {
        return true;
    }
    let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    if n <= 0 {
        return false;
    }
    let mut groups = vec![0 as libc::gid_t; n as usize];
    let n = unsafe { libc::getgroups(n, groups.as_mut_ptr()) };
    n > 0 && groups[..n as usize].contains(&gid)
}

/// A process that has a file open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenBy {
    pub pid: u32,
    /// Its user's account name.
    pub user: String,
    /// Its program's name (`/proc/PID/comm`).
    pub command: String,
}

/// The other processes that have `path` open (or the file that was at
/// `path` before it was replaced or deleted), from `/proc/*/fd`: all of
/// them for root, this user's own for anyone else.
pub fn processes_with_open(path: &Path) -> Vec<OpenBy> {
    use std::os::unix::fs::MetadataExt;
    let Ok(target) = std::fs::canonicalize(path) else {
        return Vec::new();
    };
    let deleted = format!("{} (deleted)", target.display());
    let me = std::process::id();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for p in procs.flatten() {
        let Some(pid) = p.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else {
            continue;
        };
        let holds = fds.flatten().any(|fd| {
            std::fs::read_link(fd.path())
                .is_ok_and(|l| l == target || l.as_os_str().as_bytes() == deleted.as_bytes())
        });
        if holds {
            let uid = std::fs::metadata(p.path()).map_or(u32::MAX, |m| m.uid());
            found.push(OpenBy {
                pid,
                user: user_name(uid).unwrap_or_else(|| format!("uid {uid}")),
                command: std::fs::read_to_string(p.path().join("comm"))
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            });
        }
    }
    found.sort_by_key(|o| o.pid);
    found
}

/// The pid holding a `flock` on `path`, from `/proc/locks` (read only: the
/// lock is not touched, so a daemon starting at that moment is never
/// disturbed). `None` when no one holds it or the system cannot tell.
pub fn flock_holder(path: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    flock_holder_in(&locks, meta.dev(), meta.ino())
}

/// [`flock_holder`] on the text of `/proc/locks`, for a file's device and
/// inode. Lines look like `1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF`
/// (`-> ` marks a waiter, skipped).
pub fn flock_holder_in(locks: &str, dev: u64, ino: u64) -> Option<u32> {
    let (major, minor) = (libc::major(dev), libc::minor(dev));
    for line in locks.lines() {
        let mut f = line.split_whitespace();
        let Some(_) = f.next() else { continue };
        let kind = f.next()?;
        if kind == "->" || kind != "FLOCK" {
            continue;
        }
        let (_mode, _rw, pid, id) = (f.next(), f.next(), f.next(), f.next());
        let (Some(pid), Some(id)) = (pid, id) else {
            continue;
        };
        let mut parts = id.split(':');
        let (Some(ma), Some(mi), Some(i)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let same = u32::from_str_radix(ma, 16).ok() == Some(major)
            && u32::from_str_radix(mi, 16).ok() == Some(minor)
            && i.parse::<u64>().ok() == Some(ino);
        if same {
            return pid.parse().ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sudo_user_is_trusted_only_from_root_with_sudo_s_own_uid() {
        let root = user_name(0).expect("root has an account");
        assert_eq!(root, "root");
        // Not root: SUDO_USER is ignored whatever it says.
        let me = unsafe { libc::getuid() };
        if me != 0 {
            assert_eq!(
                acting_user_from(me, Some("root"), Some("0")),
                user_name(me).unwrap()
            );
        }
        // Root with a SUDO_USER naming no account, or without SUDO_UID, or
        // with a uid that is not that account's: root.
        assert_eq!(
            acting_user_from(0, Some("personne-ici"), Some("1000")),
            "root"
        );
        assert_eq!(acting_user_from(0, Some("root"), None), "root");
        assert_eq!(acting_user_from(0, None, Some("1000")), "root");
        // An account that exists on every Debian system: `nobody` (65534).
        let nobody = user_id("nobody").expect("nobody exists");
        assert_eq!(
            acting_user_from(0, Some("nobody"), Some(&nobody.to_string())),
            "nobody"
        );
        assert_eq!(
            acting_user_from(0, Some("nobody"), Some(&(nobody - 1).to_string())),
            "root"
        );
        // A non-root real user is always its own account.
        assert_eq!(acting_user_from(nobody, Some("root"), Some("0")), "nobody");
        // A uid with no account is still named.
        assert_eq!(acting_user_from(4_000_123, None, None), "uid 4000123");
    }

    #[test]
    fn proc_locks_lines_are_read() {
        let dev = libc::makedev(8, 1);
        let text = "1: POSIX  ADVISORY  WRITE 99 08:01:77 0 EOF\n\
                    2: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF\n\
                    2: -> FLOCK  ADVISORY  WRITE 4321 08:01:5678 0 EOF\n\
                    3: FLOCK  ADVISORY  WRITE 555 fd:00:5678 0 EOF\n";
        assert_eq!(flock_holder_in(text, dev, 5678), Some(1234));
        assert_eq!(
            flock_holder_in(text, dev, 77),
            None,
            "POSIX locks are not ours"
        );
        assert_eq!(
            flock_holder_in(text, libc::makedev(0xfd, 0), 5678),
            Some(555)
        );
        assert_eq!(flock_holder_in(text, dev, 1), None);
    }

    #[test]
    fn a_held_lock_is_seen_in_proc_locks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.lock");
        let f = std::fs::File::create(&p).unwrap();
        assert_eq!(flock_holder(&p), None);
        f.lock().unwrap();
        assert_eq!(flock_holder(&p), Some(std::process::id()));
        drop(f);
        assert_eq!(flock_holder(&p), None);
    }

    #[test]
    fn a_process_holding_a_file_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.db");
        std::fs::write(&p, "x").unwrap();
        assert!(processes_with_open(&p).is_empty());
        // A child that holds it open (this process is left out on purpose);
        // `exec` so that the shell is that one process.
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("exec sleep 30 3<'{}'", p.display()))
            .spawn()
            .unwrap();
        let t0 = std::time::Instant::now();
        let found = loop {
            let f = processes_with_open(&p);
            if !f.is_empty() || t0.elapsed() > std::time::Duration::from_secs(10) {
                break f;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pid, child.id());
        assert_eq!(found[0].user, effective_user());
    }

    #[test]
    fn groups_and_access() {
        assert_eq!(group_name(0).as_deref(), Some("root"));
        assert_eq!(group_id("root"), Some(0));
        assert!(in_group(unsafe { libc::getegid() }));
        let dir = tempfile::tempdir().unwrap();
        assert!(writable(dir.path()) && readable(dir.path()));
        assert!(!writable(&dir.path().join("absent")));
    }
}
