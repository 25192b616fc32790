//! The proposals the console lists, in memory, and the three things done
//! to them on every keystroke: filter, search, keep sorted. A `Row` keeps
//! only what the table shows (already made terminal-safe); the folded text
//! of every field, for the search, lives in one contiguous arena owned by
//! the `Listing` (scanned in order, no pointer chasing). `Listing` keeps
//! all row indexes in sort order once (`order`) and the filtered subset
//! (`visible`); a search keystroke that extends the query narrows the
//! current subset instead of scanning everything again, and the last
//! results are kept so that Backspace costs nothing. Nothing here depends
//! on how many rows are drawn.

use std::collections::HashMap;
use std::time::Instant;

use memchr::memmem;

use super::format::{fold, fold_into, parse_time};
use super::strings;
use crate::domain::members::{MemberCheck, Members};
use crate::domain::{Candidate, Place, Status, status_fr};
use crate::fiche::Kind;
use crate::safe::terminal_line;
use crate::store::console::{FLAG_ENTERED_BY_HAND, ListingRow};
use crate::store::flag;
use crate::store::notes::NotesSummary;

/// The signals of a row, as bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags(pub u16);

impl Flags {
    pub const LATE: u16 = 1;
    pub const WARNINGS: u16 = 2;
    pub const MEMBER: u16 = 4;
    pub const UPDATED: u16 = 8;
    pub const EMAIL_FROM_SENDER: u16 = 16;
    pub const ATTACHMENT: u16 = 32;
    pub const NO_DATE: u16 = 64;
    pub const BY_HAND: u16 = 128;

    const LETTERS: &[(u16, char)] = &[
        (Flags::LATE, 'T'),
        (Flags::WARNINGS, 'A'),
        (Flags::MEMBER, 'M'),
        (Flags::UPDATED, 'R'),
        (Flags::EMAIL_FROM_SENDER, 'E'),
        (Flags::ATTACHMENT, 'P'),
        (Flags::NO_DATE, 'D'),
        (Flags::BY_HAND, 'H'),
    ];

    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }

    pub fn any(self) -> bool {
        self.0 != 0
    }

    /// "TA", the letters of the help's legend.
    pub fn letters(self) -> String {
        Flags::LETTERS
            .iter()
            .filter(|(b, _)| self.has(*b))
            .map(|(_, c)| *c)
            .collect()
    }
}

/// One live proposal as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
/// Kept small (strings boxed, times as numbers): there may be 100,000.
pub struct Row {
    pub id: i64,
    /// The stable number (shown, typed, the same for every revision).
    pub number: i64,
    pub kind: Option<Kind>,
    pub status: Status,
    pub slot: Option<Box<str>>,
    pub space: Option<Box<str>>,
    pub version: i64,
    pub revision: i64,
    pub message_id: i64,
    /// Waiting-list position key (see `domain::waitlist`).
    pub wait_pos: Option<i64>,
    /// The refusal's reason, terminal-safe.
    pub reason: Option<Box<str>>,
    /// Terminal-safe, one line.
    pub organisation: Box<str>,
    pub country: Box<str>,
    pub theme: Option<Box<str>>,
    /// `preferred_slot` as stored (`any` or a time), terminal-safe.
    pub wanted: Option<Box<str>>,
    pub declared_member: Option<bool>,
    pub member: MemberCheck,
    /// Receipt time, seconds since the epoch (UTC).
    pub received: Option<i64>,
    pub flags: Flags,
    pub warnings: u32,
    pub warned_fields: Box<[Box<str>]>,
    /// Staff notes and opinions, counted.
    pub notes: NotesSummary,
    /// Everything searchable, folded: a span of the listing's arena.
    hay: (u32, u32),
}

