//! Every French text of the console, in one place: screen names, column
//! headers, key hints, help, notices. Views and updates take their words
//! from here; data (names, subjects, fields) never comes from here.

use crate::domain::{Status, members::MemberCheck};
use crate::fiche::Kind;
use crate::store::MessageStatus;

pub const SCREEN_PROPOSITIONS: &str = "Propositions";
pub const SCREEN_DECIDER: &str = "Décider";
pub const SCREEN_PROGRAMME: &str = "Programme";
pub const SCREEN_TRIAGE: &str = "À traiter";
pub const SCREEN_CORRIGER: &str = "Corriger";
pub const SCREEN_ENVOI: &str = "Envoi";
pub const SCREEN_COURRIER: &str = "Courrier";
pub const HELP_TAB: &str = "? aide";

// Propositions: table.
pub const COL_ID: &str = "N°";
pub const COL_KIND: &str = "Type";
pub const COL_ORG: &str = "Organisation";
pub const COL_COUNTRY: &str = "Pays";
pub const COL_MEMBER: &str = "CUF";
pub const COL_THEME: &str = "Thème";
pub const COL_WANTED: &str = "Souh.";
pub const COL_STATUS: &str = "Statut";
pub const COL_RECEIVED: &str = "Reçue";
pub const COL_FLAGS: &str = "Sig";

pub const SEARCH_PROMPT: &str = "/";
pub const SEARCH_HINT: &str = "/ chercher";
pub const NO_FILTER: &str = "aucun filtre";
pub const FILTERS: &str = "Filtres";
pub const SORT: &str = "Tri";
pub const NO_PROPOSAL: &str = "Aucune proposition ne correspond.";
pub const NO_PROPOSAL_AT_ALL: &str = "Aucune proposition dans la base.";
pub const LOADING: &str = "Chargement…";

// Detail pane.
pub const DETAIL_TITLE: &str = "Détail";
pub const D_FIELDS: &str = "Fiche";
pub const D_EXTRA: &str = "Lignes ajoutées à la fiche";
pub const D_WARNINGS: &str = "À vérifier";
pub const D_MESSAGE: &str = "Message d'origine";
pub const D_FROM: &str = "De";
pub const D_DATE: &str = "Date";
pub const D_SUBJECT: &str = "Objet";
pub const D_RECEIVED: &str = "Reçu";
pub const D_ATTACHMENTS: &str = "Pièces jointes";
pub const D_REVISIONS: &str = "Révisions (v : comparer)";
pub const D_JOURNAL: &str = "Journal";
pub const D_MEMBER: &str = "Adhésion CUF";
pub const D_FLAGS: &str = "Signalements";
pub const D_MISSING_REQUIRED: &str = "absent (obligatoire)";
pub const D_EMPTY: &str = "—";
pub const D_BODY_CUT: &str = "[… suite du message coupée]";
pub const D_NO_BODY: &str = "(pas de texte)";
pub const D_CURRENT: &str = "en cours";
pub const D_UNKNOWN_KIND: &str = "type inconnu";
pub const D_NO_MESSAGE: &str = "(message introuvable)";

// Décider.
pub const DEC_NONE: &str =
    "Aucune proposition choisie : en choisir une dans l'écran Propositions (touche 1).";
pub const DEC_FREE_PLACES: &str = "Places libres";
pub const DEC_WANTED_MARK: &str = "souhaité";
pub const DEC_NO_FREE: &str = "Plus aucune place libre : la liste d'attente reste possible.";
pub const DEC_NO_KIND: &str =
    "Sans type de proposition, elle ne peut pas être placée : corriger la fiche.";
pub const DEC_ACTIONS: &str = "Décisions";
pub const DEC_A_ACCEPT: &str = "retenir à la place choisie";
pub const DEC_A_WAITLIST: &str = "liste d'attente";
pub const DEC_A_REJECT: &str = "ne pas retenir (motif)";
pub const DEC_A_WITHDRAW: &str = "retirée par l'organisation";
pub const DEC_A_RESET: &str = "remettre « à décider »";
pub const DEC_A_UNDO: &str = "annuler sa dernière décision";
pub const DEC_A_RANK: &str = "rang : monter, descendre";
/// Décider: the waiting list, for the wanted slot and in all.
pub fn dec_waiting_line(wanted: &str, here: usize, total: usize) -> String {
    if wanted == PROG_ANY {
        format!("Liste d'attente : {here} sans préférence de créneau · {total} en tout")
    } else {
        format!("Liste d'attente : {here} pour {wanted} · {total} en tout")
    }
}
pub fn dec_reason_prompt(number: i64) -> String {
    format!("Motif du refus de la n° {number} : ")
}
pub const DEC_NOT_LIVE: &str =
    "Cette révision a été remplacée par une fiche plus récente : décider sur la révision en cours.";

// Programme.
pub const PROG_SLOT: &str = "Créneau";
pub const PROG_DEMAND: &str = "Dem.";
pub const PROG_FREE: &str = "libre";
pub const PROG_WAITLIST: &str = "Liste d'attente";
pub const PROG_EMPTY_WAITLIST: &str = "personne en liste d'attente";
pub const PROG_ANY: &str = "indifférent";
/// After "▼ 3 de plus" under the waiting list.
pub const PROG_WAITLIST_MORE: &str =
    "(la liste suit la case choisie ; tous : écran 1, filtre Statut)";

// À traiter.
pub const TRI_EMPTY: &str = "Aucun message à traiter.";
pub const TRI_HANDLED: &str = "traité";
pub const TRI_REASON: &str = "Pourquoi";
pub const TRI_KIND_CANCEL: (&str, &str) = ("Échap", "annuler");
pub const TRI_KIND_TITLE: &str = "Saisir la fiche de ce message";
pub const N_NO_ATTACHMENT: &str = "Ce message n'a pas de pièce jointe.";
pub const N_NO_ATTACHMENT_OF_PROPOSAL: &str =
    "Cette proposition n'a pas de pièce jointe (fiche saisie à la main ou lue dans le message).";
pub const HINT_TEXT: &str =
    "j/k défiler · t pièce jointe suivante · e enregistrer · n saisir · Échap message";
pub const TRI_TEXT_CUT: &str =
    "[… texte coupé : enregistrer la pièce jointe (touche e) pour la lire en entier]";
pub const TRI_TEXT_EMPTY: &str = "(aucun texte dans ce fichier : peut-être une image ou un scan ; l'enregistrer (touche e) et l'ouvrir ailleurs)";
pub const COR_TEXT_BESIDE: &str =
    "Le texte de la pièce jointe est à droite : PgPréc/PgSuiv pour le faire défiler.";
