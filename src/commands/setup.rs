//! `fiches setup --system`: installs fiches on a server in one command, as
//! root — the `fiches` user and group (`/etc/sysusers.d/fiches.conf`), staff
//! added to the group, `/etc/fiches/config.toml` from the production
//! template (never the demo), every letter template the program knows
//! (`LetterKind::ALL`) and an empty members list, the state directory
//! `/var/lib/fiches` (fiches:fiches, setgid, 2770), the database, and the
//! systemd units. Nothing of it is readable by others than root and the
//! group. What already exists is kept (a template added by a newer version
//! is installed beside the edited ones; rights open to others are closed;
//! the units, which are the program's, are brought up to date). Each step
//! says what it did; the end says what is actually left to do, from the
//! configuration and the system as they are.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use super::Globals;
use super::output::Out;
use crate::config::{Config, SourceConfig};
use crate::domain::LetterKind;
use crate::store::{Migrate, Store};
use crate::system::{GROUP, group_id, user_id};

/// Installe fiches sur ce serveur (à lancer avec sudo) : utilisateur et
/// groupe fiches, équipe dans le groupe, /etc/fiches (configuration de
/// production, lettres, liste des adhérents), /var/lib/fiches, la base, les
/// services systemd. Ce qui existe déjà est gardé.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Installation sur le serveur (seule forme prévue).
    #[arg(long, required = true)]
    pub system: bool,

    /// Un membre de l'équipe à ajouter au groupe fiches (répétable).
    #[arg(long = "staff", value_name = "UTILISATEUR")]
    pub staff: Vec<String>,
}

/// Where everything goes.
pub const ETC: &str = "/etc/fiches";
pub const STATE: &str = "/var/lib/fiches";
pub const UNITS: &str = "/etc/systemd/system";
pub const SYSUSERS: &str = "/etc/sysusers.d/fiches.conf";
pub const BINARY: &str = "/usr/local/bin/fiches";

/// The production configuration template.
pub const PRODUCTION_CONFIG: &str = include_str!("../../contrib/config.toml");
const SYSUSERS_CONF: &str = include_str!("../../contrib/fiches.sysusers");

/// The systemd units, by file name.
pub const UNIT_FILES: &[(&str, &str)] = &[
    (
        "fiches-daemon.service",
        include_str!("../../contrib/fiches-daemon.service"),
    ),
    (
        "fiches-publish.service",
        include_str!("../../contrib/fiches-publish.service"),
    ),
    (
        "fiches-publish.timer",
        include_str!("../../contrib/fiches-publish.timer"),
    ),
    (
        "fiches-backup.service",
        include_str!("../../contrib/fiches-backup.service"),
    ),
    (
        "fiches-backup.timer",
        include_str!("../../contrib/fiches-backup.timer"),
    ),
];

/// The files of `/etc/fiches/letters`: every template the program knows
/// (one per [`LetterKind`], and the variants for one kind of proposal —
/// `accepte-bourse.txt`… — from the one place they are defined) and the
/// folder's README.
pub fn letter_files() -> Vec<(String, &'static str)> {
    let mut v: Vec<(String, &str)> = Vec::new();
    for k in LetterKind::ALL {
        v.push((k.file_name().to_string(), k.shipped_text()));
        for pk in &crate::call::current().kinds {
            if let Some(text) = k.shipped_variant_text(pk) {
                v.push((k.variant_file_name(pk), text));
            }
        }
    }
    v.push(("README.md".to_string(), crate::letters::FOLDER_README));
    v
}

const MEMBERS_HEADER: &str = "\
# Adhérents de Cités Unies France : une collectivité ou structure par ligne,
# première colonne (« Ville de », « Région »… et la casse sont ignorés à la
# comparaison). Les propositions des adhérents passent en premier quand un
# créneau est trop demandé. Modifiable par l'équipe (groupe fiches).
organisation
";

fn run_cmd(out: &mut Out, program: &str, args: &[&str]) -> anyhow::Result<()> {
    let o = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("impossible de lancer {program}"))?;
    if !o.status.success() {
        bail!(
            "{program} {} a échoué : {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        );
    }
    out.line(&format!("  {program} {}", args.join(" ")))?;
    Ok(())
}

