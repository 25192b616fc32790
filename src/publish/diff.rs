//! What changed between two snapshots, and the short French changelog that
//! is the body of the weekly email (text and HTML).
//!
//! Items are matched by their snapshot `key` (stable across resubmissions).
//! Programme changes: added, moved (slot or place changed), updated (a
//! published detail changed: one of the kind's public fields, named by its
//! heading), removed. Waiting-list changes: entered, up, down
//! (rank changed), left (and whether for the programme). An event change
//! (name, date, venue) is reported too.
//!
//! Order: by kind (the call definition's order, as in the snapshot); programme changes as added,
//! moved, updated, removed, each in programme order (removed: in the old
//! programme's order); waiting-list changes in the new list's order, those
//! who left last in the old list's order.
//!
//! [`compare`] returns [`Changes::Unchanged`] when nothing published moved,
//! so the caller records the publication as such and does not send it twice.
//! With no previous snapshot, everything is "added" and the changelog says
//! it is the first publication.

use std::collections::{BTreeMap, BTreeSet};

use super::Event;
use super::html::escape;
use super::labels::{self, kind_word, ordinal_fr, position_fr};
use super::snapshot::{Section, Snapshot, Waiting};
use crate::domain::rank_fr;
use crate::safe::terminal_line;

/// A proposal named in the changelog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The kind's key in the call definition.
    pub kind: String,
    pub id: i64,
    /// The organisation, or "proposition n° 12".
    pub name: String,
}

/// A place in the programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub slot: Option<String>,
    pub place: Option<String>,
}

impl Position {
    fn fr(&self) -> String {
        position_fr(self.slot.as_deref(), self.place.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgrammeChange {
    Added {
        item: Item,
        at: Position,
    },
    Moved {
        item: Item,
        from: Position,
        to: Position,
    },
    /// `what`: the published details that changed, in French.
    Updated {
        item: Item,
        at: Position,
        what: Vec<String>,
    },
    Removed {
        item: Item,
        at: Position,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitlistChange {
    Entered {
        item: Item,
        rank: u32,
    },
    Up {
        item: Item,
        from: u32,
        to: u32,
    },
    Down {
        item: Item,
        from: u32,
        to: u32,
    },
    /// `to_programme`: accepted into the programme.
    Left {
        item: Item,
        rank: u32,
        to_programme: bool,
    },
}

/// Everything that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    /// No previous publication.
    pub first: bool,
    /// (before, after) when the event's name, date or venue changed.
    pub event: Option<(Event, Event)>,
    pub programme: Vec<ProgrammeChange>,
    pub waitlists: Vec<WaitlistChange>,
}

/// The result of a comparison: nothing to send, or what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    Unchanged,
    Changed(Diff),
}

impl Changes {
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Changes::Unchanged)
    }

    pub fn diff(&self) -> Option<&Diff> {
        match self {
            Changes::Unchanged => None,
            Changes::Changed(d) => Some(d),
        }
    }

    /// What the public may read of it: the programme and the event, never
    /// the waiting lists (who waits, and at which rank, is told to the
    /// proposers first, and only to them). `Unchanged` when nothing public
    /// moved — including a first publication with nothing retained yet.
    pub fn public(&self) -> Changes {
        match self {
            Changes::Changed(d) if !d.programme.is_empty() || d.event.is_some() => {
                Changes::Changed(Diff {
                    waitlists: Vec::new(),
                    ..d.clone()
                })
            }
            _ => Changes::Unchanged,
        }
    }

    /// The public changelog's sections: (title, lines of (verb, rest)).
    pub fn public_lines(&self) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
        match self.public() {
            Changes::Unchanged => Vec::new(),
            Changes::Changed(d) => sections(&d),
        }
    }
}

/// One published item as the comparison sees it.
struct View {
    item: Item,
    at: Position,
    /// (field key, heading as in a sentence, printed text).
    details: Vec<(String, String, Option<String>)>,
}

fn name(org: &Option<String>, id: i64) -> String {
    match org.as_deref().map(str::trim) {
        Some(o) if !o.is_empty() => o.to_string(),
        _ => format!("proposition n° {id}"),
    }
}

fn views(s: Option<&Section>) -> Vec<(String, View)> {
    let Some(s) = s else {
        return Vec::new();
    };
    s.accepted
        .iter()
        .map(|m| {
            (
                m.key.clone(),
                View {
                    item: Item {
                        kind: s.kind.clone(),
                        id: m.id,
                        name: name(&m.organisation, m.id),
                    },
                    at: Position {
                        slot: m.slot.clone(),
                        place: m.place.clone(),
                    },
                    details: m
                        .fields
                        .iter()
                        .map(|f| {
                            (
                                f.key.clone(),
                                labels::uncapitalise(&f.label),
                                f.text.clone(),
                            )
                        })
                        .collect(),
                },
            )
        })
        .collect()
}

