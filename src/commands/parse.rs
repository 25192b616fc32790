//! `fiches parse FILE|DIR...`: read fiches from files and print what was read,
//! as a readable summary or as JSON lines. Each file is read in a reader
//! worker (`worker`): a file that makes the reader abort, panic, hang or
//! run out of memory is reported (`rejected`) and the run goes on with the
//! next. The exit status is non-zero when a path could not be read or a
//! reading was interrupted.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::json;

use crate::fiche::{Fiche, FicheError, Limits, Parsed, spec};
use crate::safe::{terminal_line, terminal_text};
use crate::worker::{Interrupted, Reader, WorkerLimits};

/// The JSON object printed for one form of a file (one per line): the
/// same `file` for every form of a file, `"form": N` when it holds more
/// than one, `"inner"` for a file found inside a `.zip` or `winmail.dat`.
pub fn parsed_json(file: &str, parsed: &Parsed) -> serde_json::Value {
    let mut v = result_json(file, &parsed.result);
    if let Some(obj) = v.as_object_mut() {
        if let Some(n) = parsed.form {
            obj.insert("form".into(), json!(n));
        }
        if let Some(inner) = &parsed.inner {
            obj.insert("inner".into(), json!(inner));
        }
    }
    v
}

/// The JSON object printed for a file whose reading was cut short (the
/// reader died on it): the error code `rejected`.
pub fn interrupted_json(file: &str, interrupted: &Interrupted) -> serde_json::Value {
    json!({
        "file": file,
        "kind": null,
        "fields": {},
        "extra": [],
        "warnings": [],
        "error": {"code": "rejected", "message": interrupted.reason()},
    })
}

/// The JSON object printed for one result.
pub fn result_json(file: &str, result: &Result<Fiche, FicheError>) -> serde_json::Value {
    match result {
        Ok(f) => json!({
            "file": file,
            "kind": f.kind.map(|k| k.key()),
            "fields": f.fields.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<serde_json::Map<_, _>>(),
            "extra": f.extra.iter().map(|(l, v)| json!({"label": l, "value": v})).collect::<Vec<_>>(),
            "warnings": f.warnings,
            "error": null,
        }),
        Err(e) => json!({
            "file": file,
            "kind": null,
            "fields": {},
            "extra": [],
            "warnings": [],
            "error": {"code": e.code(), "message": e.to_string()},
        }),
    }
}

fn human_interrupted(
    out: &mut impl Write,
    file: &str,
    interrupted: &Interrupted,
) -> std::io::Result<()> {
    writeln!(out, "── {}", terminal_line(file))?;
    writeln!(
        out,
        "   ✗ {}\n",
        terminal_line(&capitalised(
            // Nothing is kept by `parse` (the import keeps the message).
            &interrupted.reason().replace(", il est conservé", "")
        ))
    )
}

fn human(out: &mut impl Write, file: &str, parsed: &Parsed) -> std::io::Result<()> {
    let mut title = file.to_string();
    if let Some(inner) = &parsed.inner {
        title.push_str(&format!(" › {inner}"));
    }
    if let Some(n) = parsed.form {
        title.push_str(&format!(" (fiche {n})"));
    }
    writeln!(out, "── {}", terminal_line(&title))?;
    let f = match &parsed.result {
        Ok(f) => f,
        Err(e) => {
            return writeln!(
                out,
                "   ✗ {}\n",
                terminal_line(&capitalised(&e.to_string()))
            );
        }
    };
    let kind = crate::service::words::kind(f.kind);
    if f.fields.is_empty() {
        writeln!(out, "   {kind} — fiche vide (aucune rubrique remplie)")?;
    } else {
        let n = f.fields.len();
        writeln!(
            out,
            "   {kind} — {}",
            crate::domain::french::count(n, "rubrique lue", "rubriques lues")
        )?;
    }
    let specs = f.kind.map_or(spec::common_fields(), spec::fields);
    let rows: Vec<(String, String)> = specs
        .iter()
        .filter_map(|s| {
            let v = f.fields.get(s.key)?;
            let label = crate::service::words::field_label(f.kind, s.key);
            Some((label, crate::service::words::value(f.kind, s.key, v)))
        })
        .collect();
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    let indent = format!("\n{}", " ".repeat(width + 6));
    for (label, value) in &rows {
        let text = terminal_text(value, true).replace('\n', &indent);
        let pad = width.saturating_sub(label.chars().count());
        writeln!(
            out,
            "   {}{} : {text}",
            terminal_line(label),
            " ".repeat(pad)
        )?;
    }
    if !f.extra.is_empty() {
        writeln!(out, "   Texte hors rubrique :")?;
    }
    for (label, value) in &f.extra {
        let line = if label.trim().is_empty() {
            value.clone()
        } else {
            format!("{label} : {value}")
        };
        writeln!(out, "   + {}", terminal_line(&line))?;
    }
    for w in &f.warnings {
        let field = w.field.as_deref().map_or_else(
            || "Fiche".to_string(),
            |k| crate::service::words::field_label(f.kind, k),
        );
        writeln!(
            out,
            "   ! {} : {}",
            terminal_line(&field),
            terminal_line(&w.message)
        )?;
    }
    writeln!(out)
}