fn chown(path: &Path, uid: Option<u32>, gid: Option<u32>) -> anyhow::Result<()> {
    std::os::unix::fs::chown(path, uid, gid)
        .with_context(|| format!("chown de {} impossible", path.display()))
}

fn chmod(path: &Path, mode: u32) -> anyhow::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("chmod de {} impossible", path.display()))
}

/// Writes `text` to `path` (owner root, group `gid`, `mode`) unless it
/// exists; an existing one keeps its content, and loses what it gave to
/// others (and gets the group) if it had. Says which.
fn install_file(
    out: &mut Out,
    path: &Path,
    text: &str,
    mode: u32,
    gid: Option<u32>,
) -> anyhow::Result<bool> {
    if path.exists() {
        let fixed = close_to_others(path, mode, gid)?;
        out.line(&format!("  {} : existe déjà, gardé{fixed}", path.display()))?;
        return Ok(false);
    }
    std::fs::write(path, text).with_context(|| format!("écriture de {}", path.display()))?;
    chown(path, Some(0), gid)?;
    chmod(path, mode)?;
    out.line(&format!("  {} : créé", path.display()))?;
    Ok(true)
}

/// An existing file or folder of the installation: the group `gid`, and
/// the rights of `mode` for others (none) — its owner's and group's rights
/// otherwise kept (staff may have edited a letter). Returns what changed,
/// as words to append.
fn close_to_others(path: &Path, mode: u32, gid: Option<u32>) -> anyhow::Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("lecture de {}", path.display()))?;
    let old = meta.mode() & 0o7777;
    let mut changes = Vec::new();
    if let Some(g) = gid
        && meta.gid() != g
    {
        chown(path, None, Some(g))?;
        changes.push(format!("groupe {GROUP}"));
    }
    // Group rights as the installation gives them, others' removed; the
    // setgid bit of a folder kept.
    let new = (old & 0o7700) | (mode & 0o2070);
    if new != old {
        chmod(path, new)?;
        changes.push(format!("droits {old:04o} → {new:04o}"));
    }
    Ok(if changes.is_empty() {
        String::new()
    } else {
        format!(" ({})", changes.join(", "))
    })
}

