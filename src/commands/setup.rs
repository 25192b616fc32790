//! `fiches setup --system`: installs fiches on a server in one command, as
//! root — the `fiches` user and group (`/etc/sysusers.d/fiches.conf`), staff
//! added to the group, `/etc/fiches/config.toml` from the production
//! template (never the demo), the letter templates and an empty members
//! list, the state directory `/var/lib/fiches` (fiches:fiches, setgid, 2770),
//! the database, and the systemd units. What already exists is kept (the
//! units, which are the program's, are brought up to date). Each step says
//! what it did; the end says what is left to do.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use super::Globals;
use super::output::Out;
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

/// The letter templates shipped with the program.
const LETTERS: &[(&str, &str)] = &[
    ("README.md", include_str!("../../letters/README.md")),
    (
        "accuse-reception.txt",
        include_str!("../../letters/accuse-reception.txt"),
    ),
    ("accepte.txt", include_str!("../../letters/accepte.txt")),
    (
        "liste-attente.txt",
        include_str!("../../letters/liste-attente.txt"),
    ),
    (
        "non-retenu.txt",
        include_str!("../../letters/non-retenu.txt"),
    ),
    (
        "creneau-modifie.txt",
        include_str!("../../letters/creneau-modifie.txt"),
    ),
    (
        "annulation.txt",
        include_str!("../../letters/annulation.txt"),
    ),
    (
        "accuse-reception-bourse.txt",
        include_str!("../../letters/accuse-reception-bourse.txt"),
    ),
    (
        "accepte-bourse.txt",
        include_str!("../../letters/accepte-bourse.txt"),
    ),
    (
        "liste-attente-bourse.txt",
        include_str!("../../letters/liste-attente-bourse.txt"),
    ),
    (
        "non-retenu-bourse.txt",
        include_str!("../../letters/non-retenu-bourse.txt"),
    ),
    (
        "creneau-modifie-bourse.txt",
        include_str!("../../letters/creneau-modifie-bourse.txt"),
    ),
    (
        "annulation-bourse.txt",
        include_str!("../../letters/annulation-bourse.txt"),
    ),
];

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

/// Writes `text` to `path` unless it exists; says which.
fn install_file(
    out: &mut Out,
    path: &Path,
    text: &str,
    mode: u32,
    gid: Option<u32>,
) -> anyhow::Result<bool> {
    if path.exists() {
        out.line(&format!("  {} : existe déjà, gardé", path.display()))?;
        return Ok(false);
    }
    std::fs::write(path, text).with_context(|| format!("écriture de {}", path.display()))?;
    chown(path, Some(0), gid)?;
    chmod(path, mode)?;
    out.line(&format!("  {} : créé", path.display()))?;
    Ok(true)
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

    out.line(&format!("Configuration ({ETC}) :"))?;
    let etc = Path::new(ETC);
    std::fs::create_dir_all(etc).with_context(|| format!("création de {ETC}"))?;
    chmod(etc, 0o755)?;
    let config_path = etc.join("config.toml");
    install_file(&mut out, &config_path, PRODUCTION_CONFIG, 0o644, None)?;
    let letters = etc.join("letters");
    if !letters.exists() {
        std::fs::create_dir(&letters)
            .with_context(|| format!("création de {}", letters.display()))?;
        chown(&letters, Some(0), Some(gid))?;
        chmod(&letters, 0o2775)?;
    }
    for (name, text) in LETTERS {
        install_file(&mut out, &letters.join(name), text, 0o664, Some(gid))?;
    }
    install_file(
        &mut out,
        &etc.join("members.csv"),
        MEMBERS_HEADER,
        0o664,
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
    out.line("Reste à faire :")?;
    out.line(&format!(
        "  1. sudoedit {} : [[sources]] (la boîte où arrivent les fiches), [smtp] ; vérifier [event]",
        config_path.display()
    ))?;
    out.line("  2. mot de passe IMAP : sudo install -m 600 -o fiches -g fiches /dev/stdin /etc/fiches/imap-password")?;
    out.line("  3. sudo systemctl enable --now fiches-daemon fiches-backup.timer")?;
    out.line("  4. fiches status   (l'équipe : se reconnecter, puis `fiches`)")?;
    out.finish()?;
    Ok(true)
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