impl Row {
    /// A row from the store's listing row; its search text is appended,
    /// folded, to `arena`.
    pub fn from_listing(r: ListingRow, members: &Members, arena: &mut String) -> Row {
        let status = r.status.unwrap_or(Status::Pending);
        let member = members.check(r.organisation.as_deref(), r.cuf_member);
        let mut flags = 0;
        for f in &r.flags {
            flags |= match f.as_str() {
                flag::LATE => Flags::LATE,
                flag::UPDATED_AFTER_DECISION => Flags::UPDATED,
                flag::CONTACT_EMAIL_FROM_SENDER => Flags::EMAIL_FROM_SENDER,
                flag::ATTACHMENT_PROBLEM => Flags::ATTACHMENT,
                flag::NO_DATE => Flags::NO_DATE,
                FLAG_ENTERED_BY_HAND => Flags::BY_HAND,
                _ => 0,
            };
        }
        if r.warnings > 0 {
            flags |= Flags::WARNINGS;
        }
        if member.is_mismatch() {
            flags |= Flags::MEMBER;
        }
        let start = arena.len();
        let hay = arena;
        for part in [
            r.search_text.as_str(),
            r.from_addr.as_deref().unwrap_or(""),
            r.from_name.as_deref().unwrap_or(""),
            r.subject.as_deref().unwrap_or(""),
            strings::kind_long(r.kind),
            status_fr(status),
            r.slot.as_deref().unwrap_or(""),
            r.space.as_deref().unwrap_or(""),
        ] {
            fold_into(hay, part);
            hay.push('\n');
        }
        hay.push('#');
        hay.push_str(&r.number.to_string());
        let span = (start as u32, (hay.len() - start) as u32);
        let safe = |s: &str| terminal_line(s).into_boxed_str();
        Row {
            id: r.id,
            number: r.number,
            kind: r.kind,
            status,
            slot: r.slot.as_deref().map(safe),
            space: r.space.as_deref().map(safe),
            version: r.version,
            revision: r.revision,
            message_id: r.message_id,
            wait_pos: r.wait_pos,
            reason: r.reason.as_deref().map(safe),
            organisation: safe(r.organisation.as_deref().unwrap_or("")),
            country: safe(r.country.as_deref().unwrap_or("")),
            theme: r.theme.as_deref().map(safe),
            wanted: r.preferred_slot.as_deref().map(safe),
            declared_member: r.cuf_member,
            member,
            received: r
                .received_at
                .as_deref()
                .and_then(parse_time)
                .map(|t| t.timestamp()),
            flags: Flags(flags),
            warnings: r.warnings.min(u32::MAX as usize) as u32,
            warned_fields: r
                .warned_fields
                .into_iter()
                .map(String::into_boxed_str)
                .collect(),
            notes: r.notes,
            hay: span,
        }
    }

    /// The domain's view of it, for the selection rules (the store builds
    /// the same from the database: `store::programme::candidates`).
    pub fn candidate(&self) -> Candidate {
        Candidate {
            id: self.id,
            number: self.number,
            version: self.version,
            kind: self.kind,
            status: self.status,
            wait_pos: self.wait_pos,
            reason: self.reason.as_deref().map(str::to_string),
            late: self.flags.has(Flags::LATE),
            organisation: None,
            theme: self.theme.as_deref().map(str::to_string),
            place: match (&self.slot, &self.space) {
                (Some(s), Some(p)) => Some(Place {
                    slot: s.to_string(),
                    place: p.to_string(),
                }),
                _ => None,
            },
            wanted_slot: self.wanted.as_deref().map(str::to_string),
            member: self.member.counts_as_member(),
            received_at: self
                .received_time()
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default(),
        }
    }

    pub fn received_time(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::from_timestamp(self.received?, 0)
    }

    /// Receipt for sorting: unknown last.
    fn received_key(&self) -> i64 {
        self.received.unwrap_or(i64::MAX)
    }
}

/// Table orders (`s` cycles through them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Received,
    Organisation,
    Country,
    Status,
    Slot,
    Priority,
    Id,
    /// Staff opinions, best first (none last).
    Notes,
}

impl SortKey {
    pub const ALL: [SortKey; 8] = [
        SortKey::Received,
        SortKey::Organisation,
        SortKey::Country,
        SortKey::Status,
        SortKey::Slot,
        SortKey::Priority,
        SortKey::Id,
        SortKey::Notes,
    ];

    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }

    pub fn name(self) -> &'static str {
        strings::sort_name(SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0))
    }
}