/// The `fiches` user and group: `systemd-sysusers` with our file, else
/// `groupadd`/`useradd`.
fn ensure_user(out: &mut Out) -> anyhow::Result<(u32, u32)> {
    if let Some(dir) = Path::new(SYSUSERS).parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("création de {}", dir.display()))?;
    }
    std::fs::write(SYSUSERS, SYSUSERS_CONF).with_context(|| format!("écriture de {SYSUSERS}"))?;
    out.line(&format!("  {SYSUSERS} : écrit"))?;
    if user_id(GROUP).is_none() || group_id(GROUP).is_none() {
        let sysusers = ["/usr/bin/systemd-sysusers", "/bin/systemd-sysusers"]
            .into_iter()
            .find(|p| Path::new(p).exists());
        match sysusers {
            Some(p) => run_cmd(out, p, &[SYSUSERS])?,
            None => {
                if group_id(GROUP).is_none() {
                    run_cmd(out, "groupadd", &["--system", GROUP])?;
                }
                if user_id(GROUP).is_none() {
                    run_cmd(
                        out,
                        "useradd",
                        &[
                            "--system",
                            "--gid",
                            GROUP,
                            "--home-dir",
                            STATE,
                            "--no-create-home",
                            "--shell",
                            "/usr/sbin/nologin",
                            GROUP,
                        ],
                    )?;
                }
            }
        }
    } else {
        out.line("  utilisateur et groupe fiches : existent déjà")?;
    }
    match (user_id(GROUP), group_id(GROUP)) {
        (Some(u), Some(g)) => Ok((u, g)),
        _ => bail!("l'utilisateur ou le groupe fiches n'a pas pu être créé"),
    }
}

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    if crate::system::euid() != 0 {
        bail!(
            "fiches setup --system installe des fichiers système : le lancer avec sudo \
             (sudo fiches setup --system)"
        );
    }
    if globals.config.is_some() || globals.db.is_some() {
        bail!("fiches setup --system installe {ETC}/config.toml : sans --config ni --db");
    }
    let mut out = Out::new();

    out.line("Utilisateur et groupe :")?;
    let (uid, gid) = ensure_user(&mut out)?;
    for who in &args.staff {
        if user_id(who).is_none() {
            bail!(
                "l'utilisateur {who} n'existe pas : le créer d'abord (adduser {who}), puis relancer"
            );
        }
        run_cmd(&mut out, "usermod", &["-a", "-G", GROUP, who])?;
        out.line(&format!(
            "  {who} fait partie du groupe fiches (effet à sa prochaine connexion)"
        ))?;
    }

    // Nothing of fiches for others: the configuration is read by the
    // daemon and staff (group fiches), the letters and the members list
    // are edited by staff.
    out.line(&format!("Configuration ({ETC}) :"))?;
    let etc = Path::new(ETC);
    std::fs::create_dir_all(etc).with_context(|| format!("création de {ETC}"))?;
    chmod(etc, 0o755)?;
    let config_path = etc.join("config.toml");
    install_file(&mut out, &config_path, PRODUCTION_CONFIG, 0o640, Some(gid))?;
    let letters = etc.join("letters");
    if letters.exists() {
        let fixed = close_to_others(&letters, 0o2770, Some(gid))?;
        if !fixed.is_empty() {
            out.line(&format!("  {} :{fixed}", letters.display()))?;
        }
    } else {
        std::fs::create_dir(&letters)
            .with_context(|| format!("création de {}", letters.display()))?;
        chown(&letters, Some(0), Some(gid))?;
        chmod(&letters, 0o2770)?;
    }
    for (name, text) in letter_files() {
        install_file(&mut out, &letters.join(name), text, 0o660, Some(gid))?;
    }
    install_file(
        &mut out,
        &etc.join("members.csv"),
        MEMBERS_HEADER,
        0o660,
        Some(gid),
    )?;

    out.line(&format!("Dossier d'état ({STATE}) :"))?;
    let state = Path::new(STATE);
    std::fs::create_dir_all(state).with_context(|| format!("création de {STATE}"))?;
    chown(state, Some(uid), Some(gid))?;
    chmod(state, 0o2770)?;
    out.line(&format!(
        "  {STATE} : propriétaire fiches, groupe fiches, mode 2770 (setgid)"
    ))?;

    out.line("Base de données :")?;
    let config = crate::config::Config::load(&config_path)?;
    let db = config.database.clone();
    if db.parent() == Some(state) {
        let existed = db.exists();
        let (store, backup) = Store::open_with(&db, Migrate::Allowed)
            .with_context(|| format!("base {}", db.display()))?;
        let schema = store.schema()?;
        drop(store);
        for f in [
            db.clone(),
            with_suffix(&db, "-wal"),
            with_suffix(&db, "-shm"),
        ] {
            if f.exists() && std::fs::metadata(&f)?.uid() == 0 {
                chown(&f, Some(uid), Some(gid))?;
            }
        }
        out.line(&format!(
            "  {} : {}, schéma {}",
            db.display(),
            if existed { "existe déjà" } else { "créée" },
            schema.label()
        ))?;
        if let Some(b) = backup {
            out.line(&format!(
                "  sauvegarde d'avant la mise à jour : {}",
                b.display()
            ))?;
        }
    } else {
        out.line(&format!(
            "  {} : hors de {STATE}, laissée au démon (vérifier ses droits : groupe fiches, g+w)",
            db.display()
        ))?;
    }

    out.line(&format!("Services systemd ({UNITS}) :"))?;
    std::fs::create_dir_all(UNITS).with_context(|| format!("création de {UNITS}"))?;
    for (name, text) in UNIT_FILES {
        let p = Path::new(UNITS).join(name);
        let same = std::fs::read_to_string(&p).is_ok_and(|t| t == *text);
        if same {
            out.line(&format!("  {} : à jour", p.display()))?;
            continue;
        }
        let existed = p.exists();
        std::fs::write(&p, text).with_context(|| format!("écriture de {}", p.display()))?;
        chmod(&p, 0o644)?;
        out.line(&format!(
            "  {} : {}",
            p.display(),
            if existed { "mis à jour" } else { "installé" }
        ))?;
    }
    if Path::new("/run/systemd/system").exists() {
        run_cmd(&mut out, "systemctl", &["daemon-reload"])?;
    } else {
        out.line("  (systemd ne tourne pas ici : `systemctl daemon-reload` à faire au démarrage)")?;
    }

    let exe = std::env::current_exe().ok();
    let installed = PathBuf::from(BINARY);
    let same_binary = match (&exe, std::fs::read(&installed).ok()) {
        (Some(e), Some(b)) => std::fs::read(e).ok().is_some_and(|x| x == b),
        _ => false,
    };
    out.line("")?;
    if !same_binary {
        out.line(&format!(
            "Attention : les services lancent {BINARY}, qui {} ; l'installer : \
             scripts/build-release.sh puis sudo install -m 755 target/dist/fiches {BINARY}",
            if installed.exists() {
                "n'est pas ce programme"
            } else {
                "n'existe pas"
            }
        ))?;
    }
    let left = left_to_do(&config, &args.staff, uid, gid);
    if left.is_empty() {
        out.line("Rien d'autre à faire.")?;
    } else {
        out.line("Reste à faire :")?;
        for (i, step) in left.iter().enumerate() {
            out.line(&format!("  {}. {step}", i + 1))?;
        }
    }
    out.line("Vérifier : sudo fiches status")?;
    out.finish()?;
    Ok(true)
}

