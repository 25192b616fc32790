//! The files of a publication and where they go.
//!
//! [`render_files`] (pure) renders every file of a snapshot in memory;
//! [`write_publication`] lays the public ones into `ROOT/YYYY-MM-DD-NNN/`
//! (written in a hidden temporary folder, then renamed, so a folder is never
//! half written) and points `ROOT/latest` at it, and the staff's into
//! `INTERNAL/YYYY-MM-DD-NNN/` — `[publish] internal_dir`, a folder outside
//! the public one (checked), so that the public folder can be copied to the
//! website or sent as it is; [`write_draft`] writes the watermarked draft
//! files into a folder of the caller's choice (the staff's into
//! `INTERNAL/brouillon/`).
//!
//! Public files (French names) — the programme only: no waiting list, no
//! refusal, no contact data, long texts cut (see `snapshot`):
//!
//! | file | content |
//! | --- | --- |
//! | `programme.html` | standalone page, every kind's list |
//! | `programme-fragment.html` | SPIP-ready fragment, every list (see `html`) |
//! | `LIST.html`, `LIST-fragment.html` | one kind's list |
//! | `LIST.csv` | one CSV per kind |
//! | `programme.xlsx` | one sheet per kind |
//! | `programme.json` | the lists as JSON (see `json`) |
//! | `changements.txt`, `changements.html` | the public changelog (programme only) |
//!
//! `LIST` is the kind's list heading (`plural` in the call definition) made
//! safe for a file name ([`kind_stems`]): `micro-ateliers`,
//! `bourse-aux-projets` for the 2018 call.
//!
//! Internal files (staff only):
//!
//! | file | content |
//! | --- | --- |
//! | `suivi-complet.xlsx` | every proposal with every field, the waiting lists |
//! | `changements-equipe.txt`, `changements-equipe.html` | the whole changelog, waiting lists included |

use std::fs;
use std::path::{Component, Path, PathBuf};

use super::diff::Changes;
use super::html::{self, Part};
use super::snapshot::Snapshot;
use super::{Edition, Entry, Publication, PublishError, PublishOptions, csv, json, labels, xlsx};

/// One rendered file: its name in its folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
    /// Not for the website nor the partners: written in the internal folder.
    pub staff_only: bool,
}

/// The public files of every publication, whatever the kinds (see
/// [`public_files`] for all of them).
pub const FIXED_PUBLIC_FILES: [&str; 6] = [
    "programme.html",
    "programme-fragment.html",
    "programme.xlsx",
    "programme.json",
    "changements.txt",
    "changements.html",
];

/// The stem of each kind's files, in the definition's order: its list
/// heading made safe ("Bourse aux projets" → `bourse-aux-projets`); its
/// key when that is empty or taken (by `programme`, `changements` or an
/// earlier kind).
pub fn kind_stems() -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for k in &crate::call::current().kinds {
        let taken = |stem: &str| {
            stem.is_empty()
                || stem.starts_with("programme")
                || stem.starts_with("changements")
                || out.iter().any(|(_, s)| s == stem)
        };
        let mut stem = labels::slug(&k.plural);
        if taken(&stem) {
            stem = labels::slug(&k.key);
        }
        let base = stem.clone();
        let mut n = 2;
        while taken(&stem) {
            stem = format!("{}-{n}", if base.is_empty() { "liste" } else { &base });
            n += 1;
        }
        out.push((k.key.as_str(), stem));
    }
    out
}

/// The files of one kind's list.
fn kind_files(stem: &str) -> [String; 3] {
    [
        format!("{stem}.html"),
        format!("{stem}-fragment.html"),
        format!("{stem}.csv"),
    ]
}

/// The public files of a publication under the definition in use (what
/// may be attached for the partners).
pub fn public_files() -> Vec<String> {
    let mut out: Vec<String> = FIXED_PUBLIC_FILES.iter().map(|s| s.to_string()).collect();
    for (_, stem) in kind_stems() {
        out.extend(kind_files(&stem));
    }
    out
}

