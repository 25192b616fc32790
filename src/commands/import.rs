//! `fiches import PATH...`: reads `.eml` files, directories and Maildirs (or
//! the sources of the configuration) into the database, with a progress bar
//! on a terminal and a summary at the end.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::Globals;
use super::output::{Out, json_line};
use crate::config::{Config, SourceConfig};
use crate::domain::french::plural_s;
use crate::intake::{ImportReport, Importer, Progress, Source, open_path, source};
use crate::safe::terminal_line as clean;
use crate::store::MessageStatus;

/// Importe des e-mails : fichiers .eml, dossiers de .eml, Maildir.
///
/// Sans chemin, lit les sources de la configuration ([[sources]]). Un message
/// déjà enregistré (même contenu ou même Message-ID) n'est pas réimporté.
/// Code de sortie : 0 si tout est enregistré, 1 si des messages n'ont pas pu
/// être lus ou enregistrés (ils sont listés), 2 en cas d'erreur.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Fichiers .eml, dossiers ou Maildir à importer.
    #[arg(value_name = "CHEMIN")]
    pub paths: Vec<PathBuf>,

    /// Résumé en une ligne JSON au lieu du texte.
    #[arg(long)]
    pub json: bool,

    /// Pas de barre de progression.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The configuration `import` runs with: the file, or the settings shipped
/// with the program when there is none.
fn config_or_default(globals: &Globals) -> anyhow::Result<Config> {
    if let Some(c) = globals.config()? {
        return Ok(c);
    }
    let shipped = include_str!("../../config.toml");
    let here = std::env::current_dir()
        .context("dossier courant illisible")?
        .join("config.toml");
    tracing::warn!(
        "aucun config.toml trouvé : réglages par défaut du programme (date limite du 8 juin 2018)"
    );
    Ok(Config::parse(shipped, &here)?)
}

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    let config = config_or_default(globals)?;
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    // Files named on the command line that are not mail: told, not stored.
    let mut refused: Vec<(String, String)> = Vec::new();
    if args.paths.is_empty() {
        if config.sources.is_empty() {
            bail!(
                "rien à importer : donner des chemins (fiches import MAILDIR|DOSSIER|FICHIER.eml) ou des [[sources]] dans {}",
                config.path.display()
            );
        }
        for s in &config.sources {
            let src: Box<dyn Source> = match s {
                SourceConfig::Maildir(p) => Box::new(
                    source::Maildir::open(p)
                        .with_context(|| format!("source Maildir de {}", config.path.display()))?,
                ),
                SourceConfig::Eml(p) => Box::new(
                    source::EmlFiles::open(p)
                        .with_context(|| format!("source eml de {}", config.path.display()))?,
                ),
                SourceConfig::Imap(c) => {
                    tracing::warn!(
                        "source IMAP {} : pas lue par `fiches import` (relève IMAP à part)",
                        c.account_id()
                    );
                    continue;
                }
            };
            sources.push(src);
        }
    } else {
        for p in &args.paths {
            if let Some(why) = not_a_mail(p) {
                refused.push((p.display().to_string(), why));
                continue;
            }
            sources.push(open_path(p)?);
        }
    }

    if sources.is_empty() && !refused.is_empty() {
        // Nothing to import: no database is created for it.
        let report = ImportReport {
            failed: refused,
            ..ImportReport::default()
        };
        print_summary(&report, args.json)?;
        return Ok(false);
    }
    let mut store = globals.open_store(Some(&config))?;
    super::check_call::refuse_orphans(&store, crate::call::current(), &config.call_name())?;
    let opts = super::intake_options(&config)?;
    let total: u64 = sources
        .iter()
        .filter_map(|s| s.remaining())
        .map(|n| n as u64)
        .sum();
    let bar = if !args.quiet && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} messages  {per_sec}  reste {eta}  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };

    let mut importer = Importer::new(&mut store, opts);
    let mut stopped = None;
    for src in &mut sources {
        let mut on_progress = |p: Progress<'_>| {
            if let Some(bar) = &bar {
                bar.inc(1);
                if let Progress::Failed { what, error } = &p {
                    bar.println(format!("échec : {} — {}", clean(what), clean(error)));
                }
            } else if let Progress::Failed { what, error } = &p {
                eprintln!("échec : {} — {}", clean(what), clean(error));
            }
        };
        if let Err(e) = importer.run(src.as_mut(), &mut on_progress) {
            stopped = Some(e);
            break;
        }
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut report = importer.report.clone();
    report.failed.extend(refused);
    print_summary(&report, args.json)?;
    if let Some(e) = stopped {
        return Err(anyhow::Error::new(e)
            .context("import interrompu : la base de données refuse les écritures"));
    }
    Ok(report.failed.is_empty())
}