pub const COR_TEXT_TOGGLE: &str = "t texte de la pièce jointe / formulaire";
pub const COR_TEXT_NONE: &str =
    "Pas de pièce jointe à lire pour ce message : saisir d'après le message (écran 4).";

/// "PJ 12", the number staff give `fiches attachment`.
pub fn att_number(number: i64) -> String {
    format!("PJ {number}")
}

/// The title of an attachment's text (the pane's title names it "PJ n").
pub fn tri_text_title(name: &str, via: Option<&str>) -> String {
    match via {
        Some(v) => format!("lu par {v} · {name}"),
        None => name.to_string(),
    }
}

pub fn tri_converting(program: &str) -> String {
    format!("Conversion en texte par {program}… (Échap : revenir au message)")
}

/// A conversion that failed; `missing`: the program is not installed.
pub fn n_convert_failed(number: i64, error: &str, missing: bool) -> String {
    if missing {
        format!(
            "{} : {error}, ou enregistrer la pièce jointe (touche e) et l'ouvrir ailleurs",
            att_number(number)
        )
    } else {
        format!(
            "{} : {error} ; l'enregistrer (touche e) et l'ouvrir ailleurs",
            att_number(number)
        )
    }
}

pub fn save_prompt(number: i64) -> String {
    format!("Enregistrer la {} dans le dossier : ", att_number(number))
}

/// The file's name first (the folder, typed by staff, may be cut at 80 columns).
pub fn n_attachment_saved(number: i64, name: &str, dir: &str) -> String {
    format!("{} enregistrée : « {name} » dans {dir}", att_number(number))
}

pub fn n_attachment_not_saved(number: i64, dir: &str, why: &str) -> String {
    format!(
        "{} non enregistrée dans {dir} : {why} ; choisir un autre dossier",
        att_number(number)
    )
}

// Corriger.
pub const COR_NONE: &str =
    "Aucune proposition choisie : en choisir une dans l'écran Propositions (touche 1).";
pub const COR_EDIT_PROMPT: &str = "Nouvelle valeur";
pub const COR_CLEAR: &str = "(vide)";
pub const COR_DRAFT_TITLE: &str = "Saisie à la main";
pub const COR_DRAFT_HINT: &str =
    "Entrée modifier · S enregistrer · X abandonner · t texte/formulaire";
pub const COR_HINT: &str =
    "Entrée modifier le champ · j/k choisir · chaque modification est journalisée";
pub const COR_REQUIRED: &str = "obligatoire";
pub const COR_ARTICLE_LABEL: &str = "Article du nom dans les lettres";
pub const COR_ARTICLE_AUTO: &str = "automatique";
pub const COR_ARTICLE_NO_NAME: &str =
    "La fiche ne donne pas le nom de l'organisation : rien à accorder.";

pub fn n_article_saved(number: i64, de: &str) -> String {
    format!("Proposition n° {number} : les lettres diront « la proposition {de} ».")
}

// Status line.
/// Appended to the daemon's part when post-actions wait on a refusal.
pub const ST_POST_ACTIONS_SHORT: &str = ", post-actions ✗";

/// `, 40 post-actions en attente (le serveur refuse : …)`.
pub fn st_post_actions_failing(pending: u64, error: &str) -> String {
    format!(
        ", {pending} post-action{} en attente (refusée{} : {error})",
        if pending > 1 { "s" } else { "" },
        if pending > 1 { "s" } else { "" }
    )
}
pub const ST_TO_TRIAGE: &str = "à traiter";

// Key hints shown on the message line when nothing else is said.
pub const HINT_PROPOSITIONS: &str =
    "j/k ↑↓ choisir · Entrée décider · / chercher · f filtres · s tri · Tab détail";
pub const HINT_DECIDER: &str = "j/k place · Entrée/a retenir · w attente · + - rang · r refuser · x retirée · p à décider · u annuler";
pub const HINT_PROGRAMME: &str = "hjkl case · Entrée 1er en attente/voir · m déplacer/échanger · x retirer · S suggestion · P publier · u annuler · Tab";
pub const HINT_PROGRAMME_PICK: &str = "hjkl case · Entrée ou m : poser ici (place libre : déplacer ; occupée : échanger) · Échap annuler";
pub const HINT_TRIAGE: &str =
    "t texte PJ · e enregistrer · n saisir · d .docx · m traité · L lier · Tab lire";
pub const HINT_SEARCH: &str = "Entrée garder la recherche · Échap l'effacer";
pub const HINT_DETAIL: &str = "j/k ↑↓ PgPréc PgSuiv défiler · Tab ou Échap retour à la liste";
pub const HINT_INPUT: &str =
    "Entrée valider · Échap annuler · Ctrl-J saut de ligne · Ctrl-U effacer";
pub const HINT_FILTERS: &str = "j/k filtre · h/l ←→ valeur · x tout effacer · Entrée/Échap fermer";
pub const HINT_PICKER: &str = "j/k choisir · Entrée valider · Échap annuler";

pub const FILTER_TITLE: &str = "Filtres";
pub const FILTER_KIND: &str = "Type";
pub const FILTER_STATUS: &str = "Statut";
pub const FILTER_SLOT: &str = "Créneau";
pub const FILTER_THEME: &str = "Thème";
pub const FILTER_MEMBER: &str = "Membre CUF";
pub const FILTER_FLAGGED: &str = "Signalées";
pub const FILTER_ALL: &str = "tous";
pub const FILTER_ONLY_FLAGGED: &str = "seulement les signalées";
pub const FILTER_MEMBERS: &str = "membres";
pub const FILTER_NON_MEMBERS: &str = "non-membres";

pub const HELP_TITLE: &str = "Aide — touches";
pub const HELP_CLOSE: &str = "Échap ou ? pour fermer";

/// The help's sections (its keys come from `action::KEYS`).
pub const HELP_GLOBAL: &str = "Partout (sans fenêtre ouverte)";
pub const HELP_MOVEMENT: &str = "Se déplacer (listes, détail, aide, filtres, choix)";
pub fn help_screen(n: usize, name: &str, current: bool) -> String {
    if current {
        format!("Écran {n} — {name} (écran actuel)")
    } else {
        format!("Écran {n} — {name}")
    }
}
pub const HELP_HELP: &str = "Dans cette aide";
pub const HELP_FILTERS: &str = "Fenêtre des filtres (f)";
pub const HELP_PICKER: &str = "Choix d'une valeur (Corriger, Entrée sur un champ à choix)";
pub const HELP_KIND: &str = "Type de la fiche saisie à la main (À traiter, n)";
pub const HELP_CONFIRM: &str = "Question avant un changement (oui / non)";
pub const HELP_SUGGESTION: &str =
    "Suggestion de programme (Programme, S) ou aperçu de la publication (P)";
