//! `fiches programme`: the programme as everyone reads it (the grid of each
//! kind, who holds each place, the waiting lists with their ranks), and
//! `fiches suggest`: a complete placement computed by the domain
//! (`domain::suggest`), shown as a draft and, with `--apply`, applied as
//! one journaled step (`fiches undo N` on any proposal it changed takes it
//! all back).

use anyhow::Result;
use serde_json::{Value, json};

use super::Globals;
use super::decide::rules;
use super::output::{Out, json_line};
use crate::domain::french::count;
use crate::domain::suggest::Suggestion;
use crate::domain::{KindGrid, Status, status_fr};
use crate::fiche::Kind;
use crate::safe::terminal_line;
use crate::store::Store;

/// Affiche le programme : la grille de chaque type, qui tient chaque place, les
/// listes d'attente avec leurs rangs.
///
/// Avec --json : {"micro_atelier": {"slots": [...], "places": [...],
/// "cells": [{"slot", "place", "number"}], "waitlist": [{"number", "rank"}]},
/// "bourse_projets": {...}}.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// En JSON (un objet sur une ligne).
    #[arg(long)]
    pub json: bool,
}

/// Propose un programme : une place pour les propositions retenues et à
/// décider (membres d'abord, créneaux souhaités autant que possible, jamais
/// deux fois la même organisation dans un créneau, thèmes répartis).
///
/// Sans --apply, rien n'est changé : le brouillon dit ce qui serait placé,
/// déplacé, mis en liste d'attente. Avec --apply, tout est appliqué en une
/// seule fois (`fiches undo N` sur l'une des propositions annule le tout).
#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    /// Le brouillon en JSON.
    #[arg(long)]
    pub json: bool,
    /// Appliquer la suggestion (en une seule fois, annulable par `fiches undo N`).
    #[arg(long)]
    pub apply: bool,
}

/// The JSON of one kind's programme.
pub fn kind_json(g: &KindGrid) -> Value {
    let width = g.width();
    let cells: Vec<Value> = g
        .slots
        .iter()
        .enumerate()
        .flat_map(|(si, slot)| {
            g.places.iter().enumerate().map(move |(pi, place)| {
                json!({"slot": slot, "place": place, "number": g.cells[si * width + pi]})
            })
        })
        .collect();
    json!({
        "slots": g.slots,
        "places": g.places,
        "cells": cells,
        "waitlist": g.waitlist.iter().map(|(n, r)| json!({"number": n, "rank": r})).collect::<Vec<_>>(),
    })
}

/// The programme of the database as `fiches programme --json` prints it.
pub fn programme_json(store: &Store, r: &crate::domain::Rules) -> Result<Value> {
    let mut out = serde_json::Map::new();
    for (kind, g) in store.programme(r)? {
        out.insert(kind.key().to_string(), kind_json(&g));
    }
    Ok(Value::Object(out))
}

pub fn run(globals: &Globals, args: &Args) -> Result<bool> {
    let (r, store) = rules(globals)?;
    if args.json {
        let mut out = Out::new();
        out.line(&json_line(&programme_json(&store, &r)?))?;
        out.finish()?;
        return Ok(true);
    }
    let names = names(&store)?;
    let mut out = Out::new();
    for (kind, g) in store.programme(&r)? {
        out.line(&format!(
            "── {} : {}, {} {}, {} en liste d'attente",
            kind.label_fr(),
            count(g.cells.len(), "place", "places"),
            g.free(),
            if g.free() > 1 { "libres" } else { "libre" },
            g.waitlist.len()
        ))?;
        for (si, slot) in g.slots.iter().enumerate() {
            for (pi, place) in g.places.iter().enumerate() {
                let who = match g.holder(si, pi) {
                    Some(n) => format!("n° {n} {}", name(&names, n)),
                    None => match g.offer(si, pi) {
                        Some(n) => format!("libre (à proposer à n° {n} {})", name(&names, n)),
                        None => "libre".to_string(),
                    },
                };
                out.line(&format!("{slot}  {place:<10}  {who}"))?;
            }
        }
        for (n, rank) in &g.waitlist {
            out.line(&format!(
                "{}  n° {n} {}",
                crate::domain::rank_fr(*rank),
                name(&names, *n)
            ))?;
        }
        out.line("")?;
    }
    out.finish()?;
    Ok(true)
}

