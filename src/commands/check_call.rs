//! `fiches check-call FICHIER [--apply]`: checks a call definition (every
//! problem with its line), then, when a database is at hand (`--db` or the
//! configuration's), compares it with the stored proposals: kinds and
//! fields the definition would leave without a place are refused, the
//! renames of its `[renames]` section are listed, and applied with
//! `--apply`.

use std::path::PathBuf;

use super::Globals;
use super::output::say;
use crate::call::{CallFile, Problem};
use crate::domain::french::count;
use crate::fiche::callcheck;
use crate::store::Store;
use crate::store::call::{
    CallPlan, clash_message, definition_name, orphans_advice, orphans_message,
};

/// Vérifie une définition de l'appel (call.toml) : chaque problème avec sa
/// ligne ; puis, si une base est indiquée (--db ou configuration), les
/// types et champs des propositions enregistrées que la définition n'aurait
/// plus, et les renommages de sa section [renames].
#[derive(Debug, clap::Args)]
pub struct Args {
    /// La définition à vérifier (par exemple call.toml) ; sans elle, celle que nomme la configuration ([call] path), sinon la définition intégrée (appel 2018).
    #[arg(value_name = "FICHIER")]
    pub file: Option<PathBuf>,
    /// Applique aux propositions enregistrées les renommages de la section [renames] (en une seule fois, inscrits au journal).
    #[arg(long)]
    pub apply: bool,
}

/// Text for the terminal: what the definition's author wrote may hold
/// controls; line breaks are kept.
fn clean(s: &str) -> String {
    crate::safe::terminal_text(s, true)
}

/// `call.toml, ligne 212 : …`.
fn problem_line(name: &str, p: &Problem) -> String {
    if p.line > 0 {
        clean(&format!("{name}, ligne {} : {}", p.line, p.message))
    } else {
        clean(&format!("{name} : {}", p.message))
    }
}