pub const HELP_TYPING: &str = "En écrivant (recherche, motif, valeur d'un champ)";

/// The flags' legend at the end of the help: a `("", title)` line starts
/// it.
pub const HELP_FLAGS: &[(&str, &str)] = &[
    ("", "Signalements (colonne Sig)"),
    ("T", "arrivée après la date limite"),
    ("A", "avertissements de lecture à vérifier"),
    (
        "M",
        "adhésion CUF à vérifier (réponse et liste des adhérents diffèrent)",
    ),
    ("R", "nouvelle fiche reçue après une décision"),
    ("E", "courriel de contact pris de l'expéditeur"),
    ("P", "problème de pièce jointe"),
    ("D", "message sans date"),
    ("H", "fiche saisie à la main"),
    ("2…", "numéro de révision (fiche renvoyée)"),
    ("", "Avis de l'équipe (colonne Avis)"),
    ("2+ 1~ 1-", "favorables, réservés, défavorables"),
    ("ø3,5", "moyenne des notes de 1 à 5"),
    ("✎2", "notes écrites, sans avis"),
    ("", "Courrier (colonnes T et Prop.)"),
    ("✓", "message marqué traité"),
    (
        "45  →45",
        "proposition lue dans le message ; liée à la main",
    ),
];

pub fn screen_name(i: usize) -> &'static str {
    [
        SCREEN_PROPOSITIONS,
        SCREEN_DECIDER,
        SCREEN_PROGRAMME,
        SCREEN_TRIAGE,
        SCREEN_CORRIGER,
        SCREEN_ENVOI,
        SCREEN_COURRIER,
    ][i.min(6)]
}

/// A screen's short name, for the tab bar of a narrow terminal.
pub fn screen_short(i: usize) -> &'static str {
    [
        "Propos.",
        SCREEN_DECIDER,
        SCREEN_PROGRAMME,
        SCREEN_TRIAGE,
        SCREEN_CORRIGER,
        SCREEN_ENVOI,
        SCREEN_COURRIER,
    ][i.min(6)]
}

/// Short status, for table cells.
pub fn status_short(s: Status) -> &'static str {
    match s {
        Status::Pending => "à décider",
        Status::Accepted => "retenue",
        Status::Waitlisted => "attente",
        Status::Rejected => "non retenue",
        Status::Withdrawn => "retirée",
    }
}

pub fn kind_short(k: Option<Kind>) -> &'static str {
    k.map_or("?", Kind::short_fr)
}

pub fn kind_long(k: Option<Kind>) -> &'static str {
    match k {
        Some(k) => k.label_fr(),
        None => D_UNKNOWN_KIND,
    }
}

pub fn kind_plural(k: Kind) -> &'static str {
    k.plural_fr()
}

/// A place of a kind, as its programme calls it: "Espace", "Table".
pub fn place_word(k: Kind) -> String {
    k.place_word_fr()
}

/// Theme values (SPEC.md) as staff say them, short.
pub fn theme_short(v: &str) -> &str {
    match v {
        "odd" => "ODD",
        "climat" => "Climat",
        "migrations" => "Migrations",
        "jeunesse" => "Jeunesse",
        "autre" => "Autre",
        other => other,
    }
}

pub fn member_short(m: MemberCheck) -> &'static str {
    match m {
        MemberCheck::Confirmed | MemberCheck::Declared => "oui",
        MemberCheck::NotMember => "non",
        MemberCheck::DeclaredNotListed => "oui?",
        MemberCheck::ListedNotDeclared => "non?",
    }
}

/// What the intake made of an attachment, in French (one list with the
/// command line's: `service::words`).
pub fn attachment_outcome(o: crate::store::AttachmentOutcome) -> &'static str {
    crate::service::words::attachment_outcome(o)
}

/// What the intake made of a message, in French (`service::words`).
pub fn message_status(s: MessageStatus) -> &'static str {
    crate::service::words::message_status(s)
}

/// A flag's meaning (stored flag names → French; `service::words`).
pub fn flag_label(flag: &str) -> String {
    crate::service::words::flag_meaning(flag).to_string()
}

/// A journal action (stored names → French; `service::words`).
pub fn journal_action(a: &str) -> &'static str {
    crate::service::words::journal_action(a)
}

pub fn ordinal_rank(rank: usize) -> String {
    crate::domain::rank_fr(rank)
}

/// "3e" (short form of the rank, for cells).
pub fn rank_short(rank: usize) -> String {
    crate::domain::ordinal_fr(rank)
}

pub fn sort_name(i: usize) -> &'static str {
    [
        "reçue",
        "organisation", // not a call key: the column's French name
        "pays",
        "statut",
        "créneau",
        "priorité",
        "n°",
        "avis",
    ][i.min(7)]
}

// Notes and opinions, several at once.
pub const NOTES_SECTION: &str = "Notes et avis de l'équipe (internes, jamais publiés)";
pub const NOTE_EDIT_HINT: &str =
    "Entrée enregistrer · Alt-Entrée nouvelle ligne · texte vide : effacer ma note";
pub const OPINION_TITLE: &str = "Mon avis sur la proposition";
pub const OPINION_NONE: &str = "aucun avis (effacer le mien)";
pub const COL_NOTES: &str = "Avis";
pub const COL_MARK: &str = "●";
pub const BULK_NONE_MARKED: &str = "Aucune proposition marquée : Espace marque la proposition choisie (ou décider une à une dans Décider, 2).";
pub const BULK_REASON_NEEDED: &str = "Un motif est nécessaire pour refuser : rien n'a été fait.";
pub const BULK_CANCELLED: &str = "Annulé : rien n'a été fait, les marques restent.";
pub const MARKS_CLEARED: &str = "Marques effacées.";
pub const NO_MARKS: &str = "Aucune marque à effacer (Espace marque la ligne choisie).";

pub fn note_title(number: i64) -> String {
    format!("Ma note sur la proposition n° {number}")
}

pub fn n_marked(number: i64, marked: bool, total: usize) -> String {
    let what = if marked { "marquée" } else { "démarquée" };
    format!(
        "N° {number} {what} · {total} marquée{} (a retenir · w attente · r refuser · M tout démarquer)",
        plural(total)
    )
}

/// The list's summary of the team's opinions: "2+ 1~ 1-" (favorable,
/// réservé, défavorable), "ø3,5" (mean score), "✎2" (notes without opinion).
pub fn notes_summary(n: &crate::store::notes::NotesSummary) -> String {
    let mut parts = Vec::new();
    for (k, c) in [(n.favorable, '+'), (n.reserve, '~'), (n.defavorable, '-')] {
        if k > 0 {
            parts.push(format!("{k}{c}"));
        }
    }
    if n.scores > 0 {
        let tenths = (u32::from(n.score_sum) * 10 + u32::from(n.scores) / 2) / u32::from(n.scores);
        if tenths % 10 == 0 {
            parts.push(format!("ø{}", tenths / 10));
        } else {
            parts.push(format!("ø{},{}", tenths / 10, tenths % 10));
        }
    }
    if parts.is_empty() && n.notes > 0 {
        parts.push(format!("✎{}", n.notes));
    }
    parts.join(" ")
}

