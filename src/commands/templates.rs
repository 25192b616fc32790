//! `fiches templates [--out DIR] [--force]`: writes the blank fiches of
//! every kind of proposal (DOCX, XLSX, ODT) from the form definition and
//! the configuration's `[event]`, each checked to read back as a blank
//! form of its kind before anything is written. An existing file is never
//! replaced without `--force`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};

use super::Globals;
use super::output::say;
use crate::fiche::Kind;
use crate::os_error::path_problem;
use crate::templates::{self, EventInfo, Format};

/// Écrit les fiches vierges de chaque type de proposition (Word, Excel, LibreOffice).
///
/// Les fiches sont faites à partir de la définition des formulaires et de
/// l'événement de la configuration (nom, date, lieu, date limite) : la
/// fiche envoyée est celle que fiches sait relire. Chaque fichier est relu
/// avant d'être écrit. Un fichier déjà présent n'est remplacé qu'avec --force.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Dossier où écrire les fiches (créé s'il n'existe pas ; par défaut le dossier courant).
    #[arg(long, value_name = "DOSSIER")]
    pub out: Option<PathBuf>,
    /// Remplacer les fiches déjà présentes dans le dossier.
    #[arg(long)]
    pub force: bool,
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Docx => "Word",
        Format::Xlsx => "Excel",
        Format::Odt => "LibreOffice",
    }
}

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    let config = globals.require_config()?;
    let event = EventInfo::from_config(&config.event);
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("."));
    // Everything is made (and read back) before anything is written.
    let mut files = Vec::new();
    for kind in Kind::all() {
        for format in Format::ALL {
            let bytes = templates::generate(kind, format, &event)?;
            files.push((
                kind,
                format,
                out.join(templates::file_name(kind, format)),
                bytes,
            ));
        }
    }
    if !args.force {
        let existing: Vec<String> = files
            .iter()
            .filter(|(_, _, path, _)| path.exists())
            .map(|(_, _, path, _)| path.display().to_string())
            .collect();
        if !existing.is_empty() {
            bail!(
                "{} {} déjà ; rien n'a été écrit. Relancer avec --force pour remplacer, \
                 ou choisir un autre dossier avec --out DOSSIER.",
                existing.join(", "),
                if existing.len() > 1 {
                    "existent"
                } else {
                    "existe"
                }
            );
        }
    }
    if out.exists() && !out.is_dir() {
        bail!(
            "{} n'est pas un dossier ; rien n'a été écrit, choisir un dossier avec --out DOSSIER.",
            out.display()
        );
    }
    std::fs::create_dir_all(&out).map_err(|e| {
        anyhow::anyhow!(
            "dossier {} impossible à créer ({}) ; rien n'a été écrit, choisir un autre dossier avec --out DOSSIER.",
            out.display(),
            crate::os_error::problem(&out, &e)
        )
    })?;
    for (kind, format, path, bytes) in &files {
        write_file(path, bytes, args.force)?;
        say(&format!(
            "écrit : {} ({}, {})",
            path.display(),
            kind.label_fr(),
            format_name(*format)
        ))?;
    }
    Ok(true)
}

/// Writes a whole file; without `force`, never over an existing one (one
/// created since the check included).
fn write_file(path: &std::path::Path, bytes: &[u8], force: bool) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    let result = opts.open(path).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    result
        .map_err(|e| anyhow::anyhow!("{}", path_problem(path, &e)))
        .with_context(|| {
            format!(
                "fiche vierge non écrite ({}) : vérifier le dossier et les droits, ou choisir un autre dossier avec --out",
                path.display()
            )
        })
}
