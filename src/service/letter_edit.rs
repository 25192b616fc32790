//! Staff's own version of an unsent letter: the editable form handed to
//! `$VISUAL` / `$EDITOR` (or read from a file), read back, and only the
//! real changes from the template recorded. Shared by `fiches outbox edit`
//! and the console's Envoi screen.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::letters::Letters;
use crate::outbox::{self, Draft};
use crate::store::{LetterEdit, Store};

/// The editable form of a letter.
fn editable(d: &Draft) -> String {
    format!(
        "# Lettre n° {} ({}) {}.\n\
         # Modifier les adresses, l'objet ou le texte, enregistrer et fermer.\n\
         # Les lignes qui commencent par # sont ignorées. « Cc : » vide : aucune copie.\n\
         À : {}\nCc : {}\nObjet : {}\n\n{}",
        d.record.id,
        d.record.kind.label_fr(),
        match &d.record.proposal {
            Some(p) => format!("pour la proposition n° {}", p.number),
            None => format!("en réponse au message n° {}", d.record.fiche.id),
        },
        d.to_text(),
        d.cc_text(),
        d.subject,
        d.body
    )
}

/// Reads the editable form back: (to, cc, subject, body).
fn parse_editable(text: &str) -> anyhow::Result<(String, String, String, String)> {
    let text = text.replace("\r\n", "\n");
    let mut lines = text.split('\n');
    let (mut to, mut cc, mut subject) = (None, None, None);
    for line in lines.by_ref() {
        if line.starts_with('#') {
            continue;
        }
        if line.trim().is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            bail!(
                "ligne d'en-tête illisible « {line} » : attendu « À : », « Cc : » ou « Objet : », puis une ligne vide et le texte"
            );
        };
        let value = value.trim().to_string();
        match name.trim().to_lowercase().as_str() {
            "à" | "a" | "to" => to = Some(value),
            "cc" => cc = Some(value),
            "objet" | "subject" => subject = Some(value),
            other => {
                bail!("en-tête inconnu « {other} » : seuls « À », « Cc » et « Objet » se modifient")
            }
        }
    }
    let body: Vec<&str> = lines.collect();
    let mut body = body.join("\n").trim_end().to_string();
    body.push('\n');
    let (Some(to), Some(subject)) = (to, subject) else {
        bail!("il faut au moins les lignes « À : » et « Objet : »");
    };
    Ok((to, cc.unwrap_or_default(), subject, body))
}

fn run_editor(path: &Path) -> anyhow::Result<()> {
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_string());
    let status = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("fiches")
        .arg(path)
        .status()
        .with_context(|| format!("lancement de l'éditeur « {editor} »"))?;
    if !status.success() {
        bail!("l'éditeur « {editor} » a échoué ({status}) : lettre inchangée");
    }
    Ok(())
}

/// What an edit of a letter's text did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditResult {
    Unchanged,
    /// Recorded; what still stops it from going out.
    Edited {
        problems: Vec<String>,
    },
}

/// Staff's version of an unsent letter, from `file` or typed in `$VISUAL`
/// / `$EDITOR` (addresses, subject and text; only real changes from the
/// template are kept). With `expected_version`, a letter changed since it
/// was shown is left alone (`fiches outbox edit` and the console's Envoi
/// screen).
pub fn edit_text(
    store: &mut Store,
    letters: &Letters,
    id: i64,
    expected_version: Option<i64>,
    file: Option<&Path>,
    actor: &str,
) -> anyhow::Result<EditResult> {
    let rec = store.letter(id)?;
    if !rec.state.is_unsent() {
        bail!(
            "la lettre n° {id} est « {} » : seule une lettre non envoyée se modifie",
            rec.state.label_fr()
        );
    }
    if expected_version.is_some_and(|v| v != rec.version) {
        bail!("la lettre n° {id} a changé depuis son affichage : la relire avant de la modifier");
    }
    let version = rec.version;
    // The rank the text handed to staff gives (it may change while they write).
    let shown_rank = rec.proposal.as_ref().and_then(|p| p.rank);
    let current = outbox::draft(letters, rec.clone());
    // What the template and the fiche give, to keep only real changes.
    let mut plain = rec.clone();
    plain.edit = LetterEdit::default();
    let template = outbox::draft(letters, plain);
    let text = match file {
        Some(f) => {
            std::fs::read_to_string(f).with_context(|| format!("lecture de {}", f.display()))?
        }
        None => {
            let dir = tempfile_dir()?;
            let path = dir.join(format!("lettre-{id}.txt"));
            {
                let mut f = std::fs::File::create(&path)
                    .with_context(|| format!("création de {}", path.display()))?;
                f.write_all(editable(&current).as_bytes())?;
            }
            let r = run_editor(&path).and_then(|_| {
                std::fs::read_to_string(&path)
                    .with_context(|| format!("lecture de {}", path.display()))
            });
            let _ = std::fs::remove_file(&path);
            let _ = std::fs::remove_dir(&dir);
            r?
        }
    };
    let (to, cc, subject, body) = parse_editable(&text)?;
    let keep = |new: String, from_template: String| (new != from_template).then_some(new);
    // Recipients go together: a new To with the template's Cc would put the
    // Cc rule (sender in copy) back on the new address.
    let recipients_edited = to != template.to_text() || cc != template.cc_text();
    let edit = LetterEdit {
        to: recipients_edited.then_some(to),
        cc: recipients_edited.then_some(cc),
        subject: keep(subject, template.subject.clone()),
        body: keep(body, template.body.clone()),
    };
    if edit == rec.edit {
        return Ok(EditResult::Unchanged);
    }
    let after = store.edit_letter_as_shown(id, version, &edit, shown_rank, actor)?;
    let d = outbox::draft(letters, after);
    Ok(EditResult::Edited {
        problems: d.problems,
    })
}

/// A private folder for the file handed to the editor.
fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("fiches-outbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("création de {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editable_form_reads_back() {
        let (to, cc, subject, body) = parse_editable(
            "# commentaire\nÀ : Claire <c@x.fr>\nCc :\nObjet : Bonjour : test\n\nLigne 1\n\nLigne 2\n\n\n",
        )
        .unwrap();
        assert_eq!(to, "Claire <c@x.fr>");
        assert_eq!(cc, "");
        assert_eq!(subject, "Bonjour : test");
        assert_eq!(body, "Ligne 1\n\nLigne 2\n");
        assert!(parse_editable("Objet : x\n\ntexte").is_err());
        assert!(parse_editable("À : a@b\nBcc : x@y\nObjet : x\n\ntexte").is_err());
    }
}
