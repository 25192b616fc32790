//! A zip reader for hostile input: every DOCX, XLSX, ODT and ODS arrives by
//! email from anyone, so the container is opened with `Limits` enforced on the
//! file size, the number of entries, and on every byte inflated (per entry,
//! in total, and the inflate ratio, following Apache POI's `ZipSecureFile`).
//!
//! Declared sizes are never trusted: inflation goes through a counting loop
//! that stops as soon as a limit is crossed, and no buffer is sized from a
//! declared size beyond a small cap. The ratio is measured, as POI does, on
//! the compressed bytes actually pulled from the archive so far, so a lying
//! header cannot buy a bigger allowance.

use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use zip::ZipArchive;
use zip::result::ZipError;

use super::limits::Limits;
use super::model::FicheError;

/// Size of the inflate chunk, and the cap on the initial buffer of an entry.
const CHUNK: usize = 16 * 1024;
const INITIAL_CAP: u64 = 1024 * 1024;
/// Signature of a central directory file header.
const CENTRAL_HEADER: &[u8; 4] = b"PK\x01\x02";

/// A byte-slice cursor that counts the bytes read through it, so the inflate
/// ratio can be measured on the compressed bytes really consumed.
struct CountingCursor<'a> {
    inner: Cursor<&'a [u8]>,
    read: Arc<AtomicU64>,
}

impl Read for CountingCursor<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Seek for CountingCursor<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// A zip archive opened from bytes, with `Limits` enforced on every read.
pub struct SafeZip<'a> {
    archive: ZipArchive<CountingCursor<'a>>,
    raw_read: Arc<AtomicU64>,
    names: Vec<String>,
    limits: Limits,
    total_inflated: u64,
    /// One inflate buffer for every entry read.
    buf: Vec<u8>,
}

impl std::fmt::Debug for SafeZip<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SafeZip")
            .field("names", &self.names)
            .field("total_inflated", &self.total_inflated)
            .finish_non_exhaustive()
    }
}

/// Human size for messages: "50 Mio", "100 Kio", "12 octets".
pub(crate) fn human_bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * 1024 * 1024;
    if n >= GIB && n.is_multiple_of(GIB) {
        format!("{} Gio", n / GIB)
    } else if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} Mio", n / MIB)
    } else if n >= MIB {
        format!("{:.1} Mio", n as f64 / MIB as f64)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} Kio", n / KIB)
    } else if n >= KIB {
        format!("{:.1} Kio", n as f64 / KIB as f64)
    } else {
        format!("{n} octets")
    }
}

/// Counts central directory signatures: an upper bound on the entries any
/// parse of these bytes can yield (each central header starts with one and
/// takes at least 46 bytes), found without trusting any declared count.
fn count_central_headers(bytes: &[u8], stop_after: usize) -> usize {
    memchr::memmem::find_iter(bytes, CENTRAL_HEADER)
        .take(stop_after.saturating_add(1))
        .count()
}

fn open_error(e: ZipError) -> FicheError {
    match e {
        ZipError::UnsupportedArchive(_) | ZipError::CompressionMethodNotSupported(_) => {
            FicheError::corrupt("archive zip d'un type non pris en charge")
        }
        ZipError::InvalidPassword => FicheError::corrupt("archive zip chiffrée"),
        _ => FicheError::corrupt("archive zip tronquée ou endommagée"),
    }
}

fn entry_error(name: &str, e: ZipError) -> FicheError {
    match e {
        ZipError::UnsupportedArchive(msg) if msg.to_ascii_lowercase().contains("password") => {
            FicheError::corrupt(format!(
                "l'entrée {name} est chiffrée (document protégé par mot de passe)"
            ))
        }
        ZipError::InvalidPassword => FicheError::corrupt(format!(
            "l'entrée {name} est chiffrée (document protégé par mot de passe)"
        )),
        ZipError::UnsupportedArchive(_) | ZipError::CompressionMethodNotSupported(_) => {
            FicheError::corrupt(format!(
                "l'entrée {name} utilise une méthode de compression non prise en charge"
            ))
        }
        ZipError::FileNotFound => {
            FicheError::corrupt(format!("l'entrée {name} est absente de l'archive"))
        }
        _ => FicheError::corrupt(format!("l'entrée {name} est tronquée ou endommagée")),
    }
}

