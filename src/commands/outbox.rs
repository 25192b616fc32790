//! `fiches outbox`: the letters waiting to go to the senders and the e-mails
//! to the partners (P3: publication n° 3), exactly as they would go
//! (recipients, subject, full text), and what staff do to them: `show`,
//! `edit` (in $EDITOR or from a file), `confirm` the recipient of a letter
//! held for review, `drop`, `resolve` an uncertain one, `retry` a refused
//! one. `fiches send` sends them.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Subcommand;
use serde_json::json;

use super::Globals;
use super::output::{Out, json_line};
use crate::letters::Letters;
use crate::outbox::{self, Draft, MailRef};
use crate::safe::{terminal_line as clean, terminal_text};
use crate::store::{LetterEdit, LetterFilter, LetterState, Resolution, Store};

pub use crate::service::letter_edit::{EditResult, edit_text};

/// Affiche les lettres aux expéditeurs et les envois aux partenaires : ce
/// qui partirait, tel que cela partirait.
///
/// Sans option : les lettres à envoyer, refusées, incertaines et en cours
/// d'envoi, chacune avec destinataires, objet et texte complet, et les
/// envois aux partenaires (P3 : celui de la publication n° 3). Une lettre
/// dont le destinataire est « à vérifier » (plusieurs adresses dans la
/// fiche, une adresse illisible ou d'un autre domaine) attend `fiches
/// outbox confirm N`. Rien ne part sans `fiches send`.
///
/// Avec --json : un objet JSON par lettre et par ligne (id, kind, state,
/// proposal_id, to, cc, subject, body, in_reply_to, message_id, approved,
/// attempts, next_attempt_at, last_error, problems, version...).
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub action: Option<Action>,

    /// Un objet JSON par ligne.
    #[arg(long)]
    pub json: bool,

    /// Aussi les lettres envoyées, remplacées et supprimées.
    #[arg(long)]
    pub all: bool,

    /// Seulement cet état.
    #[arg(long, value_name = "ÉTAT", value_parser = crate::service::words::parse_letter_state, help = state_help())]
    pub state: Option<LetterState>,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Affiche une lettre (12) ou un envoi aux partenaires (P3) et son historique.
    Show {
        /// Numéro de la lettre (12) ou de l'envoi aux partenaires (P3).
        #[arg(value_name = "N", value_parser = super::send::parse_ref)]
        id: MailRef,
        /// En JSON, avec l'historique.
        #[arg(long)]
        json: bool,
    },
    /// Modifie une lettre non envoyée : destinataires, objet, texte.
    ///
    /// Ouvre $VISUAL ou $EDITOR sur la lettre (en-têtes « À : », « Cc : »,
    /// « Objet : », une ligne vide, puis le texte), ou lit ce même format
    /// dans --file. Une lettre modifiée doit être envoyée à nouveau par
    /// `fiches send`.
    Edit {
        /// Numéro de la lettre.
        #[arg(value_name = "N")]
        id: i64,
        /// Lire la lettre modifiée dans ce fichier plutôt que dans un éditeur.
        #[arg(long, value_name = "FICHIER", conflicts_with = "reset")]
        file: Option<PathBuf>,
        /// Revenir au texte du modèle et aux adresses de la fiche.
        #[arg(long)]
        reset: bool,
    },
    /// Valide le destinataire d'une lettre « à vérifier », tel qu'affiché :
    /// elle peut alors partir (avec `fiches send`).
    Confirm {
        /// Numéro de la lettre.
        #[arg(value_name = "N")]
        id: i64,
    },
    /// Supprime une lettre (12) ou un envoi aux partenaires (P3) non envoyé
    /// (il reste dans l'historique).
    Drop {
        /// Numéro de la lettre (12) ou de l'envoi aux partenaires (P3).
        #[arg(value_name = "N", value_parser = super::send::parse_ref)]
        id: MailRef,
    },
    /// Règle une lettre (12) ou un envoi aux partenaires (P3) incertain
    /// (envoi interrompu) après vérification.
    Resolve {
        /// Numéro de la lettre (12) ou de l'envoi aux partenaires (P3).
        #[arg(value_name = "N", value_parser = super::send::parse_ref)]
        id: MailRef,
        /// L'envoi est bien arrivé : rien ne repart.
        #[arg(long, conflicts_with = "resend", required_unless_present = "resend")]
        sent: bool,
        /// L'envoi n'est pas arrivé : le remettre dans la boîte d'envoi.
        #[arg(long)]
        resend: bool,
    },
    /// Remet dans la boîte d'envoi une lettre (12) ou un envoi aux
    /// partenaires (P3) refusé par le serveur (ou avance une nouvelle
    /// tentative prévue).
    Retry {
        /// Numéro de la lettre (12) ou de l'envoi aux partenaires (P3).
        #[arg(value_name = "N", value_parser = super::send::parse_ref)]
        id: MailRef,
    },
    /// Reprend une lettre « à revoir » (modifiée, mise de côté quand la
    /// décision a changé) à la place de la nouvelle lettre.
    TakeBack {
        /// Numéro de la lettre.
        #[arg(value_name = "N")]
        id: i64,
    },
}