fn programme_changes(old: &Snapshot, new: &Snapshot, kind: &str) -> Vec<ProgrammeChange> {
    let old_v = views(old.section(kind));
    let new_v = views(new.section(kind));
    let old_by: BTreeMap<&str, &View> = old_v.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let new_by: BTreeMap<&str, &View> = new_v.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let (mut added, mut moved, mut updated, mut removed) = (vec![], vec![], vec![], vec![]);
    for (k, v) in &new_v {
        match old_by.get(k.as_str()) {
            None => added.push(ProgrammeChange::Added {
                item: v.item.clone(),
                at: v.at.clone(),
            }),
            Some(o) => {
                if o.at != v.at {
                    moved.push(ProgrammeChange::Moved {
                        item: v.item.clone(),
                        from: o.at.clone(),
                        to: v.at.clone(),
                    });
                }
                // By field key: a field the old snapshot did not publish
                // changed only if it now says something.
                let what: Vec<String> = v
                    .details
                    .iter()
                    .filter(|(key, _, text)| {
                        let before = o.details.iter().find(|d| &d.0 == key).map(|d| &d.2);
                        match before {
                            Some(b) => b != text,
                            None => text.is_some(),
                        }
                    })
                    .map(|(_, heading, _)| heading.clone())
                    .collect();
                if !what.is_empty() {
                    updated.push(ProgrammeChange::Updated {
                        item: v.item.clone(),
                        at: v.at.clone(),
                        what,
                    });
                }
            }
        }
    }
    for (k, o) in &old_v {
        if !new_by.contains_key(k.as_str()) {
            removed.push(ProgrammeChange::Removed {
                item: o.item.clone(),
                at: o.at.clone(),
            });
        }
    }
    added.extend(moved);
    added.extend(updated);
    added.extend(removed);
    added
}

fn waiting_item(w: &Waiting, kind: &str) -> Item {
    Item {
        kind: kind.to_string(),
        id: w.id,
        name: name(&w.organisation, w.id),
    }
}

fn waitlist_changes(old: &Snapshot, new: &Snapshot, kind: &str) -> Vec<WaitlistChange> {
    let old_l = old.section(kind).map_or(&[][..], |s| &s.waitlist);
    let new_l = new.section(kind).map_or(&[][..], |s| &s.waitlist);
    let old_by: BTreeMap<&str, &Waiting> = old_l.iter().map(|w| (w.key.as_str(), w)).collect();
    let new_by: BTreeMap<&str, &Waiting> = new_l.iter().map(|w| (w.key.as_str(), w)).collect();
    let mut out = Vec::new();
    for w in new_l {
        match old_by.get(w.key.as_str()) {
            None => out.push(WaitlistChange::Entered {
                item: waiting_item(w, kind),
                rank: w.rank,
            }),
            Some(o) if w.rank < o.rank => out.push(WaitlistChange::Up {
                item: waiting_item(w, kind),
                from: o.rank,
                to: w.rank,
            }),
            Some(o) if w.rank > o.rank => out.push(WaitlistChange::Down {
                item: waiting_item(w, kind),
                from: o.rank,
                to: w.rank,
            }),
            Some(_) => {}
        }
    }
    let programme: BTreeSet<&str> = new
        .section(kind)
        .map(|s| s.accepted.iter().map(|m| m.key.as_str()).collect())
        .unwrap_or_default();
    let in_programme = |key: &str| programme.contains(key);
    for o in old_l {
        if !new_by.contains_key(o.key.as_str()) {
            out.push(WaitlistChange::Left {
                item: waiting_item(o, kind),
                rank: o.rank,
                to_programme: in_programme(&o.key),
            });
        }
    }
    out
}

fn empty_like(s: &Snapshot) -> Snapshot {
    Snapshot {
        version: s.version,
        event: s.event.clone(),
        taken_at: String::new(),
        kinds: Vec::new(),
    }
}