fn read_error(name: &str, e: &io::Error) -> FicheError {
    if e.to_string().to_ascii_lowercase().contains("checksum") {
        FicheError::corrupt(format!(
            "l'entrée {name} est endommagée (somme de contrôle incorrecte)"
        ))
    } else {
        FicheError::corrupt(format!(
            "l'entrée {name} est endommagée (données compressées invalides)"
        ))
    }
}

/// What to do with inflated bytes.
enum Sink<'v> {
    Keep(&'v mut Vec<u8>),
    Discard,
}

impl<'a> SafeZip<'a> {
    /// Opens a zip archive held in memory. Refuses files over
    /// `max_file_bytes` or with more than `max_zip_entries` entries
    /// (`TooLarge`), and anything that is not a readable zip (`Corrupt`).
    pub fn open(bytes: &'a [u8], limits: &Limits) -> Result<SafeZip<'a>, FicheError> {
        let len = bytes.len() as u64;
        if len > limits.max_file_bytes {
            return Err(FicheError::too_large(format!(
                "le fichier fait {}, au-delà de {}",
                human_bytes(len),
                human_bytes(limits.max_file_bytes)
            )));
        }
        if count_central_headers(bytes, limits.max_zip_entries) > limits.max_zip_entries {
            return Err(too_many_entries(limits));
        }
        let raw_read = Arc::new(AtomicU64::new(0));
        let cursor = CountingCursor {
            inner: Cursor::new(bytes),
            read: Arc::clone(&raw_read),
        };
        let archive = ZipArchive::new(cursor).map_err(open_error)?;
        if archive.len() > limits.max_zip_entries {
            return Err(too_many_entries(limits));
        }
        if archive.has_duplicate_names() {
            return Err(FicheError::corrupt(
                "l'archive zip contient deux entrées du même nom (fichier suspect)",
            ));
        }
        let mut names = Vec::with_capacity(archive.len());
        for i in 0..archive.len() {
            let name = match archive.name_for_index(i) {
                Some(Ok(name)) => name.into_owned(),
                _ => return Err(FicheError::corrupt("archive zip au nom d'entrée illisible")),
            };
            names.push(name);
        }
        Ok(SafeZip {
            archive,
            raw_read,
            names,
            limits: *limits,
            total_inflated: 0,
            buf: Vec::new(),
        })
    }

    /// Entry names, in central directory order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether an entry has exactly this name (case-sensitive).
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// The stored name of the entry matching `name` ignoring ASCII case and
    /// `\` versus `/` (OPC part names are case-insensitive, and some Windows
    /// tools write backslashes). An exact match wins.
    pub fn find(&self, name: &str) -> Option<&str> {
        if let Some(n) = self.names.iter().find(|n| *n == name) {
            return Some(n);
        }
        // Compared byte by byte, `\\` as `/`, ASCII case aside: no copy.
        let same = |a: &str, b: &str| {
            a.len() == b.len()
                && a.bytes().zip(b.bytes()).all(|(x, y)| {
                    let n = |c: u8| {
                        if c == b'\\' {
                            b'/'
                        } else {
                            c.to_ascii_lowercase()
                        }
                    };
                    n(x) == n(y)
                })
        };
        let wanted = name.trim_start_matches('/');
        self.names
            .iter()
            .find(|n| same(n.trim_start_matches('/'), wanted))
            .map(String::as_str)
    }

    /// Inflated bytes read so far across all entries.
    pub fn total_inflated(&self) -> u64 {
        self.total_inflated
    }

    /// Inflates one entry (exact name), aborting with `TooLarge` as soon as
    /// a limit is crossed.
    pub fn read(&mut self, name: &str) -> Result<Vec<u8>, FicheError> {
        let index = self.index_of(name)?;
        let mut out = Vec::new();
        self.inflate(index, Sink::Keep(&mut out), u64::MAX)?;
        Ok(out)
    }

    /// Inflates at most `max` bytes of the start of an entry (for sniffing).
    /// Limits apply to what is inflated.
    pub fn read_prefix(&mut self, name: &str, max: usize) -> Result<Vec<u8>, FicheError> {
        let index = self.index_of(name)?;
        let mut out = Vec::new();
        self.inflate(index, Sink::Keep(&mut out), max as u64)?;
        out.truncate(max);
        Ok(out)
    }

    /// Inflates and discards every entry whose name matches `filter`, with
    /// the same limits as `read`: proves a zip is safe before handing it to
    /// a reader that does its own unzipping (calamine).
    pub fn check_entries(&mut self, filter: impl Fn(&str) -> bool) -> Result<(), FicheError> {
        for index in 0..self.names.len() {
            if self.names[index].ends_with('/') || !filter(&self.names[index]) {
                continue;
            }
            self.inflate(index, Sink::Discard, u64::MAX)?;
        }
        Ok(())
    }

    /// Checks the sizes the central directory declares for every entry whose
    /// name matches `filter` against the limits (per entry, in total, and
    /// the inflate ratio), without inflating anything. Enough before handing
    /// the archive to a reader built on the same `zip` crate (calamine): that
    /// crate never yields more bytes than an entry declares (a lying entry
    /// fails with an error instead), so the declared sizes bound the work.
    pub fn check_declared(&mut self, filter: impl Fn(&str) -> bool) -> Result<(), FicheError> {
        let limits = self.limits;
        let mut total: u64 = 0;
        for index in 0..self.names.len() {
            if self.names[index].ends_with('/') || !filter(&self.names[index]) {
                continue;
            }
            let entry = self
                .archive
                .by_index_raw(index)
                .map_err(|e| entry_error(&self.names[index], e))?;
            let (size, compressed) = (entry.size(), entry.compressed_size().max(1));
            let name = &self.names[index];
            if size > limits.max_entry_bytes {
                return Err(FicheError::too_large(format!(
                    "l'entrée {name} dépasse {} une fois décompressée",
                    human_bytes(limits.max_entry_bytes)
                )));
            }
            total = total.saturating_add(size);
            if total > limits.max_total_bytes {
                return Err(FicheError::too_large(format!(
                    "le contenu décompressé de l'archive dépasse {} au total",
                    human_bytes(limits.max_total_bytes)
                )));
            }
            if size > limits.ratio_grace_bytes
                && size > limits.max_inflate_ratio.saturating_mul(compressed)
            {
                return Err(FicheError::too_large(format!(
                    "l'entrée {name} se décompresse plus de {} fois (bombe de décompression probable)",
                    limits.max_inflate_ratio
                )));
            }
        }
        Ok(())
    }

    fn index_of(&self, name: &str) -> Result<usize, FicheError> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| FicheError::corrupt(format!("l'entrée {name} est absente de l'archive")))
    }

    /// The single inflate loop: counts every inflated byte and checks the
    /// limits after each chunk, before keeping it.
    fn inflate(
        &mut self,
        index: usize,
        mut sink: Sink<'_>,
        stop_at: u64,
    ) -> Result<(), FicheError> {
        let limits = self.limits;
        let name = self.names[index].clone();
        let mut entry = self
            .archive
            .by_index(index)
            .map_err(|e| entry_error(&name, e))?;
        // The local header was just parsed; count only compressed data from here.
        self.raw_read.store(0, Ordering::Relaxed);
        if let Sink::Keep(out) = &mut sink {
            let declared = entry.size().min(INITIAL_CAP).min(stop_at);
            out.reserve(usize::try_from(declared).unwrap_or(0));
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.resize(CHUNK, 0);
        let mut inflated: u64 = 0;
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(read_error(&name, &e)),
            };
            inflated += n as u64;
            self.total_inflated += n as u64;
            let raw = self.raw_read.load(Ordering::Relaxed).max(1);
            if inflated > limits.max_entry_bytes {
                return Err(FicheError::too_large(format!(
                    "l'entrée {name} dépasse {} une fois décompressée",
                    human_bytes(limits.max_entry_bytes)
                )));
            }
            if self.total_inflated > limits.max_total_bytes {
                return Err(FicheError::too_large(format!(
                    "le contenu décompressé de l'archive dépasse {} au total",
                    human_bytes(limits.max_total_bytes)
                )));
            }
            if inflated > limits.ratio_grace_bytes
                && inflated > limits.max_inflate_ratio.saturating_mul(raw)
            {
                return Err(FicheError::too_large(format!(
                    "l'entrée {name} se décompresse plus de {} fois (bombe de décompression probable)",
                    limits.max_inflate_ratio
                )));
            }
            if let Sink::Keep(out) = &mut sink {
                out.extend_from_slice(&buf[..n]);
            }
            if inflated >= stop_at {
                break;
            }
        }
        self.buf = buf;
        Ok(())
    }
}

