//! Where raw messages come from. A `Source` yields them one at a time with a
//! stable id, so the same message read twice is recognised. Two sources now:
//! a Maildir (`cur/` and `new/`, read only: nothing is moved, renamed or
//! flagged) and `.eml` files (one file, or a directory searched recursively).
//! IMAP comes later behind the same trait.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::RawMessage;

/// Messages larger than this are read only in part (their headers), and the
/// intake rejects them. Above the intake's message limit on purpose.
pub const READ_LIMIT: u64 = 64 * 1024 * 1024;
const HEAD_BYTES: u64 = 256 * 1024;
const MAX_DIR_DEPTH: usize = 16;

/// A source could not hand over a message.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path} : lecture impossible : {}", crate::os_error::problem(.path, .error))]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{0} : ni fichier .eml, ni dossier, ni Maildir")]
    NotFound(PathBuf),
    /// The path cannot be looked at (missing folder, rights).
    #[error("{0}")]
    Access(String),
}

/// A stream of raw messages. `Send`: the importer reads on its own thread.
pub trait Source: Send {
    /// A name for messages to staff (`Maildir /srv/mail`, ...).
    fn name(&self) -> String;
    /// How many messages are left to read, when known (for a progress bar).
    fn remaining(&self) -> Option<usize> {
        None
    }
    /// The next message, an error about one message (the next call goes on
    /// with the following one), or `None` at the end.
    fn next_message(&mut self) -> Option<Result<RawMessage, SourceError>>;
}

fn absolute(p: &Path) -> PathBuf {
    fs::canonicalize(p)
        .unwrap_or_else(|_| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
}

/// Reads a message file, whole up to `READ_LIMIT`, else its beginning.
fn read_message_file(path: &Path) -> std::io::Result<(Vec<u8>, u64)> {
    let mut f = fs::File::open(path)?;
    let size = f.metadata()?.len();
    let want = if size > READ_LIMIT { HEAD_BYTES } else { size };
    let mut bytes = Vec::with_capacity(want as usize);
    f.by_ref()
        .take(if size > READ_LIMIT {
            HEAD_BYTES
        } else {
            READ_LIMIT + 1
        })
        .read_to_end(&mut bytes)?;
    let size = size.max(bytes.len() as u64);
    Ok((bytes, size))
}

/// A Maildir: the messages of `cur/` and `new/`, by file name.
pub struct Maildir {
    root: PathBuf,
    /// (directory, file name), in order.
    files: Vec<(PathBuf, String)>,
    next: usize,
}

/// The unique part of a Maildir file name: before the `:2,FLAGS` suffix.
fn maildir_base(name: &str) -> &str {
    name.split_once(':').map_or(name, |(b, _)| b)
}

impl Maildir {
    /// True when `dir` looks like a Maildir (has `cur/` or `new/`).
    pub fn is_maildir(dir: &Path) -> bool {
        dir.join("cur").is_dir() || dir.join("new").is_dir()
    }

    pub fn open(root: &Path) -> Result<Maildir, SourceError> {
        let root = absolute(root);
        let mut files = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for sub in ["cur", "new"] {
            let dir = root.join(sub);
            if !dir.is_dir() {
                continue;
            }
            let entries = fs::read_dir(&dir).map_err(|error| SourceError::Read {
                path: dir.clone(),
                error,
            })?;
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') || !e.file_type().is_ok_and(|t| t.is_file()) {
                    continue;
                }
                // A message moved from new/ to cur/ during listing appears once.
                if seen.insert(maildir_base(&name).to_string()) {
                    files.push((dir.clone(), name));
                }
            }
        }
        if files.is_empty() && !Maildir::is_maildir(&root) {
            return Err(SourceError::NotFound(root));
        }
        files.sort_by(|a, b| maildir_base(&a.1).cmp(maildir_base(&b.1)));
        Ok(Maildir {
            root,
            files,
            next: 0,
        })
    }

    /// Drops from the listing the messages `seen` knows by their
    /// [`local_key`] (the daemon's watch reads only what is new).
    pub fn skip_seen(&mut self, seen: &dyn Fn(&str) -> bool) {
        let root = self.root.display().to_string();
        self.files
            .retain(|(_, name)| !seen(&format!("maildir:{root}:{}", maildir_base(name))));
    }

    /// The file now holding the message `base` (a mail client may have moved
    /// or renamed it since the listing).
    fn find_again(&self, base: &str) -> Option<PathBuf> {
        ["cur", "new"].iter().find_map(|sub| {
            fs::read_dir(self.root.join(sub))
                .ok()?
                .flatten()
                .find_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (maildir_base(&name) == base).then(|| e.path())
                })
        })
    }
}