/// What changed from `previous` (the last publication's snapshot; `None`
/// for the first publication) to `current`.
pub fn compare(previous: Option<&Snapshot>, current: &Snapshot) -> Changes {
    let empty;
    let old = match previous {
        Some(p) => p,
        None => {
            empty = empty_like(current);
            &empty
        }
    };
    let mut programme = Vec::new();
    let mut waitlists = Vec::new();
    // The current snapshot's kinds, then those only the previous one had
    // (a kind since removed from the definition: its items are removed).
    let mut kinds: Vec<&str> = current.kinds.iter().map(|s| s.kind.as_str()).collect();
    for s in &old.kinds {
        if !kinds.contains(&s.kind.as_str()) {
            kinds.push(&s.kind);
        }
    }
    for kind in kinds {
        programme.extend(programme_changes(old, current, kind));
        waitlists.extend(waitlist_changes(old, current, kind));
    }
    let event = (old.event != current.event).then(|| (old.event.clone(), current.event.clone()));
    let first = previous.is_none();
    if !first && event.is_none() && programme.is_empty() && waitlists.is_empty() {
        return Changes::Unchanged;
    }
    Changes::Changed(Diff {
        first,
        event,
        programme,
        waitlists,
    })
}

/// One changelog line: a verb and the rest, made safe for a terminal or an
/// email (controls shown as symbols, one line).
fn programme_line(c: &ProgrammeChange) -> (&'static str, String) {
    let (verb, rest) = match c {
        ProgrammeChange::Added { item, at } => (
            "Ajouté",
            format!("{} — {} {}", item.name, kind_word(&item.kind), at.fr()),
        ),
        ProgrammeChange::Moved { item, from, to } => (
            "Déplacé",
            format!(
                "{} — {} {} → {}",
                item.name,
                kind_word(&item.kind),
                from.fr(),
                to.fr()
            ),
        ),
        ProgrammeChange::Updated { item, at, what } => (
            "Modifié",
            format!(
                "{} — {} {} ({})",
                item.name,
                kind_word(&item.kind),
                at.fr(),
                what.join(", ")
            ),
        ),
        ProgrammeChange::Removed { item, at } => (
            "Retiré",
            format!("{} — {} {}", item.name, kind_word(&item.kind), at.fr()),
        ),
    };
    (verb, terminal_line(&rest))
}

fn waitlist_line(c: &WaitlistChange) -> (&'static str, String) {
    let (verb, rest) = match c {
        WaitlistChange::Entered { item, rank } => (
            "Entrée en liste d'attente",
            format!(
                "{} — {}, {}",
                item.name,
                kind_word(&item.kind),
                rank_fr(*rank as usize)
            ),
        ),
        WaitlistChange::Up { item, from, to } | WaitlistChange::Down { item, from, to } => (
            if matches!(c, WaitlistChange::Up { .. }) {
                "Remonte"
            } else {
                "Recule"
            },
            format!(
                "{} — {}, {} → {}",
                item.name,
                kind_word(&item.kind),
                ordinal_fr(*from),
                rank_fr(*to as usize)
            ),
        ),
        WaitlistChange::Left {
            item, to_programme, ..
        } => (
            "Sortie de la liste d'attente",
            format!(
                "{} — {}{}",
                item.name,
                kind_word(&item.kind),
                if *to_programme {
                    " (retenu au programme)"
                } else {
                    ""
                }
            ),
        ),
    };
    (verb, terminal_line(&rest))
}

fn event_line(e: &Event) -> (&'static str, String) {
    let mut s = format!("{}, {}", e.name, labels::date_fr(&e.date));
    if let Some(v) = &e.venue {
        s = format!("{s}, {v}");
    }
    ("Événement", terminal_line(&s))
}

const UNCHANGED: &str = "Aucun changement depuis la publication précédente.";

/// The sections of the changelog: (title, lines).
fn sections(d: &Diff) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let mut prog: Vec<(&'static str, String)> = Vec::new();
    if let Some((_, new)) = &d.event {
        prog.push(event_line(new));
    }
    prog.extend(d.programme.iter().map(programme_line));
    let wait: Vec<(&'static str, String)> = d.waitlists.iter().map(waitlist_line).collect();
    let mut out = Vec::new();
    if !prog.is_empty() {
        out.push(("Programme", prog));
    }
    if !wait.is_empty() {
        out.push(("Listes d'attente", wait));
    }
    out
}

fn heading(d: &Diff) -> &'static str {
    if d.first {
        "Première publication du programme"
    } else {
        "Changements depuis la publication précédente"
    }
}

impl Changes {
    /// The changelog as plain text (lines end with `\n`).
    pub fn text(&self) -> String {
        let d = match self {
            Changes::Unchanged => return format!("{UNCHANGED}\n"),
            Changes::Changed(d) => d,
        };
        let secs = sections(d);
        if secs.is_empty() {
            return format!(
                "{} : aucune proposition retenue pour l'instant.\n",
                heading(d)
            );
        }
        let mut out = format!("{} :\n", heading(d));
        for (title, lines) in secs {
            out.push_str(&format!("\n{title}\n"));
            for (verb, rest) in lines {
                out.push_str(&format!("- {verb} : {rest}\n"));
            }
        }
        out
    }