/// Whether `name` can be a public file of a publication, by its shape
/// alone (a fixed file, or `LIST.html`, `LIST-fragment.html`, `LIST.csv`
/// with `LIST` in lower-case letters, digits and `-`). Used where the call
/// definition may not be installed yet (reading `config.toml`).
pub fn is_public_file_name(name: &str) -> bool {
    if FIXED_PUBLIC_FILES.contains(&name) {
        return true;
    }
    let stem = name
        .strip_suffix("-fragment.html")
        .or_else(|| name.strip_suffix(".html"))
        .or_else(|| name.strip_suffix(".csv"));
    stem.is_some_and(|s| {
        !s.is_empty()
            && !s.starts_with('-')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// The staff's files, in the internal folder.
pub const INTERNAL_FILES: [&str; 3] = [
    "suivi-complet.xlsx",
    "changements-equipe.txt",
    "changements-equipe.html",
];

/// The link to the newest publication.
pub const LATEST: &str = "latest";
/// The internal folder's subfolder for drafts.
pub const DRAFT_DIR: &str = "brouillon";

fn public(path: &str, bytes: impl Into<Vec<u8>>) -> OutputFile {
    OutputFile {
        path: path.to_string(),
        bytes: bytes.into(),
        staff_only: false,
    }
}

fn internal(path: &str, bytes: impl Into<Vec<u8>>) -> OutputFile {
    OutputFile {
        path: path.to_string(),
        bytes: bytes.into(),
        staff_only: true,
    }
}

/// The banner a draft's changelog starts with.
fn draft_note(snapshot: &Snapshot) -> String {
    format!(
        "Document de travail — listes provisoires, à ne pas diffuser (état au {}).\n\n",
        super::labels::date_fr(&snapshot.taken_at)
    )
}

/// Every file of `snapshot` (see the module doc); the changelog files only
/// when `changes` is given: the public one with the programme's changes
/// only, the staff's with everything.
pub fn render_files(
    snapshot: &Snapshot,
    entries: &[Entry],
    changes: Option<&Changes>,
    edition: Edition,
    opts: &PublishOptions,
) -> Result<Vec<OutputFile>, PublishError> {
    opts.validate_csv()?;
    let csv_opts = opts.csv();
    let mut files = Vec::with_capacity(16);
    files.push(public(
        "programme.html",
        html::page(snapshot, edition, Part::Programme),
    ));
    files.push(public(
        "programme-fragment.html",
        html::fragment(snapshot, edition, Part::Programme),
    ));
    let stems = kind_stems();
    for section in &snapshot.kinds {
        let Some((_, stem)) = stems.iter().find(|(k, _)| *k == section.kind) else {
            continue;
        };
        let [page, fragment, list] = kind_files(stem);
        let part = Part::Kind(&section.kind);
        files.push(public(&page, html::page(snapshot, edition, part)));
        files.push(public(&fragment, html::fragment(snapshot, edition, part)));
        files.push(public(
            &list,
            csv::list(snapshot, section, &csv_opts, edition),
        ));
    }
    files.push(public(
        "programme.xlsx",
        xlsx::programme(snapshot, edition)?,
    ));
    files.push(public(
        "programme.json",
        json::programme(snapshot, edition)?,
    ));
    let note = if edition.is_draft() {
        draft_note(snapshot)
    } else {
        String::new()
    };
    if let Some(c) = changes {
        let p = c.public();
        files.push(public("changements.txt", format!("{note}{}", p.text())));
        files.push(public("changements.html", p.html_with_note(&note)));
        files.push(internal(
            "changements-equipe.txt",
            format!("{note}{}", c.text()),
        ));
        files.push(internal("changements-equipe.html", c.html_with_note(&note)));
    }
    files.push(internal(
        "suivi-complet.xlsx",
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

fn write_all<'a>(
    dir: &Path,
    files: impl Iterator<Item = &'a OutputFile>,
) -> Result<Vec<PathBuf>, PublishError> {
    let mut written = Vec::new();
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

/// `path` without `.` and with `..` taken lexically (it may not exist yet).
fn normal(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    // Through symbolic links, where the folder exists.
    fs::canonicalize(&out).unwrap_or(out)
}

/// Whether one of two folders is inside the other (or they are the same).
pub fn nested(a: &Path, b: &Path) -> bool {
    let (a, b) = (normal(a), normal(b));
    a.starts_with(&b) || b.starts_with(&a)
}

/// Refuses an internal folder inside the public one (or the other way
/// round): the staff's files would be published.
pub fn check_folders(public_root: &Path, internal_root: &Path) -> Result<(), PublishError> {
    if nested(public_root, internal_root) {
        return Err(PublishError::BadOption(format!(
            "le dossier interne {} et le dossier public {} ne doivent pas être l'un dans l'autre : \
             les fichiers de l'équipe (adresses, listes d'attente) seraient publiés ; \
             choisir [publish] internal_dir hors de output_dir",
            internal_root.display(),
            public_root.display()
        )));
    }
    Ok(())
}

/// Writes `files` into `root/name` through a hidden temporary folder
/// renamed at the end. Refuses an existing folder.
fn write_folder<'a>(
    root: &Path,
    name: &str,
    files: impl Iterator<Item = &'a OutputFile>,
) -> Result<PathBuf, PublishError> {
    fs::create_dir_all(root).map_err(io(root))?;
    let dir = root.join(name);
    if dir.exists() {
        return Err(PublishError::AlreadyExists(dir));
    }
    let tmp = root.join(format!(".{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    fs::create_dir(&tmp).map_err(io(&tmp))?;
    if let Err(e) = write_all(&tmp, files) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    fs::rename(&tmp, &dir).map_err(io(&dir))?;
    Ok(dir)
}

/// Writes publication `publication`: its public files into
/// `root/YYYY-MM-DD-NNN/` (`root` is normally `opts.output_dir`) and, when
/// `opts.latest_link`, points `root/latest` at it; the staff's files into
/// `opts.internal_dir/YYYY-MM-DD-NNN/`. Refuses to overwrite an existing
/// publication, and an internal folder inside the public one. Returns the
/// public folder.
pub fn write_publication(
    root: &Path,
    publication: &Publication,
    entries: &[Entry],
    changes: &Changes,
    opts: &PublishOptions,
) -> Result<PathBuf, PublishError> {
    check_folders(root, &opts.internal_dir)?;
    let files = render_files(
        &publication.snapshot,
        entries,
        Some(changes),
        publication.edition(),
        opts,
    )?;
    let name = publication.dir_name();
    let internal_dir = opts.internal_dir.join(&name);
    if internal_dir.exists() {
        return Err(PublishError::AlreadyExists(internal_dir));
    }
    let dir = write_folder(root, &name, files.iter().filter(|f| !f.staff_only))?;
    restrict(&opts.internal_dir);
    write_folder(
        &opts.internal_dir,
        &name,
        files.iter().filter(|f| f.staff_only),
    )?;
    if opts.latest_link {
        point_latest(root, &name)?;
    }
    Ok(dir)
}

/// The internal folder is for staff: no access for others (best effort,
/// the folder may belong to someone else).
fn restrict(dir: &Path) {
    if fs::create_dir_all(dir).is_ok() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = fs::metadata(dir) {
                let mode = meta.permissions().mode() & 0o7777;
                if mode & 0o007 != 0 {
                    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(mode & !0o007));
                }
            }
        }
    }
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
/// files of an earlier draft there, and the staff's draft files into
/// `opts.internal_dir/brouillon/`. No publication is created. Returns the
/// paths written.
pub fn write_draft(
    dir: &Path,
    snapshot: &Snapshot,
    entries: &[Entry],
    changes: Option<&Changes>,
    opts: &PublishOptions,
) -> Result<Vec<PathBuf>, PublishError> {
    let internal_dir = opts.internal_dir.join(DRAFT_DIR);
    check_folders(dir, &internal_dir)?;
    let files = render_files(snapshot, entries, changes, Edition::Draft, opts)?;
    fs::create_dir_all(dir).map_err(io(dir))?;
    let mut written = write_all(dir, files.iter().filter(|f| !f.staff_only))?;
    restrict(&opts.internal_dir);
    fs::create_dir_all(&internal_dir).map_err(io(&internal_dir))?;
    written.extend(write_all(
        &internal_dir,
        files.iter().filter(|f| f.staff_only),
    )?);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Layout;
    use crate::publish::tests::sample_entries;
    use crate::publish::{Event, compare};

    fn opts_in(root: &Path) -> PublishOptions {
        PublishOptions {
            output_dir: root.join("publications"),
            internal_dir: root.join("interne"),
            ..PublishOptions::default()
        }
    }

    #[test]
    fn publications_are_numbered_folders_with_latest_and_staff_files_elsewhere() {
        let tmp = tempfile::tempdir().unwrap();
        let opts = opts_in(tmp.path());
        let root = opts.output_dir.clone();
        let entries = sample_entries();
        let layout = Layout::spec_default();
        let s1 = Snapshot::build(
            &entries,
            &layout,
            &Event::spec_default(),
            "2018-05-28T08:00:00+02:00",
        );
        let (p1, c1) = Publication::new(1, "marie", s1.clone(), None).unwrap();
        let d1 = write_publication(&root, &p1, &entries, &c1, &opts).unwrap();
        assert_eq!(d1, root.join("2018-05-28-001"));
        let mut listing: Vec<String> = fs::read_dir(&d1)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        listing.sort();
        let mut public = public_files();
        public.sort();
        assert_eq!(public.len(), 12);
        assert!(public.contains(&"micro-ateliers.csv".to_string()));
        assert!(public.contains(&"bourse-aux-projets-fragment.html".to_string()));
        assert_eq!(
            listing, public,
            "the public folder holds the public files only"
        );
        for n in INTERNAL_FILES {
            assert!(
                opts.internal_dir.join("2018-05-28-001").join(n).is_file(),
                "{n}"
            );
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
        // The public changelog names no one waiting; the staff's does.
        let public = fs::read_to_string(d1.join("changements.txt")).unwrap();
        assert!(
            !public.contains("attente") && !public.contains("Lyon"),
            "{public}"
        );
        let staff = fs::read_to_string(
            opts.internal_dir
                .join("2018-05-28-001")
                .join("changements-equipe.txt"),
        )
        .unwrap();
        assert!(staff.contains("Ville de Lyon — micro-atelier, 2e sur la liste d'attente"));
        // Same number again: refused.
        assert!(matches!(
            write_publication(&root, &p1, &entries, &c1, &opts),
            Err(PublishError::AlreadyExists(_))
        ));
        // An internal folder inside the public one: refused before writing.
        let bad = PublishOptions {
            internal_dir: root.join("interne"),
            ..opts.clone()
        };
        let mut s2 = s1.clone();
        s2.taken_at = "2018-06-04T08:00:00+02:00".into();
        let (p2, c2) = Publication::new(2, "marie", s2, Some(&s1)).unwrap();
        assert!(matches!(
            write_publication(&root, &p2, &entries, &c2, &bad),
            Err(PublishError::BadOption(_))
        ));
        assert!(!root.join("2018-06-04-002").exists());
        let d2 = write_publication(&root, &p2, &entries, &c2, &opts).unwrap();
        assert_eq!(
            fs::read_link(root.join("latest")).unwrap(),
            PathBuf::from("2018-06-04-002")
        );
        assert!(d2.join("programme.html").is_file());
        assert!(root.join("latest/programme.html").is_file());
        assert!(!root.join("latest/suivi-complet.xlsx").exists());
    }

    #[test]
    fn drafts_are_watermarked_in_every_format_and_not_numbered() {
        let tmp = tempfile::tempdir().unwrap();
        let opts = opts_in(tmp.path());
        let out = tmp.path().join("brouillon");
        let entries = sample_entries();
        let s = Snapshot::build(
            &entries,
            &Layout::spec_default(),
            &Event::spec_default(),
            "2018-05-30T16:00:00+02:00",
        );
        let changes = compare(None, &s);
        let paths = write_draft(&out, &s, &entries, Some(&changes), &opts).unwrap();
        assert_eq!(paths.len(), public_files().len() + INTERNAL_FILES.len());
        for n in public_files() {
            let bytes = fs::read(out.join(&n)).unwrap();
            let marked = if n.ends_with(".xlsx") {
                let mut x: calamine::Xlsx<_> =
                    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
                use calamine::Reader;
                let names = x.sheet_names();
                names.iter().any(|sheet| {
                    x.worksheet_range(sheet).unwrap().rows().any(|r| {
                        r.iter()
                            .any(|c| c.to_string().to_lowercase().contains("document de travail"))
                    })
                })
            } else if n.ends_with(".json") {
                String::from_utf8(bytes)
                    .unwrap()
                    .contains("\"draft\": true")
            } else {
                String::from_utf8(bytes)
                    .unwrap()
                    .to_lowercase()
                    .contains("document de travail")
            };
            assert!(marked, "{n} is not marked as a draft");
        }
        for n in INTERNAL_FILES {
            assert!(opts.internal_dir.join(DRAFT_DIR).join(n).is_file(), "{n}");
        }
        assert!(!out.join(LATEST).exists());
        assert!(!out.join("suivi-complet.xlsx").exists());
    }

    #[test]
    fn public_file_names_by_shape() {
        for n in public_files() {
            assert!(is_public_file_name(&n), "{n}");
        }
        assert!(is_public_file_name("tables-rondes.csv"));
        assert!(!is_public_file_name("suivi-complet.xlsx"));
        assert!(!is_public_file_name("../x.csv"));
        assert!(!is_public_file_name(".csv"));
        assert_eq!(
            kind_stems(),
            vec![
                ("micro_atelier", "micro-ateliers".to_string()),
                ("bourse_projets", "bourse-aux-projets".to_string())
            ]
        );
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
        assert!(nested(Path::new("/a/b"), Path::new("/a/b/c/../d")));
        assert!(nested(Path::new("/a/b/./c"), Path::new("/a/b")));
        assert!(!nested(Path::new("/a/b"), Path::new("/a/bc")));
    }
}
