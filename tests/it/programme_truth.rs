//! Property tests of the one programme truth: random sequences of
//! decisions, moves, swaps, steps on the waiting list, undos,
//! resubmissions, suggestions, by two concurrent sessions (two connections
//! to one SQLite file, two staff members, each with the versions it last
//! saw), on a small grid where everything collides. After every step:
//! - no place is held twice;
//! - the waiting-list ranks are 1..n per kind and identical in the
//!   console's rows, `fiches programme --json`, `fiches proposals --json`,
//!   the staff workbook and the text of every letter that would be sent now;
//! - an undo restores exactly the state before the change it takes back
//!   and touches no other proposal, and puts a waiting entry back between
//!   its old neighbours (the relative order the change altered);
//! - numbers never change;
//! - letters (staff also edit them, take set-aside ones back and send
//!   them): no letter that would be sent now contradicts the truth (its
//!   kind, place, reason, the rank its text gives — also when staff
//!   rewrote it), none is held; every live proposal has exactly the letter
//!   its state calls for given what its sender was told (at most one
//!   decision letter and one acknowledgement unsent, never both; an
//!   acknowledgement only while to decide, and while to decide before
//!   anything was sent, exactly one), or none for a stated reason.

use crate::support::console as console_support;

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use fiches::commands::{programme::programme_json, proposals::proposal_json};
use fiches::console::{Options, Session};
use fiches::domain::LetterKind;
use fiches::domain::members::Members;
use fiches::domain::{Decision, KindLayout, Layout, Place, Rules, Status};
use fiches::fiche::{Kind, Value};
use fiches::letters::{EventInfo, Letters};
use fiches::publish::{Edition, Event, Snapshot, xlsx};
use fiches::store::{
    Approve, AttachmentOutcome, Claim, LetterEdit, LetterFilter, LetterState, MessageStatus,
    NewAttachment, NewMessage, NewProposal, OutboxSettings, ProposalFilter, Store, StoreError,
};
use proptest::prelude::*;

const N: usize = 12;
const SLOTS: [&str; 2] = ["14:00", "14:20"];
const PLACES: [&str; 2] = ["Espace A", "Espace B"];
const TABLES: [&str; 2] = ["Table 1", "Table 2"];

fn rules() -> Rules {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    Rules {
        layout: Layout {
            kinds: vec![
                KindLayout {
                    slots: s(&SLOTS),
                    places: s(&PLACES),
                },
                KindLayout {
                    slots: s(&["12:45", "13:15"]),
                    places: s(&TABLES),
                },
            ],
        },
        members: Members::from_csv("Ville 0\nVille 3\nVille 6\nVille 9\n"),
        late_last: true,
    }
}

fn kind_of(i: usize) -> Kind {
    if i % 4 == 3 {
        Kind::BourseProjets
    } else {
        Kind::MicroAtelier
    }
}