pub fn n_note_by_other(number: i64, who: &str) -> String {
    format!(
        "{who} vient d'écrire une note ou un avis sur la proposition n° {number} : l'affichage est à jour."
    )
}

pub fn marked_count(n: usize) -> String {
    format!("{n} marquée{}", plural(n))
}

pub fn bulk_reason_prompt(n: usize) -> String {
    format!("Motif du refus pour les {n} marquée{} : ", plural(n))
}

pub fn n_note_saved(number: i64, kept: bool) -> String {
    if kept {
        format!("Note enregistrée sur la proposition n° {number} (visible de l'équipe seulement).")
    } else {
        format!("Note effacée sur la proposition n° {number}.")
    }
}

pub fn n_opinion_saved(number: i64, opinion: Option<&str>) -> String {
    match opinion {
        Some(o) => format!("Avis « {o} » enregistré sur la proposition n° {number}."),
        None => format!("Avis effacé sur la proposition n° {number}."),
    }
}

/// After a decision on the marked proposals.
pub fn n_bulk_done(done: usize, failed: &[String], unchanged: usize) -> String {
    let mut t = format!("{done} décision{} prise{}", plural(done), plural(done));
    if unchanged > 0 {
        t.push_str(&format!(", {unchanged} inchangée{}", plural(unchanged)));
    }
    if !failed.is_empty() {
        t.push_str(&format!(
            ", {} refusée{} : {}",
            failed.len(),
            plural(failed.len()),
            failed.join(" ; ")
        ));
    }
    t.push_str(". Marques effacées ; u annule une décision à la fois.");
    t
}

pub fn count_line(shown: usize, total: usize) -> String {
    if shown == total {
        format!("{total} proposition{}", plural(total))
    } else {
        format!("{shown} sur {total}")
    }
}

/// The count while a search is still going through the rows.
pub fn count_line_partial(found: usize, total: usize) -> String {
    format!("{found}… sur {total}")
}

pub fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}

// Notices.
pub fn n_accepted(id: i64, slot: &str, place: &str) -> String {
    format!("Proposition n° {id} retenue : {slot}, {place}.")
}
pub fn n_waitlisted(id: i64, rank: usize) -> String {
    format!(
        "Proposition n° {id} en liste d'attente : {}.",
        crate::domain::rank_fr(rank)
    )
}
pub fn n_rejected(id: i64) -> String {
    format!("Proposition n° {id} non retenue.")
}
pub fn n_withdrawn(id: i64) -> String {
    format!("Proposition n° {id} retirée.")
}
pub fn n_reset(id: i64) -> String {
    format!("Proposition n° {id} remise « à décider ».")
}
/// After an undo: each proposal it put back, with where it stands now.
pub fn n_undone(results: &[(i64, String)]) -> String {
    let parts: Vec<String> = results
        .iter()
        .map(|(n, st)| format!("n° {n} : {st}"))
        .collect();
    format!("Dernière décision annulée — {}.", parts.join(" ; "))
}
pub const N_UNDO_KEPT: &str = "Rien n'a été annulé : la décision reste.";
/// The question before an undo: what it takes back and what it restores.
pub fn undo_confirm(
    number: i64,
    organisation: &str,
    now: &str,
    by: &str,
    back_to: &str,
    with: &[i64],
) -> String {
    let mut t = format!(
        "Annuler la dernière décision sur la proposition n° {number} ({organisation}) ?\n\
         Elle est : {now} — par {by}.\n\
         Elle redeviendra : {back_to}."
    );
    if !with.is_empty() {
        t.push_str(&format!(
            "\nAnnulé en même temps (même pas) : n° {}.",
            with.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", n° ")
        ));
    }
    t
}
pub fn n_not_wanted_slot(wanted: &str) -> String {
    format!(" Elle souhaitait {wanted} (complet).")
}
pub fn n_place_gone(slot: &str, place: &str) -> String {
    format!(
        "{place} à {slot}, choisie, vient d'être prise par quelqu'un d'autre : choisir une autre place."
    )
}
pub const N_UNDO_EMPTY_CELL: &str = "Case libre : aucun changement de cette session ne l'a libérée. Choisir la proposition (écran 1 ou 2) puis u.";
pub const N_UNDO_WHICH: &str = "u annule la dernière décision de la proposition choisie : en choisir une (écrans 1, 2, 3 ou 6).";
pub fn n_moved(number: i64, slot: &str, place: &str) -> String {
    format!("Proposition n° {number} déplacée : {slot}, {place}.")
}
pub fn n_swapped(a: i64, b: i64) -> String {
    format!("Propositions n° {a} et n° {b} échangées.")
}
pub fn n_picked(number: i64) -> String {
    format!(
        "Proposition n° {number} prise : choisir une place libre (déplacer) ou occupée (échanger), puis m ou Entrée ; Échap pour annuler."
    )
}
pub const PROG_PICK_EMPTY: &str = "Cette place est libre : rien à prendre ni à retirer.";
pub const PROG_PICK_CANCELLED: &str = "Déplacement annulé.";
pub const PROG_PICKED: &str = "prise";
pub fn n_suggestion_applied(placed: usize, moved: usize, waitlisted: usize) -> String {
    format!(
        "Suggestion appliquée : {placed} placée{}, {moved} déplacée{}, {waitlisted} en liste d'attente (u pour tout annuler).",
        plural(placed),
        plural(moved),
    )
}
pub const SUG_NOTHING: &str = "Suggestion : le programme est déjà au mieux, rien à changer.";
pub const SUG_CANCELLED: &str = "Suggestion abandonnée : rien n'a été changé.";
pub const SUG_TITLE: &str = "Suggestion de programme (brouillon)";
pub const SUG_KEYS: &str = "o appliquer (un seul pas, u l'annule) · Échap abandonner · j/k défiler";
pub fn withdraw_confirm(number: i64, organisation: &str) -> String {
    format!(
        "Retirer la proposition n° {number} ({organisation}) du programme, à la demande de l'organisation ? Sa place sera proposée au premier en attente.\n\
         Pas de lettre de décision (une annulation si l'acceptation est déjà partie). Pour l'écarter contre son gré : la refuser avec un motif (écran 2, r)."
    )
}
pub fn n_stale(id: i64, who: &str, status: &str) -> String {
    format!(
        "Rien n'a été fait : la proposition n° {id} a été modifiée entre-temps par {who}. État actuel : {status}."
    )
}
pub fn n_place_taken(slot: &str, place: &str) -> String {
    format!(
        "Rien n'a été fait : {place} à {slot} vient d'être attribué par quelqu'un d'autre. Choisir une autre place."
    )
}
pub const N_BUSY: &str =
    "La base est occupée (import en cours ?) : rien n'a été enregistré, réessayer dans un instant.";
