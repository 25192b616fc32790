//! For the server tests, which need root (CI runs them as root): a sandbox
//! that looks like a fresh server without touching this one, and the real
//! programs an administrator and staff would use in it.
//!
//! [`Sandbox::enter`] puts the calling test thread (and every process it
//! starts) in a private mount namespace where `/etc`, `/home`, `/var/lib`
//! and `/usr/local` are overlays over the real ones: users created with
//! `useradd`, `/etc/fiches`, `/var/lib/fiches`, `/usr/local/bin/fiches` and
//! the units exist at their real paths for the test and vanish with it.
//! Then: the binary installed, `fiches setup --system`, staff accounts, an
//! `sshd` of the test's own on loopback (own config, port, host key), `ssh`
//! into it as each staff member, a `tmux` whose pane is that `ssh` session,
//! and each unit's `ExecStart=` run as its `User=` with its
//! `WorkingDirectory=`, `UMask=` and file-system hardening (read-only
//! system, private `/tmp`, hidden homes, the state directory writable).

#![allow(dead_code)]

use std::ffi::CString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

pub use super::repo;

/// Fails with what to do when the test is not run as root.
pub fn require_root() {
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "the server tests create Unix users, run sshd and the units as their user: run them as \
         root (scripts/test.sh as root, as CI does)"
    );
}