/// Delivery time from a Maildir name (`1526283000.M1P2.host`), else the file's mtime.
fn maildir_received(name: &str, path: &Path) -> Option<DateTime<Utc>> {
    let secs: String = name.chars().take_while(char::is_ascii_digit).collect();
    if let Ok(s) = secs.parse::<i64>()
        && s > 946_684_800
        && let Some(d) = DateTime::from_timestamp(s, 0)
    {
        return Some(d);
    }
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .map(DateTime::<Utc>::from)
}

impl Source for Maildir {
    fn name(&self) -> String {
        format!("Maildir {}", self.root.display())
    }

    fn remaining(&self) -> Option<usize> {
        Some(self.files.len() - self.next)
    }

    fn next_message(&mut self) -> Option<Result<RawMessage, SourceError>> {
        let (dir, name) = self.files.get(self.next)?.clone();
        self.next += 1;
        let base = maildir_base(&name).to_string();
        let mut path = dir.join(&name);
        let read = match read_message_file(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match self.find_again(&base) {
                Some(p) => {
                    path = p;
                    read_message_file(&path)
                }
                None => Err(e),
            },
            r => r,
        };
        Some(match read {
            Ok((bytes, size)) => Ok(RawMessage {
                bytes,
                source_ref: format!("maildir:{}:{base}", self.root.display()),
                received_at: maildir_received(&base, &path),
                size,
                watermark: None,
            }),
            Err(error) => Err(SourceError::Read { path, error }),
        })
    }
}

/// `.eml` files: one file, or every `*.eml` under a directory.
pub struct EmlFiles {
    label: String,
    files: Vec<PathBuf>,
    next: usize,
}

impl EmlFiles {
    pub fn open(path: &Path) -> Result<EmlFiles, SourceError> {
        let abs = absolute(path);
        let mut files = Vec::new();
        if abs.is_file() {
            files.push(abs.clone());
        } else if abs.is_dir() {
            collect_eml(&abs, 0, &mut files)?;
            files.sort();
        } else {
            return Err(SourceError::NotFound(path.to_path_buf()));
        }
        Ok(EmlFiles {
            label: abs.display().to_string(),
            files,
            next: 0,
        })
    }
}

impl EmlFiles {
    /// Drops from the listing the files `seen` knows by their
    /// [`local_key`] (path and size: a file written again is read again).
    pub fn skip_seen(&mut self, seen: &dyn Fn(&str) -> bool) {
        self.files.retain(|p| {
            let size = fs::metadata(p).map_or(0, |m| m.len());
            !seen(&format!("file:{}#{size}", p.display()))
        });
    }
}

/// What the daemon's watch remembers of a message read from a Maildir or
/// a file, to skip it at the next look: the Maildir's unique name, or the
/// file's path and size.
pub fn local_key(raw: &RawMessage) -> String {
    if raw.source_ref.starts_with("file:") {
        format!("{}#{}", raw.source_ref, raw.size)
    } else {
        raw.source_ref.clone()
    }
}

fn collect_eml(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    if depth > MAX_DIR_DEPTH {
        return Ok(());
    }
    let entries = fs::read_dir(dir).map_err(|error| SourceError::Read {
        path: dir.into(),
        error,
    })?;
    for e in entries.flatten() {
        let p = e.path();
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() {
            collect_eml(&p, depth + 1, out)?;
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("eml")) {
            // Files and links to files; a broken link is reported when read.
            out.push(p);
        }
    }
    Ok(())
}

impl Source for EmlFiles {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn remaining(&self) -> Option<usize> {
        Some(self.files.len() - self.next)
    }