pub fn n_field_saved(label: &str) -> String {
    format!("« {label} » corrigé (ancienne valeur dans le journal).")
}
pub fn n_handled(id: i64, handled: bool) -> String {
    if handled {
        format!("Courriel #{id} marqué traité.")
    } else {
        format!("Courriel #{id} marqué non traité.")
    }
}
pub fn n_docx_has_fiche(message: i64, proposals: usize) -> String {
    format!(
        "Le courriel #{message} a déjà {} : d de nouveau pour demander quand même le .docx.",
        if proposals > 1 {
            format!("{proposals} propositions (fiches lues ou saisies)")
        } else {
            "une proposition (fiche lue ou saisie)".to_string()
        }
    )
}
pub fn n_docx_queued(message: i64, letter: i64) -> String {
    format!(
        "Demande de .docx au courriel #{message} préparée : lettre n° {letter}, à relire dans Envoi."
    )
}
pub fn n_docx_already(message: i64, letter: i64, state: crate::store::LetterState) -> String {
    format!(
        "Demande de .docx déjà faite au courriel #{message} : lettre n° {letter}, {}.",
        state.label_fr()
    )
}
/// À traiter, the message's demande de .docx.
pub fn tri_docx_request(letter: i64, state: crate::store::LetterState) -> String {
    format!(
        "Demande de .docx : lettre n° {letter}, {}",
        state.label_fr()
    )
}
pub fn n_entered(id: i64) -> String {
    format!("Fiche saisie : proposition n° {id} créée et liée au message.")
}
pub fn n_missing_required(labels: &str) -> String {
    format!("S de nouveau pour enregistrer quand même ; obligatoires vides : {labels}")
}
pub const N_DRAFT_ABANDONED: &str = "Saisie abandonnée : rien n'a été enregistré.";
pub const N_NO_SELECTION: &str = "Choisir d'abord une proposition (écran 1).";
pub const N_NO_MESSAGE: &str = "Choisir d'abord un message.";
pub const N_REASON_NEEDED: &str = "Un refus doit être motivé : écrire le motif.";
pub const N_REFRESHED: &str = "Base relue.";
pub const N_NO_WAITING: &str = "Personne en liste d'attente pour ce créneau.";
pub fn n_replaced(db: &str) -> String {
    format!(
        "La base {db} a été remplacée sur le disque (sauvegarde restaurée ?) : plus rien n'est \
         enregistré depuis cette console. Quitter (q) puis relancer fiches."
    )
}
pub fn n_error(e: &str) -> String {
    format!("Erreur : {e}")
}
pub fn n_refused(e: &str) -> String {
    format!("Impossible : {e}")
}
/// `who` as `changed_by` words it.
pub fn n_changed_by_other(id: i64, who: &str) -> String {
    format!("La proposition n° {id} vient d'être modifiée par {who}. L'affichage est à jour.")
}
pub const WHO_UNKNOWN: &str = "un autre poste (journal illisible)";
/// "à 14 h 32" today, "le 05/12 à 14 h 32" another day.
pub fn at_time(t: &chrono::NaiveDateTime, today: bool) -> String {
    use chrono::Timelike;
    // Non-breaking spaces: "14 h 32" is never cut across two lines.
    if today {
        format!("à\u{a0}{:02}\u{a0}h\u{a0}{:02}", t.hour(), t.minute())
    } else {
        format!(
            "le\u{a0}{} à\u{a0}{:02}\u{a0}h\u{a0}{:02}",
            t.format("%d/%m"),
            t.hour(),
            t.minute()
        )
    }
}
/// "marie à 14 h 32 (décision : à décider → retenue (14:00, Espace A))".
pub fn changed_by(who: &str, at: Option<&str>, what: &str) -> String {
    match at {
        Some(at) => format!("{who} {at} ({what})"),
        None => format!("{who} ({what})"),
    }
}

// Envoi.
pub const HINT_ENVOI: &str =
    "Entrée lire · e modifier · x supprimer · a arrivée · r renvoyer · E envoyer";
pub const ENV_EMPTY: &str = "Aucune lettre dans la boîte d'envoi.";
pub const ENV_LETTER: &str = "Lettre";
pub const ENV_TO: &str = "À";
pub const ENV_CC: &str = "Cc";
pub const ENV_KIND: &str = "Sorte";
pub const ENV_SUBJECT: &str = "Objet";
pub const ENV_ABOUT: &str = "Fiche";
pub const ENV_ABOUT_MESSAGE: &str = "Réponse à";
pub const ENV_STATE: &str = "État";
pub const ENV_PROBLEMS: &str = "À corriger avant l'envoi";
pub const ENV_LAST_ERROR: &str = "Dernière erreur";
pub const ENV_NO_SELECTION: &str = "Aucune lettre choisie.";
pub const ENV_ONLY_UNSENT: &str = "seule une lettre non envoyée se supprime";
pub const ENV_ONLY_UNSENT_EDIT: &str = "seule une lettre non envoyée se modifie";
pub const ENV_ONLY_UNCERTAIN: &str = "seule une lettre incertaine se règle ainsi";
pub const ENV_ONLY_REVIEW: &str = "seule une lettre « à revoir » se reprend";
pub const ENV_ONLY_UNSENT_CONFIRM: &str = "seul le destinataire d'une lettre non envoyée se valide";
pub const ENV_NOTHING_TO_CONFIRM: &str = "Le destinataire de cette lettre n'a rien à vérifier.";
pub const ENV_PARTNERS_NOT_EDITABLE: &str = "L'envoi aux partenaires reprend la publication : il ne se modifie pas (le supprimer, corriger le programme et publier de nouveau).";
pub const ENV_HOLD: &str = "Destinataire à vérifier (v : le valider, e : en choisir un autre)";
pub const ENV_PARTNERS_KIND: &str = "envoi aux partenaires";

