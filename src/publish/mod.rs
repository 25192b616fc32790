//! Publication of the programme lists (issue 6), the pure part: a
//! [`Snapshot`] of the accepted programme built from the proposals — one
//! section per kind of the call definition (`crate::call`), which gives
//! every heading, column and file name — what
//! changed since the previous one ([`diff`]), and the files handed to the
//! partners and the CUF website — HTML page and CMS fragment ([`html`]), CSV
//! ([`csv`]), XLSX ([`xlsx`]), JSON ([`json`]) — laid into a dated folder per
//! publication ([`output`]).
//!
//! Inputs are plain values: [`Entry`] (a proposal as the renderers need it,
//! filled by the store's caller), the programme grid (`domain::Layout`) and
//! the [`Event`]. The store persists a [`Publication`] (number, date, author,
//! snapshot); nothing here touches the database, the clock or the network.
//!
//! Safety: everything that comes from a fiche is text. HTML escapes text and
//! attributes and never makes a link; CSV and XLSX cells that start like a
//! formula are prefixed with `'` (OWASP); XLSX cells are strings, never
//! formulas; control characters (terminal escapes) and bidi overrides become
//! visible symbols (`safe::terminal_text`) in HTML, CSV, XLSX and the
//! changelog. JSON keeps the text as written (serde escapes controls).

pub mod csv;
pub mod diff;
pub mod html;
pub mod json;
pub mod labels;
pub mod output;
pub mod partners;
pub mod schedule;
pub mod snapshot;
pub mod xlsx;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::domain::Status;
use crate::fiche::{Kind, Value, Warning};

pub use diff::{Changes, Diff, compare};
pub use output::{OutputFile, render_files, write_draft, write_publication};
pub use snapshot::Snapshot;

/// A proposal as the publication needs it. The store's caller fills it from
/// a live proposal (current revision only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The proposal's stable number (what staff and senders know it by).
    pub id: i64,
    /// Identity across revisions (the store's chain key); `None`: the id.
    /// Only a hash of it reaches the snapshot.
    pub key: Option<String>,
    /// The kind's key in the call definition (`None`: not read).
    pub kind: Option<String>,
    pub status: Status,
    pub slot: Option<String>,
    /// The place in the slot (the kind's `place_word`: space, table…).
    pub place: Option<String>,
    /// Waiting-list rank: the programme's (the store's waiting-list order),
    /// never computed here.
    pub rank: Option<i64>,
    /// Counts as a CUF member for the waiting-list priority.
    pub member: bool,
    /// RFC 3339 date of receipt.
    pub received_at: String,
    pub fields: BTreeMap<String, Value>,
    /// Rows with labels the form does not have (label, value).
    pub extra: Vec<(String, String)>,
    pub flags: Vec<String>,
    pub warnings: Vec<Warning>,
}

impl Entry {
    /// An entry with no field, flag or placement.
    pub fn new(id: i64, kind: Option<Kind>, status: Status) -> Entry {
        Entry::of_kind(id, kind.map(Kind::key), status)
    }

    /// An entry of the kind keyed `kind` in the call definition.
    pub fn of_kind(id: i64, kind: Option<&str>, status: Status) -> Entry {
        Entry {
            id,
            key: None,
            kind: kind.map(str::to_string),
            status,
            slot: None,
            place: None,
            rank: None,
            member: false,
            received_at: String::new(),
            fields: BTreeMap::new(),
            extra: Vec::new(),
            flags: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// A field as text (booleans as `true`/`false`).
    pub fn field(&self, key: &str) -> Option<String> {
        self.fields.get(key).map(Value::display)
    }
}

/// The event the programme is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub name: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default)]
    pub venue: Option<String>,
}

impl Event {
    /// The event of SPEC.md.
    pub fn spec_default() -> Event {
        Event {
            name: "Rencontres de l'internationalisation des collectivités territoriales".into(),
            date: "2018-07-04".into(),
            venue: Some("Pavillon d'Armenonville, Paris".into()),
        }
    }
}

/// A numbered publication or a draft (watermarked "Document de travail").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    Draft,
    Final { number: u32 },
}

impl Edition {
    pub fn is_draft(self) -> bool {
        matches!(self, Edition::Draft)
    }
}

