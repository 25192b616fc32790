//! The console's state: which screen, what is selected, what was loaded
//! for the detail panes, the text being typed, the notice on the message
//! line, the decisions this session can undo. Plain data: `update` changes
//! it, the views read it, `run` fills it from the store. The programme
//! grid (who holds which place, the waiting lists) is derived from the rows
//! once per change and cached.

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::format::Zone;
use super::rows::{Listing, Row};
use super::theme::Theme;
use crate::domain::suggest::Suggestion;
use crate::domain::{Candidate, Place, Rules, Status, demand, grid};
use crate::fiche::{Kind, Value};
use crate::intake::MessageView;
use crate::store::console::TriageMessage;
use crate::store::courrier::{CourrierFilter, CourrierRow, LinkedMessage, MessageLink};
use crate::store::{JournalEntry, LetterState, MessageRecord, Proposal};

/// The screens, each one key away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
    #[default]
    Propositions,
    Decider,
    Programme,
    Triage,
    Corriger,
    Envoi,
    /// Every message stored, whatever became of it.
    Courrier,
}

impl Screen {
    pub const ALL: [Screen; 7] = [
        Screen::Propositions,
        Screen::Decider,
        Screen::Programme,
        Screen::Triage,
        Screen::Corriger,
        Screen::Envoi,
        Screen::Courrier,
    ];

    pub fn index(self) -> usize {
        Screen::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// Which pane of a list screen the keys move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    List,
    Detail,
}

/// A line of text being typed, with its cursor (in characters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    pub text: String,
    pub cursor: usize,
}

impl TextInput {
    pub fn new(text: &str) -> TextInput {
        TextInput {
            text: text.to_string(),
            cursor: text.chars().count(),
        }
    }

    fn byte(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map_or(self.text.len(), |(b, _)| b)
    }

    pub fn insert(&mut self, c: char) {
        let b = self.byte(self.cursor);
        self.text.insert(b, c);
        self.cursor += 1;
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let b = self.byte(self.cursor);
            self.text.remove(b);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.text.chars().count() {
            let b = self.byte(self.cursor);
            self.text.remove(b);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.text.chars().count());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.text.chars().count();
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    /// Deletes the word before the cursor (Ctrl-W).
    pub fn delete_word(&mut self) {
        let chars: Vec<char> = self.text.chars().collect();
        let mut i = self.cursor;
        while i > 0 && chars[i - 1].is_whitespace() {
            i -= 1;
        }
        while i > 0 && !chars[i - 1].is_whitespace() {
            i -= 1;
        }
        let (a, b) = (self.byte(i), self.byte(self.cursor));
        self.text.replace_range(a..b, "");
        self.cursor = i;
    }

    /// The text before the cursor (to place the terminal cursor).
    pub fn before_cursor(&self) -> &str {
        &self.text[..self.byte(self.cursor)]
    }
}

/// A proposal as it was shown when a question about it was opened (a
/// reason to type, a value to choose, a place to drop it on): what is
/// done on the answer is checked against that version, whatever was
/// refreshed meanwhile — a colleague's change in between is a conflict,
/// never silently overwritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seen {
    /// Row id (storage id of the live revision shown).
    pub id: i64,
    pub number: i64,
    pub version: i64,
}

/// What the text being typed is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputPurpose {
    Search,
    /// The reason of a refusal of the proposal seen.
    RejectReason(Seen),
    /// A field of the proposal seen (`None`: of the fiche being entered).
    Field {
        key: &'static str,
        seen: Option<Seen>,
    },
    /// The acting user's note on the proposal seen.
    Note(Seen),
    /// The one reason of a refusal of the marked proposals.
    BulkReason,
    /// The folder to save attachment `number` in.
    SaveDir {
        number: i64,
    },
    /// Courrier: the sender or subject searched for.
    CourrierSearch,
    /// The number of the proposal to link a message to.
    LinkNumber {
        message_id: i64,
    },
    /// The number of the proposal to unlink a message from (it has several).
    UnlinkNumber {
        message_id: i64,
        links: Vec<i64>,
    },
}

