//! The proposals the console lists, in memory, and the three things done
//! to them on every keystroke: filter, search, keep sorted. A `Row` keeps
//! only what the table shows (already made terminal-safe) and a folded
//! haystack of every field for the search. `Listing` keeps all row
//! indexes in sort order once (`order`) and the filtered subset
//! (`visible`); a search keystroke that extends the query narrows the
//! current subset instead of scanning everything again. Nothing here
//! depends on how many rows are drawn.

use std::collections::HashMap;

use memchr::memmem;

use super::format::{fold, fold_into, parse_time};
use super::strings;
use crate::domain::members::{MemberCheck, Members};
use crate::domain::{Candidate, Place, Status, status_fr};
use crate::fiche::Kind;
use crate::safe::terminal_line;
use crate::store::console::{FLAG_ENTERED_BY_HAND, ListingRow};
use crate::store::flag;

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
pub struct Row {
    pub id: i64,
    pub kind: Option<Kind>,
    pub status: Status,
    pub slot: Option<String>,
    pub space: Option<String>,
    pub version: i64,
    pub revision: i64,
    pub message_id: i64,
    /// Terminal-safe, one line.
    pub organisation: String,
    pub country: String,
    pub theme: Option<String>,
    /// `preferred_slot` as stored (`any` or a time), terminal-safe.
    pub wanted: Option<String>,
    pub title: String,
    pub declared_member: Option<bool>,
    pub member: MemberCheck,
    /// RFC 3339 as stored (sorts as text); empty when unknown.
    pub received: String,
    pub flags: Flags,
    pub warnings: usize,
    pub warned_fields: Vec<String>,
    /// Everything searchable, folded.
    haystack: Box<str>,
    /// Organisation folded, for sorting.
    org_key: Box<str>,
}

impl Row {
    pub fn from_listing(r: ListingRow, members: &Members) -> Row {
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
        let mut hay = String::with_capacity(r.search_text.len() + 128);
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
            fold_into(&mut hay, part);
            hay.push('\n');
        }
        hay.push_str(&format!("#{}", r.id));
        let organisation = terminal_line(r.organisation.as_deref().unwrap_or(""));
        Row {
            id: r.id,
            kind: r.kind,
            status,
            slot: r.slot.as_deref().map(terminal_line),
            space: r.space.as_deref().map(terminal_line),
            version: r.version,
            revision: r.revision,
            message_id: r.message_id,
            org_key: fold(&organisation).into_boxed_str(),
            organisation,
            country: terminal_line(r.country.as_deref().unwrap_or("")),
            theme: r.theme.as_deref().map(terminal_line),
            wanted: r.preferred_slot.as_deref().map(terminal_line),
            title: terminal_line(r.title.as_deref().unwrap_or("")),
            declared_member: r.cuf_member,
            member,
            received: r.received_at.unwrap_or_default(),
            flags: Flags(flags),
            warnings: r.warnings,
            warned_fields: r.warned_fields,
            haystack: hay.into_boxed_str(),
        }
    }

    /// The domain's view of it, for the selection rules.
    pub fn candidate(&self) -> Candidate {
        Candidate {
            id: self.id,
            kind: self.kind,
            status: self.status,
            place: match (&self.slot, &self.space) {
                (Some(s), Some(p)) => Some(Place {
                    slot: s.clone(),
                    place: p.clone(),
                }),
                _ => None,
            },
            wanted_slot: self.wanted.clone(),
            member: self.member.counts_as_member(),
            received_at: self.received.clone(),
        }
    }

    pub fn haystack(&self) -> &str {
        &self.haystack
    }

    pub fn received_time(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        parse_time(&self.received)
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
}