/// Why a file named on the command line is not an e-mail (a fiche given
/// instead of the message carrying it, a text file), or `None` when it
/// starts like one (a header line) or is not a plain file (a folder, a
/// Maildir: their files are looked at by the intake).
fn not_a_mail(path: &std::path::Path) -> Option<String> {
    use std::io::Read;
    if !path.is_file() {
        return None;
    }
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(4096)
        .read_to_end(&mut head)
        .ok()?;
    if looks_like_mail(&head) {
        return None;
    }
    Some(format!(
        "ce n'est pas un e-mail (.eml) : rien n'a été enregistré ; pour lire une fiche, \
         utiliser `fiches parse {}`",
        path.display()
    ))
}

/// Whether bytes start like a message: an mbox "From " line or a header
/// field ("Name: value"), after blank lines.
fn looks_like_mail(head: &[u8]) -> bool {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let rest = &head[start..];
    // Empty: the intake tells it (stored as an unreadable message).
    if rest.is_empty() || rest.starts_with(b"From ") {
        return true;
    }
    let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
    match line.iter().position(|&b| b == b':') {
        Some(0) | None => false,
        Some(colon) => line[..colon].iter().all(|&b| (33..=126).contains(&b)),
    }
}

fn print_summary(r: &ImportReport, as_json: bool) -> anyhow::Result<()> {
    let mut out = Out::new();
    if as_json {
        let by_status: serde_json::Map<String, serde_json::Value> = MessageStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_string(),
                    json!(r.by_status.get(s).copied().unwrap_or(0)),
                )
            })
            .collect();
        out.line(&json_line(&json!({
            "messages": r.read,
            "new": r.new,
            "duplicates": r.duplicates,
            "failed": r.failed.iter().map(|(w, e)| json!({"source": w, "error": e})).collect::<Vec<_>>(),
            "proposals": r.proposals,
            "superseded": r.superseded,
            "revisions": r.revisions,
            "by_status": by_status,
        })))?;
        out.finish()?;
        return Ok(());
    }
    out.line(&format!(
        "{} message{} lu{} : {} nouveau{}, {} déjà enregistré{}, {} en échec",
        r.read,
        plural_s(r.read),
        plural_s(r.read),
        r.new,
        if r.new > 1 { "x" } else { "" },
        r.duplicates,
        plural_s(r.duplicates),
        r.failed.len(),
    ))?;
    let mut line = format!(
        "{} proposition{} créée{}",
        r.proposals,
        plural_s(r.proposals),
        plural_s(r.proposals)
    );
    if r.revisions > 0 {
        line.push_str(&format!(
            " (dont {} révision{} d'une fiche déjà reçue)",
            r.revisions,
            plural_s(r.revisions),
        ));
    }
    out.line(&line)?;
    if !r.by_status.is_empty() {
        let parts: Vec<String> = MessageStatus::ALL
            .iter()
            .filter_map(|s| {
                r.by_status
                    .get(s)
                    .map(|n| format!("{} {n}", crate::service::words::message_status(*s)))
            })
            .collect();
        out.line(&format!(
            "nouveaux messages par statut : {}",
            parts.join(" · ")
        ))?;
    }
    for (what, error) in &r.failed {
        out.line(&format!("échec : {} — {}", clean(what), clean(error)))?;
    }
    out.finish()?;
    Ok(())
}