/// A choice among options (a choice field's values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// The proposal seen (`None`: the fiche being entered).
    pub seen: Option<Seen>,
    pub key: &'static str,
    /// The field's label on the form.
    pub label: &'static str,
    pub options: Vec<(String, Option<Value>)>,
    pub cursor: usize,
}

/// A window over the screen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Overlay {
    #[default]
    None,
    Help {
        scroll: u16,
    },
    Filters {
        cursor: usize,
    },
    /// "m or b": the kind of the fiche to enter for a message.
    KindChoice {
        message_id: i64,
    },
    Picker(Picker),
    /// A yes/no question before something that cannot be taken back.
    Confirm(Confirm),
    /// The programme suggestion's draft: what would move, who would be
    /// waitlisted; applied on confirmation.
    Suggestion {
        scroll: u16,
    },
    /// "Brouillon non enregistré": save, abandon or stay, before `then`.
    DraftLeave {
        then: super::action::Action,
    },
    /// A draft left by an earlier console of this user (`App::recovered`).
    DraftFound,
    /// Two revisions of the selected proposal compared, field by field
    /// (indices into `Detail::revisions`, `from` older than `to`).
    Revisions {
        from: usize,
        to: usize,
        scroll: u16,
    },
    /// What publishing now would publish (`App::publish_preview`).
    Publish {
        scroll: u16,
    },
}

/// What a confirmation is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Drop a letter of the outbox (at the version shown); with
    /// `partners`, the e-mail to the partners of publication `id`.
    DropLetter {
        id: i64,
        version: i64,
        partners: bool,
    },
    /// Send these letters (id, version shown) and e-mails to the partners
    /// (publication, version shown): those of the choice staff made
    /// among `choices` (all, the marked ones, one kind).
    SendBatch {
        letters: Vec<(i64, i64)>,
        partners: Vec<(u32, i64)>,
        choices: Vec<SendChoice>,
        choice: usize,
    },
    /// Withdraw a proposal from the programme grid (number, version shown).
    Withdraw {
        number: i64,
        version: i64,
        organisation: String,
    },
    /// Publish the programme as previewed: publication `number`, counted
    /// from publication `since` (refused if another came meanwhile).
    Publish { number: u32, since: Option<u32> },
    /// Decide the marked proposals, each as planned (`bulk::plan`).
    Bulk(super::bulk::Plan),
    /// Take back the last decision on a proposal (the journal line shown).
    Undo {
        number: i64,
        line: i64,
        /// What will be undone, as shown (several lines).
        text: String,
    },
    /// Link a message to a proposal number (the question names the organisation).
    Link {
        message_id: i64,
        number: i64,
        text: String,
    },
    /// Remove the link between a message and a proposal number.
    Unlink {
        message_id: i64,
        number: i64,
        text: String,
    },
}

/// One of the sets of letters Envoi's send confirmation offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendChoice {
    /// "tout (12)", "marquées (3)", "accusés de réception seulement (8)".
    pub label: String,
    pub letters: Vec<(i64, i64)>,
    pub partners: Vec<(u32, i64)>,
}

/// A letter of the outbox as the Envoi screen shows it (or an e-mail to
/// the partners: then `partners` is set and `id` is its publication).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterRow {
    pub id: i64,
    pub partners: bool,
    pub version: i64,
    pub state: LetterState,
    pub kind: &'static str,
    pub to: String,
    pub cc: String,
    pub subject: String,
    pub body: String,
    /// `None`: a partners' e-mail or a demande de .docx (about a message).
    pub proposal_id: Option<i64>,
    pub proposal_number: Option<i64>,
    pub organisation: String,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub problems: Vec<String>,
    /// Why staff must confirm the recipient first (`v`).
    pub hold: Option<String>,
}