/// What the store keeps of a publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    /// From 1, one more than the previous publication.
    pub number: u32,
    /// RFC 3339 local time with offset (the snapshot's `taken_at`).
    pub published_at: String,
    /// Who published (staff login, or "planification" for the daemon).
    pub author: String,
    /// Nothing changed since the previous publication: recorded, not sent.
    pub unchanged: bool,
    pub snapshot: Snapshot,
}

impl Publication {
    /// Publication `number` of `snapshot`, compared with the previous
    /// publication's snapshot (`None` for the first).
    pub fn new(
        number: u32,
        author: &str,
        snapshot: Snapshot,
        previous: Option<&Snapshot>,
    ) -> Result<(Publication, Changes), PublishError> {
        if labels::iso_date(&snapshot.taken_at).is_none() {
            return Err(PublishError::BadDate(snapshot.taken_at.clone()));
        }
        let changes = compare(previous, &snapshot);
        let publication = Publication {
            number,
            published_at: snapshot.taken_at.clone(),
            author: author.to_string(),
            unchanged: changes.is_unchanged(),
            snapshot,
        };
        Ok((publication, changes))
    }

    /// The folder of this publication: `YYYY-MM-DD-NNN`.
    pub fn dir_name(&self) -> String {
        let date = match labels::iso_date(&self.published_at) {
            Some((y, m, d)) => format!("{y:04}-{m:02}-{d:02}"),
            None => "0000-00-00".to_string(),
        };
        format!("{date}-{:03}", self.number)
    }

    pub fn edition(&self) -> Edition {
        Edition::Final {
            number: self.number,
        }
    }
}

/// The `[publish]` settings of `config.toml` that the renderers use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublishOptions {
    /// Where the dated folders (`YYYY-MM-DD-NNN/`) and `latest` go: the
    /// public files only.
    pub output_dir: PathBuf,
    /// Where the staff's files of each publication go (same folder names):
    /// outside `output_dir`.
    pub internal_dir: PathBuf,
    /// CSV field separator (`;` opens by double click in French Excel).
    pub csv_delimiter: char,
    /// Start CSV files with a UTF-8 byte order mark (Excel needs it).
    pub csv_bom: bool,
    /// Keep a `latest` symbolic link to the newest publication.
    pub latest_link: bool,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            output_dir: PathBuf::from("publications"),
            internal_dir: PathBuf::from("publications-interne"),
            csv_delimiter: ';',
            csv_bom: true,
            latest_link: true,
        }
    }
}

impl PublishOptions {
    /// Refuses a CSV delimiter that would break the quoting, and an
    /// internal folder inside the public one (or the other way round).
    pub fn validate(&self) -> Result<(), PublishError> {
        self.validate_csv()?;
        output::check_folders(&self.output_dir, &self.internal_dir)
    }

    /// Refuses a CSV delimiter that would break the quoting.
    pub fn validate_csv(&self) -> Result<(), PublishError> {
        csv::CsvOptions::new(self.csv_delimiter, self.csv_bom).map(|_| ())
    }

    pub fn csv(&self) -> csv::CsvOptions {
        csv::CsvOptions::new(self.csv_delimiter, self.csv_bom).unwrap_or_default()
    }
}

/// Why files could not be produced. Messages are for staff.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("écriture impossible de {path} : {}", crate::os_error::problem(.path, .error))]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("la publication {0} existe déjà")]
    AlreadyExists(PathBuf),
    #[error("date de publication illisible : « {0} » (attendu AAAA-MM-JJ…)")]
    BadDate(String),
    #[error("option de publication invalide : {0}")]
    BadOption(String),
    #[error("classeur XLSX : {0}")]
    Xlsx(String),
    #[error("JSON : {0}")]
    Json(#[from] serde_json::Error),
}