/// Envoi, what a demande de .docx is about: the message it answers.
pub fn env_about_message(message: i64, from: Option<&str>) -> String {
    match from {
        Some(f) => format!("message n° {message} de {f}"),
        None => format!("message n° {message}"),
    }
}
pub const ENV_ATTACHMENTS: &str = "Joints";
pub const ENV_NO_SMTP: &str = "Envoi impossible : aucun serveur d'envoi n'est configuré (en démonstration, l'envoi est toujours coupé). Les lettres restent à envoyer ; sur le serveur, l'administrateur renseigne la section [smtp] de la configuration.";
pub const ENV_ALREADY_SENDING: &str = "Un envoi est déjà en cours : attendre qu'il finisse.";
pub const ENV_NOTHING_TO_SEND: &str = "Aucune lettre à envoyer.";
pub const ENV_QUIT_WHILE_SENDING: &str = "Un envoi est en cours : q de nouveau pour quitter quand même (la lettre en cours sera « incertaine »).";
pub const ENV_CANCELLED: &str = "Annulé.";
pub const ENV_CONFIRM_TITLE: &str = "Confirmer";
pub const ENV_CONFIRM_KEYS: &str = "o oui · n non";
pub const ENV_SEND_KEYS: &str = "j/k choisir · o envoyer · n non";
pub const ENV_NO_TEMPLATES: &str =
    "modèles de lettres non chargés (dossier [letters] de config.toml)";

pub fn env_counts(pending: u64, sent: u64, uncertain: u64, failed: u64) -> String {
    format!(
        "{pending} à envoyer · {sent} envoyée{} · {uncertain} incertaine{} · {failed} en échec",
        plural(sent as usize),
        plural(uncertain as usize)
    )
}

pub fn env_confirm_drop(id: i64, to: &str) -> String {
    format!("Supprimer la lettre n° {id} à {to} ? Elle ne partira pas.")
}

pub fn env_confirm_send(n: usize) -> String {
    format!(
        "Envoyer {n} lettre{} maintenant ? Chacune ne part qu'une fois.",
        plural(n)
    )
}

pub fn env_confirm_drop_partners(n: i64, to: &str) -> String {
    format!("Supprimer l'envoi aux partenaires P{n} ({to}) ? Il ne partira pas.")
}

pub fn n_recipient_confirmed(id: i64, to: &str) -> String {
    format!("Lettre n° {id} : destinataire validé ({to}).")
}

pub fn n_letter_not(id: i64, state: &str, why: &str) -> String {
    format!("Lettre n° {id} « {state} » : {why}.")
}

pub fn n_letter_dropped(id: i64) -> String {
    format!("Lettre n° {id} supprimée.")
}

pub fn n_letter_settled(id: i64, sent: bool) -> String {
    if sent {
        format!("Lettre n° {id} marquée envoyée.")
    } else {
        format!("Lettre n° {id} remise à envoyer.")
    }
}

pub fn n_letter_edited(id: i64, problems: usize) -> String {
    if problems == 0 {
        format!("Lettre n° {id} modifiée (à envoyer).")
    } else {
        format!(
            "Lettre n° {id} modifiée, encore {problems} point{} à corriger.",
            plural(problems)
        )
    }
}

pub fn n_letter_taken_back(id: i64) -> String {
    format!("Lettre n° {id} reprise : à relire puis envoyer.")
}

pub fn n_letter_unchanged(id: i64) -> String {
    format!("Lettre n° {id} : aucune modification.")
}

pub fn n_sending(done: usize, total: usize) -> String {
    format!("Envoi en cours : {done} / {total} lettre{}…", plural(total))
}

pub fn n_send_done(sent: usize, other: usize, error: Option<&str>) -> String {
    let mut t = format!(
        "Envoi terminé : {sent} lettre{} envoyée{}",
        plural(sent),
        plural(sent)
    );
    if other > 0 {
        t.push_str(&format!(
            ", {other} non envoyée{} (voir leur état)",
            plural(other)
        ));
    }
    if let Some(e) = error {
        t.push_str(&format!(" ; serveur : {e}"));
    }
    t.push('.');
    t
}

pub fn n_send_failed(e: &str) -> String {
    format!("Envoi impossible : {e}")
}

/// What a list window hides: "▼ 3 de plus", "▲ 2 au-dessus · ▼ 3 de plus".
pub fn hidden(above: usize, below: usize) -> Option<String> {
    match (above, below) {
        (0, 0) => None,
        (0, b) => Some(format!("▼ {b} de plus")),
        (a, 0) => Some(format!("▲ {a} au-dessus")),
        (a, b) => Some(format!("▲ {a} au-dessus · ▼ {b} de plus")),
    }
}

/// "lignes 1–8 sur 45": the window of a long list.
pub fn window_line(first: usize, last: usize, len: usize) -> String {
    format!("{first}–{last} sur {len}")
}

/// The keys that stay on the message line whatever else is cut.
pub const HINT_ALWAYS: &str = "? aide · q quitter";
/// In an overlay or while typing: how to close it, and Ctrl-C.
pub const HINT_CTRL_C: &str = "Ctrl-C quitter";
/// Marks key hints left out for lack of room.
pub const HINT_MORE: &str = "…";
pub const HINT_HELP_OVERLAY: &str = "j/k PgSuiv défiler · ? fermer aussi";
pub const HINT_CONFIRM: &str = "o oui";
pub const HINT_KIND_CHOICE: &str = "numéro ou initiale du type";
pub const HINT_FILTERS_LINE: &str = "j/k filtre · h/l ←→ valeur · x tout effacer";
pub const HINT_PICKER_LINE: &str = "j/k choisir · Entrée valider";
pub const HINT_SUGGESTION_LINE: &str = "o appliquer (u l'annule) · j/k défiler";
pub const HINT_SEARCH_LINE: &str = "Entrée garder la recherche";
pub const HINT_INPUT_LINE: &str = "Entrée valider · Ctrl-J saut de ligne · Ctrl-U effacer";
/// In a window or while typing, the keys that stay: close it, quit.
pub const ALWAYS_CLOSE: &str = "Échap fermer · Ctrl-C quitter";
pub const ALWAYS_CANCEL: &str = "Échap annuler · Ctrl-C quitter";
pub const ALWAYS_NO: &str = "n ou Échap non · Ctrl-C quitter";
pub const ALWAYS_DROP: &str = "Échap abandonner · Ctrl-C quitter";
pub const ALWAYS_ERASE: &str = "Échap effacer · Ctrl-C quitter";
pub const ALWAYS_STAY: &str = "r ou Échap rester · Ctrl-C quitter";
pub const ALWAYS_Q: &str = "q quitter";
pub const HINT_DRAFT_LEAVE_LINE: &str = "e enregistrer · a abandonner";
pub const HINT_DRAFT_FOUND_LINE: &str = "r reprendre · a abandonner";
pub const HINT_PUBLISH_LINE: &str = "o publier · j/k défiler";
pub const HINT_REVISIONS_LINE: &str = "h/l ←→ [ ] choisir les révisions · j/k défiler";
pub const HELP_DRAFT_LEAVE: &str = "Brouillon non enregistré (en quittant ou en changeant d'écran)";
pub const HELP_DRAFT_FOUND: &str = "Brouillon retrouvé au démarrage";
pub const HELP_REVISIONS: &str = "Révisions comparées (Propositions, v)";