/// The Envoi screen's state.
#[derive(Debug, Clone, Default)]
pub struct Envoi {
    pub letters: Vec<LetterRow>,
    /// À envoyer, envoyée, incertaine, en échec.
    pub counts: [u64; 4],
    pub selected: usize,
    pub offset: usize,
    pub scroll: u16,
    /// Loaded at least once.
    pub loaded: bool,
    /// `[smtp]` is configured.
    pub smtp: bool,
    /// A batch is going out on the sending thread: (done, total).
    pub sending: Option<(usize, usize)>,
    /// Quitting during a send was warned about once.
    pub quit_warned: bool,
    /// Letters marked (Space) to send only those: (id, partners).
    pub marks: std::collections::BTreeSet<(i64, bool)>,
}

impl Envoi {
    pub fn current(&self) -> Option<&LetterRow> {
        self.letters.get(self.selected)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Ok,
    Warn,
    Error,
}

/// The message line's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub level: Level,
}

/// A change this session made. `u` undoes the last decision of the
/// proposal under the cursor (asked first); on an empty cell of the
/// programme, the change of this session that emptied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoEntry {
    pub number: i64,
    /// Its journal line.
    pub line: i64,
    /// The place it left, if it left one.
    pub freed: Option<Place>,
}

/// Everything shown about the selected proposal.
#[derive(Debug, Clone)]
pub struct Detail {
    pub id: i64,
    pub proposal: Proposal,
    pub revisions: Vec<Proposal>,
    /// When each revision's mail was sent (its Date, else its receipt).
    pub revision_dates: Vec<Option<String>>,
    pub journal: Vec<JournalEntry>,
    pub message: Option<MessageRecord>,
    pub view: Option<MessageView>,
    /// Everyone's notes and opinions (by proposal number).
    pub notes: Vec<crate::store::notes::Note>,
    /// Messages staff linked to this proposal (Courrier, À traiter: L).
    pub linked: Vec<LinkedMessage>,
}

/// The Courrier screen's state: a window of the messages of the filter,
/// newest first, loaded a page at a time as the selection goes down.
#[derive(Debug, Clone, Default)]
pub struct Courrier {
    pub rows: Vec<CourrierRow>,
    /// Messages of the filter and search, in all (at least, when `more`).
    pub total: u64,
    /// The count stopped at its cap: there are more than `total`.
    pub more: bool,
    /// Every row of the filter is loaded.
    pub end: bool,
    pub loaded: bool,
    pub filter: CourrierFilter,
    pub query: String,
    pub selected: usize,
    pub offset: usize,
    /// The selected message is shown in full (Entrée); Échap goes back.
    pub full: bool,
    pub scroll: u16,
    pub detail: Option<CourrierDetail>,
}

impl Courrier {
    pub fn current(&self) -> Option<&CourrierRow> {
        self.rows.get(self.selected)
    }
}

/// A message of Courrier shown in full.
#[derive(Debug, Clone)]
pub struct CourrierDetail {
    pub id: i64,
    pub record: MessageRecord,
    pub view: MessageView,
    pub links: Vec<MessageLink>,
}

/// Everything shown about the selected message of "À traiter".
#[derive(Debug, Clone)]
pub struct TriageDetail {
    pub id: i64,
    pub record: MessageRecord,
    pub view: MessageView,
}

/// Where an attachment's text stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextState {
    /// Being converted (by the program named), on a thread of its own.
    Converting(&'static str),
    Ready(crate::convert::AttachmentText),
    /// Why not, in French, with what to do.
    Failed(String),
}

/// The text of an attachment, shown in À traiter in place of the message
/// and beside a fiche entered by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentText {
    /// The attachment's number (`attachments.id`, "PJ n").
    pub number: i64,
    pub message_id: i64,
    /// The sender's file name, terminal-safe.
    pub name: String,
    pub state: TextState,
}

/// A fiche being entered by hand from a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub message_id: i64,
    pub kind: Kind,
    pub fields: BTreeMap<String, Value>,
    /// Saving with required fields missing was asked once already.
    pub confirm_missing: bool,
}