/// What is left to do after the setup, from the configuration and the
/// system as they are: only the steps not done yet.
fn left_to_do(config: &Config, staff: &[String], uid: u32, gid: u32) -> Vec<String> {
    let mut left = Vec::new();
    let path = config.path.display();
    if config.sources.is_empty() {
        left.push(format!(
            "dire où arrivent les fiches : sudoedit {path}, décommenter un exemple de [[sources]] \
             (IMAP ou Maildir) et le remplir ; vérifier [event]"
        ));
    }
    for s in &config.sources {
        match s {
            SourceConfig::Imap(c) => {
                if let Some(p) = &c.password_file
                    && !p.exists()
                {
                    left.push(format!(
                        "mot de passe IMAP de {} (seul, puis Entrée et Ctrl-D) : \
                         sudo install -m 600 -o fiches -g fiches /dev/stdin {}",
                        c.account_id(),
                        p.display()
                    ));
                }
            }
            SourceConfig::Maildir(p) | SourceConfig::Eml(p) => {
                if let Some(why) = daemon_cannot_read(p, uid, gid) {
                    left.push(why);
                }
            }
        }
    }
    if let Some(smtp) = &config.smtp
        && let Some(p) = &smtp.password_file
        && !p.exists()
    {
        left.push(format!(
            "mot de passe SMTP (seul, puis Entrée et Ctrl-D) : \
             sudo install -m 640 -o root -g fiches /dev/stdin {}",
            p.display()
        ));
    }
    let running = matches!(
        crate::status::daemon_holder(&config.database),
        crate::status::Holder::Held(_)
    );
    if running {
        if !left.is_empty() {
            left.push(
                "le démon tourne : le redémarrer pour qu'il relise la configuration \
                 (sudo systemctl restart fiches-daemon)"
                    .into(),
            );
        }
    } else if Path::new("/run/systemd/system").exists() {
        left.push("démarrer le démon et la sauvegarde de nuit : sudo systemctl enable --now fiches-daemon fiches-backup.timer".into());
    } else {
        left.push(format!(
            "démarrer le démon (systemd ne tourne pas ici) : sudo -u fiches sh -c 'umask 007; setsid -f \
             fiches --config {path} daemon >>{STATE}/demon.log 2>&1 </dev/null' (README, « Installer sur un serveur »)"
        ));
    }
    if !staff.is_empty() {
        left.push(format!(
            "{} : se déconnecter puis se reconnecter (le groupe fiches compte à la connexion suivante), puis `fiches`",
            staff.join(", ")
        ));
    } else if group_members(gid).is_empty() {
        left.push("l'équipe : sudo fiches setup --system --staff NOM (pour chaque membre)".into());
    }
    left
}

/// The members of a group (from the group database).
fn group_members(gid: u32) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string("/etc/group") else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() == 4 && f[2].parse::<u32>().ok() == Some(gid)).then(|| {
                f[3].split(',')
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
        })
        .flatten()
        .collect()
}

/// Whether a test holds for the daemon's identity (user `uid`, group
/// `gid`): `/usr/bin/test ARGS` run as it.
fn as_daemon(uid: u32, gid: u32, args: &[&str]) -> bool {
    use std::os::unix::process::CommandExt;
    ["/usr/bin/test", "/bin/test"]
        .into_iter()
        .find(|t| Path::new(t).exists())
        .is_some_and(|t| {
            Command::new(t)
                .args(args)
                .uid(uid)
                .gid(gid)
                .status()
                .is_ok_and(|s| s.success())
        })
}