fn state_help() -> String {
    format!(
        "Seulement les lettres dans cet état : {}",
        crate::service::words::typables(&LetterState::ALL, crate::service::words::letter_state)
    )
}

/// "lettre n° 5", "envoi aux partenaires P3": what a reference names.
fn mail_name(id: MailRef) -> String {
    match id {
        MailRef::Letter(n) => format!("lettre n° {n}"),
        MailRef::Partners(n) => format!("envoi aux partenaires P{n}"),
    }
}

/// "supprimée" / "supprimé": a past participle agreeing with the mail
/// (une lettre, un envoi).
fn agreed(id: MailRef, feminine: &str) -> String {
    match id {
        MailRef::Letter(_) => feminine.to_string(),
        MailRef::Partners(_) => feminine.strip_suffix('e').unwrap_or(feminine).to_string(),
    }
}

/// The state of a letter or a partners' mail, before an action on it.
fn state_of(store: &Store, id: MailRef) -> anyhow::Result<LetterState> {
    Ok(match id {
        MailRef::Letter(n) => store.letter(n)?.state,
        MailRef::Partners(n) => store.partner_mail(n)?.state,
    })
}

/// A letter event as staff read it.
fn event_fr(event: &str) -> &str {
    match event {
        "queued" => "mise en attente d'envoi",
        "edited" => "modifiée",
        "approved" => "validée pour l'envoi",
        "sending" => "envoi commencé",
        "sent" => "envoyée",
        "failed" => "refusée par le serveur",
        "uncertain" => "envoi incertain",
        "replaced" => "remplacée",
        "dropped" => "supprimée",
        "taken_back" => "reprise",
        "retry" => "remise dans la boîte d'envoi",
        "settled_sent" => "marquée comme arrivée",
        "settled_resend" => "remise à envoyer",
        "review" => "à revoir",
        "recipient_confirmed" => "destinataire validé",
        "restored" => "rétablie",
        "set_aside" => "mise de côté, à revoir",
        "postponed" => "envoi reporté",
        other => other,
    }
}

/// The detail of an event in words: its reason, its letter kind and place,
/// the letters it replaces; other details as "clé : valeur".
fn detail_fr(d: &serde_json::Value) -> String {
    let Some(obj) = d.as_object() else {
        return d.to_string();
    };
    let mut parts = Vec::new();
    if let Some(k) = obj
        .get("kind")
        .and_then(|k| k.as_str())
        .and_then(crate::domain::LetterKind::parse)
    {
        parts.push(crate::service::words::letter_kind(k).to_string());
    }
    if let Some(p) = obj.get("params").and_then(|p| p.as_object()) {
        for v in p.values() {
            match v {
                serde_json::Value::String(t) => parts.push(t.clone()),
                serde_json::Value::Null => {}
                other => parts.push(other.to_string()),
            }
        }
    }
    if let Some(r) = obj.get("replaces").and_then(|r| r.as_array()) {
        let n: Vec<String> = r.iter().map(|v| format!("n° {v}")).collect();
        if !n.is_empty() {
            parts.push(format!(
                "remplace la lettre{} {}",
                crate::domain::french::plural_s(n.len()),
                n.join(", ")
            ));
        }
    }
    for (k, v) in obj {
        if v.is_null() || matches!(k.as_str(), "kind" | "params" | "replaces" | "proposal") {
            continue;
        }
        let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        parts.push(match k.as_str() {
            "why" | "error" | "reason" | "text" | "extra" => text,
            "to" => format!("destinataire : {text}"),
            "cc" => format!("copie : {text}"),
            "subject" => format!("objet : {text}"),
            // The text itself is shown above; its history says it changed.
            "body" => "texte".to_string(),
            "message_id" => format!("Message-ID {text}"),
            "publication" => format!("publication n° {text}"),
            "by_publication" => format!("remplacé par la publication n° {text}"),
            _ => format!("{k} : {text}"),
        });
    }
    parts.join(" ; ")
}