/// The programme of one kind, derived from the rows by the domain's
/// `grid` (the same function the store, the CLI and the letters use), with
/// row ids in place of numbers.
#[derive(Debug, Clone, Default)]
pub struct KindProgramme {
    pub slots: Vec<String>,
    pub places: Vec<String>,
    /// Holder of each place, slot-major (`slot * places.len() + place`).
    pub cells: Vec<Option<i64>>,
    /// Per wanted slot ("any" apart): live proposals pending, accepted or waiting.
    pub demand: BTreeMap<String, usize>,
    /// The waiting list in its order: (id, rank).
    pub waitlist: Vec<(i64, usize)>,
    /// Per place (like `cells`), for a free one: whom the waiting list
    /// offers it to — the first who wants that slot, else the first waiting.
    pub suggestion: Vec<Option<i64>>,
    /// Live proposals by status (`Status::ALL` order).
    pub by_status: [usize; 5],
}

impl KindProgramme {
    pub fn free(&self) -> usize {
        self.cells.iter().filter(|c| c.is_none()).count()
    }
}

/// Both grids and the candidates the rules were given.
#[derive(Debug, Clone, Default)]
pub struct Programme {
    /// One per kind, in the definition's order.
    pub kinds: Vec<KindProgramme>,
    /// The accepted and waiting proposals (what places and waiting lists
    /// depend on; a decision on another one adds it).
    pub candidates: Vec<Candidate>,
    /// Waiting-list rank by row id.
    pub ranks: HashMap<i64, usize>,
}

impl Programme {
    pub fn of(&self, kind: Kind) -> &KindProgramme {
        static EMPTY: std::sync::OnceLock<KindProgramme> = std::sync::OnceLock::new();
        self.kinds
            .get(kind.index())
            .unwrap_or_else(|| EMPTY.get_or_init(KindProgramme::default))
    }

    fn build(rules: &Rules, listing: &Listing) -> Programme {
        let rows = listing.rows();
        // Places and waiting lists only depend on the accepted and waiting
        // proposals: the rules are given those (few, whatever the total).
        let candidates: Vec<Candidate> = rows
            .iter()
            .filter(|r| matches!(r.status, Status::Accepted | Status::Waitlisted))
            .map(Row::candidate)
            .collect();
        let ids: HashMap<i64, i64> = candidates.iter().map(|c| (c.number, c.id)).collect();
        let id = |n: i64| ids.get(&n).copied().unwrap_or(n);
        // Demand counts every live proposal; `demand` adds up, so it is
        // asked chunk by chunk (memory stays flat).
        let kinds = Kind::all();
        let mut demands: Vec<BTreeMap<String, usize>> = vec![BTreeMap::new(); kinds.len()];
        let mut counts = vec![[0usize; 5]; kinds.len()];
        for chunk in rows.chunks(4096) {
            let cs: Vec<Candidate> = chunk.iter().map(Row::candidate).collect();
            for (ki, kind) in kinds.iter().copied().enumerate() {
                for (slot, n) in demand(kind, &cs) {
                    *demands[ki].entry(slot).or_insert(0) += n;
                }
            }
            for r in chunk {
                if let Some(ki) = kinds.iter().position(|k| Some(*k) == r.kind) {
                    let si = Status::ALL.iter().position(|s| *s == r.status).unwrap_or(0);
                    counts[ki][si] += 1;
                }
            }
        }
        let mut ranks = HashMap::new();
        let mut kind_prog = |ki: usize, kind: Kind| {
            let g = grid(&rules.layout, kind, &candidates);
            let waitlist: Vec<(i64, usize)> =
                g.waitlist.iter().map(|(n, r)| (id(*n), *r)).collect();
            ranks.extend(waitlist.iter().copied());
            KindProgramme {
                cells: g.cells.iter().map(|c| c.map(id)).collect(),
                suggestion: g.offers.iter().map(|c| c.map(id)).collect(),
                slots: g.slots,
                places: g.places,
                demand: std::mem::take(&mut demands[ki]),
                waitlist,
                by_status: counts[ki],
            }
        };
        let kinds = kinds
            .iter()
            .enumerate()
            .map(|(ki, kind)| kind_prog(ki, *kind))
            .collect();
        Programme {
            kinds,
            candidates,
            ranks,
        }
    }
}