/// What the filters keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    /// Wanted or given slot (`any` for "indifférent").
    pub slot: Option<String>,
    pub theme: Option<String>,
    pub member: Option<bool>,
    pub flagged: bool,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    pub fn keeps(&self, r: &Row) -> bool {
        self.kind.is_none_or(|k| r.kind == Some(k))
            && self.status.is_none_or(|s| r.status == s)
            && self.slot.as_deref().is_none_or(|s| {
                r.slot.as_deref() == Some(s)
                    || r.wanted.as_deref() == Some(s)
                    || (s == "any" && r.wanted.is_none())
            })
            && self
                .theme
                .as_deref()
                .is_none_or(|t| r.theme.as_deref() == Some(t))
            && self.member.is_none_or(|m| r.member.counts_as_member() == m)
            && (!self.flagged || r.flags.any())
    }
}

/// Searches remembered for Backspace (each is one `u32` per row shown).
const CACHED_SEARCHES: usize = 8;

/// The listed proposals with their order, filters and search.
#[derive(Debug, Default)]
pub struct Listing {
    rows: Vec<Row>,
    by_id: HashMap<i64, usize>,
    /// The folded search text of every row, one after the other.
    arena: String,
    /// Bytes of the arena still used by a row.
    arena_live: usize,
    pub sort: SortKey,
    pub reverse: bool,
    /// `[selection] late_last`, for the priority order.
    pub late_last: bool,
    pub filters: Filters,
    /// The search as typed.
    pub query: String,
    /// Every row index, in sort order.
    order: Vec<u32>,
    /// The rows kept by filters and search, in sort order.
    visible: Vec<u32>,
    /// The folded words `visible` was computed for.
    visible_words: Vec<String>,
    /// Recent searches (words → rows shown) under the current order and
    /// filters, most recent last.
    recent: Vec<(Vec<String>, Vec<u32>)>,
    /// A search still going through the rows (the screen shows what it
    /// found so far; `step` goes on).
    pending: Option<Scan>,
}

/// A search in progress: the rows still to look at are `base[next..]`.
#[derive(Debug, Default)]
struct Scan {
    base: Vec<u32>,
    next: usize,
    /// Whether the filters still have to be checked on `base`.
    filters: bool,
}

impl Listing {
    /// A listing of the store's rows (members cross-checked), in the
    /// default order.
    pub fn from_store_rows(
        rows: impl IntoIterator<Item = ListingRow>,
        members: &Members,
    ) -> Listing {
        let mut l = Listing::default();
        for r in rows {
            l.push(r, members);
        }
        l.reindex();
        l
    }

    /// Adds a row without sorting (call `reindex` after the last one).
    pub fn push(&mut self, r: ListingRow, members: &Members) {
        let row = Row::from_listing(r, members, &mut self.arena);
        self.arena_live += row.hay.1 as usize;
        self.rows.push(row);
    }