fn too_many_entries(limits: &Limits) -> FicheError {
    FicheError::too_large(format!(
        "l'archive zip contient plus de {} entrées",
        limits.max_zip_entries
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fiche::test_support::{build_zip, fixture};

    #[test]
    fn reads_a_real_docx() {
        let bytes = fixture(
            "corpus/fiches/02-fiche-bourse-aux-projets-conseil-departemental-de-l-isere.docx",
        );
        let mut zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
        assert!(zip.has("word/document.xml"));
        assert!(!zip.has("Word/Document.xml"));
        assert_eq!(zip.find("Word/Document.XML"), Some("word/document.xml"));
        assert_eq!(zip.find("word\\document.xml"), Some("word/document.xml"));
        assert_eq!(zip.find("word/nope.xml"), None);
        let xml = zip.read("word/document.xml").unwrap();
        assert!(xml.starts_with(b"<?xml"));
        assert_eq!(zip.total_inflated(), xml.len() as u64);
        // All entries of the real file pass the limits.
        zip.check_entries(|_| true).unwrap();
        let prefix = zip.read_prefix("word/document.xml", 5).unwrap();
        assert_eq!(prefix, b"<?xml");
    }

    #[test]
    fn missing_entry_is_corrupt() {
        let bytes = build_zip(&[("a.txt", b"hello")]);
        let mut zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
        let err = zip.read("b.txt").unwrap_err();
        assert_eq!(err.code(), "corrupt");
        assert!(err.to_string().contains("b.txt"), "{err}");
    }

    #[test]
    fn file_over_max_file_bytes_is_too_large() {
        let bytes = build_zip(&[("a.txt", b"hello")]);
        let limits = Limits {
            max_file_bytes: 10,
            ..Limits::default()
        };
        let err = SafeZip::open(&bytes, &limits).unwrap_err();
        assert_eq!(err.code(), "too_large");
    }

    #[test]
    fn entry_limit_total_limit_and_ratio() {
        // 300 KiB of varied text: compresses well under 100×, passes the ratio.
        let varied: Vec<u8> = (0..300 * 1024u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
            .collect();
        let spaces = vec![b' '; 2 * 1024 * 1024];
        let bytes = build_zip(&[("varied.bin", &varied), ("spaces.txt", &spaces)]);

        let mut zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
        assert_eq!(zip.read("varied.bin").unwrap(), varied);
        let err = zip.read("spaces.txt").unwrap_err();
        assert_eq!(err.code(), "too_large");
        assert!(err.to_string().contains("bombe de décompression"), "{err}");

        let limits = Limits {
            max_entry_bytes: 100 * 1024,
            ..Limits::default()
        };
        let mut zip = SafeZip::open(&bytes, &limits).unwrap();
        let err = zip.read("varied.bin").unwrap_err();
        assert!(
            err.to_string()
                .contains("l'entrée varied.bin dépasse 100 Kio"),
            "{err}"
        );

        let limits = Limits {
            max_total_bytes: 500 * 1024,
            max_inflate_ratio: u64::MAX,
            ..Limits::default()
        };
        let mut zip = SafeZip::open(&bytes, &limits).unwrap();
        zip.read("varied.bin").unwrap();
        let err = zip.read("spaces.txt").unwrap_err();
        assert!(
            err.to_string().contains("dépasse 500 Kio au total"),
            "{err}"
        );
        // check_entries applies the same rules.
        let mut zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
        zip.check_entries(|n| n.ends_with(".bin")).unwrap();
        assert_eq!(zip.check_entries(|_| true).unwrap_err().code(), "too_large");
    }

    #[test]
    fn counts_central_headers() {
        assert_eq!(count_central_headers(b"", 10), 0);
        assert_eq!(
            count_central_headers(b"PK\x01\x02PK\x01\x02xxPK\x01", 10),
            2
        );
        assert_eq!(
            count_central_headers(b"PK\x01\x02PK\x01\x02PK\x01\x02", 1),
            2
        );
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_bytes(50 * 1024 * 1024), "50 Mio");
        assert_eq!(human_bytes(100 * 1024), "100 Kio");
        assert_eq!(human_bytes(12), "12 octets");
        assert_eq!(human_bytes(1 << 30), "1 Gio");
    }
}