/// A key that does nothing on this screen: why, and where it acts.
pub fn n_unbound(key: char, screen: &str, elsewhere: &[(&str, &str)]) -> String {
    if elsewhere.is_empty() {
        return format!("{key} : aucune action sur l'écran {screen} (? pour l'aide).");
    }
    // What it does there, in its first words.
    let short = |what: &str| -> String {
        let cut = [" (", ", ", " ; "]
            .iter()
            .filter_map(|sep| what.find(sep))
            .min()
            .unwrap_or(what.len());
        what[..cut].to_string()
    };
    let places: Vec<String> = elsewhere
        .iter()
        .map(|(sc, what)| format!("écran {sc} : {}", short(what)))
        .collect();
    format!(
        "{key} : rien à faire ici ({screen}) — {}.",
        places.join(" ; ")
    )
}

pub const WHY_AT_TOP: &str = "déjà en haut";
pub const WHY_AT_BOTTOM: &str = "déjà en bas (ou rien à faire défiler)";
pub const WHY_NO_COLUMNS: &str =
    "pas de colonnes ici (h/l changent de case sur Programme, de valeur dans les filtres)";
pub const WHY_NOTHING_OPEN: &str = "rien à fermer ni à annuler";
pub const WHY_NOTHING_HERE: &str = "rien à faire avec ce qui est choisi";
/// A key that changed nothing: "« descendre » : déjà en bas (Propositions)."
pub fn n_nothing(what: &str, screen: &str, why: &str) -> String {
    if what.is_empty() {
        format!("Rien à faire ici ({screen}) : {why}.")
    } else {
        format!("« {what} » : {why} ({screen}).")
    }
}
pub fn n_already_on(screen: &str) -> String {
    format!("Déjà sur l'écran {screen}.")
}
// Drafts (issue 14): never lost.
pub const DRAFT_LEAVE_TITLE: &str = "Brouillon non enregistré";
pub const DRAFT_LEAVE_QUESTION: &str =
    "Brouillon non enregistré : (e)nregistrer, (a)bandonner, (r)ester";
pub const DRAFT_LEAVE_KEYS: &str = "e enregistrer · a abandonner · r/Échap rester";
pub const DRAFT_LEAVE_QUIT: &str =
    "Ctrl-C encore : quitter en gardant le brouillon (il sera proposé à la prochaine console).";
pub const DRAFT_FOUND_TITLE: &str = "Brouillon retrouvé";
pub const DRAFT_FOUND_KEYS: &str = "r reprendre · a abandonner";
pub const DRAFT_FOUND_ABANDONED: &str = "Brouillon retrouvé abandonné : il a été effacé.";
pub const DRAFT_TYPED_ABANDONED: &str = "Texte abandonné : rien n'a été enregistré.";
pub const DRAFT_RESUMED: &str =
    "Brouillon repris : Entrée pour valider le texte, S pour enregistrer la fiche.";
pub fn draft_found(when: &str) -> String {
    format!("Un brouillon du {when} a été retrouvé : (r)eprendre / (a)bandonner")
}
pub fn draft_hand(message_id: i64, kind: Kind, fields: usize) -> String {
    format!(
        "fiche {} saisie à la main pour le message n° {message_id} ({fields} champ{} rempli{})",
        kind_long(Some(kind)),
        plural(fields),
        plural(fields)
    )
}
pub fn draft_note(number: i64, text: &str) -> String {
    format!("ma note sur la proposition n° {number} : « {text} »")
}
pub fn draft_reason(number: i64, text: &str) -> String {
    format!("motif de refus de la proposition n° {number} : « {text} »")
}
pub fn draft_field(label: &str, number: Option<i64>, text: &str) -> String {
    match number {
        Some(n) => format!("champ « {label} » de la proposition n° {n} : « {text} »"),
        None => format!("champ « {label} » de la fiche saisie à la main : « {text} »"),
    }
}
pub fn n_draft_not_kept(e: &str) -> String {
    format!(
        "Brouillon : impossible de l'écrire dans la base ({e}) ; nouvel essai à la prochaine frappe."
    )
}

// Publish from the console (issue 14).
pub const PUB_TITLE: &str = "Publier le programme — aperçu";
pub const PUB_KEYS: &str = "o publier · n/Échap annuler · j/k défiler";
pub const PUB_KEYS_NOTHING: &str = "Échap fermer · j/k défiler";
pub const PUB_CANCELLED: &str = "Publication annulée : rien n'a été écrit.";
pub const PUB_NOTHING: &str = "Rien à publier : les listes publiques n'ont pas changé.";
pub const PUB_NO_CONFIG: &str =
    "Publication impossible ici : configuration non chargée ; utiliser `fiches publish`.";
pub const PUB_STAFF_CHANGES: &str = "Pour l'équipe (listes d'attente comprises) :";
pub fn pub_heading(number: Option<u32>, since: Option<u32>) -> String {
    match (number, since) {
        (Some(n), Some(p)) => {
            format!("Publication n° {n} — ce qui a changé depuis la publication n° {p} :")
        }
        (Some(n), None) => format!("Publication n° {n} — la première :"),
        (None, _) => "Rien à publier :".to_string(),
    }
}
pub fn pub_counts(accepted: &[(Kind, usize)], dir: &str, partners: bool) -> String {
    format!(
        "{} ; fichiers à écrire dans {dir}{}.",
        crate::domain::french::programme_counts(accepted),
        if partners {
            " ; e-mail aux partenaires à préparer dans Envoi"
        } else {
            ""
        }
    )
}
pub fn pub_confirm(number: u32, since: Option<u32>) -> String {
    let from = match since {
        Some(p) => format!(" (changements depuis la n° {p})"),
        None => String::new(),
    };
    format!(
        "Publier maintenant la publication n° {number}{from} ?\nLes fichiers publics et ceux de l'équipe seront écrits, la publication enregistrée."
    )
}
pub fn n_published(number: u32, dir: &str, partners: bool) -> String {
    format!(
        "Publication n° {number} écrite dans {dir}{}.",
        if partners {
            " ; e-mail aux partenaires à relire dans Envoi (6)"
        } else {
            ""
        }
    )
}
pub fn n_publish_failed(e: &str) -> String {
    format!("Publication impossible : {e}")
}
pub fn n_published_meanwhile(who: &str) -> String {
    format!("Une publication a été faite entre-temps par {who} : voici le nouvel aperçu.")
}
/// "publication n° 4, il y a 3 j" (status line), long and short.
pub fn st_publication(last: Option<(u32, &str)>) -> (String, String) {
    match last {
        Some((n, ago)) => (
            format!("publication n° {n}, {ago}"),
            format!("pub. {n} · {}", ago.trim_start_matches("il y a ")),
        ),
        None => ("jamais publié".to_string(), "non publié".to_string()),
    }
}

