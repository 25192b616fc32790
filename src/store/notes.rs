//! Staff notes and opinions on a proposal: one note (free text) and one
//! opinion (favorable / réservé / défavorable, or a score from 1 to 5) per
//! staff member and proposal number, kept across revisions. Every change is
//! journaled on the proposal's live revision, so that the other consoles
//! (which reload what the journal names) see it at once. Internal to the
//! team: nothing in `publish` or `letters` reads them.

use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::ingest::{Line, journal};
use super::model::Proposal;
use super::programme::live_by_number;
use super::queries::load_proposal;
use super::{Result, Store, StoreError, now};

/// The longest note kept, in characters.
pub const NOTE_MAX_CHARS: usize = 4000;

/// A staff member's opinion on a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opinion {
    Favorable,
    Reserve,
    Defavorable,
    /// From 1 to 5.
    Score(u8),
}

impl Opinion {
    /// Every choice offered, in order.
    pub const ALL: [Opinion; 8] = [
        Opinion::Favorable,
        Opinion::Reserve,
        Opinion::Defavorable,
        Opinion::Score(1),
        Opinion::Score(2),
        Opinion::Score(3),
        Opinion::Score(4),
        Opinion::Score(5),
    ];

    /// The stored word ("favorable", "reserve", "defavorable") or score ("1"…"5").
    pub fn key(self) -> String {
        match self {
            Opinion::Favorable => "favorable".into(),
            Opinion::Reserve => "reserve".into(),
            Opinion::Defavorable => "defavorable".into(),
            Opinion::Score(n) => n.to_string(),
        }
    }

    pub fn parse(s: &str) -> Option<Opinion> {
        match s {
            "favorable" => Some(Opinion::Favorable),
            "reserve" => Some(Opinion::Reserve),
            "defavorable" => Some(Opinion::Defavorable),
            _ => match s.parse::<u8>() {
                Ok(n @ 1..=5) => Some(Opinion::Score(n)),
                _ => None,
            },
        }
    }

    /// In French, as staff read it.
    pub fn label_fr(self) -> String {
        match self {
            Opinion::Favorable => "favorable".into(),
            Opinion::Reserve => "réservé".into(),
            Opinion::Defavorable => "défavorable".into(),
            Opinion::Score(n) => format!("note {n}/5"),
        }
    }

    /// Where it stands from -100 (défavorable, 1/5) to 100 (favorable, 5/5),
    /// for sorting: words and scores on one scale.
    pub fn weight(self) -> i32 {
        match self {
            Opinion::Favorable => 100,
            Opinion::Reserve => 0,
            Opinion::Defavorable => -100,
            Opinion::Score(n) => (i32::from(n) - 3) * 50,
        }
    }
}

/// One staff member's note and opinion on a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub number: i64,
    pub actor: String,
    pub note: Option<String>,
    pub opinion: Option<Opinion>,
    pub created_at: String,
    pub updated_at: String,
}

/// The opinions on a proposal, counted (the list's summary column).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotesSummary {
    pub notes: u16,
    pub favorable: u16,
    pub reserve: u16,
    pub defavorable: u16,
    /// Number of scores and their sum.
    pub scores: u16,
    pub score_sum: u16,
}

impl NotesSummary {
    pub fn is_empty(&self) -> bool {
        *self == NotesSummary::default()
    }

    pub fn opinions(&self) -> u16 {
        self.favorable + self.reserve + self.defavorable + self.scores
    }

    /// The mean opinion on the `Opinion::weight` scale; `None` without any.
    pub fn weight(&self) -> Option<i32> {
        let n = i32::from(self.opinions());
        if n == 0 {
            return None;
        }
        let total = 100 * (i32::from(self.favorable) - i32::from(self.defavorable))
            + 50 * (i32::from(self.score_sum) - 3 * i32::from(self.scores));
        Some(total / n)
    }
}

/// The SQL a listing joins to count each proposal's notes and opinions
/// (by number): `number, notes, favorable, reserve, defavorable, scores, score_sum`.
pub(crate) const SUMMARY_SQL: &str = "SELECT number, count(note) AS notes,
        sum(opinion = 'favorable') AS favorable, sum(opinion = 'reserve') AS reserve,
        sum(opinion = 'defavorable') AS defavorable, count(score) AS scores,
        coalesce(sum(score), 0) AS score_sum
     FROM proposal_notes GROUP BY number";