    /// The changelog as a small standalone HTML document (the HTML part of
    /// the email): everything escaped, no link, no external resource.
    pub fn html(&self) -> String {
        self.html_with_note("")
    }

    /// [`Self::html`] with `note` (a draft's banner) first, when not empty.
    pub fn html_with_note(&self, note: &str) -> String {
        let mut out = String::from(
            "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>Changements du programme</title>\n\
             <style>body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;\
             line-height:1.45;color:#1a1a1a;max-width:46rem;margin:0 auto;padding:1rem}\
             h1{font-size:1.3rem;color:#0b3d6b}h2{font-size:1.1rem;color:#0b3d6b;margin-top:1.4rem}\
             li{margin:.2rem 0}</style>\n</head>\n<body>\n",
        );
        if !note.trim().is_empty() {
            out.push_str(&format!(
                "<p><strong>{}</strong></p>\n",
                escape(note.trim())
            ));
        }
        match self {
            Changes::Unchanged => out.push_str(&format!("<p>{}</p>\n", escape(UNCHANGED))),
            Changes::Changed(d) => {
                let secs = sections(d);
                if secs.is_empty() {
                    out.push_str(&format!(
                        "<h1>{}</h1>\n<p>Aucune proposition retenue pour l'instant.</p>\n",
                        escape(heading(d))
                    ));
                } else {
                    out.push_str(&format!("<h1>{}</h1>\n", escape(heading(d))));
                }
                for (title, lines) in secs {
                    out.push_str(&format!("<h2>{}</h2>\n<ul>\n", escape(title)));
                    for (verb, rest) in lines {
                        out.push_str(&format!(
                            "<li><strong>{}</strong> : {}</li>\n",
                            escape(verb),
                            escape(&rest)
                        ));
                    }
                    out.push_str("</ul>\n");
                }
            }
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Layout, Status};
    use crate::publish::tests::{BOURSE, MICRO};
    use crate::publish::tests::{accepted, sample_entries, set, waitlisted};
    use crate::publish::{Entry, Event};

    fn build(entries: &[Entry]) -> Snapshot {
        Snapshot::build(
            entries,
            &Layout::spec_default(),
            &Event::spec_default(),
            "2018-05-28",
        )
    }

    fn find(entries: &mut [Entry], id: i64) -> &mut Entry {
        entries.iter_mut().find(|e| e.id == id).unwrap()
    }

    #[test]
    fn same_programme_is_unchanged() {
        let a = build(&sample_entries());
        let mut b = a.clone();
        b.taken_at = "2018-06-04".into();
        let c = compare(Some(&a), &b);
        assert_eq!(c, Changes::Unchanged);
        assert_eq!(
            c.text(),
            "Aucun changement depuis la publication précédente.\n"
        );
        assert!(
            c.html()
                .contains("<p>Aucun changement depuis la publication précédente.</p>")
        );
    }

    #[test]
    fn first_publication_lists_everything() {
        let c = compare(None, &build(&sample_entries()));
        assert_eq!(
            c.text(),
            "Première publication du programme :\n\
             \n\
             Programme\n\
             - Ajouté : Municipalidad de Quito — micro-atelier 14h00, Espace A\n\
             - Ajouté : Ville de Saint-Étienne — micro-atelier 14h20, Espace B\n\
             - Ajouté : Conseil départemental de l'Isère — bourse aux projets 12h45, Table 1\n\
             \n\
             Listes d'attente\n\
             - Entrée en liste d'attente : Communauté urbaine de Dunkerque — micro-atelier, 1re sur la liste d'attente\n\
             - Entrée en liste d'attente : Ville de Lyon — micro-atelier, 2e sur la liste d'attente\n"
        );
        let empty = compare(None, &build(&[]));
        assert_eq!(
            empty.text(),
            "Première publication du programme : aucune proposition retenue pour l'instant.\n"
        );
    }

    #[test]
    fn add_move_update_remove_and_waitlist_moves() {
        let before = sample_entries();
        let mut after = before.clone();
        // Lyon leaves the waiting list for the programme.
        {
            let lyon = find(&mut after, 4);
            lyon.status = Status::Accepted;
            lyon.slot = Some("14:20".into());
            lyon.place = Some("Espace C".into());
        }
        // Saint-Étienne moves; its title is corrected.
        {
            let se = find(&mut after, 1);
            se.slot = Some("15:00".into());
            se.place = Some("Espace A".into());
            set(se, "project_title", "Un guide du financement (v2)");
        }
        // Quito withdraws.
        find(&mut after, 2).status = Status::Withdrawn;
        // Two new on the list: a member who goes first, and a non-member.
        after.push(waitlisted(
            7,
            MICRO,
            "Ville de Chefchaouen",
            true,
            "2018-05-01",
        ));
        after.push(waitlisted(8, MICRO, "Ville de Nantes", false, "2018-06-01"));
        // The programme's ranks now: the member first.
        find(&mut after, 4).rank = None;
        find(&mut after, 7).rank = Some(1);
        find(&mut after, 5).rank = Some(2);
        find(&mut after, 8).rank = Some(3);
        // A rendez-vous added.
        let mut dschang = accepted(9, BOURSE, "16:30", "Table 2", "Commune de Dschang");
        set(&mut dschang, "request_type", "specific_need");
        after.push(dschang);

        let c = compare(Some(&build(&before)), &build(&after));
        assert_eq!(
            c.text(),
            "Changements depuis la publication précédente :\n\
             \n\
             Programme\n\
             - Ajouté : Ville de Lyon — micro-atelier 14h20, Espace C\n\
             - Déplacé : Ville de Saint-Étienne — micro-atelier 14h20, Espace B → 15h00, Espace A\n\
             - Modifié : Ville de Saint-Étienne — micro-atelier 15h00, Espace A (titre)\n\
             - Retiré : Municipalidad de Quito — micro-atelier 14h00, Espace A\n\
             - Ajouté : Commune de Dschang — bourse aux projets 16h30, Table 2\n\
             \n\
             Listes d'attente\n\
             - Entrée en liste d'attente : Ville de Chefchaouen — micro-atelier, 1re sur la liste d'attente\n\
             - Recule : Communauté urbaine de Dunkerque — micro-atelier, 1re → 2e sur la liste d'attente\n\
             - Entrée en liste d'attente : Ville de Nantes — micro-atelier, 3e sur la liste d'attente\n\
             - Sortie de la liste d'attente : Ville de Lyon — micro-atelier (retenu au programme)\n"
        );
        let html = c.html();
        assert!(html.contains(
            "<li><strong>Ajouté</strong> : Ville de Lyon — micro-atelier 14h20, Espace C</li>"
        ));
        assert!(html.contains("<h2>Listes d&#39;attente</h2>"));
    }

    #[test]
    fn rank_up_and_plain_leave() {
        let mut before = vec![
            waitlisted(1, BOURSE, "A", true, "2018-05-01"),
            waitlisted(2, BOURSE, "B", true, "2018-05-02"),
        ];
        (before[0].rank, before[1].rank) = (Some(1), Some(2));
        let mut after = before.clone();
        after[0].status = Status::Rejected;
        (after[0].rank, after[1].rank) = (None, Some(1));
        let c = compare(Some(&build(&before)), &build(&after));
        assert_eq!(
            c.text(),
            "Changements depuis la publication précédente :\n\
             \n\
             Listes d'attente\n\
             - Remonte : B — bourse aux projets, 2e → 1re sur la liste d'attente\n\
             - Sortie de la liste d'attente : A — bourse aux projets\n"
        );
    }

    #[test]
    fn resubmission_under_a_new_id_is_the_same_item() {
        let before = sample_entries();
        let mut after = before.clone();
        let se = find(&mut after, 1);
        se.id = 100; // new revision, same chain key
        assert_eq!(
            compare(Some(&build(&before)), &build(&after)),
            Changes::Unchanged
        );
    }

    #[test]
    fn hostile_names_are_inert_in_the_changelog() {
        let mut e = accepted(
            1,
            MICRO,
            "14:00",
            "Espace A",
            "<script>alert(1)</script>\u{1b}]0;pwned\u{7}\nx",
        );
        set(&mut e, "project_title", "t");
        let c = compare(None, &build(&[e]));
        let t = c.text();
        assert!(!t.contains('\u{1b}'));
        // The public lists put every text on one line.
        assert!(t.contains("- Ajouté : <script>alert(1)</script>␛]0;pwned␇ x — micro-atelier"));
        let h = c.html();
        assert!(!h.contains("<script>"));
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;␛&#93;0;pwned␇ x"));
    }

    #[test]
    fn event_change_is_a_change() {
        let a = build(&[]);
        let mut b = a.clone();
        b.event.date = "2018-07-05".into();
        let c = compare(Some(&a), &b);
        assert_eq!(
            c.text(),
            "Changements depuis la publication précédente :\n\
             \n\
             Programme\n\
             - Événement : Rencontres de l'internationalisation des collectivités territoriales, 5 juillet 2018, Pavillon d'Armenonville, Paris\n"
        );
    }
}