    /// Rebuilds the id index, then sorts and filters.
    pub fn reindex(&mut self) {
        self.by_id = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id, i))
            .collect();
        self.resort();
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn get(&self, id: i64) -> Option<&Row> {
        self.by_id.get(&id).map(|i| &self.rows[*i])
    }

    /// The folded search text of a row.
    pub fn haystack(&self, r: &Row) -> &str {
        let (start, len) = (r.hay.0 as usize, r.hay.1 as usize);
        self.arena.get(start..start + len).unwrap_or("")
    }

    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    /// The `i`th row shown.
    pub fn visible(&self, i: usize) -> Option<&Row> {
        self.visible.get(i).map(|&r| &self.rows[r as usize])
    }

    /// Position of a row among those shown.
    pub fn position(&self, id: i64) -> Option<usize> {
        let idx = *self.by_id.get(&id)? as u32;
        self.visible.iter().position(|&r| r == idx)
    }

    /// Replaces, adds or (for `None`) removes rows, then sorts and
    /// filters again.
    pub fn apply(&mut self, changes: Vec<(i64, Option<ListingRow>)>, members: &Members) {
        if changes.is_empty() {
            return;
        }
        for (id, listing_row) in changes {
            let row = listing_row.map(|r| Row::from_listing(r, members, &mut self.arena));
            if let Some(r) = &row {
                self.arena_live += r.hay.1 as usize;
            }
            match (self.by_id.get(&id).copied(), row) {
                (Some(i), Some(r)) => {
                    self.arena_live -= self.rows[i].hay.1 as usize;
                    self.rows[i] = r;
                }
                (None, Some(r)) => {
                    self.by_id.insert(id, self.rows.len());
                    self.rows.push(r);
                }
                (Some(i), None) => {
                    self.arena_live -= self.rows[i].hay.1 as usize;
                    self.rows.swap_remove(i);
                    self.by_id.remove(&id);
                    if let Some(moved) = self.rows.get(i) {
                        self.by_id.insert(moved.id, i);
                    }
                }
                (None, None) => {}
            }
        }
        self.compact();
        self.resort();
    }

    /// Drops the arena's dead text once it is most of it.
    fn compact(&mut self) {
        if self.arena.len() < 1 << 20 || self.arena_live * 2 > self.arena.len() {
            return;
        }
        let mut arena = String::with_capacity(self.arena_live + self.arena_live / 8);
        for r in &mut self.rows {
            let (start, len) = (r.hay.0 as usize, r.hay.1 as usize);
            let at = arena.len();
            arena.push_str(self.arena.get(start..start + len).unwrap_or(""));
            r.hay = (at as u32, len as u32);
        }
        self.arena = arena;
    }

    fn cmp(&self, a: &Row, b: &Row) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        let o = match self.sort {
            SortKey::Received => a.received_key().cmp(&b.received_key()),
            // Sorted with cached keys in `resort`.
            SortKey::Organisation | SortKey::Country => Ordering::Equal,
            SortKey::Status => a.status.cmp(&b.status),
            SortKey::Slot => a
                .slot
                .as_deref()
                .or(a.wanted.as_deref())
                .cmp(&b.slot.as_deref().or(b.wanted.as_deref())),
            // The domain's priority (`Rules::priority_cmp`): members
            // first, on time before late (setting), then the earliest received.
            SortKey::Priority => b
                .member
                .counts_as_member()
                .cmp(&a.member.counts_as_member())
                .then_with(|| {
                    let late = |r: &Row| self.late_last && r.flags.has(Flags::LATE);
                    late(a).cmp(&late(b))
                })
                .then_with(|| a.received_key().cmp(&b.received_key()))
                .then_with(|| a.number.cmp(&b.number)),
            SortKey::Id => a.number.cmp(&b.number),
            SortKey::Notes => {
                let key = |r: &Row| match r.notes.weight() {
                    Some(w) => (0, -w, -i32::from(r.notes.opinions())),
                    None => (1, 0, -i32::from(r.notes.notes)),
                };
                key(a).cmp(&key(b)).then_with(|| a.number.cmp(&b.number))
            }
        };
        o.then(a.id.cmp(&b.id))
    }

    /// Sorts all rows again, then filters.
    pub fn resort(&mut self) {
        let mut order: Vec<u32> = (0..self.rows.len() as u32).collect();
        if matches!(self.sort, SortKey::Country | SortKey::Organisation) {
            let by_country = self.sort == SortKey::Country;
            order.sort_by_cached_key(|&i| {
                let r = &self.rows[i as usize];
                let key = if by_country {
                    &r.country
                } else {
                    &r.organisation
                };
                (fold(key), r.id)
            });
        } else {
            order.sort_by(|&x, &y| self.cmp(&self.rows[x as usize], &self.rows[y as usize]));
        }
        if self.reverse {
            order.reverse();
        }
        self.order = order;
        self.refilter();
    }

    /// Filters from scratch (after the order or the filters changed), to
    /// the end.
    pub fn refilter(&mut self) {
        self.recent.clear();
        self.pending = None;
        let words = words(&self.query);
        self.visible = self.filter(&self.order, &self.filters, &words);
        self.remember(&words);
        self.visible_words = words;
    }

    fn remember(&mut self, words: &[String]) {
        self.recent.retain(|(w, _)| w != words);
        if self.recent.len() >= CACHED_SEARCHES {
            self.recent.remove(0);
        }
        self.recent.push((words.to_vec(), self.visible.clone()));
    }

    /// Sets the search and runs it to the end.
    pub fn set_query(&mut self, query: &str) {
        self.set_query_within(query, None);
    }

    /// Sets the search. A search seen lately (Backspace) is taken back as
    /// it was; one that only adds to the current one looks only at the rows
    /// still shown (or still to look at); any other looks at every row.
    /// With a `deadline`, the search stops there and `step` goes on later:
    /// the rows found first are the first in order, so the screen is right
    /// at once and only the count grows.
    pub fn set_query_within(&mut self, query: &str, deadline: Option<Instant>) {
        self.query = query.to_string();
        let words = words(query);
        if words == self.visible_words && self.pending.is_none() {
            return;
        }
        if let Some((_, rows)) = self.recent.iter().find(|(w, _)| *w == words) {
            self.visible = rows.clone();
            self.pending = None;
            self.visible_words = words;
            return;
        }
        let narrows = !self.visible_words.is_empty()
            && words.len() >= self.visible_words.len()
            && self
                .visible_words
                .iter()
                .zip(&words)
                .all(|(old, new)| new.contains(old.as_str()));
        let scan = if narrows {
            // What was found, then what was not looked at yet.
            let mut base = std::mem::take(&mut self.visible);
            let filters = match self.pending.take() {
                Some(p) => {
                    base.extend_from_slice(&p.base[p.next..]);
                    p.filters
                }
                None => false,
            };
            Scan {
                base,
                next: 0,
                filters,
            }
        } else {
            Scan {
                base: self.order.clone(),
                next: 0,
                filters: !self.filters.is_empty(),
            }
        };
        self.visible.clear();
        self.pending = Some(scan);
        self.visible_words = words;
        self.step(deadline);
    }

    /// Whether a search is still going through the rows.
    pub fn scanning(&self) -> bool {
        self.pending.is_some()
    }

    /// Goes on with the search until `deadline` (to the end with `None`).
    pub fn step(&mut self, deadline: Option<Instant>) {
        let Some(mut scan) = self.pending.take() else {
            return;
        };
        let finders: Vec<memmem::Finder<'_>> =
            self.visible_words.iter().map(memmem::Finder::new).collect();
        let no_filter = Filters::default();
        let filters = if scan.filters {
            &self.filters
        } else {
            &no_filter
        };
        let mut found = Vec::new();
        while scan.next < scan.base.len() {
            let end = (scan.next + 4096).min(scan.base.len());
            found.extend(
                scan.base[scan.next..end]
                    .iter()
                    .copied()
                    .filter(|&i| self.matches(i, filters, &finders)),
            );
            scan.next = end;
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
        }
        drop(finders);
        self.visible.extend(found);
        if scan.next < scan.base.len() {
            self.pending = Some(scan);
        } else {
            let words = self.visible_words.clone();
            self.remember(&words);
        }
    }

    fn matches(&self, i: u32, filters: &Filters, finders: &[memmem::Finder<'_>]) -> bool {
        let r = &self.rows[i as usize];
        let hay = self.haystack(r).as_bytes();
        (filters.is_empty() || filters.keeps(r)) && finders.iter().all(|f| f.find(hay).is_some())
    }

    fn filter(&self, base: &[u32], filters: &Filters, words: &[String]) -> Vec<u32> {
        if words.is_empty() && filters.is_empty() {
            return base.to_vec();
        }
        let finders: Vec<memmem::Finder<'_>> = words.iter().map(memmem::Finder::new).collect();
        base.iter()
            .copied()
            .filter(|&i| self.matches(i, filters, &finders))
            .collect()
    }
}