/// Runs a command, which must succeed; returns its stdout.
pub fn must(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({:?}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn sh(script: &str) -> String {
    must(Command::new("/bin/sh").arg("-c").arg(script))
}

pub use super::dovecot::free_port;

fn mount(src: &str, target: &str, fstype: &str, flags: libc::c_ulong, data: &str) {
    let c = |s: &str| CString::new(s).unwrap();
    let (src_c, target_c, fstype_c, data_c) = (c(src), c(target), c(fstype), c(data));
    let r = unsafe {
        libc::mount(
            if src.is_empty() {
                std::ptr::null()
            } else {
                src_c.as_ptr()
            },
            target_c.as_ptr(),
            if fstype.is_empty() {
                std::ptr::null()
            } else {
                fstype_c.as_ptr()
            },
            flags,
            if data.is_empty() {
                std::ptr::null()
            } else {
                data_c.as_ptr().cast()
            },
        )
    };
    assert_eq!(
        r,
        0,
        "mount {src} on {target} ({fstype}, {data}): {}",
        std::io::Error::last_os_error()
    );
}

/// The overlaid directories.
const OVERLAID: &[&str] = &["/etc", "/home", "/var/lib", "/usr/local"];

pub struct Sandbox {
    pub tmp: tempfile::TempDir,
    children: Vec<Child>,
}

impl Sandbox {
    /// See the module doc. Only this thread and its children are inside.
    pub fn enter() -> Sandbox {
        require_root();
        let tmp = tempfile::Builder::new()
            .prefix("fiches-server-test")
            .tempdir_in("/tmp")
            .unwrap();
        let r = unsafe { libc::unshare(libc::CLONE_NEWNS) };
        assert_eq!(
            r,
            0,
            "unshare(CLONE_NEWNS): {} — the server tests need a private mount namespace \
             (root with CAP_SYS_ADMIN)",
            std::io::Error::last_os_error()
        );
        mount("", "/", "", libc::MS_REC | libc::MS_PRIVATE, "");
        for dir in OVERLAID {
            fs::create_dir_all(dir).unwrap();
            let base = tmp.path().join(format!("ov{}", dir.replace('/', "-")));
            let (upper, work) = (base.join("upper"), base.join("work"));
            fs::create_dir_all(&upper).unwrap();
            fs::create_dir_all(&work).unwrap();
            mount(
                "overlay",
                dir,
                "overlay",
                0,
                &format!(
                    "lowerdir={dir},upperdir={},workdir={}",
                    upper.display(),
                    work.display()
                ),
            );
        }
        // sshd's privilege separation directory (the package makes it at
        // boot); harmless on the real system.
        fs::create_dir_all("/run/sshd").unwrap();
        fs::set_permissions("/run/sshd", fs::Permissions::from_mode(0o755)).unwrap();
        Sandbox {
            tmp,
            children: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// `/usr/local/bin/fiches`: this build.
    pub fn install_binary(&self) {
        must(Command::new("install").args([
            "-m",
            "755",
            env!("CARGO_BIN_EXE_fiches"),
            "/usr/local/bin/fiches",
        ]));
    }

    /// `fiches setup --system --staff …`, as the README says; its output.
    pub fn setup(&self, staff: &[&str]) -> String {
        let mut c = Command::new("/usr/local/bin/fiches");
        c.args(["setup", "--system"]);
        for s in staff {
            c.args(["--staff", s]);
        }
        c.env_remove("FICHES_CONFIG").env_remove("FICHES_DB");
        must(&mut c)
    }

    /// A staff login: home, bash, no password but not locked (key only).
    pub fn add_user(&self, name: &str) {
        must(Command::new("useradd").args([
            "--create-home",
            "--shell",
            "/bin/bash",
            "--password",
            "*",
            name,
        ]));
    }

    /// Keeps a child to be killed when the sandbox ends.
    pub fn adopt(&mut self, child: Child) {
        self.children.push(child);
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The lines of a unit that say how it runs.
#[derive(Debug, Clone, Default)]
pub struct Unit {
    pub name: String,
    pub exec_start: Vec<String>,
    pub user: String,
    pub group: String,
    pub working_directory: String,
    pub umask: String,
    pub state_directory: Option<String>,
    pub state_directory_mode: Option<String>,
    pub protect_system_strict: bool,
    pub protect_home: bool,
    /// `ProtectHome=read-only`: /home, /root seen but not writable.
    pub protect_home_read_only: bool,
    pub private_tmp: bool,
    pub restart_prevent: Vec<i32>,
}

impl Unit {
    /// Reads `/etc/systemd/system/NAME` (as `fiches setup` installed it).
    pub fn installed(name: &str) -> Unit {
        let text = fs::read_to_string(Path::new("/etc/systemd/system").join(name))
            .unwrap_or_else(|e| panic!("unit {name}: {e}"));
        let mut u = Unit {
            name: name.into(),
            ..Unit::default()
        };
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.trim().to_string();
            match k.trim() {
                "ExecStart" => u.exec_start = v.split_whitespace().map(String::from).collect(),
                "User" => u.user = v,
                "Group" => u.group = v,
                "WorkingDirectory" => u.working_directory = v,
                "UMask" => u.umask = v,
                "StateDirectory" => u.state_directory = Some(v),
                "StateDirectoryMode" => u.state_directory_mode = Some(v),
                "ProtectSystem" => u.protect_system_strict = v == "strict",
                "ProtectHome" => {
                    u.protect_home = v == "yes";
                    u.protect_home_read_only = v == "read-only";
                }
                "PrivateTmp" => u.private_tmp = v == "yes",
                "RestartPreventExitStatus" => {
                    u.restart_prevent = v
                        .split_whitespace()
                        .filter_map(|n| n.parse().ok())
                        .collect()
                }
                _ => {}
            }
        }
        assert!(!u.exec_start.is_empty(), "{name}: no ExecStart");
        u
    }

    /// A shell script that sets up what the unit's settings promise (in a
    /// mount namespace of its own), then runs `ExecStart=` as `User=`.
    fn script(&self, umask_override: Option<&str>) -> String {
        let mut s = String::from("set -e\n");
        if let Some(state) = &self.state_directory {
            // systemd creates the state directory (mode 2770 from the unit)
            // and gives it to the user; keep it writable under the read-only
            // system below.
            s.push_str(&format!(
                "mkdir -p /var/lib/{state}\nchown {}:{} /var/lib/{state}\nchmod {} /var/lib/{state}\n\
                 mount --bind /var/lib/{state} /var/lib/{state}\n",
                self.user,
                self.group,
                self.state_directory_mode.as_deref().unwrap_or("0755")
            ));
        }
        if self.private_tmp {
            s.push_str("mount -t tmpfs tmpfs /tmp\nmount -t tmpfs tmpfs /var/tmp\n");
        }
        if self.protect_home {
            s.push_str(
                "mount -t tmpfs -o mode=000 tmpfs /home\nmount -t tmpfs -o mode=000 tmpfs /root\n",
            );
        }
        if self.protect_home_read_only {
            s.push_str(
                "mount --bind /home /home\nmount -o remount,bind,ro /home\n\
                 mount --bind /root /root\nmount -o remount,bind,ro /root\n",
            );
        }
        if self.protect_system_strict {
            for m in ["/", "/etc", "/usr/local", "/var/lib", "/boot"] {
                s.push_str(&format!(
                    "if mountpoint -q {m}; then mount -o remount,bind,ro {m}; fi\n"
                ));
            }
        }
        s.push_str(&format!(
            "cd {}\numask {}\nexec setpriv --reuid={} --regid={} --init-groups -- {}\n",
            self.working_directory,
            umask_override.unwrap_or(&self.umask),
            self.user,
            self.group,
            self.exec_start
                .iter()
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        s
    }

    /// The command that runs the unit's `ExecStart=` as systemd would (see
    /// the module doc), with a service's plain environment.
    pub fn command(&self, umask_override: Option<&str>, extra_args: &[&str]) -> Command {
        let mut script = self.script(umask_override);
        if !extra_args.is_empty() {
            let trimmed = script.trim_end().to_string();
            script = format!(
                "{trimmed} {}\n",
                extra_args
                    .iter()
                    .map(|a| format!("'{a}'"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        let mut c = Command::new("unshare");
        c.args([
            "--mount",
            "--propagation",
            "private",
            "/bin/sh",
            "-c",
            &script,
        ])
        .env_clear()
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .env("LANG", "C.UTF-8")
        .env("USER", &self.user)
        .env("LOGNAME", &self.user)
        .env("HOME", "/var/lib/fiches")
        .stdin(Stdio::null());
        c
    }
}

/// The test's own sshd on loopback, and the client key every staff login
/// accepts.
pub struct Sshd {
    child: Child,
    pub port: u16,
    pub key: PathBuf,
    pub log: PathBuf,
}

impl Sshd {
    /// Starts `sshd -D` with a config, host key and authorized keys of its
    /// own (in the sandbox's `/etc`), accepting `users` by key only.
    pub fn start(sandbox: &Sandbox, users: &[&str]) -> Sshd {
        let etc = Path::new("/etc/ssh-fiches-test");
        fs::create_dir_all(etc.join("keys")).unwrap();
        let host_key = etc.join("host_ed25519");
        must(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(&host_key),
        );
        let key = sandbox.path().join("client_ed25519");
        must(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(&key),
        );
        let public = fs::read_to_string(key.with_extension("pub")).unwrap();
        for u in users {
            let f = etc.join("keys").join(u);
            fs::write(&f, &public).unwrap();
            fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
        }
        let port = free_port();
        let config = etc.join("sshd_config");
        fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\n\
                 AuthorizedKeysFile {}/keys/%u\nStrictModes no\nUsePAM no\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PubkeyAuthentication yes\nPermitRootLogin no\nAllowUsers {}\nPrintMotd no\n\
                 PrintLastLog no\nAcceptEnv LANG\nLogLevel VERBOSE\n",
                host_key.display(),
                sandbox.path().join("sshd.pid").display(),
                etc.display(),
                users.join(" ")
            ),
        )
        .unwrap();
        let log = sandbox.path().join("sshd.log");
        must(
            Command::new("/usr/sbin/sshd")
                .arg("-t")
                .arg("-f")
                .arg(&config),
        );
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .expect("start sshd");
        let t0 = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "sshd did not listen on {port}: {}",
                fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Sshd {
            child,
            port,
            key,
            log,
        }
    }

    fn ssh_args(&self, user: &str, tty: bool) -> Vec<String> {
        let mut v: Vec<String> = vec![
            if tty { "-tt" } else { "-T" }.into(),
            "-i".into(),
            self.key.display().to_string(),
            "-p".into(),
            self.port.to_string(),
            "-o".into(),
            "StrictHostKeyChecking=no".into(),
            "-o".into(),
            "UserKnownHostsFile=/dev/null".into(),
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            "LogLevel=ERROR".into(),
        ];
        v.push(format!("{user}@127.0.0.1"));
        v
    }

    /// `ssh user@server REMOTE` without a terminal (a command line).
    pub fn command(&self, user: &str, remote: &str) -> Command {
        let mut c = Command::new("ssh");
        c.args(self.ssh_args(user, false)).arg(remote);
        c
    }

    /// The shell command that opens an interactive session as `user` with a
    /// terminal and runs `remote` (for a tmux pane).
    pub fn tty_line(&self, user: &str, remote: &str) -> String {
        let args: Vec<String> = self
            .ssh_args(user, true)
            .into_iter()
            .map(|a| format!("'{a}'"))
            .collect();
        format!("ssh {} \"{remote}\"", args.join(" "))
    }

    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub use super::tmux::Tmux;

/// A running unit process.
pub struct Service {
    pub child: Child,
    pub log: PathBuf,
}

impl Service {
    pub fn start(unit: &Unit, umask_override: Option<&str>, log: PathBuf) -> Service {
        let child = unit
            .command(umask_override, &[])
            .stdout(fs::File::create(&log).unwrap())
            .stderr(fs::OpenOptions::new().append(true).open(&log).unwrap())
            .spawn()
            .expect("start the unit's ExecStart");
        Service { child, log }
    }

    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM (systemd's KillSignal) to the daemon itself, then its status.
    pub fn stop(mut self) -> (ExitStatus, String) {
        // The child is `unshare`, which exec'd sh, which exec'd setpriv,
        // which exec'd fiches: one process, the same pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let t0 = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                let log = self.log();
                return (st, log);
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "the daemon did not stop within 60 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `f` is true, or fails with `what` and `detail()`.
pub fn wait_until(
    what: &str,
    within: Duration,
    mut f: impl FnMut() -> bool,
    detail: impl Fn() -> String,
) {
    let t0 = Instant::now();
    while !f() {
        assert!(
            t0.elapsed() < within,
            "waited {within:?} for {what}:\n{}",
            detail()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// One SQL value from the database, read as root with sqlite3-free rusqlite.
pub fn query(db: &Path, sql: &str) -> Option<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .ok()?;
    conn.busy_timeout(Duration::from_secs(5)).ok()?;
    conn.query_row(sql, [], |r| {
        r.get::<_, rusqlite::types::Value>(0).map(|v| match v {
            rusqlite::types::Value::Null => String::new(),
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Real(f) => f.to_string(),
            rusqlite::types::Value::Text(t) => t,
            rusqlite::types::Value::Blob(_) => "<blob>".into(),
        })
    })
    .ok()
}

/// A Maildir, readable by the group fiches, holding the sample inbox (as a
/// mail server delivering locally would leave it).
pub fn sample_maildir(path: &Path) {
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(path.join(sub)).unwrap();
    }
    let src = repo().join("fixtures/inbox");
    for sub in ["cur", "new"] {
        let Ok(rd) = fs::read_dir(src.join(sub)) else {
            continue;
        };
        for e in rd.flatten() {
            fs::copy(e.path(), path.join(sub).join(e.file_name())).unwrap();
        }
    }
    sh(&format!(
        "chgrp -R fiches '{p}' && chmod -R g+rX,o-rwx '{p}'",
        p = path.display()
    ));
}

/// Mode, owner and group of a file, as `ls` would say them.
pub fn stat(path: &Path) -> (u32, String, String) {
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (
        m.mode() & 0o7777,
        fiches::system::user_name(m.uid()).unwrap_or_else(|| m.uid().to_string()),
        fiches::system::group_name(m.gid()).unwrap_or_else(|| m.gid().to_string()),
    )
}

pub fn output_text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The lines of the first ```sh block of the README after the heading
/// `heading` (e.g. "### Mettre à jour (upgrade)"), as the README gives them.
pub fn readme_block(heading: &str) -> Vec<String> {
    let readme = fs::read_to_string(repo().join("README.md")).unwrap();
    let after = readme
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README: no heading {heading:?}"))
        .1;
    let block = after
        .split_once("```sh\n")
        .and_then(|(_, b)| b.split_once("```"))
        .unwrap_or_else(|| panic!("README: no sh block after {heading:?}"))
        .0;
    block
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The README line of section `heading` that contains `needle`, in any of
/// its sh blocks.
pub fn readme_line(heading: &str, needle: &str) -> String {
    let readme = fs::read_to_string(repo().join("README.md")).unwrap();
    let after = readme
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README: no heading {heading:?}"))
        .1;
    after
        .lines()
        .map(str::trim)
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("README {heading:?}: no line with {needle:?}"))
        .to_string()
}

/// Runs one line of the README with bash, as the administrator (root here;
/// `sudo` as the README uses it: as root, or `-u USER` as that user with
/// that user's groups), in `cwd`.
pub fn run_readme_line(line: &str, cwd: &Path) -> Output {
    let script = format!(
        "sudo() {{ if [ \"$1\" = -u ]; then u=$2; shift 2; \
         setpriv --reuid=\"$u\" --regid=\"$u\" --init-groups -- \"$@\"; else \"$@\"; fi; }}\n{line}\n"
    );
    Command::new("/bin/bash")
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .env(
            "PATH",
            "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .env_remove("FICHES_CONFIG")
        .env_remove("FICHES_DB")
        .env_remove("FICHES_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{line}: {e}"))
}

/// A database as the first builds left it (migrations 1–3, a count in
/// `user_version`, no history), one message in it; owned as the daemon
/// would have made it.
pub fn older_database(db: &Path) {
    let _ = fs::remove_file(db);
    for s in ["-wal", "-shm"] {
        let _ = fs::remove_file(format!("{}{s}", db.display()));
    }
    let conn = rusqlite::Connection::open(db).unwrap();
    let dir = repo().join("src/store/migrations");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in &files[..3] {
        conn.execute_batch(&fs::read_to_string(f).unwrap()).unwrap();
    }
    conn.pragma_update(None, "user_version", 3).unwrap();
    conn.execute(
        "INSERT INTO messages (sha256, source_ref, size, status, imported_at)
         VALUES ('x', 'file:x', 1, 'no_fiche', '2018-05-10T00:00:00Z')",
        [],
    )
    .unwrap();
    drop(conn);
    sh(&format!(
        "chown fiches:fiches '{p}' && chmod 660 '{p}'",
        p = db.display()
    ));
}

/// Kills a process started detached by a test, when the test ends.
pub struct Detached(pub u32);

impl Drop for Detached {
    fn drop(&mut self) {
        unsafe {
            libc::kill(self.0 as i32, libc::SIGKILL);
        }
    }
}