/// How the screen is split, from the terminal size; the views and the
/// scrolling agree on it.
pub fn body_height(size: (u16, u16)) -> u16 {
    size.1.saturating_sub(3)
}

/// (list height incl. header, detail height) of a list-over-detail screen
/// whose body is `body` lines high, one line being the search bar.
pub fn list_split(body: u16) -> (u16, u16) {
    let rest = body.saturating_sub(1);
    let list = ((u32::from(rest) * 9 + 10) / 20) as u16;
    let list = list.max(3.min(rest));
    (list, rest - list)
}

/// The console's state.
pub struct App {
    pub screen: Screen,
    pub focus: Focus,
    pub overlay: Overlay,
    pub input: Option<(InputPurpose, TextInput)>,
    pub size: (u16, u16),
    /// The clock the views use (fixed in tests).
    pub now: DateTime<Utc>,
    pub user: String,
    pub db_label: String,
    /// The selection rules (grid, members list, lateness setting).
    pub rules: Rules,
    pub zone: Zone,
    pub theme: Theme,
    pub listing: Listing,
    /// Position of the selection among the rows shown, and first row drawn.
    pub selected: usize,
    pub offset: usize,
    pub detail: Option<Detail>,
    pub detail_scroll: u16,
    pub decide_cursor: usize,
    /// The free place staff moved the Décider cursor to: kept under the
    /// cursor when the list of free places changes (someone else's
    /// decision), so that Entrée never accepts another place than the one
    /// chosen.
    pub decide_anchor: Option<Place>,
    pub programme_kind: Kind,
    /// (slot, place) of the programme grid.
    pub programme_cursor: (usize, usize),
    /// A placed proposal picked up on the Programme screen to move (to a
    /// free place) or swap (with another placed one): as seen, and its place.
    pub programme_pick: Option<(Seen, Place)>,
    /// The programme suggestion shown for confirmation.
    pub suggestion: Option<Suggestion>,
    pub triage: Vec<TriageMessage>,
    pub triage_selected: usize,
    pub triage_offset: usize,
    pub triage_detail: Option<TriageDetail>,
    pub triage_scroll: u16,
    pub correct_cursor: usize,
    pub draft: Option<Draft>,
    /// The last publication: number and date (status line).
    pub last_publication: Option<(u32, Option<DateTime<Utc>>)>,
    /// What `fiches publish` would publish now (the Publier overlay).
    pub publish_preview: Option<crate::service::publication::Preview>,
    /// A draft found at start, offered to take up again.
    pub recovered: Option<super::draft::Recovered>,
    /// À traiter: `d` pressed once on a message that already has a fiche
    /// (asked again before a .docx is requested).
    pub docx_armed: Option<i64>,
    /// The attachment text shown (À traiter, and beside the hand entry).
    pub attachment_text: Option<AttachmentText>,
    /// Its scroll beside the hand entry.
    pub text_scroll: u16,
    /// Narrow terminals: the hand entry shows the text instead of the form.
    pub text_instead: bool,
    pub envoi: Envoi,
    /// Proposals marked (Space) for a decision taken on all of them, by number.
    pub marks: std::collections::BTreeSet<i64>,
    pub courrier: Courrier,
    pub notice: Option<Notice>,
    pub undo: Vec<UndoEntry>,
    /// The daemon, as the status line tells it (`crate::status`).
    pub heartbeat: crate::status::Health,
    /// Post-actions the mail server refuses (how many, why).
    pub post_actions: Option<(u64, String)>,
    pub quit: bool,
    /// Live proposals by status (`Status::ALL` order), for the status line.
    pub status_counts: [usize; 5],
    /// The largest proposal number (width of the number column).
    pub max_id: i64,
    /// Some proposal has a note or an opinion (the list shows their column).
    pub any_notes: bool,
    /// How long a search keystroke may look through rows before the frame
    /// is drawn (the rest is searched between keystrokes); `None`: to the
    /// end at once (tests).
    pub search_budget: Option<std::time::Duration>,
    programme: OnceCell<Programme>,
}