fn words(query: &str) -> Vec<String> {
    fold(query).split_whitespace().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, org: &str, received: &str, member: Option<bool>) -> ListingRow {
        ListingRow {
            id,
            number: id,
            kind: Some(Kind::MicroAtelier),
            status: Some(Status::Pending),
            version: 1,
            revision: 1,
            organisation: Some(org.into()),
            cuf_member: member,
            search_text: format!("{org}\nFrance"),
            received_at: Some(format!("{received}T10:00:00Z")),
            ..ListingRow::default()
        }
    }

    fn listing(rows: Vec<ListingRow>) -> Listing {
        Listing::from_store_rows(rows, &Members::default())
    }

    #[test]
    fn search_narrows_and_widens() {
        let mut l = listing(vec![
            row(1, "Ville de Besançon", "2018-05-02", Some(true)),
            row(2, "Ville de Bastia", "2018-05-01", None),
            row(3, "Région Bretagne", "2018-05-03", Some(true)),
        ]);
        assert_eq!(l.visible_len(), 3);
        assert_eq!(l.visible(0).unwrap().id, 2);
        l.set_query("b");
        assert_eq!(l.visible_len(), 3);
        l.set_query("besa");
        assert_eq!(l.visible_len(), 1);
        l.set_query("BESANÇON");
        assert_eq!(l.visible(0).unwrap().id, 1);
        l.set_query("ville");
        assert_eq!(l.visible_len(), 2);
        l.set_query("ville bast");
        assert_eq!(l.visible_len(), 1);
        // Backspace: the earlier search comes back as it was.
        l.set_query("ville");
        assert_eq!(l.visible_len(), 2);
        l.set_query("ville bast");
        assert_eq!(l.visible_len(), 1);
        l.set_query("#3");
        assert_eq!(l.visible(0).unwrap().id, 3);
        l.set_query("");
        assert_eq!(l.visible_len(), 3);
    }

    #[test]
    fn a_search_cut_short_goes_on_and_ends_the_same() {
        let rows: Vec<ListingRow> = (0..20_000)
            .map(|i| row(i, &format!("Ville {i}"), "2018-05-02", None))
            .collect();
        let mut l = listing(rows.clone());
        let mut direct = listing(rows);
        direct.set_query("ville 12");
        let expected: Vec<i64> = (0..direct.visible_len())
            .map(|i| direct.visible(i).unwrap().id)
            .collect();
        let past = Some(Instant::now() - std::time::Duration::from_secs(1));
        l.set_query_within("ville 1", past);
        assert!(l.scanning());
        let partial = l.visible_len();
        assert!(partial > 0 && partial < 20_000, "{partial}");
        // Narrowing while unfinished keeps what is left to look at.
        l.set_query_within("ville 12", past);
        assert!(l.scanning());
        l.step(None);
        assert!(!l.scanning());
        let got: Vec<i64> = (0..l.visible_len())
            .map(|i| l.visible(i).unwrap().id)
            .collect();
        assert_eq!(got, expected);
        assert_eq!(got[0], 12);
        l.set_query("ville 1");
        direct.set_query("ville 1");
        assert_eq!(l.visible_len(), direct.visible_len());
    }

    #[test]
    fn sort_filters_and_changes() {
        let mut l = listing(vec![
            row(1, "Ville de Besançon", "2018-05-02", Some(true)),
            row(2, "Ville de Bastia", "2018-05-01", None),
            row(3, "Région Bretagne", "2018-05-03", Some(true)),
        ]);
        l.sort = SortKey::Priority;
        l.resort();
        let ids: Vec<i64> = (0..3).map(|i| l.visible(i).unwrap().id).collect();
        assert_eq!(ids, [1, 3, 2]);
        l.filters.member = Some(false);
        l.refilter();
        assert_eq!(l.visible_len(), 1);
        l.filters = Filters::default();
        l.apply(
            vec![(2, None), (4, Some(row(4, "Dieppe", "2018-04-01", None)))],
            &Members::default(),
        );
        assert_eq!(l.len(), 3);
        assert!(l.get(2).is_none());
        assert_eq!(&*l.get(3).unwrap().organisation, "Région Bretagne");
        assert_eq!(l.position(4), Some(2));
    }

    #[test]
    fn hostile_text_is_made_safe_at_load() {
        let l = listing(vec![row(
            9,
            "Evil \u{1b}]0;x\u{7}\u{202e}",
            "2018-05-01",
            None,
        )]);
        let r = l.get(9).unwrap();
        assert!(!r.organisation.chars().any(|c| c.is_control()));
        assert!(!r.organisation.contains('\u{202e}'));
    }
}
