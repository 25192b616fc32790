//! Several at once, pure: what a decision taken on every marked proposal
//! would do to each one (the plan the one confirmation shows), and the sets
//! of letters Envoi's send confirmation offers. Each planned decision is
//! checked here by the same domain rules as a single one, against the
//! programme as the decisions before it in the plan would leave it; the
//! store checks each again (rules and version shown) when it is applied.

use super::app::{App, LetterRow, SendChoice};
use crate::domain::{
    Candidate, Decision, DomainError, Status, check_decision, free_places, status_fr,
};
use crate::safe::terminal_line;
use crate::store::LetterState;

/// Which decision staff asked for on the marked proposals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkKind {
    /// Accept each into a free place of the slot it wants.
    Accept,
    Waitlist,
    /// Refuse each, with one reason for all.
    Reject(String),
}

/// What the plan does to one proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// This decision, with the version shown.
    Decide { version: i64, decision: Decision },
    /// Nothing: already in that state.
    Already(&'static str),
    /// Nothing: no free place in the slot it wants.
    NoFreePlace(String),
    /// Nothing: the rules refuse it (why).
    Refused(String),
    /// Nothing: no longer listed (replaced or removed meanwhile).
    Gone,
}

/// One marked proposal and what the plan does to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub number: i64,
    pub organisation: String,
    pub outcome: Outcome,
}

/// The plan the confirmation shows and `run` applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub kind: BulkKind,
    pub items: Vec<Item>,
}

impl Plan {
    /// The decisions to take: (number, version shown, decision).
    pub fn steps(&self) -> Vec<(i64, i64, Decision)> {
        self.items
            .iter()
            .filter_map(|i| match &i.outcome {
                Outcome::Decide { version, decision } => {
                    Some((i.number, *version, decision.clone()))
                }
                _ => None,
            })
            .collect()
    }
}

/// What each marked proposal would become (in number order), the
/// decisions before it in the plan taken into account.
pub fn plan(app: &App, kind: BulkKind) -> Plan {
    let mut sim: Vec<Candidate> = app.programme().candidates.clone();
    let mut items = Vec::new();
    for &number in &app.marks {
        let Some(row) = app.listing.rows().iter().find(|r| r.number == number) else {
            items.push(Item {
                number,
                organisation: String::new(),
                outcome: Outcome::Gone,
            });
            continue;
        };
        let organisation = row.organisation.to_string();
        let c = row.candidate();
        // Decided together: proposals still to decide, and (to accept or
        // refuse) those waiting; any other is left as it is, said so.
        let open = match kind {
            BulkKind::Waitlist => c.status == Status::Pending,
            BulkKind::Accept | BulkKind::Reject(_) => {
                matches!(c.status, Status::Pending | Status::Waitlisted)
            }
        };
        if !open {
            items.push(Item {
                number,
                organisation,
                outcome: Outcome::Already(status_fr(c.status)),
            });
            continue;
        }
        let decision = match &kind {
            BulkKind::Waitlist => Some(Decision::Waitlist),
            BulkKind::Reject(reason) => Some(Decision::Reject {
                reason: reason.clone(),
            }),
            BulkKind::Accept => accept_in_wanted_slot(app, &c, &sim),
        };
        let outcome = match decision {
            None => Outcome::NoFreePlace(
                c.wanted_slot
                    .clone()
                    .filter(|w| w != "any" && !w.is_empty())
                    .unwrap_or_default(),
            ),
            Some(d) => match check_decision(&app.rules, &c, &d, &sim) {
                Ok(t) => {
                    let mut after = c.clone();
                    after.status = t.state.status;
                    after.place = t.state.place();
                    after.wait_pos = t.state.wait_pos;
                    for (n, key) in &t.renumber {
                        if let Some(o) = sim.iter_mut().find(|o| o.number == *n) {
                            o.wait_pos = Some(*key);
                        }
                    }
                    sim.retain(|o| o.number != number);
                    sim.push(after);
                    Outcome::Decide {
                        version: row.version,
                        decision: d,
                    }
                }
                Err(DomainError::NoChange(st)) => Outcome::Already(st),
                Err(e) => Outcome::Refused(terminal_line(&e.to_string())),
            },
        };
        items.push(Item {
            number,
            organisation,
            outcome,
        });
    }
    Plan { kind, items }
}