use crate::system::acting_user as actor;

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    let config = globals.require_config()?;
    let mut store = globals.open_store(Some(&config))?;
    let letters = config.load_letters()?;
    match &args.action {
        None => list(&store, &letters, args),
        Some(Action::Show { id, json }) => show(&store, &letters, *id, *json, config.timezone()),
        Some(Action::Edit { id, file, reset }) => {
            edit(&mut store, &letters, *id, file.as_deref(), *reset)
        }
        Some(Action::Confirm { id }) => {
            let d = outbox::draft(&letters, store.letter(*id)?);
            if d.hold.is_none() {
                super::output::say(&format!(
                    "lettre n° {id} : son destinataire ({}) n'a rien à vérifier",
                    clean(&d.to_text())
                ))?;
                return Ok(true);
            }
            if d.to.is_empty() {
                bail!(
                    "lettre n° {id} : aucun destinataire à valider ; en saisir un avec fiches outbox edit {id}"
                );
            }
            store.confirm_recipient(*id, d.record.version, &d.to_text(), &actor())?;
            super::output::say(&format!(
                "lettre n° {id} : destinataire validé ({}) ; fiches send pour l'envoyer",
                clean(&d.to_text())
            ))?;
            Ok(true)
        }
        Some(Action::Drop { id }) => {
            if state_of(&store, *id)? == LetterState::Dropped {
                super::output::say(&format!(
                    "{} : déjà {}, rien à faire",
                    capital(&mail_name(*id)),
                    agreed(*id, "supprimée")
                ))?;
                return Ok(true);
            }
            match *id {
                MailRef::Letter(n) => {
                    let l = store.letter(n)?;
                    store.drop_letter(n, l.version, &actor())?;
                }
                MailRef::Partners(n) => {
                    let m = store.partner_mail(n)?;
                    store.drop_partner_mail(n, m.version, &actor())?;
                }
            }
            super::output::say(&format!(
                "{} {}",
                capital(&mail_name(*id)),
                agreed(*id, "supprimée")
            ))?;
            Ok(true)
        }
        Some(Action::Resolve { id, sent, .. }) => {
            let state = match *id {
                MailRef::Letter(n) => {
                    let l = store.letter(n)?;
                    let r = if *sent {
                        Resolution::Sent
                    } else {
                        Resolution::Resend
                    };
                    store.resolve_letter(n, l.version, r, &actor())?;
                    store.letter(n)?.state
                }
                MailRef::Partners(n) => {
                    let m = store.partner_mail(n)?;
                    store.resolve_partner_mail(n, m.version, *sent, &actor())?;
                    store.partner_mail(n)?.state
                }
            };
            super::output::say(&format!(
                "{} : {}",
                capital(&mail_name(*id)),
                state.label_fr()
            ))?;
            Ok(true)
        }
        Some(Action::TakeBack { id }) => {
            let l = store.letter(*id)?;
            match store.take_back_letter(*id, l.version, &actor()) {
                Ok(()) => {
                    super::output::say(&format!(
                        "lettre n° {id} reprise : la relire (fiches outbox show {id}) puis l'envoyer"
                    ))?;
                    Ok(true)
                }
                Err(e @ crate::store::StoreError::LetterUntrue { .. }) => {
                    eprintln!("fiches : refusé : {}", clean(&e.to_string()));
                    Ok(false)
                }
                Err(e) => Err(e.into()),
            }
        }
        Some(Action::Retry { id }) => {
            if state_of(&store, *id)? == LetterState::Pending {
                super::output::say(&format!(
                    "{} : déjà dans la boîte d'envoi, rien à faire (fiches send pour l'envoyer)",
                    capital(&mail_name(*id))
                ))?;
                return Ok(true);
            }
            match *id {
                MailRef::Letter(n) => {
                    let l = store.letter(n)?;
                    store.retry_letter(n, l.version, &actor())?;
                }
                MailRef::Partners(n) => {
                    let m = store.partner_mail(n)?;
                    store.retry_partner_mail(n, m.version, &actor())?;
                }
            }
            super::output::say(&format!(
                "{} {} dans la boîte d'envoi (fiches send pour l'envoyer)",
                capital(&mail_name(*id)),
                agreed(*id, "remise")
            ))?;
            Ok(true)
        }
    }
}