// Revisions compared (issue 14).
pub const REV_TITLE: &str = "Révisions comparées";
pub const REV_KEYS: &str = "h/l 1re rév. · [ ] 2e rév. · j/k défiler · Échap fermer";
pub const REV_ONLY_ONE: &str =
    "Une seule révision : rien à comparer (une fiche renvoyée en ajoute une).";
pub const REV_NO_FURTHER: &str = "Pas d'autre révision dans ce sens.";
pub const REV_BEFORE: &str = "avant";
pub const REV_AFTER: &str = "après";
pub const REV_EMPTY: &str = "—";
pub fn rev_heading(number: i64, a: i64, b: i64, changed: usize, same: usize) -> String {
    format!(
        "Proposition n° {number} : rév. {a} → rév. {b} · {changed} champ{} modifié{} · {same} champ{} inchangé{} (masqué{})",
        plural(changed),
        plural(changed),
        plural(same),
        plural(same),
        plural(same)
    )
}
pub const REV_NO_CHANGE: &str = "Aucun champ n'a changé entre ces deux révisions.";
// Courrier.
pub const HINT_COURRIER: &str = "Entrée lire · f statut · / chercher · L lier · D délier";
pub const HINT_COURRIER_SEARCH: &str = "Entrée chercher (expéditeur, objet)";
pub const HINT_COURRIER_FULL: &str =
    "j/k ↑↓ PgPréc PgSuiv défiler · L lier · D délier · Échap retour à la liste";
pub const COU_EMPTY: &str = "Aucun message ne correspond.";
pub const COU_EMPTY_DB: &str = "Aucun message dans la base.";
pub const COU_COL_STATUS: &str = "Statut";
pub const COU_COL_DATE: &str = "Reçu";
pub const COU_COL_FROM: &str = "De";
pub const COU_COL_SUBJECT: &str = "Objet";
pub const COU_COL_PJ: &str = "PJ";
pub const COU_COL_LINKED: &str = "Prop.";
pub const COU_MESSAGE: &str = "Message";
pub const COU_LINKS: &str = "Liens";
pub const COU_PROPOSALS: &str = "Propositions";
pub const COU_NO_NAME: &str = "(sans nom)";
pub const COU_RECEIVED: &str = "Reçu le";
pub const COU_SIZE: &str = "Taille";
pub const COU_STATUS: &str = "Statut";
pub const COU_TO_TRIAGE: &str = "dans « À traiter »";
/// Proposal detail: the messages linked by hand.
pub const D_LINKED: &str = "Courriels liés";

/// What became of a message, in words (Courrier's status column).
pub fn courrier_status(status: MessageStatus, revision: bool) -> &'static str {
    match status {
        MessageStatus::Fiche if revision => "révision",
        other => message_status(other),
    }
}

/// Courrier's status filter, in words.
pub fn courrier_filter(f: crate::store::courrier::CourrierFilter) -> &'static str {
    use crate::store::courrier::CourrierFilter as F;
    match f {
        F::All => "tous",
        F::Fiche => "fiche lue",
        F::Revision => "révision",
        F::NoFiche => "sans fiche",
        F::Unsupported => "format non lu",
        F::Rejected => "refusé pour une limite de sécurité",
        F::AutoReply => "réponse automatique",
        F::Error => "erreur de lecture",
        F::Open => "à traiter (non traité)",
        F::Handled => "traité",
        F::Linked => "lié à une proposition",
    }
}

/// The bar over Courrier's list.
pub fn courrier_bar(shown: usize, total: u64, more: bool, filter: &str, query: &str) -> String {
    let mut t = format!(
        "{total}{} message{} · statut : {filter}",
        if more { "+" } else { "" },
        plural(total as usize)
    );
    if !query.is_empty() {
        t.push_str(&format!(" · « {query} »"));
    }
    if (shown as u64) < total {
        t.push_str(&format!(" · {shown} chargés"));
    }
    t
}

pub fn link_prompt(message_id: i64) -> String {
    format!("Lier le message {message_id} à la proposition n° : ")
}

pub fn unlink_prompt(message_id: i64, links: &[i64]) -> String {
    let l: Vec<String> = links.iter().map(|n| n.to_string()).collect();
    format!(
        "Message {message_id} lié aux n° {} : retirer le lien avec le n° : ",
        l.join(", ")
    )
}

pub fn n_not_a_number(text: &str) -> String {
    format!("« {text} » n'est pas un numéro de proposition (par exemple 12).")
}

/// The question before a link: which message, which proposal (its
/// organisation, kind and state, to check it is the right one).
pub fn link_confirm(
    message_id: i64,
    from: &str,
    subject: &str,
    number: i64,
    organisation: &str,
    kind: &str,
    state: &str,
) -> String {
    format!(
        "Lier le message {message_id}\nenvoyé par {from}, « {subject} »\nà la proposition n° {number} :\n{organisation} ({kind}, {state}) ?"
    )
}

pub fn unlink_confirm(message_id: i64, number: i64, organisation: &str) -> String {
    format!(
        "Retirer le lien entre le message {message_id} et la proposition n° {number} ({organisation}) ?"
    )
}

pub fn n_linked(message_id: i64, number: i64, handled: bool) -> String {
    if handled {
        format!("Message {message_id} lié à la proposition n° {number} et marqué traité.")
    } else {
        format!("Message {message_id} lié à la proposition n° {number}.")
    }
}

pub fn n_unlinked(message_id: i64, number: i64, reopened: bool) -> String {
    let back = if reopened {
        " Le lien l'avait marqué traité : il revient dans « À traiter »."
    } else {
        ""
    };
    format!("Lien retiré entre le message {message_id} et la proposition n° {number}.{back}")
}

pub fn n_no_links(message_id: i64, read: &[i64]) -> String {
    if !read.is_empty() {
        let numbers: Vec<String> = read.iter().map(|n| format!("n° {n}")).collect();
        return format!(
            "Le message {message_id} n'a pas de lien posé à la main : {} {} {} lue{} dans sa pièce jointe (ce lien-là ne se retire pas ; L pour en ajouter un).",
            if read.len() > 1 {
                "les propositions"
            } else {
                "la proposition"
            },
            numbers.join(", "),
            if read.len() > 1 {
                "ont été"
            } else {
                "a été"
            },
            if read.len() > 1 { "s" } else { "" }
        );
    }
    format!("Le message {message_id} n'est lié à aucune proposition (L pour le lier).")
}