/// A free place of the slot the proposal wants (any slot when it wants
/// none); `None` when there is none.
fn accept_in_wanted_slot(app: &App, c: &Candidate, sim: &[Candidate]) -> Option<Decision> {
    let kind = c.kind?;
    let wanted = c
        .wanted_slot
        .as_deref()
        .filter(|w| *w != "any" && !w.is_empty());
    let free = free_places(&app.rules.layout, kind, wanted, sim);
    let p = free
        .into_iter()
        .find(|p| wanted.is_none_or(|w| p.slot == w))?;
    Some(Decision::Accept {
        slot: p.slot,
        place: p.place,
    })
}

/// "n° 3 Grenoble, n° 7 Lyon" (at most `max`, then "… et 4 autres").
fn names(items: &[&Item], max: usize) -> String {
    let mut parts: Vec<String> = items
        .iter()
        .take(max)
        .map(|i| {
            if i.organisation.is_empty() {
                format!("n° {}", i.number)
            } else {
                format!("n° {} {}", i.number, i.organisation)
            }
        })
        .collect();
    if items.len() > max {
        parts.push(format!("… et {} autres", items.len() - max));
    }
    parts.join(", ")
}

fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}

/// The confirmation's text: what will happen to each marked proposal,
/// grouped ("3 acceptées : …", "1 déjà refusée → inchangée : …").
pub fn confirm_text(plan: &Plan) -> String {
    let n = plan.items.len();
    let what = match &plan.kind {
        BulkKind::Accept => "Retenir dans leur créneau".to_string(),
        BulkKind::Waitlist => "Mettre en liste d'attente".to_string(),
        BulkKind::Reject(reason) => {
            format!("Refuser (motif : {})", terminal_line(reason))
        }
    };
    let mut out = vec![format!(
        "{what} les {n} proposition{} marquée{} :",
        plural(n),
        plural(n)
    )];
    let done: Vec<&Item> = plan
        .items
        .iter()
        .filter(|i| matches!(i.outcome, Outcome::Decide { .. }))
        .collect();
    if !done.is_empty() {
        let k = done.len();
        let verb = match plan.kind {
            BulkKind::Accept => format!("retenue{}", plural(k)),
            BulkKind::Waitlist => "en liste d'attente".to_string(),
            BulkKind::Reject(_) => format!("refusée{}", plural(k)),
        };
        let mut line = format!("• {k} {verb} : ");
        if plan.kind == BulkKind::Accept {
            let places: Vec<String> = done
                .iter()
                .take(6)
                .map(|i| match &i.outcome {
                    Outcome::Decide {
                        decision: Decision::Accept { slot, place },
                        ..
                    } => format!(
                        "n° {} {} → {} {}",
                        i.number,
                        i.organisation,
                        terminal_line(slot),
                        terminal_line(place)
                    ),
                    _ => format!("n° {}", i.number),
                })
                .collect();
            line.push_str(&places.join(", "));
            if done.len() > 6 {
                line.push_str(&format!(", … et {} autres", done.len() - 6));
            }
        } else {
            line.push_str(&names(&done, 8));
        }
        out.push(line);
    }
    // The others, grouped by why nothing happens to them.
    let mut groups: Vec<(String, Vec<&Item>)> = Vec::new();
    for i in &plan.items {
        let label = match &i.outcome {
            Outcome::Decide { .. } => continue,
            Outcome::Already(st) => format!("déjà {st} → inchangée"),
            Outcome::NoFreePlace(slot) if slot.is_empty() => {
                "sans place libre → inchangée".to_string()
            }
            Outcome::NoFreePlace(slot) => format!(
                "sans place libre dans son créneau ({}) → inchangée",
                terminal_line(slot)
            ),
            Outcome::Refused(why) => format!("refusée par les règles ({why}) → inchangée"),
            Outcome::Gone => "plus dans la liste → ignorée".to_string(),
        };
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, v)) => v.push(i),
            None => groups.push((label, vec![i])),
        }
    }
    for (label, items) in &groups {
        out.push(format!("• {} {label} : {}", items.len(), names(items, 8)));
    }
    if done.is_empty() {
        out.push("Aucune décision à prendre : o ne changera rien.".to_string());
    }
    out.push("Les marques seront effacées ensuite ; u annule une décision à la fois.".to_string());
    out.join("\n")
}