/// Why the daemon (user fiches) could not read a local source, with the
/// command that fixes it; `None` when it can.
fn daemon_cannot_read(path: &Path, uid: u32, gid: u32) -> Option<String> {
    let p = path.to_string_lossy().into_owned();
    if !path.exists() {
        return Some(format!(
            "le dossier {p} de [[sources]] n'existe pas : vérifier son path dans la configuration"
        ));
    }
    let mut ancestors: Vec<&Path> = path.ancestors().skip(1).collect();
    ancestors.reverse();
    for a in ancestors {
        let a = a.to_string_lossy().into_owned();
        if !as_daemon(uid, gid, &["-x", &a]) {
            return Some(format!(
                "le démon (utilisateur fiches) ne peut pas passer par le dossier {a} pour lire {p} : \
                 sudo setfacl -m g:fiches:x {a} (le passage seul), puis \
                 sudo setfacl -R -m g:fiches:rX,d:g:fiches:rX {p}"
            ));
        }
    }
    let mut tests: Vec<String> = vec!["-r".into(), p.clone(), "-a".into(), "-x".into(), p.clone()];
    for sub in ["new", "cur"] {
        let d = path.join(sub);
        if d.is_dir() {
            let d = d.to_string_lossy().into_owned();
            tests.extend([
                "-a".into(),
                "-r".into(),
                d.clone(),
                "-a".into(),
                "-x".into(),
                d,
            ]);
        }
    }
    let args: Vec<&str> = tests.iter().map(String::as_str).collect();
    if as_daemon(uid, gid, &args) {
        return None;
    }
    Some(format!(
        "le démon (utilisateur fiches) ne peut pas lire {p} : \
         sudo setfacl -R -m g:fiches:rX,d:g:fiches:rX {p} (paquet acl)"
    ))
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_production_template_is_not_a_demo_and_points_at_the_state_directory() {
        let c =
            crate::config::Config::parse(PRODUCTION_CONFIG, Path::new("/etc/fiches/config.toml"))
                .unwrap();
        assert!(!c.demo && c.sample.is_none());
        assert_eq!(c.database, PathBuf::from("/var/lib/fiches/fiches.db"));
        assert_eq!(
            c.publish.options.output_dir,
            PathBuf::from("/var/lib/fiches/publications")
        );
        assert_eq!(c.letters.dir, PathBuf::from("/etc/fiches/letters"));
        assert!(c.sources.is_empty(), "the admin fills in the mailbox");
        assert!(c.smtp.is_none());
        // Each commented example, uncommented, is valid.
        for start in [
            "# [[sources]]\n# type = \"imap\"",
            "# [[sources]]\n# type = \"maildir\"",
            "# [smtp]",
            "# [reader]",
        ] {
            let at = PRODUCTION_CONFIG.find(start).unwrap();
            let block: Vec<&str> = PRODUCTION_CONFIG[at..]
                .lines()
                .take_while(|l| l.starts_with("# ") && *l != "#")
                .map(|l| l.trim_start_matches("# "))
                .collect();
            let text = format!("{PRODUCTION_CONFIG}\n{}\n", block.join("\n"));
            let dir = tempfile::tempdir().unwrap();
            let e = crate::config::Config::parse(&text, &dir.path().join("config.toml"));
            assert!(e.is_ok(), "{start}: {}", e.unwrap_err());
        }
    }

    #[test]
    fn the_units_run_as_fiches_with_the_group_umask() {
        for (name, text) in UNIT_FILES {
            if name.ends_with(".timer") {
                continue;
            }
            assert!(text.contains("\nUser=fiches\n"), "{name}");
            assert!(text.contains("\nUMask=0007\n"), "{name}");
            assert!(text.contains("--config /etc/fiches/config.toml"), "{name}");
            assert!(text.contains("StateDirectoryMode=2770"), "{name}");
            assert!(!text.contains("DynamicUser"), "{name}");
        }
        let daemon = UNIT_FILES[0].1;
        assert!(daemon.contains(&format!(
            "RestartPreventExitStatus={}",
            crate::commands::EXIT_PERMANENT
        )));
    }
}