impl App {
    pub fn new(rules: Rules, zone: Zone, theme: Theme) -> App {
        App {
            screen: Screen::default(),
            focus: Focus::default(),
            overlay: Overlay::None,
            input: None,
            size: (80, 24),
            now: Utc::now(),
            user: String::new(),
            db_label: String::new(),
            rules,
            zone,
            theme,
            listing: Listing::default(),
            selected: 0,
            offset: 0,
            detail: None,
            detail_scroll: 0,
            decide_cursor: 0,
            decide_anchor: None,
            programme_kind: Kind::FIRST,
            programme_cursor: (0, 0),
            programme_pick: None,
            suggestion: None,
            triage: Vec::new(),
            triage_selected: 0,
            triage_offset: 0,
            triage_detail: None,
            triage_scroll: 0,
            correct_cursor: 0,
            draft: None,
            last_publication: None,
            publish_preview: None,
            recovered: None,
            docx_armed: None,
            attachment_text: None,
            text_scroll: 0,
            text_instead: false,
            envoi: Envoi::default(),
            marks: Default::default(),
            courrier: Courrier::default(),
            notice: None,
            undo: Vec::new(),
            heartbeat: crate::status::Health::Unknown,
            post_actions: None,
            quit: false,
            status_counts: [0; 5],
            max_id: 0,
            any_notes: false,
            search_budget: None,
            programme: OnceCell::new(),
        }
    }

    /// The selected proposal's row.
    pub fn current(&self) -> Option<&Row> {
        self.listing.visible(self.selected)
    }

    pub fn current_id(&self) -> Option<i64> {
        self.current().map(|r| r.id)
    }

    /// The detail, if it is the selected proposal's.
    pub fn current_detail(&self) -> Option<&Detail> {
        let id = self.current_id()?;
        self.detail.as_ref().filter(|d| d.id == id)
    }

    pub fn current_message(&self) -> Option<&TriageMessage> {
        self.triage.get(self.triage_selected)
    }

    /// The rank `row` has, or would have if waitlisted now.
    pub fn would_rank(&self, row: &Row) -> Option<usize> {
        crate::domain::decision::would_rank(
            &self.rules,
            &row.candidate(),
            &self.programme().candidates,
        )
    }

    /// The free places Décider offers the selected proposal (its wanted
    /// slot first).
    pub fn decide_free(&self) -> Vec<Place> {
        let Some(row) = self.current() else {
            return Vec::new();
        };
        let Some(kind) = row.kind else {
            return Vec::new();
        };
        crate::domain::free_places(
            &self.rules.layout,
            kind,
            row.wanted.as_deref(),
            &self.programme().candidates,
        )
    }

    /// After the rows changed: the Décider cursor stays on the place staff
    /// chose. Returns that place when it is no longer free (taken by
    /// someone else meanwhile): the cursor is then back on the first.
    pub fn reanchor_decide(&mut self) -> Option<Place> {
        let anchor = self.decide_anchor.clone()?;
        match self.decide_free().iter().position(|p| *p == anchor) {
            Some(i) => {
                self.decide_cursor = i;
                None
            }
            None => {
                self.decide_cursor = 0;
                self.decide_anchor = None;
                Some(anchor)
            }
        }
    }

    /// The stable number of a row (what staff and senders know it by).
    pub fn number_of(&self, id: i64) -> i64 {
        self.listing.get(id).map_or(id, |r| r.number)
    }

    /// The programme grids, derived from the rows (cached until they change).
    pub fn programme(&self) -> &Programme {
        self.programme
            .get_or_init(|| Programme::build(&self.rules, &self.listing))
    }

    /// To call whenever rows change: drops what was derived from them.
    pub fn rows_changed(&mut self) {
        self.programme = OnceCell::new();
        self.status_counts = [0; 5];
        self.max_id = 0;
        self.any_notes = false;
        for r in self.listing.rows() {
            self.any_notes |= !r.notes.is_empty();
            let i = Status::ALL.iter().position(|s| *s == r.status).unwrap_or(0);
            self.status_counts[i] += 1;
            self.max_id = self.max_id.max(r.number);
        }
    }

