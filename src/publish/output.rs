//! The files of a publication and where they go.
//!
//! [`render_files`] (pure) renders every file of a snapshot in memory;
//! [`write_publication`] lays them into `ROOT/YYYY-MM-DD-NNN/` (written in a
//! hidden temporary folder, then renamed, so a folder is never half
//! written) and points `ROOT/latest` at it; [`write_draft`] writes the
//! watermarked draft files into a folder of the caller's choice.
//!
//! Files (French names):
//!
//! | file | content |
//! | --- | --- |
//! | `programme.html` | standalone page, both lists |
//! | `programme-fragment.html` | CMS fragment, both lists |
//! | `micro-ateliers.html`, `micro-ateliers-fragment.html` | micro-ateliers only |
//! | `bourse-aux-projets.html`, `bourse-aux-projets-fragment.html` | bourse only |
//! | `micro-ateliers.csv`, `bourse-aux-projets.csv` | one CSV per list |
//! | `programme.xlsx` | one sheet per list |
//! | `programme.json` | the lists as JSON (see `json`) |
//! | `changements.txt`, `changements.html` | the changelog (email body) |
//! | `interne/suivi-complet.xlsx` | staff only: every proposal, waiting lists |
//!
//! Staff-only files sit in `interne/` so that the rest of the folder can be
//! copied to the website as is.

use std::fs;
use std::path::{Path, PathBuf};

use super::diff::Changes;
use super::html::{self, Part};
use super::snapshot::Snapshot;
use super::{Edition, Entry, Publication, PublishError, PublishOptions, csv, json, xlsx};

/// One rendered file: its path relative to the publication folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
    /// Not for the website nor the partners.
    pub staff_only: bool,
}

/// The staff-only subfolder.
pub const STAFF_DIR: &str = "interne";
/// The link to the newest publication.
pub const LATEST: &str = "latest";

fn file(path: &str, bytes: impl Into<Vec<u8>>) -> OutputFile {
    OutputFile {
        path: path.to_string(),
        bytes: bytes.into(),
        staff_only: path.starts_with(STAFF_DIR),
    }
}

/// Every file of `snapshot` (see the module doc); the changelog files only
/// when `changes` is given.
pub fn render_files(
    snapshot: &Snapshot,
    entries: &[Entry],
    changes: Option<&Changes>,
    edition: Edition,
    opts: &PublishOptions,
) -> Result<Vec<OutputFile>, PublishError> {
    opts.validate()?;
    let csv_opts = opts.csv();
    let mut files = Vec::with_capacity(14);
    for (part, stem) in [
        (Part::Programme, "programme"),
        (Part::MicroAteliers, "micro-ateliers"),
        (Part::Bourse, "bourse-aux-projets"),
    ] {
        files.push(file(
            &format!("{stem}.html"),
            html::page(snapshot, edition, part),
        ));
        files.push(file(
            &format!("{stem}-fragment.html"),
            html::fragment(snapshot, edition, part),
        ));
    }
    files.push(file(
        "micro-ateliers.csv",
        csv::micro_ateliers(snapshot, &csv_opts),
    ));
    files.push(file(
        "bourse-aux-projets.csv",
        csv::bourse(snapshot, &csv_opts),
    ));
    files.push(file("programme.xlsx", xlsx::programme(snapshot, edition)?));
    files.push(file("programme.json", json::programme(snapshot, edition)?));
    if let Some(c) = changes {
        files.push(file("changements.txt", c.text()));
        files.push(file("changements.html", c.html()));
    }
    files.push(file(
        &format!("{STAFF_DIR}/suivi-complet.xlsx"),
        xlsx::staff(snapshot, entries, edition)?,
    ));
    Ok(files)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PublishError + '_ {
    move |error| PublishError::Io {
        path: path.to_path_buf(),
        error,
    }
}

fn write_all(dir: &Path, files: &[OutputFile]) -> Result<Vec<PathBuf>, PublishError> {
    let mut written = Vec::with_capacity(files.len());
    for f in files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        fs::write(&path, &f.bytes).map_err(io(&path))?;
        written.push(path);
    }
    Ok(written)
}