fn list(store: &Store, letters: &Letters, args: &Args) -> anyhow::Result<bool> {
    let states = match (args.state, args.all) {
        (Some(s), _) => vec![s],
        (None, true) => Vec::new(),
        (None, false) => vec![
            LetterState::Pending,
            LetterState::Failed,
            LetterState::Uncertain,
            LetterState::Sending,
            LetterState::Review,
        ],
    };
    let partner_states: Vec<LetterState> = states
        .iter()
        .copied()
        .filter(|s| *s != LetterState::Review)
        .collect();
    let partners = if !states.is_empty() && partner_states.is_empty() {
        Vec::new()
    } else {
        store.partner_mails(&partner_states)?
    };
    let drafts = outbox::drafts(
        store,
        letters,
        &LetterFilter {
            states,
            ..LetterFilter::default()
        },
    )?;
    let mut out = Out::new();
    for m in &partners {
        let open = if args.json {
            out.line(&json_line(&outbox::partners::json(m)))?
        } else {
            partners_human(&mut out, m)?
        };
        if !open {
            return out.finish().map(|_| true).map_err(Into::into);
        }
    }
    for d in &drafts {
        let open = if args.json {
            out.line(&json_line(&d.json()))?
        } else {
            human(&mut out, d)?
        };
        if !open {
            return out.finish().map(|_| true).map_err(Into::into);
        }
    }
    if !args.json {
        match args.state {
            // A filter that finds nothing says so, not the totals.
            Some(s) if partners.is_empty() && drafts.is_empty() => {
                out.line(&format!("Aucune lettre « {} ».", s.label_fr()))?;
            }
            _ => summary(&mut out, store)?,
        }
    }
    out.finish()?;
    Ok(true)
}