/// Letters that would go now (to send, not held for a recipient check).
fn sendable(l: &LetterRow) -> bool {
    l.state == LetterState::Pending
}

fn choice(label: String, rows: &[&LetterRow]) -> SendChoice {
    SendChoice {
        label,
        letters: rows
            .iter()
            .filter(|l| !l.partners)
            .map(|l| (l.id, l.version))
            .collect(),
        partners: rows
            .iter()
            .filter(|l| l.partners)
            .map(|l| (l.id as u32, l.version))
            .collect(),
    }
}

/// The sets Envoi can send: everything to send, the marked letters, then
/// each kind on its own ("accusé de réception seulement (8)"), and the
/// decision letters together when there are several kinds of them. The
/// marked set comes first when there is one (it is what was just chosen).
pub fn send_choices(app: &App) -> Vec<SendChoice> {
    let pending: Vec<&LetterRow> = app.envoi.letters.iter().filter(|l| sendable(l)).collect();
    let mut out = Vec::new();
    if pending.is_empty() {
        return out;
    }
    let marked: Vec<&LetterRow> = pending
        .iter()
        .copied()
        .filter(|l| app.envoi.marks.contains(&(l.id, l.partners)))
        .collect();
    if !marked.is_empty() {
        out.push(choice(format!("marquées ({})", marked.len()), &marked));
    }
    out.push(choice(format!("tout ({})", pending.len()), &pending));
    let mut kinds: Vec<&'static str> = Vec::new();
    for l in &pending {
        if !kinds.contains(&l.kind) {
            kinds.push(l.kind);
        }
    }
    if kinds.len() > 1 {
        for k in &kinds {
            let rows: Vec<&LetterRow> = pending.iter().copied().filter(|l| l.kind == *k).collect();
            out.push(choice(format!("{k} seulement ({})", rows.len()), &rows));
        }
        let ack = crate::domain::LetterKind::Acknowledgement.label_fr();
        let partners = super::strings::ENV_PARTNERS_KIND;
        let decisions: Vec<&LetterRow> = pending
            .iter()
            .copied()
            .filter(|l| l.kind != ack && l.kind != partners)
            .collect();
        let decision_kinds = kinds
            .iter()
            .filter(|k| **k != ack && **k != partners)
            .count();
        if decision_kinds > 1 && decisions.len() < pending.len() {
            out.push(choice(
                format!("décisions seulement ({})", decisions.len()),
                &decisions,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::console::strings::notes_summary;
    use crate::store::notes::NotesSummary;

    #[test]
    fn the_list_summary_is_compact() {
        let s = NotesSummary {
            notes: 3,
            favorable: 2,
            reserve: 1,
            defavorable: 0,
            scores: 2,
            score_sum: 7,
        };
        assert_eq!(notes_summary(&s), "2+ 1~ ø3,5");
        let notes_only = NotesSummary {
            notes: 2,
            ..NotesSummary::default()
        };
        assert_eq!(notes_summary(&notes_only), "✎2");
        assert_eq!(notes_summary(&NotesSummary::default()), "");
    }
}