/// Writes publication `publication` into `root/YYYY-MM-DD-NNN/` (`root` is
/// normally `opts.output_dir`) and, when `opts.latest_link`, points
/// `root/latest` at it. Refuses to overwrite an existing publication.
/// Returns the folder.
pub fn write_publication(
    root: &Path,
    publication: &Publication,
    entries: &[Entry],
    changes: &Changes,
    opts: &PublishOptions,
) -> Result<PathBuf, PublishError> {
    let files = render_files(
        &publication.snapshot,
        entries,
        Some(changes),
        publication.edition(),
        opts,
    )?;
    fs::create_dir_all(root).map_err(io(root))?;
    let name = publication.dir_name();
    let dir = root.join(&name);
    if dir.exists() {
        return Err(PublishError::AlreadyExists(dir));
    }
    let tmp = root.join(format!(".{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    fs::create_dir(&tmp).map_err(io(&tmp))?;
    if let Err(e) = write_all(&tmp, &files) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    fs::rename(&tmp, &dir).map_err(io(&dir))?;
    if opts.latest_link {
        point_latest(root, &name)?;
    }
    Ok(dir)
}

/// `root/latest` → `name` (relative), replaced atomically.
#[cfg(unix)]
fn point_latest(root: &Path, name: &str) -> Result<(), PublishError> {
    let link = root.join(LATEST);
    let tmp = root.join(format!(".{LATEST}.tmp-{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    std::os::unix::fs::symlink(name, &tmp).map_err(io(&tmp))?;
    fs::rename(&tmp, &link).map_err(io(&link))?;
    Ok(())
}

/// Without symbolic links: `root/latest.txt` names the newest folder.
#[cfg(not(unix))]
fn point_latest(root: &Path, name: &str) -> Result<(), PublishError> {
    let path = root.join(format!("{LATEST}.txt"));
    fs::write(&path, format!("{name}\n")).map_err(io(&path))
}

/// Writes the draft files ("Document de travail") into `dir`, replacing
/// files of an earlier draft there. No publication is created. Returns the
/// paths written.
pub fn write_draft(
    dir: &Path,
    snapshot: &Snapshot,
    entries: &[Entry],
    changes: Option<&Changes>,
    opts: &PublishOptions,
) -> Result<Vec<PathBuf>, PublishError> {
    let files = render_files(snapshot, entries, changes, Edition::Draft, opts)?;
    fs::create_dir_all(dir).map_err(io(dir))?;
    write_all(dir, &files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Layout;
    use crate::publish::tests::sample_entries;
    use crate::publish::{Event, compare};

    const NAMES: [&str; 13] = [
        "programme.html",
        "programme-fragment.html",
        "micro-ateliers.html",
        "micro-ateliers-fragment.html",
        "bourse-aux-projets.html",
        "bourse-aux-projets-fragment.html",
        "micro-ateliers.csv",
        "bourse-aux-projets.csv",
        "programme.xlsx",
        "programme.json",
        "changements.txt",
        "changements.html",
        "interne/suivi-complet.xlsx",
    ];

    #[test]
    fn publications_are_numbered_folders_with_latest() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("publications");
        let entries = sample_entries();
        let layout = Layout::spec_default();
        let s1 = Snapshot::build(
            &entries,
            &layout,
            &Event::spec_default(),
            "2018-05-28T08:00:00+02:00",
        );
        let (p1, c1) = Publication::new(1, "marie", s1.clone(), None).unwrap();
        let opts = PublishOptions::default();
        let d1 = write_publication(&root, &p1, &entries, &c1, &opts).unwrap();
        assert_eq!(d1, root.join("2018-05-28-001"));
        for n in NAMES {
            assert!(d1.join(n).is_file(), "{n}");
        }
        let listing: Vec<String> = fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(listing.len(), 2, "{listing:?}"); // folder + latest, no temp left
        assert_eq!(
            fs::read_link(root.join("latest")).unwrap(),
            PathBuf::from("2018-05-28-001")
        );
        // Same number again: refused.
        assert!(matches!(
            write_publication(&root, &p1, &entries, &c1, &opts),
            Err(PublishError::AlreadyExists(_))
        ));
        // Next week, nothing changed: recorded as unchanged, still written.
        let mut s2 = s1.clone();
        s2.taken_at = "2018-06-04T08:00:00+02:00".into();
        let (p2, c2) = Publication::new(2, "planification", s2, Some(&s1)).unwrap();
        assert!(p2.unchanged);
        let d2 = write_publication(&root, &p2, &entries, &c2, &opts).unwrap();
        assert_eq!(
            fs::read_to_string(d2.join("changements.txt")).unwrap(),
            "Aucun changement depuis la publication précédente.\n"
        );
        assert_eq!(
            fs::read_link(root.join("latest")).unwrap(),
            PathBuf::from("2018-06-04-002")
        );
        assert!(root.join("latest/programme.html").is_file());
    }

    #[test]
    fn drafts_are_watermarked_and_not_numbered() {
        let tmp = tempfile::tempdir().unwrap();
        let entries = sample_entries();
        let s = Snapshot::build(
            &entries,
            &Layout::spec_default(),
            &Event::spec_default(),
            "2018-05-30T16:00:00+02:00",
        );
        let changes = compare(None, &s);
        let paths = write_draft(
            tmp.path(),
            &s,
            &entries,
            Some(&changes),
            &PublishOptions::default(),
        )
        .unwrap();
        assert_eq!(paths.len(), 13);
        let page = fs::read_to_string(tmp.path().join("programme.html")).unwrap();
        assert!(page.contains("Document de travail"));
        let json = fs::read_to_string(tmp.path().join("programme.json")).unwrap();
        assert!(json.contains("\"draft\": true"));
        assert!(!tmp.path().join(LATEST).exists());
    }

    #[test]
    fn bad_options_are_refused_before_writing() {
        let s = Snapshot::build(
            &[],
            &Layout::spec_default(),
            &Event::spec_default(),
            "2018-05-30",
        );
        let opts = PublishOptions {
            csv_delimiter: '\n',
            ..PublishOptions::default()
        };
        assert!(matches!(
            render_files(&s, &[], None, Edition::Draft, &opts),
            Err(PublishError::BadOption(_))
        ));
        let staff: Vec<bool> =
            render_files(&s, &[], None, Edition::Draft, &PublishOptions::default())
                .unwrap()
                .iter()
                .map(|f| f.staff_only)
                .collect();
        assert_eq!(staff.iter().filter(|b| **b).count(), 1);
    }
}
