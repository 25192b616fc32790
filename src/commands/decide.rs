//! `fiches decide`, `fiches undo`, `fiches move`, `fiches swap`: the
//! console's decisions from a script, through the same store functions
//! (the same rules, checked in the same transaction, the same journal, the
//! same letters). Proposals are named by their stable number. Exit status:
//! 0 done, 1 refused (the rules, a proposal changed since `--if-version`,
//! an undo that cannot be done: the reason on stderr, in French), 2 a
//! usage or other error.

use anyhow::Result;

use super::Globals;
use crate::domain::{Decision, Place, Rules, status_fr};
use crate::safe::terminal_line;
use crate::store::{Decided, LetterFilter, LetterState, Proposal, Store, StoreError};

/// Décide d'une proposition (son numéro N, celui de l'accusé de réception).
///
/// Mêmes règles que dans la console, vérifiées dans la même transaction ;
/// chaque décision est inscrite au journal et prépare la lettre qu'elle
/// appelle. Code de sortie : 0 fait, 1 refusé (raison sur la sortie
/// d'erreur), 2 mauvais usage.
#[derive(Debug, clap::Args)]
pub struct DecideArgs {
    /// Numéro de la proposition.
    #[arg(value_name = "NUMÉRO")]
    pub number: i64,
    #[command(subcommand)]
    pub what: What,
    /// Refuser si la proposition a changé depuis cette version (voir
    /// `fiches proposals --json`, champ version).
    #[arg(long, global = true, value_name = "VERSION")]
    pub if_version: Option<i64>,
}

#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Retenir au programme : par défaut le créneau souhaité, première place libre.
    Accept {
        /// Créneau (par défaut : le créneau souhaité).
        #[arg(long, value_name = "HH:MM")]
        slot: Option<String>,
        /// Espace ou table (« Espace B », « Table 3 »).
        #[arg(long, value_name = "NOM")]
        place: Option<String>,
    },
    /// Mettre en liste d'attente (au rang que donnent les règles).
    Waitlist,
    /// Ne pas retenir, avec un motif.
    Refuse {
        /// Motif, communiqué à l'organisation dans la lettre.
        #[arg(long, value_name = "TEXTE")]
        reason: String,
    },
    /// Retirer, à la demande de l'organisation : pas de lettre (une
    /// annulation si l'acceptation est déjà partie). Pour écarter une
    /// proposition contre son gré : refuse --reason.
    Withdraw,
    /// Remettre « à décider ».
    Pending,
}

/// Annule la dernière décision prise sur la proposition N (prise par vous).
///
/// Rétablit exactement l'état d'avant (statut, créneau, place, rang, motif)
/// et, si rien n'est parti, les lettres d'avant. Refusé si quelqu'un d'autre
/// a changé la proposition depuis.
#[derive(Debug, clap::Args)]
pub struct UndoArgs {
    /// Numéro de la proposition.
    #[arg(value_name = "NUMÉRO")]
    pub number: i64,
}

/// Déplace une proposition retenue vers une place libre.
#[derive(Debug, clap::Args)]
pub struct MoveArgs {
    /// Numéro de la proposition.
    #[arg(value_name = "NUMÉRO")]
    pub number: i64,
    /// Le créneau d'arrivée (HH:MM).
    #[arg(long, value_name = "HH:MM")]
    pub slot: String,
    /// La place d'arrivée : espace ou table (« Espace B », « Table 3 »).
    #[arg(long, value_name = "NOM")]
    pub place: String,
    /// Refuser si la proposition a changé depuis cette version (voir
    /// `fiches proposals --json`, champ version).
    #[arg(long, value_name = "VERSION")]
    pub if_version: Option<i64>,
}

/// Échange les places de deux propositions retenues (même si la grille est pleine).
#[derive(Debug, clap::Args)]
pub struct SwapArgs {
    /// Numéro de la première proposition.
    #[arg(value_name = "NUMÉRO")]
    pub first: i64,
    /// Numéro de la seconde proposition.
    #[arg(value_name = "AUTRE")]
    pub second: i64,
}

/// The selection rules of the configuration (grid, members list, lateness).
pub fn rules(globals: &Globals) -> Result<(Rules, Store)> {
    let config = globals.require_config()?;
    let members = super::publish::members_beside(&config)?;
    let store = globals.open_store(Some(&config))?;
    Ok((config.rules(members), store))
}

/// Refusals are exit 1 with their reason; other errors go up (exit 2).
fn refused(e: StoreError) -> Result<bool> {
    match e {
        StoreError::Rule(_)
        | StoreError::StaleVersion { .. }
        | StoreError::UndoRefused(_)
        | StoreError::NotLive(_)
        | StoreError::SuggestionStale(_) => {
            eprintln!("fiches : refusé : {}", terminal_line(&e.to_string()));
            Ok(false)
        }
        e if e.is_unique_violation() => {
            eprintln!(
                "fiches : refusé : la place vient d'être attribuée à une autre proposition ; en choisir une autre"
            );
            Ok(false)
        }
        e => Err(e.into()),
    }
}