/// "2 types, 35 champs, 9 listes d'options, 8 créneaux, 6 lieux".
pub fn summary(call: &CallFile) -> String {
    let fields: usize = call.kinds.iter().map(|k| k.fields.len()).sum();
    let slots: usize = call.kinds.iter().map(|k| k.programme.slots.len()).sum();
    let places: usize = call.kinds.iter().map(|k| k.programme.places.len()).sum();
    format!(
        "{}, {} ({} distincts), {}, {}, {}",
        count(call.kinds.len(), "type", "types"),
        count(fields, "champ", "champs"),
        call.fields.len(),
        count(call.options.len(), "liste d'options", "listes d'options"),
        count(slots, "créneau", "créneaux"),
        count(places, "lieu", "lieux"),
    )
}

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    let file = match &args.file {
        Some(f) => Some(f.clone()),
        // The configured definition; the configuration is read below too.
        None => globals.config()?.and_then(|c| c.call_path),
    };
    let (name, text) = match &file {
        None => (
            crate::call::DEFAULT_NAME.to_string(),
            crate::call::DEFAULT_TEXT.to_string(),
        ),
        Some(f) => (
            f.display().to_string(),
            std::fs::read_to_string(f).map_err(|e| {
                anyhow::anyhow!(
                    "définition de l'appel illisible : {} ; vérifier le chemin du fichier",
                    crate::os_error::path_problem(f, &e)
                )
            })?,
        ),
    };
    let call = match callcheck::check_all(&text, &name) {
        Ok(call) => call,
        Err(e) => {
            let problems = e.problems();
            if problems.is_empty() {
                eprintln!("{}", clean(&e.to_string()));
            }
            for p in problems {
                eprintln!("{}", problem_line(&name, p));
            }
            eprintln!(
                "{}",
                clean(&format!(
                    "Définition invalide : {} ; corriger le fichier puis relancer `fiches check-call {name}`.",
                    count(problems.len().max(1), "problème", "problèmes")
                ))
            );
            return Ok(false);
        }
    };
    say(&clean(&format!(
        "Définition sans erreur : {}.",
        summary(&call)
    )))?;

    // The stored proposals, when there is a database to compare with.
    let config = globals.config()?;
    // A grid the configuration replaces is not the definition's: said.
    if let Some(c) = &config {
        for (kind, line) in &c.grid_overrides {
            if call.kinds.iter().any(|k| &k.key == kind) {
                say(&clean(&format!(
                    "Note : la configuration {} remplace la grille du type « {kind} » (ligne {line}, [{kind}]) : \
                     c'est elle qui sert, pas celle de la définition ; la retirer pour suivre la définition.",
                    c.path.display()
                )))?;
            }
        }
    }
    if globals.db.is_none() && config.is_none() {
        say(
            "Aucune base indiquée (ni --db, ni configuration) : propositions enregistrées non comparées.",
        )?;
        return Ok(true);
    }
    let db = globals.db_path(config.as_ref())?;
    if !db.exists() {
        say(&format!(
            "Base {} absente : aucune proposition enregistrée à comparer.",
            db.display()
        ))?;
        return Ok(true);
    }
    let reader =
        Store::open_reader(&db).map_err(|e| anyhow::anyhow!("base {} : {e}", db.display()))?;
    let plan = reader
        .call_plan(&call)
        .map_err(|e| anyhow::anyhow!("base {} : {e}", db.display()))?;
    // Stored answers no option has any more (a value renamed): said, not
    // refused — an answer that could not be told is kept as written too.
    let loose = reader
        .values_without_option(&call, 12)
        .map_err(|e| anyhow::anyhow!("base {} : {e}", db.display()))?;
    for (kind, key, value, n) in &loose {
        let one_line = value.split_whitespace().collect::<Vec<_>>().join(" ");
        let value: String = if one_line.chars().count() > 60 {
            one_line.chars().take(59).chain(['…']).collect()
        } else {
            one_line
        };
        // The kind and the field by the definition's words.
        let kind_def = call.kinds.iter().find(|k| &k.key == kind);
        let kind_name = kind_def.map_or(kind.as_str(), |k| k.noun.as_str());
        let field = kind_def
            .into_iter()
            .flat_map(|k| &k.fields)
            .filter_map(|id| call.fields.iter().find(|f| &f.id == id))
            .find(|f| f.key() == key)
            .map_or(key.as_str(), |f| {
                crate::publish::labels::short_label(&f.label)
            });
        say(&clean(&format!(
            "Note : {} ({kind_name}) {}, à la rubrique « {field} », la réponse « {value} », qui ne correspond à aucune option \
             de la définition (valeur renommée ? garder l'ancienne valeur, ou corriger ces fiches ; une réponse qui n'a pu être lue reste aussi telle quelle).",
            count(*n as usize, "proposition", "propositions"),
            if *n > 1 { "ont" } else { "a" }
        )))?;
    }
    if plan.is_clean() {
        say(&format!(
            "Base {} : {}, leurs types et leurs champs sont tous dans la définition.",
            db.display(),
            count(plan.proposals as usize, "proposition", "propositions")
        ))?;
        return Ok(true);
    }
    if !refusals(&plan, &name) {
        return Ok(false);
    }
    say(&format!(
        "Base {} : renommages de la section [renames] à faire :",
        db.display()
    ))?;
    for r in &plan.renames {
        say(&clean(&format!("  {r}")))?;
    }
    if !args.apply {
        eprintln!(
            "{}",
            clean(&format!(
                "La base n'est pas encore à jour pour cette définition : relancer `fiches check-call {name} --apply` \
                 pour faire ces renommages (une seule transaction, inscrite au journal)."
            ))
        );
        return Ok(false);
    }
    let mut store = globals.open_store(config.as_ref())?;
    let actor = crate::system::acting_user();
    let (_, changed) = store.apply_call_renames(&call, &actor)?;
    let after = store.call_plan(&call)?;
    if !after.is_clean() {
        refusals(&after, &name);
        anyhow::bail!(
            "base {} : des clés restent sans place après les renommages ; relancer `fiches check-call {name}`",
            db.display()
        );
    }
    say(&format!(
        "Fait : {} {} (journal : {actor}). Plus aucun champ sans place : la définition peut être utilisée avec cette base.",
        count(changed, "proposition", "propositions"),
        if changed > 1 {
            "modifiées"
        } else {
            "modifiée"
        }
    ))?;
    Ok(true)
}

/// Refuses to go on with a database whose proposals hold kinds or fields
/// the definition in use (`call`, named `name`: its file, or
/// `call::DEFAULT_NAME`) has no place for: their values would no longer be
/// read, shown or published. For the start-up of the commands that open
/// the database (`daemon`, `console`, `import`).
pub fn refuse_orphans(store: &Store, call: &CallFile, name: &str) -> anyhow::Result<()> {
    let orphans = store.call_orphans(call)?;
    if orphans.is_empty() {
        Ok(())
    } else {
        Err(super::Permanent::wrap(anyhow::anyhow!(
            "base {} : {}",
            store.path().display(),
            orphans_message(&orphans, name)
        )))
    }
}

/// Says what refuses the definition (orphans, values that a rename would
/// overwrite); `true` when nothing does.
fn refusals(plan: &CallPlan, name: &str) -> bool {
    if !plan.orphans.is_empty() {
        eprintln!(
            "{}",
            clean(&format!(
                "{} ne correspond pas aux propositions enregistrées :",
                definition_name(name)
            ))
        );
        for o in &plan.orphans {
            eprintln!("{}", clean(&format!("  {o}")));
        }
        eprintln!("{}", clean(&orphans_advice(name)));
        return false;
    }
    if !plan.clashes.is_empty() {
        for (kind, from, to, numbers) in &plan.clashes {
            eprintln!(
                "{}",
                clean(&clash_message(kind.as_deref(), from, to, numbers))
            );
        }
        eprintln!(
            "Rien n'a été fait : corriger ces propositions (console) ou la section [renames], puis relancer."
        );
        return false;
    }
    true
}
