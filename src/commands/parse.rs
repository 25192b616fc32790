//! `fiches parse FILE|DIR...`: read fiches from files and print what was read,
//! as a readable summary or as JSON lines. One bad file is reported and the
//! run goes on; only an unreadable path makes the exit status non-zero.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::json;

use crate::fiche::{self, Fiche, FicheError, Parsed, spec};
use crate::safe::{terminal_line, terminal_text};

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
                "   ✗ {} : {}\n",
                e.code(),
                terminal_line(&e.to_string())
            );
        }
    };
    let kind = f.kind.map_or("type inconnu", |k| k.label_fr());
    if f.fields.is_empty() {
        writeln!(out, "   {kind} — fiche vide (aucune rubrique remplie)")?;
    } else {
        writeln!(out, "   {kind} — {} rubrique(s) lue(s)", f.fields.len())?;
    }
    let specs = f.kind.map_or(spec::common_fields(), spec::fields);
    for s in specs {
        if let Some(v) = f.fields.get(s.key) {
            let text =
                terminal_text(&v.display(), true).replace('\n', "\n                              ");
            writeln!(out, "   {:<26} {}", s.key, text)?;
        }
    }
    for (label, value) in &f.extra {
        writeln!(
            out,
            "   + {:<24} {}",
            terminal_line(label),
            terminal_line(value)
        )?;
    }
    for w in &f.warnings {
        let field = w.field.as_deref().unwrap_or("fiche");
        writeln!(out, "   ! {field} : {}", terminal_line(&w.message))?;
    }
    writeln!(out)
}

/// Files named on the command line, with directories walked (sorted, hidden
/// files skipped, not following links out of the tree).
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("lecture du dossier {} impossible", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                !p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
            })
            .collect();
        entries.sort();
        for p in entries {
            let meta = std::fs::symlink_metadata(&p)?;
            if meta.is_dir() {
                walk(&p, out)?;
            } else if meta.is_file() {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Runs the command; returns whether every path could be read.
pub fn run(paths: &[PathBuf], as_json: bool) -> Result<bool> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut all_read = true;
    for path in expand(paths)? {
        let name = path.display().to_string();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!(
                    "fiches: {name} : lecture impossible ({e}) ; vérifier le chemin et les droits"
                );
                all_read = false;
                continue;
            }
        };
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        for parsed in fiche::parse_file(&bytes, file_name) {
            if as_json {
                writeln!(out, "{}", parsed_json(&name, &parsed))?;
            } else {
                human(&mut out, &name, &parsed)?;
            }
        }
    }
    out.flush()?;
    Ok(all_read)
}