/// "n° 12 (Ville de Lyon) : retenue (14:00, Espace B)".
pub fn describe(p: &Proposal) -> String {
    // "en liste d'attente, 2e" rather than "liste d'attente, 2e sur la
    // liste d'attente".
    let status = match (p.status, p.rank) {
        (crate::domain::Status::Waitlisted, Some(r)) => format!(
            "en liste d'attente, {}",
            crate::domain::ordinal_fr(r as usize)
        ),
        (st, _) => status_fr(st).to_string(),
    };
    let mut t = format!(
        "n° {} ({}) : {status}",
        p.number,
        terminal_line(
            p.text(crate::call::roles().organisation.as_str())
                .unwrap_or("?")
        ),
    );
    if let (Some(sl), Some(sp)) = (&p.slot, &p.space) {
        t.push_str(&format!(" ({}, {})", terminal_line(sl), terminal_line(sp)));
    }
    if let (Some(r), false) = (p.rank, p.status == crate::domain::Status::Waitlisted) {
        t.push_str(&format!(", {}", crate::domain::rank_fr(r as usize)));
    }
    if let Some(r) = &p.reason {
        t.push_str(&format!(" — motif : {}", terminal_line(r)));
    }
    t.push_str(&format!(" [version {}]", p.version));
    t
}

pub fn decide(globals: &Globals, args: &DecideArgs) -> Result<bool> {
    let (rules, mut store) = rules(globals)?;
    let actor = crate::system::acting_user();
    let n = args.number;
    let v = args.if_version;
    let r = match &args.what {
        What::Accept { slot, place } => {
            store.accept(n, v, slot.as_deref(), place.as_deref(), &rules, &actor)
        }
        What::Waitlist => store.decide(n, v, &Decision::Waitlist, &rules, &actor),
        What::Refuse { reason } => store.decide(
            n,
            v,
            &Decision::Reject {
                reason: reason.clone(),
            },
            &rules,
            &actor,
        ),
        What::Withdraw => store.decide(n, v, &Decision::Withdraw, &rules, &actor),
        What::Pending => store.decide(n, v, &Decision::Pending, &rules, &actor),
    };
    match r {
        Ok(done) => {
            println!("{}", describe(&done.proposal));
            if let What::Accept { slot: None, .. } = &args.what
                && let Some(note) = wanted_slot_note(&done.proposal)
            {
                println!("{note}");
            }
            println!("{}", letter_note(&store, &done)?);
            Ok(true)
        }
        Err(e) => refused(e),
    }
}

/// When an acceptance placed a proposal elsewhere than the slot it asked
/// for (that slot was full): says so.
pub fn wanted_slot_note(p: &Proposal) -> Option<String> {
    let wanted = p
        .kind
        .and_then(crate::fiche::Kind::slot_key)
        .and_then(|k| p.text(k))
        .map(str::trim)
        .filter(|w| !w.is_empty() && *w != "any")?;
    let slot = p.slot.as_deref()?;
    (wanted != slot).then(|| {
        format!(
            "attention : le créneau souhaité, {}, est complet ; placée à {}",
            terminal_line(wanted),
            terminal_line(slot)
        )
    })
}

/// What the change means for the proposal's letters: the letter to send
/// now, or why there is none.
fn letter_note(store: &Store, done: &Decided) -> Result<String> {
    let open = store.letters(&LetterFilter {
        states: vec![LetterState::Pending, LetterState::Failed],
        proposal: Some(done.proposal.id),
        ..LetterFilter::default()
    })?;
    Ok(match (open.last(), &done.letters.none) {
        (Some(l), _) => format!(
            "lettre à envoyer : n° {} ({}) — fiches outbox show {}",
            l.id,
            crate::service::words::letter_kind(l.kind),
            l.id
        ),
        (None, Some(why)) => format!("aucune lettre : {why}"),
        (None, None) => "aucune lettre à envoyer".to_string(),
    })
}

pub fn undo(globals: &Globals, args: &UndoArgs) -> Result<bool> {
    let (rules, mut store) = rules(globals)?;
    match store.undo(args.number, None, &rules, &crate::system::acting_user()) {
        Ok(done) => {
            for p in &done.proposals {
                super::output::say(&format!("Décision annulée : {}", describe(p)))?;
            }
            Ok(true)
        }
        Err(e) => refused(e),
    }
}

pub fn move_to(globals: &Globals, args: &MoveArgs) -> Result<bool> {
    let (rules, mut store) = rules(globals)?;
    let to = Place {
        slot: args.slot.clone(),
        place: args.place.clone(),
    };
    match store.move_to(
        args.number,
        args.if_version,
        &to,
        &rules,
        &crate::system::acting_user(),
    ) {
        Ok(done) => {
            super::output::say(&describe(&done.proposal))?;
            Ok(true)
        }
        Err(e) => refused(e),
    }
}

pub fn swap(globals: &Globals, args: &SwapArgs) -> Result<bool> {
    let (rules, mut store) = rules(globals)?;
    match store.swap(
        args.first,
        args.second,
        (None, None),
        &rules,
        &crate::system::acting_user(),
    ) {
        Ok((a, b)) => {
            super::output::say(&describe(&a.proposal))?;
            super::output::say(&describe(&b.proposal))?;
            Ok(true)
        }
        Err(e) => refused(e),
    }
}