/// Organisation by number (live proposals), terminal-safe.
fn names(store: &Store) -> Result<std::collections::HashMap<i64, String>> {
    Ok(store
        .list_proposals(&crate::store::ProposalFilter {
            live_only: true,
            ..Default::default()
        })?
        .into_iter()
        .map(|p| {
            (
                p.number,
                terminal_line(
                    p.text(crate::call::roles().organisation.as_str())
                        .unwrap_or("?"),
                ),
            )
        })
        .collect())
}

fn name(names: &std::collections::HashMap<i64, String>, n: i64) -> &str {
    names.get(&n).map_or("?", String::as_str)
}

/// The draft as JSON.
pub fn suggestion_json(s: &Suggestion) -> Value {
    let kinds: serde_json::Map<String, Value> = Kind::all()
        .into_iter()
        .map(|k| {
            let p = s.of(k);
            (
                k.key().to_string(),
                json!({
                    "placed": p.placed.iter().map(|(n, pl)| json!({"number": n, "slot": pl.slot, "place": pl.place})).collect::<Vec<_>>(),
                    "waitlisted": p.waitlisted,
                    "wishes": p.wishes,
                    "honoured": p.honoured,
                    "one_by_one": p.one_by_one,
                    "theme_pairs": p.theme_pairs,
                }),
            )
        })
        .collect();
    json!({
        "kinds": kinds,
        "changes": s.changes.iter().map(|c| json!({
            "number": c.number,
            "kind": c.kind.key(),
            "from_status": c.from_status,
            "from": c.from,
            "to": c.to,
            "what": c.what_fr(),
        })).collect::<Vec<_>>(),
    })
}

pub fn suggest(globals: &Globals, args: &SuggestArgs) -> Result<bool> {
    let (r, mut store) = rules(globals)?;
    let sug = store.suggestion(&r)?;
    let names = names(&store)?;
    if args.json {
        let mut v = suggestion_json(&sug);
        if args.apply {
            let done = store.apply_suggestion(&sug, &r, &crate::system::acting_user())?;
            v["applied"] =
                json!({"placed": done.placed, "moved": done.moved, "waitlisted": done.waitlisted});
        }
        let mut out = Out::new();
        out.line(&json_line(&v))?;
        out.finish()?;
        return Ok(true);
    }
    let mut out = Out::new();
    for kind in Kind::all() {
        let p = sug.of(kind);
        out.line(&format!(
            "{} : {} · créneaux souhaités honorés : {} sur {} (contre {} en plaçant les propositions une à une par priorité) · paires de même thème dans un créneau : {}",
            kind.label_fr(),
            count(p.placed.len(), "proposition placée", "propositions placées"),
            p.honoured,
            p.wishes,
            p.one_by_one,
            p.theme_pairs
        ))?;
    }
    let live = store.list_proposals(&crate::store::ProposalFilter {
        live_only: true,
        ..Default::default()
    })?;
    if live.is_empty() {
        out.line("Aucune proposition à placer : la base n'a encore reçu aucune fiche.")?;
        out.finish()?;
        return Ok(true);
    }
    if sug.changes.is_empty() {
        out.line("Rien à changer : le programme est déjà au mieux.")?;
        out.finish()?;
        return Ok(true);
    }
    out.line("")?;
    for c in &sug.changes {
        let from = match (&c.from, c.from_status) {
            (Some(p), Status::Accepted) => format!("{} {}", p.slot, p.place),
            _ => status_fr(c.from_status).to_string(),
        };
        let to = match &c.to {
            Some(p) => format!("{} {}", p.slot, p.place),
            None => status_fr(Status::Waitlisted).to_string(),
        };
        // The arrow says what happens (placed, moved, waitlisted).
        out.line(&format!(
            "n° {} {} : {from} → {to}",
            c.number,
            name(&names, c.number),
        ))?;
    }
    if args.apply {
        let done = store.apply_suggestion(&sug, &r, &crate::system::acting_user())?;
        out.line(&format!(
            "\nAppliqué en une seule fois : {}, {}, {} en liste d'attente. `fiches undo N` sur l'une d'elles annule le tout.",
            count(done.placed, "placée", "placées"),
            count(done.moved, "déplacée", "déplacées"),
            done.waitlisted
        ))?;
    } else {
        out.line("\nBrouillon : rien n'est changé. `fiches suggest --apply` l'applique.")?;
    }
    out.finish()?;
    Ok(true)
}