fn row_note(r: &rusqlite::Row<'_>) -> rusqlite::Result<Note> {
    let opinion: Option<String> = r.get(3)?;
    let score: Option<i64> = r.get(4)?;
    Ok(Note {
        number: r.get(0)?,
        actor: r.get(1)?,
        note: r.get(2)?,
        opinion: opinion
            .as_deref()
            .and_then(Opinion::parse)
            .or_else(|| score.and_then(|s| Opinion::parse(&s.to_string()))),
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

fn read_one(conn: &rusqlite::Connection, number: i64, actor: &str) -> Result<Option<Note>> {
    Ok(conn
        .query_row(
            "SELECT number, actor, note, opinion, score, created_at, updated_at
             FROM proposal_notes WHERE number = ?1 AND actor = ?2",
            params![number, actor],
            row_note,
        )
        .optional()?)
}

fn note_json(n: Option<&Note>) -> serde_json::Value {
    json!({
        "note": n.and_then(|n| n.note.clone()),
        "opinion": n.and_then(|n| n.opinion).map(Opinion::key),
    })
}

impl Store {
    /// Everyone's notes and opinions on proposal `number`, oldest change first.
    pub fn notes(&self, number: i64) -> Result<Vec<Note>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT number, actor, note, opinion, score, created_at, updated_at
             FROM proposal_notes WHERE number = ?1 ORDER BY updated_at, actor",
        )?;
        let rows = stmt.query_map([number], row_note)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Sets (or, with `None` or blank text, removes) `actor`'s note on
    /// proposal `number`; journaled on its live revision. Returns that revision.
    pub fn set_note(&mut self, number: i64, text: Option<&str>, actor: &str) -> Result<Proposal> {
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        if let Some(t) = text
            && t.chars().count() > NOTE_MAX_CHARS
        {
            return Err(StoreError::NoteTooLong(t.chars().count()));
        }
        self.change_note(number, actor, super::JournalAction::Note, |n| {
            n.note = text.map(str::to_string)
        })
    }

    /// Sets (or, with `None`, removes) `actor`'s opinion on proposal
    /// `number`; journaled on its live revision. Returns that revision.
    pub fn set_opinion(
        &mut self,
        number: i64,
        opinion: Option<Opinion>,
        actor: &str,
    ) -> Result<Proposal> {
        self.change_note(number, actor, super::JournalAction::Opinion, |n| {
            n.opinion = opinion
        })
    }

    fn change_note(
        &mut self,
        number: i64,
        actor: &str,
        action: super::JournalAction,
        change: impl FnOnce(&mut Note),
    ) -> Result<Proposal> {
        let at = now();
        let tx = self.write_tx()?;
        let p = live_by_number(&tx, number)?;
        let before = read_one(&tx, number, actor)?;
        let mut after = before.clone().unwrap_or_else(|| Note {
            number,
            actor: actor.to_string(),
            note: None,
            opinion: None,
            created_at: at.clone(),
            updated_at: at.clone(),
        });
        change(&mut after);
        after.updated_at = at.clone();
        let same = before
            .as_ref()
            .is_some_and(|b| b.note == after.note && b.opinion == after.opinion)
            || (before.is_none() && after.note.is_none() && after.opinion.is_none());
        if same {
            return load_proposal(&tx, p.id);
        }
        if after.note.is_none() && after.opinion.is_none() {
            tx.execute(
                "DELETE FROM proposal_notes WHERE number = ?1 AND actor = ?2",
                params![number, actor],
            )?;
        } else {
            let (opinion, score) = match after.opinion {
                Some(Opinion::Score(n)) => (None, Some(i64::from(n))),
                Some(o) => (Some(o.key()), None),
                None => (None, None),
            };
            tx.execute(
                "INSERT INTO proposal_notes (number, actor, note, opinion, score, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                 ON CONFLICT (number, actor) DO UPDATE SET note = excluded.note,
                   opinion = excluded.opinion, score = excluded.score,
                   updated_at = excluded.updated_at",
                params![number, actor, after.note, opinion, score, at],
            )?;
        }
        journal(
            &tx,
            &at,
            Line {
                actor,
                action,
                message_id: None,
                proposal_id: Some(p.id),
                before: Some(note_json(before.as_ref())),
                after: Some(note_json(Some(&after))),
            },
        )?;
        tx.commit()?;
        load_proposal(&self.conn, p.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_scores_share_one_scale() {
        for o in Opinion::ALL {
            assert_eq!(Opinion::parse(&o.key()), Some(o));
        }
        assert_eq!(Opinion::parse("6"), None);
        assert_eq!(Opinion::parse("0"), None);
        let s = NotesSummary {
            favorable: 1,
            scores: 1,
            score_sum: 1,
            ..NotesSummary::default()
        };
        // +100 and -100: even.
        assert_eq!(s.weight(), Some(0));
        assert_eq!(NotesSummary::default().weight(), None);
        let only_notes = NotesSummary {
            notes: 2,
            ..NotesSummary::default()
        };
        assert_eq!(only_notes.weight(), None);
        assert!(!only_notes.is_empty());
    }
}