fn human(out: &mut Out, d: &Draft) -> std::io::Result<bool> {
    let r = &d.record;
    let about = match &r.proposal {
        Some(p) => format!(
            "proposition n° {} ({})",
            p.number,
            clean(
                p.text(crate::call::roles().organisation.as_str())
                    .unwrap_or("organisation inconnue")
            )
        ),
        None => format!(
            "message n° {} ({})",
            r.fiche.id,
            clean(r.fiche.from_addr.as_deref().unwrap_or("expéditeur inconnu"))
        ),
    };
    let mut head = format!(
        "── Lettre n° {} · {} · {about} · {}",
        r.id,
        crate::service::words::letter_kind(r.kind),
        r.state.label_fr()
    );
    if r.state == LetterState::Pending && r.approved_at.is_some() {
        head.push_str(" (validée)");
    }
    if !r.edit.is_empty() {
        head.push_str(" · modifiée");
    }
    let mut lines = vec![head];
    lines.push(format!("À : {}", clean(&d.to_text())));
    if !d.cc.is_empty() {
        lines.push(format!("Cc : {}", clean(&d.cc_text())));
    }
    lines.push(format!("Objet : {}", clean(&d.subject)));
    if let Some(irt) = &d.in_reply_to {
        lines.push(format!("En réponse à : <{}>", clean(irt)));
    }
    if let Some(h) = &d.hold {
        lines.push(format!(
            "! destinataire à vérifier : {} ; `fiches outbox confirm {}` valide ce destinataire, `fiches outbox edit {}` en choisit un autre",
            clean(h),
            r.id,
            r.id
        ));
    }
    for p in &d.problems {
        lines.push(format!("! à corriger avant l'envoi : {}", clean(p)));
    }
    if let Some((_, why)) = &r.set_aside {
        lines.push(format!(
            "! à revoir (texte modifié gardé) : {} ; `fiches outbox take-back {}` la reprend, `fiches outbox drop {}` la supprime",
            clean(why),
            r.id,
            r.id
        ));
    }
    if let Some(e) = &r.last_error {
        let next = r
            .next_attempt_at
            .as_deref()
            .map(|n| format!(" ; nouvelle tentative après {n}"))
            .unwrap_or_default();
        lines.push(format!(
            "! {} tentative(s) : {}{next}",
            r.attempts,
            clean(e)
        ));
    }
    if let Some(resp) = &r.response {
        lines.push(format!(
            "Envoyée le {} : {}",
            r.sent_at.as_deref().unwrap_or("?"),
            clean(resp)
        ));
    }
    lines.push(String::new());
    lines.push(terminal_text(d.body.trim_end(), true));
    lines.push(String::new());
    for l in lines {
        if !out.line(&l)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// An e-mail to the partners, as `human` shows a letter.
fn partners_human(out: &mut Out, m: &crate::store::PartnerMail) -> std::io::Result<bool> {
    let mut head = format!(
        "── Envoi aux partenaires P{} · publication n° {} · {}",
        m.publication,
        m.publication,
        m.state.label_fr()
    );
    if m.state == LetterState::Pending && m.approved_at.is_some() {
        head.push_str(" (validé)");
    }
    let mut lines = vec![head];
    lines.push(format!(
        "À : {} (en copie cachée, chacun ne voit que l'adresse de l'équipe)",
        clean(&m.recipients.join(", "))
    ));
    lines.push(format!("Objet : {}", clean(&m.subject)));
    if !m.attachments.is_empty() {
        lines.push(format!(
            "Pièces jointes : {}",
            clean(&m.attachments.join(", "))
        ));
    }
    for p in outbox::partners::problems(m) {
        lines.push(format!("! à corriger avant l'envoi : {}", clean(&p)));
    }
    if let Some(e) = &m.last_error {
        lines.push(format!("! {} tentative(s) : {}", m.attempts, clean(e)));
    }
    if let Some(resp) = &m.response {
        lines.push(format!(
            "Envoyé le {} : {}",
            m.sent_at.as_deref().unwrap_or("?"),
            clean(resp)
        ));
    }
    lines.push(String::new());
    lines.push(terminal_text(m.body.trim_end(), true));
    lines.push(String::new());
    for l in lines {
        if !out.line(&l)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn summary(out: &mut Out, store: &Store) -> std::io::Result<()> {
    let counts = store.letter_counts().unwrap_or_default();
    let n = |s: LetterState| counts.iter().find(|(k, _)| *k == s).map_or(0, |(_, n)| *n);
    let partners = store
        .partner_mails(&[
            LetterState::Pending,
            LetterState::Failed,
            LetterState::Uncertain,
        ])
        .unwrap_or_default();
    if !partners.is_empty() {
        let names: Vec<String> = partners
            .iter()
            .map(|m| format!("P{} ({})", m.publication, m.state.label_fr()))
            .collect();
        out.line(&format!(
            "Envois aux partenaires : {} → `fiches send P{}` l'envoie après relecture.",
            names.join(", "),
            partners[partners.len() - 1].publication
        ))?;
    }
    let parts: Vec<String> = counts.iter().map(|(s, n)| state_count(*s, *n)).collect();
    if parts.is_empty() {
        out.line("Aucune lettre.")?;
        return Ok(());
    }
    out.line(&format!("Lettres : {}.", parts.join(", ")))?;
    if n(LetterState::Pending) > 0 {
        out.line("→ `fiches send` envoie les lettres à envoyer ; `fiches outbox edit N` ou `drop N` avant, si besoin.")?;
    }
    if n(LetterState::Uncertain) > 0 {
        out.line("→ lettres incertaines : vérifier si elles sont arrivées, puis `fiches outbox resolve N --sent` ou `--resend`.")?;
    }
    if n(LetterState::Failed) > 0 {
        out.line(
            "→ lettres refusées : corriger (`fiches outbox edit N`) ou `fiches outbox retry N`.",
        )?;
    }
    Ok(())
}

/// "44 à envoyer", "10 remplacées": a count of letters in a state, agreed.
fn state_count(s: LetterState, n: u64) -> String {
    let word = s.label_fr();
    // The participles agree ("envoyées", "remplacées"); "à envoyer",
    // "en cours d'envoi", "à revoir" do not change.
    let plural = n > 1 && word.ends_with('e');
    let word = match (plural, word.split_once(' ')) {
        (true, Some((first, rest))) => format!("{first}s {rest}"),
        (true, None) => format!("{word}s"),
        (false, _) => word.to_string(),
    };
    format!("{n} {word}")
}

/// "Lettre n° 5": a name that starts a sentence.
fn capital(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn show(
    store: &Store,
    letters: &Letters,
    id: MailRef,
    json: bool,
    zone: chrono_tz::Tz,
) -> anyhow::Result<bool> {
    let id = match id {
        MailRef::Letter(id) => id,
        MailRef::Partners(n) => {
            let m = store.partner_mail(n)?;
            let events = store.partner_mail_events(n)?;
            let mut out = Out::new();
            if json {
                let mut v = outbox::partners::json(&m);
                v["events"] = json!(events);
                out.line(&json_line(&v))?;
            } else {
                partners_human(&mut out, &m)?;
                out.line("Historique :")?;
                for e in &events {
                    out.line(&format!(
                        "  {}  {}  {}",
                        crate::domain::french::datetime_fr(&e.at, zone),
                        clean(&e.actor),
                        event_fr(&e.event)
                    ))?;
                }
            }
            out.finish()?;
            return Ok(true);
        }
    };
    let d = outbox::draft(letters, store.letter(id)?);
    let events = store.letter_events(id)?;
    let mut out = Out::new();
    if json {
        let mut v = d.json();
        v["events"] = json!(events);
        out.line(&json_line(&v))?;
    } else {
        human(&mut out, &d)?;
        out.line("Historique :")?;
        for e in &events {
            out.line(&format!(
                "  {}  {}  {}{}",
                crate::domain::french::datetime_fr(&e.at, zone),
                clean(&e.actor),
                event_fr(&e.event),
                e.detail
                    .as_ref()
                    .map(detail_fr)
                    .filter(|d| !d.is_empty())
                    .map(|d| format!(" ({})", clean(&d)))
                    .unwrap_or_default()
            ))?;
        }
    }
    out.finish()?;
    Ok(true)
}

fn edit(
    store: &mut Store,
    letters: &Letters,
    id: i64,
    file: Option<&Path>,
    reset: bool,
) -> anyhow::Result<bool> {
    let rec = store.letter(id)?;
    if !rec.state.is_unsent() {
        bail!(
            "la lettre n° {id} est « {} » : seule une lettre non envoyée se modifie",
            rec.state.label_fr()
        );
    }
    let version = rec.version;
    if reset {
        store.edit_letter(id, version, &LetterEdit::default(), &actor())?;
        super::output::say(&format!(
            "lettre n° {id} : texte du modèle et adresses de la fiche rétablis"
        ))?;
        return Ok(true);
    }
    match edit_text(store, letters, id, None, file, &actor())? {
        EditResult::Unchanged => {
            super::output::say(&format!("lettre n° {id} : aucune modification"))?
        }
        EditResult::Edited { problems } if problems.is_empty() => super::output::say(&format!(
            "lettre n° {id} modifiée (fiches send pour l'envoyer)"
        ))?,
        EditResult::Edited { problems } => {
            super::output::say(&format!(
                "lettre n° {id} modifiée, mais encore à corriger :"
            ))?;
            for p in &problems {
                super::output::say(&format!("  ! {}", clean(p)))?;
            }
        }
    }
    Ok(true)
}