/// Message `version` of fiche `i` (a resubmission has a later date).
fn message(i: usize, version: u32) -> NewMessage {
    let kind = kind_of(i);
    let mut fields = BTreeMap::new();
    let org = format!("Ville {}", i % 10);
    let wanted = match (kind, i % 3) {
        (Kind::MicroAtelier, 0) => "14:00",
        (Kind::MicroAtelier, 1) => "14:20",
        (Kind::BourseProjets, 0) => "12:45",
        _ => "any",
    };
    for (k, v) in [
        ("organisation", org.as_str()),
        ("preferred_slot", wanted),
        ("contact_email", "contact@ville.example"),
        ("project_title", "Projet"),
        ("request_description", "Demande"),
        ("theme", ["odd", "climat"][i % 2]),
    ] {
        fields.insert(k.to_string(), Value::Text(v.to_string()));
    }
    let mid = format!("f{i}-v{version}@ville.example");
    NewMessage {
        raw: format!("Message-ID: <{mid}>\r\n\r\nfiche {i} v{version}").into_bytes(),
        message_id: Some(mid),
        from_addr: Some(format!("contact{i}@ville.example")),
        received_at: Some(format!(
            "2018-05-{:02}T10:00:00Z",
            (i % 9) + 1 + version as usize * 10
        )),
        source_ref: format!("test:{i}:{version}"),
        size: 10,
        status: MessageStatus::Fiche,
        flags: if i % 5 == 4 {
            vec!["late".into()]
        } else {
            vec![]
        },
        attachments: vec![NewAttachment {
            part_path: "2".into(),
            filename: Some("fiche.docx".into()),
            content_type: None,
            size: 1,
            sha256: format!("{i}-{version}"),
            format: Some("DOCX".into()),
            outcome: AttachmentOutcome::Fiche,
            reason: None,
            proposal: Some(NewProposal {
                kind: Some(kind),
                fields,
                flags: if i % 5 == 4 {
                    vec!["late".into()]
                } else {
                    vec![]
                },
                ..Default::default()
            }),
        }],
        ..Default::default()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Accept {
        who: usize,
        i: usize,
        slot: usize,
        place: usize,
    },
    AcceptDefault {
        who: usize,
        i: usize,
    },
    Waitlist {
        who: usize,
        i: usize,
    },
    Refuse {
        who: usize,
        i: usize,
        reason: usize,
    },
    Withdraw {
        who: usize,
        i: usize,
    },
    Pending {
        who: usize,
        i: usize,
    },
    Move {
        who: usize,
        i: usize,
        slot: usize,
        place: usize,
    },
    Swap {
        who: usize,
        i: usize,
        j: usize,
    },
    Step {
        who: usize,
        i: usize,
        up: bool,
    },
    Undo {
        who: usize,
        i: usize,
    },
    Resubmit {
        i: usize,
    },
    Suggest {
        who: usize,
    },
    Look {
        who: usize,
    },
    /// Staff rewrite the text of an unsent letter of proposal `i`.
    EditLetter {
        who: usize,
        i: usize,
    },
    /// Staff take back a letter of proposal `i` set aside "à revoir".
    TakeBack {
        who: usize,
        i: usize,
    },
    /// The unsent letters of proposal `i` go out.
    Send {
        i: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0usize..2;
    let i = 0usize..N;
    prop_oneof![
        3 => (who.clone(), i.clone(), 0usize..2, 0usize..2)
            .prop_map(|(who, i, slot, place)| Op::Accept { who, i, slot, place }),
        1 => (who.clone(), i.clone()).prop_map(|(who, i)| Op::AcceptDefault { who, i }),
        3 => (who.clone(), i.clone()).prop_map(|(who, i)| Op::Waitlist { who, i }),
        1 => (who.clone(), i.clone(), 0usize..2).prop_map(|(who, i, reason)| Op::Refuse { who, i, reason }),
        1 => (who.clone(), i.clone()).prop_map(|(who, i)| Op::Withdraw { who, i }),
        1 => (who.clone(), i.clone()).prop_map(|(who, i)| Op::Pending { who, i }),
        2 => (who.clone(), i.clone(), 0usize..2, 0usize..2)
            .prop_map(|(who, i, slot, place)| Op::Move { who, i, slot, place }),
        // Two micro-ateliers (i % 4 != 3), so that swaps happen often.
        3 => (who.clone(), 0usize..N / 4, 0usize..3, 0usize..N / 4, 0usize..3)
            .prop_map(|(who, a, x, b, y)| Op::Swap { who, i: a * 4 + x, j: b * 4 + y }),
        2 => (who.clone(), i.clone(), any::<bool>()).prop_map(|(who, i, up)| Op::Step { who, i, up }),
        4 => (who.clone(), i.clone()).prop_map(|(who, i)| Op::Undo { who, i }),
        1 => i.clone().prop_map(|i| Op::Resubmit { i }),
        1 => who.clone().prop_map(|who| Op::Suggest { who }),
        2 => who.clone().prop_map(|who| Op::Look { who }),
        2 => (who.clone(), i.clone()).prop_map(|(who, i)| Op::EditLetter { who, i }),
        2 => (who, i.clone()).prop_map(|(who, i)| Op::TakeBack { who, i }),
        2 => i.prop_map(|i| Op::Send { i }),
    ]
}

/// A proposal's decision state as the checks compare it.
type State = (
    Status,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// One change the model expects an undo to take back.
#[derive(Debug, Clone)]
struct Done {
    id: usize,
    actor: &'static str,
    /// Numbers changed in the same step.
    group: Vec<i64>,
    before: HashMap<i64, State>,
    /// Of those waiting before the change: the entries just ahead and
    /// just behind on their list.
    neighbours: HashMap<i64, (Option<i64>, Option<i64>)>,
    /// The waiting lists just before the change.
    orders: HashMap<Kind, Vec<i64>>,
}

struct World {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    rules: Rules,
    stores: [Store; 2],
    seen: [HashMap<i64, i64>; 2],
    numbers: Vec<i64>,
    /// Per number, the changes an undo would take back, newest last.
    stacks: HashMap<i64, Vec<Done>>,
    console: Session,
    letters: Letters,
    resubmissions: [u32; N],
    next_done: usize,
}

const ACTORS: [&str; 2] = ["marie", "paul"];

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("fiches.db");
        let mut s = Store::open(&db).unwrap();
        s.set_outbox_settings(&OutboxSettings {
            acknowledge: true,
            own_addresses: vec!["rencontres@cuf.example".into()],
        })
        .unwrap();
        let mut numbers = Vec::new();
        for i in 0..N {
            let out = s.ingest(&message(i, 0)).unwrap();
            let fiches::store::IngestOutcome::Stored { proposals, .. } = out else {
                panic!("{out:?}")
            };
            numbers.push(s.proposal(proposals[0]).unwrap().number);
        }
        let rules = rules();
        let mut o = Options::fixed("console", console_support::now(), (120, 40));
        o.layout = rules.layout.clone();
        o.members = rules.members.clone();
        let console = Session::open(Store::open(&db).unwrap(), o).unwrap();
        let letters = Letters::load(
            &console_support::repo().join("letters"),
            EventInfo::from(&console_support::config().event),
        )
        .unwrap();
        World {
            stores: [s, Store::open(&db).unwrap()],
            _dir: dir,
            db,
            rules,
            seen: Default::default(),
            numbers,
            stacks: HashMap::new(),
            console,
            letters,
            resubmissions: [0; N],
            next_done: 0,
        }
    }

    fn states(&self) -> HashMap<i64, State> {
        self.stores[0]
            .list_proposals(&ProposalFilter {
                live_only: true,
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|p| (p.number, (p.status, p.slot, p.space, p.reason, p.rank)))
            .collect()
    }

    /// The waiting list of each kind, in order, from `states`.
    fn orders(&self, states: &HashMap<i64, State>) -> HashMap<Kind, Vec<i64>> {
        let mut out: HashMap<Kind, Vec<(i64, i64)>> = HashMap::new();
        for (n, st) in states {
            if st.0 == Status::Waitlisted {
                out.entry(self.kind_of_number(*n))
                    .or_default()
                    .push((st.4.unwrap_or(0), *n));
            }
        }
        out.into_iter()
            .map(|(k, mut v)| {
                v.sort();
                (k, v.into_iter().map(|(_, n)| n).collect())
            })
            .collect()
    }

    fn kind_of_number(&self, n: i64) -> Kind {
        kind_of(self.numbers.iter().position(|x| *x == n).unwrap())
    }

    fn version(&mut self, who: usize, n: i64) -> Option<i64> {
        if let Some(v) = self.seen[who].get(&n) {
            return Some(*v);
        }
        let v = self.stores[who].proposal_by_number(n).unwrap().version;
        self.seen[who].insert(n, v);
        Some(v)
    }

    fn saw(&mut self, who: usize, p: &fiches::store::Proposal) {
        self.seen[who].insert(p.number, p.version);
    }

    /// Runs one change; on success records what an undo must restore.
    fn change(
        &mut self,
        who: usize,
        group: Vec<i64>,
        f: impl FnOnce(
            &mut Store,
            &mut [HashMap<i64, i64>; 2],
        ) -> Result<Vec<fiches::store::Proposal>, StoreError>,
    ) {
        let before = self.states();
        let r = f(&mut self.stores[who], &mut self.seen);
        match r {
            Ok(changed) => {
                let nums: Vec<i64> = if group.is_empty() {
                    changed.iter().map(|p| p.number).collect()
                } else {
                    group
                };
                for p in &changed {
                    self.saw(who, p);
                }
                self.next_done += 1;
                let orders = self.orders(&before);
                let neighbours = nums
                    .iter()
                    .filter_map(|n| {
                        let list = orders.get(&self.kind_of_number(*n))?;
                        let i = list.iter().position(|x| x == n)?;
                        let prev = i.checked_sub(1).map(|j| list[j]);
                        Some((*n, (prev, list.get(i + 1).copied())))
                    })
                    .collect();
                let done = Done {
                    id: self.next_done,
                    actor: ACTORS[who],
                    group: nums.clone(),
                    before: nums.iter().map(|n| (*n, before[n].clone())).collect(),
                    neighbours,
                    orders,
                };
                for n in nums {
                    self.stacks.entry(n).or_default().push(done.clone());
                }
            }
            Err(StoreError::StaleVersion { .. }) => {
                // The session sees the fresh state and goes on.
                self.seen[who].clear();
            }
            Err(StoreError::Rule(_)) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    fn apply(&mut self, op: &Op) {
        let n = |i: usize| self.numbers[i];
        let rules = self.rules.clone();
        match op.clone() {
            Op::Accept {
                who,
                i,
                slot,
                place,
            } => {
                let (num, v) = (n(i), self.version(who, n(i)));
                let d = Decision::Accept {
                    slot: SLOTS[slot].into(),
                    place: if kind_of(i) == Kind::MicroAtelier {
                        PLACES[place]
                    } else {
                        TABLES[place]
                    }
                    .into(),
                };
                let d = match kind_of(i) {
                    Kind::BourseProjets => Decision::Accept {
                        slot: ["12:45", "13:15"][slot].into(),
                        place: TABLES[place].into(),
                    },
                    _ => d,
                };
                self.change(who, vec![], |s, _| {
                    s.decide(num, v, &d, &rules, ACTORS[who])
                        .map(|d| vec![d.proposal])
                });
            }
            Op::AcceptDefault { who, i } => {
                let (num, v) = (n(i), self.version(who, n(i)));
                self.change(who, vec![], |s, _| {
                    s.accept(num, v, None, None, &rules, ACTORS[who])
                        .map(|d| vec![d.proposal])
                });
            }
            Op::Waitlist { who, i } => self.simple(who, n(i), Decision::Waitlist),
            Op::Refuse { who, i, reason } => self.simple(
                who,
                n(i),
                Decision::Reject {
                    reason: ["hors sujet", "complet"][reason].into(),
                },
            ),
            Op::Withdraw { who, i } => self.simple(who, n(i), Decision::Withdraw),
            Op::Pending { who, i } => self.simple(who, n(i), Decision::Pending),
            Op::Move {
                who,
                i,
                slot,
                place,
            } => {
                let (num, v) = (n(i), self.version(who, n(i)));
                let to = match kind_of(i) {
                    Kind::MicroAtelier => Place {
                        slot: SLOTS[slot].into(),
                        place: PLACES[place].into(),
                    },
                    _ => Place {
                        slot: ["12:45", "13:15"][slot].into(),
                        place: TABLES[place].into(),
                    },
                };
                self.change(who, vec![], |s, _| {
                    s.move_to(num, v, &to, &rules, ACTORS[who])
                        .map(|d| vec![d.proposal])
                });
            }
            Op::Swap { who, i, j } => {
                let (a, b) = (n(i), n(j));
                let (va, vb) = (self.version(who, a), self.version(who, b));
                let group = if a == b { vec![a] } else { vec![a, b] };
                self.change(who, group, |s, _| {
                    s.swap(a, b, (va, vb), &rules, ACTORS[who])
                        .map(|(x, y)| vec![x.proposal, y.proposal])
                });
            }
            Op::Step { who, i, up } => {
                let (num, v) = (n(i), self.version(who, n(i)));
                self.change(who, vec![], |s, _| {
                    s.waitlist_step(num, v, up, &rules, ACTORS[who])
                        .map(|d| vec![d.proposal])
                });
            }
            Op::Undo { who, i } => self.undo(who, n(i)),
            Op::Resubmit { i } => {
                self.resubmissions[i] += 1;
                let before = self.states();
                self.stores[0]
                    .ingest(&message(i, self.resubmissions[i]))
                    .unwrap();
                let after = self.states();
                assert_eq!(
                    before[&n(i)].0,
                    after[&n(i)].0,
                    "a resubmission carries the decision over"
                );
                assert_eq!(before.len(), after.len(), "numbers never change");
            }
            Op::Suggest { who } => {
                let sug = self.stores[who].suggestion(&rules).unwrap();
                let group: Vec<i64> = sug.changes.iter().map(|c| c.number).collect();
                if group.is_empty() {
                    return;
                }
                self.change(who, group.clone(), |s, _| {
                    s.apply_suggestion(&sug, &rules, ACTORS[who])?;
                    group.iter().map(|n| s.proposal_by_number(*n)).collect()
                });
            }
            Op::Look { who } => self.seen[who].clear(),
            Op::EditLetter { who, i } => self.edit_letter(who, n(i)),
            Op::TakeBack { who, i } => {
                for l in self.letters_of(n(i), &[LetterState::Review]) {
                    match self.stores[who].take_back_letter(l.id, l.version, ACTORS[who]) {
                        Ok(())
                        | Err(
                            StoreError::LetterUntrue { .. }
                            | StoreError::StaleLetter { .. }
                            | StoreError::LetterState { .. },
                        ) => {}
                        Err(e) => panic!("take back {}: {e}", l.id),
                    }
                }
            }
            Op::Send { i } => {
                for l in self.letters_of(n(i), &[LetterState::Pending]) {
                    let s = &mut self.stores[0];
                    s.approve_letters(Approve::These(&[(l.id, None)]), "marie")
                        .unwrap();
                    let claim = Claim {
                        message_id: &format!("l{}@cuf.example", l.id),
                        to: "contact@ville.example",
                        cc: "",
                        subject: "s",
                        body: "b",
                        bytes: b"x",
                    };
                    if s.claim_letter(l.id, &claim).unwrap() {
                        s.letter_sent(l.id, "250 ok", None).unwrap();
                    }
                }
            }
        }
    }

    /// The letters of a proposal (its chain) in these states.
    fn letters_of(&self, number: i64, states: &[LetterState]) -> Vec<fiches::store::LetterRecord> {
        let p = self.stores[0].proposal_by_number(number).unwrap();
        self.stores[0]
            .letters(&LetterFilter {
                states: states.to_vec(),
                proposal: Some(p.id),
                ..Default::default()
            })
            .unwrap()
    }

    /// Staff rewrite an unsent letter from its text as shown (the rank of
    /// that moment included), adding a line of their own.
    fn edit_letter(&mut self, who: usize, number: i64) {
        for l in self.letters_of(number, &[LetterState::Pending, LetterState::Failed]) {
            let shown_rank = l.proposal.as_ref().and_then(|p| p.rank);
            let d = fiches::outbox::draft(&self.letters, l.clone());
            let edit = LetterEdit {
                body: Some(format!("{}Relu par l'équipe.\n", d.body)),
                ..Default::default()
            };
            match self.stores[who].edit_letter_as_shown(
                l.id,
                l.version,
                &edit,
                shown_rank,
                ACTORS[who],
            ) {
                Ok(_) | Err(StoreError::StaleLetter { .. } | StoreError::LetterState { .. }) => {}
                Err(e) => panic!("edit {}: {e}", l.id),
            }
        }
    }

    fn simple(&mut self, who: usize, num: i64, d: Decision) {
        let v = self.version(who, num);
        let rules = self.rules.clone();
        self.change(who, vec![], |s, _| {
            s.decide(num, v, &d, &rules, ACTORS[who])
                .map(|d| vec![d.proposal])
        });
    }

    fn undo(&mut self, who: usize, num: i64) {
        let before = self.states();
        let top = self.stacks.get(&num).and_then(|s| s.last()).cloned();
        let r = self.stores[who].undo(num, None, &self.rules, ACTORS[who]);
        let Some(top) = top else {
            assert!(
                matches!(r, Err(StoreError::UndoRefused(_))),
                "nothing to undo: {r:?}"
            );
            return;
        };
        if top.actor != ACTORS[who] {
            assert!(
                matches!(&r, Err(StoreError::UndoRefused(m)) if m.contains(top.actor)),
                "someone else's change: {r:?}"
            );
            return;
        }
        let step_on_top = top
            .group
            .iter()
            .all(|n| self.stacks.get(n).and_then(|s| s.last()).map(|d| d.id) == Some(top.id));
        if !step_on_top {
            // A proposal changed in the same step was changed again since.
            assert!(
                matches!(&r, Err(StoreError::UndoRefused(m)) if m.contains("modifiée depuis")),
                "{r:?}"
            );
            return;
        }
        match r {
            Ok(done) => {
                let mut changed: Vec<i64> = done.proposals.iter().map(|p| p.number).collect();
                changed.sort();
                let mut expected = top.group.clone();
                expected.sort();
                expected.dedup();
                assert_eq!(
                    changed, expected,
                    "an undo takes back its whole step, nothing else"
                );
                let after = self.states();
                for (n, st) in &after {
                    if let Some(b) = top.before.get(n) {
                        // Exactly the state before (the rank: when the
                        // others waiting are where they were).
                        assert_eq!(
                            (&st.0, &st.1, &st.2, &st.3),
                            (&b.0, &b.1, &b.2, &b.3),
                            "undo of n° {n}"
                        );
                        if b.0 == Status::Waitlisted {
                            let kind = self.kind_of_number(*n);
                            let orders = self.orders(&after);
                            let list = &orders[&kind];
                            let others = |l: &[i64]| -> Vec<i64> {
                                l.iter()
                                    .copied()
                                    .filter(|x| !top.group.contains(x))
                                    .collect()
                            };
                            let then = top.orders.get(&kind).cloned().unwrap_or_default();
                            if others(list) == others(&then) {
                                // The others are those of then, in that
                                // order: exactly the rank it had.
                                assert_eq!(st.4, b.4, "rank of n° {n} after undo");
                            }
                            // Back between its old neighbours: right after
                            // the one ahead of it if still waiting (first if
                            // it was first), else right before the one
                            // behind (last if it was last).
                            let at = |x: i64| list.iter().position(|y| *y == x);
                            let me = at(*n).unwrap();
                            match top.neighbours.get(n).copied().unwrap_or_default() {
                                (None, _) => assert_eq!(me, 0, "n° {n} was first: {list:?}"),
                                (Some(p), _) if at(p).is_some() => assert_eq!(
                                    me,
                                    at(p).unwrap() + 1,
                                    "n° {n} back right after n° {p}: {list:?}"
                                ),
                                (_, Some(q)) if at(q).is_some() => assert_eq!(
                                    me + 1,
                                    at(q).unwrap(),
                                    "n° {n} back right before n° {q}: {list:?}"
                                ),
                                (_, None) => {
                                    assert_eq!(me + 1, list.len(), "n° {n} was last: {list:?}")
                                }
                                _ => {}
                            }
                        }
                    } else {
                        let b = &before[n];
                        assert_eq!(
                            (&st.0, &st.1, &st.2, &st.3),
                            (&b.0, &b.1, &b.2, &b.3),
                            "undo never touches another proposal (n° {n})"
                        );
                    }
                }
                for n in &top.group {
                    if let Some(s) = self.stacks.get_mut(n) {
                        s.pop();
                    }
                }
                for p in &done.proposals {
                    self.saw(who, p);
                }
            }
            // The place was taken since: refused, saying what to do.
            Err(StoreError::UndoRefused(m)) if m.contains("ne peut pas retrouver sa place") => {
                assert!(m.contains("libérer cette place"), "{m}");
            }
            Err(e) => panic!("undo n° {num}: {e}"),
        }
    }

    /// Every check of the module doc.
    fn check(&mut self) {
        let states = self.states();
        // Numbers never change.
        let mut nums: Vec<i64> = states.keys().copied().collect();
        nums.sort();
        let mut expected = self.numbers.clone();
        expected.sort();
        assert_eq!(nums, expected, "numbers never change");
        // No place held twice.
        let mut places = std::collections::BTreeSet::new();
        for (n, s) in &states {
            if s.0 == Status::Accepted {
                let k = (
                    kind_of(self.numbers.iter().position(|x| x == n).unwrap()),
                    s.1.clone(),
                    s.2.clone(),
                );
                assert!(
                    s.1.is_some() && s.2.is_some(),
                    "n° {n} accepted without a place"
                );
                assert!(places.insert(format!("{k:?}")), "place held twice: {k:?}");
            }
        }
        // The truth: ranks from the store's programme.
        let prog = programme_json(&self.stores[0], &self.rules).unwrap();
        let mut truth: HashMap<i64, i64> = HashMap::new();
        for kind in Kind::all() {
            let list = prog[kind.key()]["waitlist"].as_array().unwrap();
            for (i, w) in list.iter().enumerate() {
                assert_eq!(w["rank"].as_i64(), Some(i as i64 + 1), "ranks are 1..n");
                truth.insert(w["number"].as_i64().unwrap(), w["rank"].as_i64().unwrap());
            }
            let cells = prog[kind.key()]["cells"].as_array().unwrap();
            let held: Vec<i64> = cells.iter().filter_map(|c| c["number"].as_i64()).collect();
            let mut d = held.clone();
            d.sort();
            d.dedup();
            assert_eq!(d.len(), held.len(), "one place per proposal in the grid");
        }
        // `fiches proposals --json`.
        for p in self.stores[0]
            .list_proposals(&ProposalFilter {
                live_only: true,
                ..Default::default()
            })
            .unwrap()
        {
            let j = proposal_json(&p);
            assert_eq!(
                j["rank"].as_i64(),
                truth.get(&p.number).copied(),
                "proposals --json n° {}",
                p.number
            );
            assert_eq!(j["number"].as_i64(), Some(p.number));
        }
        // The console's rows.
        self.console.refresh(false);
        let console: HashMap<i64, i64> = self
            .console
            .app
            .programme()
            .ranks
            .iter()
            .map(|(id, r)| (self.console.app.number_of(*id), *r as i64))
            .collect();
        assert_eq!(console, truth, "console ranks");
        // The staff workbook.
        let members = self.rules.members.clone();
        let entries = fiches::commands::publish::entries(&self.stores[0], &members).unwrap();
        let snap = Snapshot::build(
            &entries,
            &self.rules.layout,
            &Event::spec_default(),
            "2018-06-01T10:00:00+02:00",
        );
        let bytes = xlsx::staff(&snap, &entries, Edition::Draft).unwrap();
        let mut x: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        // A draft opens on its "Document de travail" sheet.
        let sheet = x.worksheet_range("Propositions").unwrap();
        let mut workbook = HashMap::new();
        for row in sheet.rows().skip(1) {
            if let (Some(Data::Float(n)), Some(Data::Float(r))) = (row.first(), row.get(5)) {
                workbook.insert(*n as i64, *r as i64);
            }
        }
        assert_eq!(workbook, truth, "staff workbook ranks");
        // The text of every letter that would be sent now.
        let drafts = fiches::outbox::drafts(
            &self.stores[0],
            &self.letters,
            &LetterFilter {
                states: vec![LetterState::Pending, LetterState::Failed],
                ..Default::default()
            },
        )
        .unwrap();
        for d in drafts {
            let n = d
                .record
                .proposal
                .as_ref()
                .map(|p| p.number)
                .unwrap_or_default();
            let st = &states[&n];
            match d.record.kind {
                LetterKind::Waitlisted => {
                    assert_eq!(st.0, Status::Waitlisted, "letter {} of n° {n}", d.record.id);
                    let r = truth[&n] as usize;
                    let flat = d.body.split_whitespace().collect::<Vec<_>>().join(" ");
                    let ordinal = if r == 1 {
                        "1re".to_string()
                    } else {
                        format!("{r}e")
                    };
                    assert!(
                        flat.contains(&format!("occupe actuellement la {ordinal} place")),
                        "letter of n° {n} says its rank {r}: {}",
                        d.body
                    );
                }
                LetterKind::Accepted | LetterKind::SlotChanged => {
                    assert_eq!(st.0, Status::Accepted, "letter {} of n° {n}", d.record.id);
                    assert_eq!(
                        (&d.record.params.slot, &d.record.params.space),
                        (&st.1, &st.2)
                    );
                }
                LetterKind::Rejected => {
                    assert_eq!(st.0, Status::Rejected);
                    assert_eq!(d.record.params.reason, st.3, "reason of n° {n}");
                }
                LetterKind::Cancellation => assert_ne!(st.0, Status::Accepted),
                LetterKind::Acknowledgement => assert_eq!(
                    st.0,
                    Status::Pending,
                    "an acknowledgement of n° {n} would promise a decision to come"
                ),
                LetterKind::DocxRequest => panic!("no decision queues a demande de .docx"),
            }
            assert!(
                !d.body.contains("la  place") && !d.body.contains("la\nplace"),
                "never a rank-less waiting-list sentence"
            );
            assert!(
                d.problems.is_empty(),
                "letter {} of n° {n} held: {:?}",
                d.record.id,
                d.problems
            );
        }
        self.check_letters(&states);
    }

    /// Every live proposal has exactly the letter its state calls for.
    fn check_letters(&self, states: &HashMap<i64, State>) {
        let all = self.stores[0].letters(&LetterFilter::default()).unwrap();
        for (n, st) in states {
            let mine: Vec<_> = all
                .iter()
                .filter(|l| l.proposal.as_ref().map(|p| p.number).unwrap_or_default() == *n)
                .collect();
            let unsent = |decision: bool| -> Vec<_> {
                mine.iter()
                    .filter(|l| {
                        matches!(l.state, LetterState::Pending | LetterState::Failed)
                            && l.kind.is_decision() == decision
                    })
                    .collect()
            };
            let (decisions, acks) = (unsent(true), unsent(false));
            let told = mine
                .iter()
                .filter(|l| l.state == LetterState::Sent && l.kind.is_decision())
                .max_by_key(|l| l.id);
            let ack_went = mine
                .iter()
                .any(|l| l.state == LetterState::Sent && !l.kind.is_decision());
            // A cancellation that said "back on the waiting list" told them
            // they wait; one that said "to decide" or "withdrawn" left no
            // decision in force; one with a refusal counts as a refusal.
            let told_rule = told.and_then(|l| match (l.kind, l.params.status) {
                (LetterKind::Cancellation, Some(Status::Waitlisted)) => {
                    Some((LetterKind::Waitlisted, &None, &None))
                }
                (LetterKind::Cancellation, Some(Status::Pending | Status::Withdrawn)) => None,
                (k, _) => Some((k, &l.params.slot, &l.params.space)),
            });
            let want = model_letter(st, told_rule);
            let ctx = format!("n° {n} {st:?}, told {:?}: {mine:#?}", told.map(|l| l.kind));
            assert!(decisions.len() <= 1, "one decision letter at most: {ctx}");
            assert!(acks.len() <= 1, "one acknowledgement at most: {ctx}");
            assert!(
                decisions.is_empty() || acks.is_empty(),
                "never an acknowledgement beside a decision letter: {ctx}"
            );
            match want {
                Some(kind) => assert_eq!(
                    decisions.first().map(|l| l.kind),
                    Some(kind),
                    "the letter the state calls for: {ctx}"
                ),
                None => {
                    assert!(decisions.is_empty(), "no decision letter to send: {ctx}");
                    if st.0 != Status::Pending {
                        assert!(acks.is_empty(), "no acknowledgement once decided: {ctx}");
                    } else if told.is_none() && !ack_went {
                        assert_eq!(
                            acks.len(),
                            1,
                            "to decide, nothing sent: the acknowledgement is to send: {ctx}"
                        );
                    }
                }
            }
        }
    }
}

/// The decision letter a state calls for, given the last decision letter
/// sent (kind, slot, place) — the rule of the letters' README, written again.
fn model_letter(
    st: &State,
    told: Option<(LetterKind, &Option<String>, &Option<String>)>,
) -> Option<LetterKind> {
    let told_accepted = matches!(
        told,
        Some((LetterKind::Accepted | LetterKind::SlotChanged, ..))
    );
    match st.0 {
        Status::Accepted => match told {
            Some((_, slot, space)) if told_accepted => {
                (slot != &st.1 || space != &st.2).then_some(LetterKind::SlotChanged)
            }
            _ => Some(LetterKind::Accepted),
        },
        _ if told_accepted => Some(LetterKind::Cancellation),
        Status::Waitlisted => {
            (!matches!(told, Some((LetterKind::Waitlisted, ..)))).then_some(LetterKind::Waitlisted)
        }
        Status::Rejected => (!matches!(
            told,
            Some((LetterKind::Rejected | LetterKind::Cancellation, ..))
        ))
        .then_some(LetterKind::Rejected),
        Status::Pending | Status::Withdrawn => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        // The saved failures (`programme_truth.proptest-regressions`, beside
        // this file) are replayed first, and a new one is saved there.
        // (Named in full: beside a `main.rs`, proptest's `SourceParallel`
        // would look in `tests/proptest-regressions/` instead.)
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "tests/it/programme_truth.proptest-regressions",
            ),
        )),
        .. ProptestConfig::default()
    })]

    #[test]
    fn one_truth_after_every_step(ops in proptest::collection::vec(op(), 1..50)) {
        let mut w = World::new();
        w.check();
        for op in &ops {
            w.apply(op);
            w.check();
        }
        let _ = &w.db;
    }
}