    /// Rows of the proposals table that fit (header excluded).
    pub fn table_page(&self) -> usize {
        let (list, _) = list_split(body_height(self.size));
        usize::from(list.saturating_sub(1)).max(1)
    }

    /// Lines of the detail pane under a list (its title line excluded).
    pub fn detail_page(&self) -> usize {
        let (_, detail) = list_split(body_height(self.size));
        usize::from(detail.saturating_sub(2)).max(1)
    }

    /// Lines of the "À traiter" list that fit (header excluded).
    pub fn triage_page(&self) -> usize {
        self.table_page()
    }

    /// Keeps the selection inside the rows shown and on screen.
    pub fn clamp_selection(&mut self) {
        let n = self.listing.visible_len();
        if n == 0 {
            self.selected = 0;
            self.offset = 0;
            return;
        }
        self.selected = self.selected.min(n - 1);
        let page = self.table_page();
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(n.saturating_sub(page));
    }

    /// Selects a proposal by id if it is shown; returns whether it is.
    pub fn select_id(&mut self, id: i64) -> bool {
        match self.listing.position(id) {
            Some(p) => {
                self.selected = p;
                self.clamp_selection();
                true
            }
            None => false,
        }
    }

    pub fn clamp_triage(&mut self) {
        let n = self.triage.len();
        if n == 0 {
            self.triage_selected = 0;
            self.triage_offset = 0;
            return;
        }
        self.triage_selected = self.triage_selected.min(n - 1);
        let page = self.triage_page();
        if self.triage_selected < self.triage_offset {
            self.triage_offset = self.triage_selected;
        } else if self.triage_selected >= self.triage_offset + page {
            self.triage_offset = self.triage_selected + 1 - page;
        }
    }

    pub fn clamp_envoi(&mut self) {
        let n = self.envoi.letters.len();
        if n == 0 {
            self.envoi.selected = 0;
            self.envoi.offset = 0;
            return;
        }
        self.envoi.selected = self.envoi.selected.min(n - 1);
        let page = self.table_page();
        if self.envoi.selected < self.envoi.offset {
            self.envoi.offset = self.envoi.selected;
        } else if self.envoi.selected >= self.envoi.offset + page {
            self.envoi.offset = self.envoi.selected + 1 - page;
        }
    }

    /// Lines of the Courrier list that fit (header and the selected
    /// message's reason line excluded).
    pub fn courrier_page(&self) -> usize {
        usize::from(body_height(self.size).saturating_sub(4)).max(1)
    }

    pub fn clamp_courrier(&mut self) {
        let page = self.courrier_page();
        let c = &mut self.courrier;
        let n = c.rows.len();
        if n == 0 {
            c.selected = 0;
            c.offset = 0;
            return;
        }
        c.selected = c.selected.min(n - 1);
        if c.selected < c.offset {
            c.offset = c.selected;
        } else if c.selected >= c.offset + page {
            c.offset = c.selected + 1 - page;
        }
        c.offset = c.offset.min(n.saturating_sub(page));
    }

    pub fn notify(&mut self, level: Level, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            level,
        });
    }

    /// The attachment text, if it is one of the selected message's.
    pub fn current_text(&self) -> Option<&AttachmentText> {
        let id = self.current_message()?.id;
        self.attachment_text.as_ref().filter(|t| t.message_id == id)
    }

    /// The attachment text of the fiche being entered by hand.
    pub fn draft_text(&self) -> Option<&AttachmentText> {
        let d = self.draft.as_ref()?;
        self.attachment_text
            .as_ref()
            .filter(|t| t.message_id == d.message_id)
    }

    /// Terminals wide enough to show the hand entry beside the text.
    pub fn side_by_side(&self) -> bool {
        self.size.0 >= 120
    }

    /// Messages of "À traiter" not yet handled.
    pub fn triage_open(&self) -> usize {
        self.triage.iter().filter(|m| m.handled.is_none()).count()
    }
}