/// "Format PDF non lu…": a message that starts a line.
fn capitalised(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Files named on the command line, with directories walked (sorted, hidden
/// files skipped, not following links out of the tree). A directory that
/// cannot be listed is reported and the others are walked.
fn expand(paths: &[PathBuf], failed: &mut bool) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, failed: &mut bool) {
        let listing = match std::fs::read_dir(dir) {
            Ok(l) => l,
            Err(e) => {
                eprintln!(
                    "fiches : lecture du dossier impossible : {}",
                    terminal_line(&crate::os_error::path_problem(dir, &e))
                );
                *failed = true;
                return;
            }
        };
        let mut entries: Vec<_> = listing
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                !p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
            })
            .collect();
        entries.sort();
        for p in entries {
            match std::fs::symlink_metadata(&p) {
                Ok(meta) if meta.is_dir() => walk(&p, out, failed),
                Ok(meta) if meta.is_file() => out.push(p),
                Ok(_) => {}
                Err(e) => {
                    eprintln!(
                        "fiches : illisible : {}",
                        terminal_line(&crate::os_error::path_problem(&p, &e))
                    );
                    *failed = true;
                }
            }
        }
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out, failed);
        } else {
            out.push(p.clone());
        }
    }
    out
}

/// Runs the command; returns whether every path could be read. The call
/// definition is the configuration's when there is one (loaded by the
/// caller), else the built-in one.
pub fn run(paths: &[PathBuf], as_json: bool) -> Result<bool> {
    let reader = Reader::isolated(WorkerLimits::default())
        .context("impossible de lancer le lecteur de fiches")?;
    let limits = Limits::default();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = false;
    let files = expand(paths, &mut failed);
    if files.is_empty() && !failed && !as_json {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        writeln!(
            out,
            "Aucun fichier à lire dans {} (formats lus : DOCX, XLSX, ODT, ODS, XLS).",
            terminal_line(&names.join(", "))
        )?;
    }
    for path in files {
        let name = path.display().to_string();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!(
                    "fiches : {} : lecture impossible : {}",
                    terminal_line(&name),
                    terminal_line(&crate::os_error::problem(&path, &e))
                );
                failed = true;
                continue;
            }
        };
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let forms = match reader.read(&bytes, file_name, &limits) {
            Ok(Ok(forms)) => forms,
            Ok(Err(interrupted)) => {
                failed = true;
                if as_json {
                    let v = interrupted_json(&name, &interrupted);
                    writeln!(out, "{}", super::output::json_line(&v))?;
                } else {
                    human_interrupted(&mut out, &name, &interrupted)?;
                }
                out.flush()?;
                continue;
            }
            Err(no_reader) => {
                eprintln!("fiches : {} : {no_reader}", terminal_line(&name));
                failed = true;
                continue;
            }
        };
        for parsed in &forms {
            if as_json {
                writeln!(
                    out,
                    "{}",
                    super::output::json_line(&parsed_json(&name, parsed))
                )?;
            } else {
                human(&mut out, &name, parsed)?;
            }
        }
        // Each file's answer is out before the next is read.
        out.flush()?;
    }
    out.flush()?;
    Ok(!failed)
}