impl From<rust_xlsxwriter::XlsxError> for PublishError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        PublishError::Xlsx(e.to_string())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! A small programme shared by the renderers' tests.

    use super::*;

    /// The 2018 kinds' keys in the default definition.
    pub const MICRO: &str = "micro_atelier";
    pub const BOURSE: &str = "bourse_projets";

    pub fn entry(id: i64, kind: &str, status: Status, organisation: &str) -> Entry {
        let mut e = Entry::of_kind(id, Some(kind), status);
        e.received_at = format!("2018-05-{:02}T10:00:00+02:00", (id % 28) + 1);
        e.fields
            .insert("organisation".into(), Value::Text(organisation.into()));
        e
    }

    pub fn accepted(id: i64, kind: &str, slot: &str, place: &str, organisation: &str) -> Entry {
        let mut e = entry(id, kind, Status::Accepted, organisation);
        e.slot = Some(slot.into());
        e.place = Some(place.into());
        e
    }

    pub fn waitlisted(
        id: i64,
        kind: &str,
        organisation: &str,
        member: bool,
        received: &str,
    ) -> Entry {
        let mut e = entry(id, kind, Status::Waitlisted, organisation);
        e.member = member;
        e.received_at = received.into();
        e
    }

    pub fn set(e: &mut Entry, key: &str, value: &str) {
        e.fields.insert(key.into(), Value::Text(value.into()));
    }

    /// The snapshot of [`sample_entries`] taken at `taken_at`, on the
    /// spec's grid and event.
    pub fn sample_snapshot(taken_at: &str) -> super::Snapshot {
        super::Snapshot::build(
            &sample_entries(),
            &crate::domain::Layout::spec_default(),
            &super::Event::spec_default(),
            taken_at,
        )
    }

    /// Two micro-ateliers, one rendez-vous, two on the micro-atelier
    /// waiting list, one rejected.
    pub fn sample_entries() -> Vec<Entry> {
        let mut a = accepted(1, MICRO, "14:20", "Espace B", "Ville de Saint-Étienne");
        set(&mut a, "project_title", "Un guide du financement de l'AICT");
        set(&mut a, "country", "France");
        set(&mut a, "theme", "odd");
        a.fields.insert("cuf_member".into(), Value::Bool(true));
        a.key = Some("claire.martin@saint-etienne.fr|micro_atelier|ville de saint-etienne".into());
        let mut b = accepted(2, MICRO, "14:00", "Espace A", "Municipalidad de Quito");
        set(&mut b, "project_title", "Dialogues mensuels");
        set(&mut b, "country", "Équateur");
        set(&mut b, "theme", "climat");
        let mut c = accepted(
            3,
            BOURSE,
            "12:45",
            "Table 1",
            "Conseil départemental de l'Isère",
        );
        set(&mut c, "country", "France");
        set(&mut c, "partner_sought", "french_local_government");
        set(&mut c, "target_country", "Arménie");
        set(&mut c, "request_type", "cooperation");
        let mut d = waitlisted(4, MICRO, "Ville de Lyon", false, "2018-05-02");
        set(&mut d, "project_title", "Lyon et le climat");
        let mut e = waitlisted(
            5,
            MICRO,
            "Communauté urbaine de Dunkerque",
            true,
            "2018-05-03",
        );
        set(&mut e, "project_title", "Former les agents aux ODD");
        set(&mut e, "preferred_slot", "15:00");
        // The programme's ranks (members first: Dunkerque, then Lyon).
        (e.rank, d.rank) = (Some(1), Some(2));
        let mut f = entry(6, BOURSE, Status::Rejected, "Association X");
        f.flags.push("doublon".into());
        vec![a, b, c, d, e, f]
    }

    #[test]
    fn publication_dir_and_outcome() {
        let layout = crate::domain::Layout::spec_default();
        let s = Snapshot::build(
            &sample_entries(),
            &layout,
            &Event::spec_default(),
            "2018-05-28T08:00:00+02:00",
        );
        let (p, changes) = Publication::new(3, "marie", s.clone(), None).unwrap();
        assert_eq!(p.dir_name(), "2018-05-28-003");
        assert!(!p.unchanged);
        assert!(!changes.is_unchanged());
        let (p2, changes) = Publication::new(4, "marie", s.clone(), Some(&s)).unwrap();
        assert!(p2.unchanged);
        assert!(changes.is_unchanged());
        let mut bad = s;
        bad.taken_at = "lundi".into();
        assert!(matches!(
            Publication::new(5, "marie", bad, None),
            Err(PublishError::BadDate(_))
        ));
    }

    #[test]
    fn options_from_toml() {
        let o: PublishOptions =
            toml::from_str("csv_delimiter = ','\nschedule = \"lundi 08:00\"").unwrap();
        assert_eq!(o.csv_delimiter, ',');
        assert!(o.csv_bom);
        assert!(o.validate().is_ok());
        let bad = PublishOptions {
            csv_delimiter: '"',
            ..PublishOptions::default()
        };
        assert!(bad.validate().is_err());
    }
}
