//! The Unix side of sharing one server: who is acting (the journal's user),
//! the process's file-creation mask, accounts and groups, whether a file can
//! be written, and who holds a lock. Everything else asks here.
//!
//! The model: the daemon runs as the `fiches` system user, staff log in as
//! themselves and belong to the `fiches` group; the state directory
//! (`/var/lib/fiches`) is setgid `fiches`, so every file created in it
//! belongs to the group, and the process's umask (0007, set at start)
//! makes it group-writable whatever the login's own umask.

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
    let mut buf = vec![0u8; 4096];
    loop {
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: buffers valid for the call; `out` points into `pwd`.
        let rc = unsafe {
            libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr().cast(), buf.len(), &mut out)
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        if rc != 0 || out.is_null() {
            return None;
        }
        // SAFETY: pw_name is a NUL-terminated string in `buf`.
        let name = unsafe { CStr::from_ptr(pwd.pw_name) };
        return Some(name.to_string_lossy().into_owned());
    }
}

/// The user id of an account name.
pub fn user_id(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    let mut buf = vec![0u8; 4096];
    loop {
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: as in `user_name`.
        let rc = unsafe {
            libc::getpwnam_r(
                c.as_ptr(),
                &mut pwd,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut out,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        if rc != 0 || out.is_null() {
            return None;
        }
        return Some(pwd.pw_uid);
    }
}

/// The name of a group id.
pub fn group_name(gid: u32) -> Option<String> {
    let mut buf = vec![0u8; 4096];
    loop {
        let mut grp: libc::group = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::group = std::ptr::null_mut();
        // SAFETY: buffers valid for the call; `out` points into `grp`.
        let rc = unsafe {
            libc::getgrgid_r(gid, &mut grp, buf.as_mut_ptr().cast(), buf.len(), &mut out)
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        if rc != 0 || out.is_null() {
            return None;
        }
        // SAFETY: gr_name is a NUL-terminated string in `buf`.
        let name = unsafe { CStr::from_ptr(grp.gr_name) };
        return Some(name.to_string_lossy().into_owned());
    }
}

/// The id of a group name.
pub fn group_id(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    let mut buf = vec![0u8; 4096];
    loop {
        let mut grp: libc::group = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::group = std::ptr::null_mut();
        // SAFETY: as in `group_name`.
        let rc = unsafe {
            libc::getgrnam_r(
                c.as_ptr(),
                &mut grp,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut out,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        if rc != 0 || out.is_null() {
            return None;
        }
        return Some(grp.gr_gid);
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

fn access(path: &Path, mode: libc::c_int) -> bool {
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a valid C string; faccessat only reads it.
    unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), mode, libc::AT_EACCESS) == 0 }
}

/// Why a file or folder of the shared state cannot be written, and what to
/// ask the administrator: in plain French, naming the file, the user and
/// the group.
pub fn not_writable_advice(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    let user = effective_user();
    let Ok(meta) = std::fs::metadata(path) else {
        return format!(
            "{} introuvable ou inaccessible pour {user} ; demander à l'administrateur de vérifier le chemin et les droits",
            path.display()
        );
    };
    let group = group_name(meta.gid()).unwrap_or_else(|| meta.gid().to_string());
    let owner = user_name(meta.uid()).unwrap_or_else(|| meta.uid().to_string());
    let what = if meta.is_dir() {
        "le dossier"
    } else {
        "le fichier"
    };
    if meta.mode() & 0o020 == 0 {
        return format!(
            "{what} {} (propriétaire {owner}, groupe {group}) n'est pas modifiable par son groupe ; \
             demander à l'administrateur de lancer `chmod g+w{} {}`",
            path.display(),
            if meta.is_dir() { "s" } else { "" },
            path.display()
        );
    }
    if !in_group(meta.gid()) {
        return format!(
            "{what} {} appartient au groupe {group} et {user} n'en fait pas partie ; \
             demander à l'administrateur d'ajouter {user} au groupe {group} \
             (`usermod -a -G {group} {user}`, puis se reconnecter)",
            path.display()
        );
    }
    format!(
        "{what} {} n'est pas modifiable par {user} ; demander à l'administrateur d'ajouter {user} au groupe {GROUP} \
         et de vérifier les droits ({owner}:{group})",
        path.display()
    )
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
    fn groups_and_access() {
        assert_eq!(group_name(0).as_deref(), Some("root"));
        assert_eq!(group_id("root"), Some(0));
        assert!(in_group(unsafe { libc::getegid() }));
        let dir = tempfile::tempdir().unwrap();
        assert!(writable(dir.path()) && readable(dir.path()));
        assert!(!writable(&dir.path().join("absent")));
    }
}