impl SortKey {
    pub const ALL: [SortKey; 7] = [
        SortKey::Received,
        SortKey::Organisation,
        SortKey::Country,
        SortKey::Status,
        SortKey::Slot,
        SortKey::Priority,
        SortKey::Id,
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

/// The listed proposals with their order, filters and search.
#[derive(Debug, Default)]
pub struct Listing {
    rows: Vec<Row>,
    by_id: HashMap<i64, usize>,
    pub sort: SortKey,
    pub reverse: bool,
    pub filters: Filters,
    /// The search as typed.
    pub query: String,
    /// Every row index, in sort order.
    order: Vec<u32>,
    /// The rows kept by filters and search, in sort order.
    visible: Vec<u32>,
    /// The folded words `visible` was computed for.
    visible_words: Vec<String>,
}

impl Listing {
    pub fn new(rows: Vec<Row>) -> Listing {
        let mut l = Listing {
            rows,
            ..Listing::default()
        };
        l.reindex();
        l
    }

    fn reindex(&mut self) {
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

    /// Replaces, adds or (for `None` in the pair) removes rows, then sorts
    /// and filters again.
    pub fn apply(&mut self, changes: Vec<(i64, Option<Row>)>) {
        if changes.is_empty() {
            return;
        }
        for (id, row) in changes {
            match (self.by_id.get(&id).copied(), row) {
                (Some(i), Some(r)) => self.rows[i] = r,
                (None, Some(r)) => {
                    self.by_id.insert(id, self.rows.len());
                    self.rows.push(r);
                }
                (Some(i), None) => {
                    self.rows.swap_remove(i);
                    self.by_id.remove(&id);
                    if let Some(moved) = self.rows.get(i) {
                        self.by_id.insert(moved.id, i);
                    }
                }
                (None, None) => {}
            }
        }
        self.resort();
    }

    fn cmp(&self, a: &Row, b: &Row) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        let o = match self.sort {
            SortKey::Received => a.received.cmp(&b.received),
            SortKey::Organisation => a.org_key.cmp(&b.org_key),
            // Sorted with cached keys in `resort`.
            SortKey::Country => Ordering::Equal,
            SortKey::Status => a.status.cmp(&b.status),
            SortKey::Slot => a
                .slot
                .as_deref()
                .or(a.wanted.as_deref())
                .cmp(&b.slot.as_deref().or(b.wanted.as_deref())),
            // The domain's priority (`domain::priority_cmp`): members
            // first, then the earliest received.
            SortKey::Priority => b
                .member
                .counts_as_member()
                .cmp(&a.member.counts_as_member())
                .then_with(|| a.received.cmp(&b.received)),
            SortKey::Id => Ordering::Equal,
        };
        o.then(a.id.cmp(&b.id))
    }

    /// Sorts all rows again, then filters.
    pub fn resort(&mut self) {
        let mut order: Vec<u32> = (0..self.rows.len() as u32).collect();
        if self.sort == SortKey::Country {
            order.sort_by_cached_key(|&i| {
                let r = &self.rows[i as usize];
                (fold(&r.country), r.id)
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

    /// Filters from scratch.
    pub fn refilter(&mut self) {
        let words = words(&self.query);
        self.visible = filter(&self.rows, &self.order, &self.filters, &words);
        self.visible_words = words;
    }

    /// Sets the search; when the new query only adds to the previous one,
    /// only the rows still shown are searched.
    pub fn set_query(&mut self, query: &str) {
        self.query = query.to_string();
        let words = words(query);
        let narrows = !self.visible_words.is_empty()
            && words.len() >= self.visible_words.len()
            && self
                .visible_words
                .iter()
                .zip(&words)
                .all(|(old, new)| new.contains(old.as_str()));
        if narrows {
            let base = std::mem::take(&mut self.visible);
            self.visible = filter(&self.rows, &base, &Filters::default(), &words);
        } else {
            self.visible = filter(&self.rows, &self.order, &self.filters, &words);
        }
        self.visible_words = words;
    }
}

fn words(query: &str) -> Vec<String> {
    fold(query).split_whitespace().map(str::to_string).collect()
}

fn filter(rows: &[Row], base: &[u32], filters: &Filters, words: &[String]) -> Vec<u32> {
    let finders: Vec<memmem::Finder<'_>> = words.iter().map(memmem::Finder::new).collect();
    let all = filters.is_empty();
    base.iter()
        .copied()
        .filter(|&i| {
            let r = &rows[i as usize];
            (all || filters.keeps(r))
                && finders
                    .iter()
                    .all(|f| f.find(r.haystack.as_bytes()).is_some())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, org: &str, received: &str, member: Option<bool>) -> Row {
        Row::from_listing(
            ListingRow {
                id,
                kind: Some(Kind::MicroAtelier),
                status: Some(Status::Pending),
                version: 1,
                revision: 1,
                organisation: Some(org.into()),
                cuf_member: member,
                search_text: format!("{org}\nFrance"),
                received_at: Some(received.into()),
                ..ListingRow::default()
            },
            &Members::default(),
        )
    }

    #[test]
    fn search_narrows_and_widens() {
        let mut l = Listing::new(vec![
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
        l.set_query("#3");
        assert_eq!(l.visible(0).unwrap().id, 3);
        l.set_query("");
        assert_eq!(l.visible_len(), 3);
    }

    #[test]
    fn sort_filters_and_changes() {
        let mut l = Listing::new(vec![
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
        l.apply(vec![
            (2, None),
            (4, Some(row(4, "Dieppe", "2018-04-01", None))),
        ]);
        assert_eq!(l.len(), 3);
        assert!(l.get(2).is_none());
        assert_eq!(l.get(3).unwrap().organisation, "Région Bretagne");
        assert_eq!(l.position(4), Some(2));
    }

    #[test]
    fn hostile_text_is_made_safe_at_load() {
        let r = row(9, "Evil \u{1b}]0;x\u{7}\u{202e}", "2018", None);
        assert!(!r.organisation.chars().any(|c| c.is_control()));
        assert!(!r.organisation.contains('\u{202e}'));
    }
}