    fn next_message(&mut self) -> Option<Result<RawMessage, SourceError>> {
        let path = self.files.get(self.next)?.clone();
        self.next += 1;
        Some(match read_message_file(&path) {
            Ok((bytes, size)) => Ok(RawMessage {
                bytes,
                source_ref: format!("file:{}", path.display()),
                received_at: None,
                size,
                watermark: None,
            }),
            Err(error) => Err(SourceError::Read { path, error }),
        })
    }
}

/// The source for a path given on the command line: a Maildir, a directory
/// of `.eml` files, or one file.
pub fn open_path(path: &Path) -> Result<Box<dyn Source>, SourceError> {
    match fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(SourceError::Access(crate::os_error::path_problem(path, &e)))
        }
        Err(e) => Err(SourceError::Access(crate::os_error::path_problem(path, &e))),
        Ok(m) if m.is_dir() && Maildir::is_maildir(path) => Ok(Box::new(Maildir::open(path)?)),
        Ok(_) => Ok(Box::new(EmlFiles::open(path)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maildir_reads_cur_and_new_and_ignores_flags() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["cur", "new", "tmp"] {
            fs::create_dir(dir.path().join(sub)).unwrap();
        }
        fs::write(
            dir.path().join("new/1526283000.M1P1.host"),
            b"Subject: a\r\n\r\nx",
        )
        .unwrap();
        fs::write(
            dir.path().join("cur/1526283001.M2P1.host:2,S"),
            b"Subject: b\r\n\r\nx",
        )
        .unwrap();
        fs::write(
            dir.path().join("tmp/1526283002.M3P1.host"),
            b"Subject: c\r\n\r\nx",
        )
        .unwrap();
        let mut md = Maildir::open(dir.path()).unwrap();
        assert_eq!(md.remaining(), Some(2));
        let a = md.next_message().unwrap().unwrap();
        let b = md.next_message().unwrap().unwrap();
        assert!(md.next_message().is_none());
        let root = fs::canonicalize(dir.path()).unwrap();
        assert_eq!(
            a.source_ref,
            format!("maildir:{}:1526283000.M1P1.host", root.display())
        );
        assert_eq!(
            b.source_ref,
            format!("maildir:{}:1526283001.M2P1.host", root.display())
        );
        assert_eq!(a.received_at.unwrap().timestamp(), 1526283000);

        // Flags changed by a mail client: same source id.
        fs::rename(
            dir.path().join("cur/1526283001.M2P1.host:2,S"),
            dir.path().join("cur/1526283001.M2P1.host:2,RS"),
        )
        .unwrap();
        let mut md = Maildir::open(dir.path()).unwrap();
        md.next_message();
        assert_eq!(md.next_message().unwrap().unwrap().source_ref, b.source_ref);
    }

    #[test]
    fn message_moved_after_listing_is_still_read() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["cur", "new"] {
            fs::create_dir(dir.path().join(sub)).unwrap();
        }
        fs::write(
            dir.path().join("new/1526283000.M1P1.host"),
            b"Subject: a\r\n\r\nx",
        )
        .unwrap();
        let mut md = Maildir::open(dir.path()).unwrap();
        fs::rename(
            dir.path().join("new/1526283000.M1P1.host"),
            dir.path().join("cur/1526283000.M1P1.host:2,S"),
        )
        .unwrap();
        assert_eq!(
            md.next_message().unwrap().unwrap().bytes,
            b"Subject: a\r\n\r\nx"
        );
    }

    #[test]
    fn eml_directory_is_searched_recursively_in_order() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("b.eml"), b"x").unwrap();
        fs::write(dir.path().join("sub/a.EML"), b"y").unwrap();
        fs::write(dir.path().join("notes.txt"), b"z").unwrap();
        let mut s = open_path(dir.path()).unwrap();
        let mut refs = Vec::new();
        while let Some(m) = s.next_message() {
            refs.push(m.unwrap().source_ref);
        }
        assert_eq!(refs.len(), 2);
        assert!(
            refs[0].ends_with("b.eml") && refs[1].ends_with("sub/a.EML"),
            "{refs:?}"
        );
        assert!(open_path(&dir.path().join("missing")).is_err());
    }
}
