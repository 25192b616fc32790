//! `fiches attachment N --save DIR` / `--text`: an attachment of a stored
//! message, by the number the console shows (screen À traiter), written to
//! a folder (never over an existing file) or printed as text (through
//! `crate::convert`: our readers, pdftotext, LibreOffice).

use std::path::PathBuf;

use anyhow::Context;

use super::Globals;
use super::output::{Out, say};
use crate::convert::{self, Converter};
use crate::safe::terminal_line as clean;

/// Une pièce jointe d'un message reçu : l'enregistrer dans un dossier, ou
/// en afficher le texte (DOC, PDF, RTF… convertis par LibreOffice ou
/// pdftotext lorsqu'ils sont installés).
///
/// N est le numéro de la pièce jointe affiché par la console (écran 4,
/// « À traiter », liste des pièces jointes : « PJ N »).
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["save", "text"]))]
pub struct Args {
    /// Numéro de la pièce jointe (« PJ N » dans la console).
    #[arg(value_name = "NUMÉRO")]
    pub number: i64,
    /// Enregistre la pièce jointe dans ce dossier (sans jamais écraser un
    /// fichier : « nom (2).pdf »).
    #[arg(long, value_name = "DOSSIER")]
    pub save: Option<PathBuf>,
    /// Affiche le texte de la pièce jointe.
    #[arg(long)]
    pub text: bool,
}

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    let config = globals.config()?;
    let store = globals.open_store(config.as_ref())?;
    let a = convert::load(&store, args.number)?;
    let shown = clean(a.filename.as_deref().unwrap_or("(sans nom)"));
    if let Some(dir) = &args.save {
        if !dir.is_dir() {
            anyhow::bail!(
                "le dossier {} n'existe pas : le créer (mkdir {}) ou en indiquer un autre",
                dir.display(),
                dir.display()
            );
        }
        let name = convert::safe_file_name(a.filename.as_deref(), a.number);
        let path = convert::save_new(dir, &name, &a.bytes).with_context(|| {
            format!(
                "pièce jointe n° {} non enregistrée dans {}",
                a.number,
                dir.display()
            )
        })?;
        say(&format!(
            "pièce jointe n° {} ({shown}, message n° {}) enregistrée : {}",
            a.number,
            a.message_id,
            clean(&path.display().to_string())
        ))?;
    }
    if args.text {
        // An image holds no text: said as such, not as a conversion failure.
        let image = [&b"\x89PNG"[..], b"\xFF\xD8\xFF", b"GIF8", b"BM"]
            .iter()
            .any(|m| a.bytes.starts_with(m));
        if image {
            anyhow::bail!(
                "pièce jointe n° {} ({shown}) : c'est une image, elle ne contient pas de texte ; \
                 l'enregistrer avec --save DOSSIER pour la voir",
                a.number
            );
        }
        let conv = Converter::new(
            config
                .as_ref()
                .map_or(convert::DEFAULT_TIMEOUT, |c| c.convert_timeout),
        );
        let t = conv.text(&a.bytes, a.filename.as_deref()).map_err(|e| {
            let hint = if e.is_missing() {
                format!(
                    ", ou l'enregistrer (fiches attachment {} --save DOSSIER) et l'ouvrir ailleurs",
                    a.number
                )
            } else {
                String::new()
            };
            anyhow::anyhow!("pièce jointe n° {} ({shown}) : {e}{hint}", a.number)
        })?;
        let mut out = Out::new();
        for line in t.text.lines() {
            if !out.line(line)? {
                return Ok(true);
            }
        }
        if t.truncated {
            out.line(&format!(
                "[… texte coupé à {} Kio : enregistrer la pièce jointe pour la lire en entier]",
                convert::MAX_TEXT_BYTES / 1024
            ))?;
        }
        out.finish()?;
    }
    Ok(true)
}
