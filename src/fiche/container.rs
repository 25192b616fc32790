//! Files that hold other files: a plain `.zip` archive, and Outlook's
//! `winmail.dat` (TNEF), which Outlook sends instead of the attachments
//! themselves when it uses its rich text format. Both are opened here,
//! under the same limits as any file, and give the files inside them (name
//! and bytes), each then read like any attachment.
//!
//! The TNEF reader is a small bounded one (no kept Rust crate reads TNEF):
//! it walks the attribute stream (`level`, `id`, `length`, data, checksum),
//! takes each attachment's data (`attAttachData`) and its name (the long
//! file name in its MAPI properties, else `attAttachTitle`). Every length is
//! checked against what is left of the input, and counts are bounded, so a
//! lying stream ends the reading with an error, never a crash.

use super::limits::Limits;
use super::model::FicheError;
use super::zipsafe::SafeZip;

/// Files read from one container, at most (the rest is named in a note).
pub(crate) const MAX_INNER_FILES: usize = 20;

/// One file found in a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inner {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What a container gave: its files, and what was left out (a limit
/// reached is `TooLarge`, naming the files not read).
#[derive(Debug, Default)]
pub(crate) struct Opened {
    pub files: Vec<Inner>,
    pub notes: Vec<FicheError>,
}

/// Files of a container left out past `MAX_INNER_FILES`, named (the first
/// ten, then a count).
fn left_out_note(what: &str, names: &[String]) -> FicheError {
    const SHOWN: usize = 10;
    let mut list = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        list.push_str(&format!(" et {} autre(s)", names.len() - SHOWN));
    }
    FicheError::too_large(format!(
        "{what} contient {} fichier(s) de plus, non lu(s) (au-delà de {MAX_INNER_FILES}) : {list} ; les ouvrir à la main",
        names.len()
    ))
}

const TNEF_SIGNATURE: u32 = 0x223E_9F78;

/// True for Outlook's TNEF stream (`winmail.dat`).
pub fn is_tnef(bytes: &[u8]) -> bool {
    bytes.len() >= 6
        && u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) == TNEF_SIGNATURE
}

/// Entries of a zip that are never fiches: folders, macOS resource forks,
/// hidden files, thumbnails and images.
fn skipped_entry(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    name.ends_with('/')
        || name.starts_with("__MACOSX")
        || base.starts_with('.')
        || base.is_empty()
        || [".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ini", ".db"]
            .iter()
            .any(|e| lower.ends_with(e))
}

/// Opens a plain zip archive (not an office document).
pub(crate) fn open_zip(zip: &mut SafeZip<'_>, limits: &Limits) -> Result<Opened, FicheError> {
    let mut out = Opened::default();
    let names: Vec<String> = zip.names().to_vec();
    let mut left_out: Vec<String> = Vec::new();
    for name in names {
        if skipped_entry(&name) {
            continue;
        }
        if out.files.len() >= MAX_INNER_FILES {
            left_out.push(name);
            continue;
        }
        match zip.read(&name) {
            Ok(bytes) => {
                if bytes.len() as u64 > limits.max_file_bytes {
                    out.notes.push(FicheError::too_large(format!(
                        "{name} : fichier trop gros dans l'archive, non lu"
                    )));
                    continue;
                }
                out.files.push(Inner { name, bytes });
            }
            // A limit crossed by the archive as a whole stops the reading.
            Err(e @ FicheError::TooLarge { .. }) => return Err(e),
            Err(e) => out.notes.push(FicheError::NotAFiche {
                reason: format!("{name} : {e}"),
            }),
        }
    }
    if !left_out.is_empty() {
        out.notes.push(left_out_note("l'archive", &left_out));
    }
    Ok(out)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

const ATT_ATTACH_RENDDATA: u32 = 0x0006_9002;
const ATT_ATTACH_TITLE: u32 = 0x0001_8010;
const ATT_ATTACH_DATA: u32 = 0x0006_800F;
const ATT_ATTACHMENT: u32 = 0x0006_9005;
const LVL_ATTACHMENT: u8 = 2;

/// An attachment being gathered from the stream.
#[derive(Default)]
struct Pending {
    title: Option<String>,
    long_name: Option<String>,
    data: Option<Vec<u8>>,
}

fn corrupt_tnef(what: &str) -> FicheError {
    FicheError::corrupt(format!(
        "pièce jointe Outlook « winmail.dat » (TNEF) endommagée ({what})"
    ))
}

/// Text of an 8-bit string attribute (Windows-1252 in practice; Latin-1
/// is close enough for a file name), up to its NUL.
fn string8(b: &[u8]) -> String {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    b[..end].iter().map(|c| char::from(*c)).collect()
}

fn utf16(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|u| *u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// The long file name (PR_ATTACH_LONG_FILENAME, else PR_ATTACH_FILENAME)
/// among an attachment's MAPI properties. Malformed properties give `None`.
fn mapi_file_name(b: &[u8]) -> Option<String> {
    let count = u32_at(b, 0)? as usize;
    let mut at = 4;
    let mut short = None;
    for _ in 0..count.min(1_000) {
        let ty = u16_at(b, at)?;
        let id = u16_at(b, at + 2)?;
        at += 4;
        if id >= 0x8000 {
            // Named property: GUID, kind, then an id or a name.
            let kind = u32_at(b, at + 16)?;
            at += 20;
            if kind == 0 {
                at += 4;
            } else {
                let len = u32_at(b, at)? as usize;
                at = at.checked_add(4 + len.div_ceil(4) * 4)?;
            }
        }
        let multi = ty & 0x1000 != 0;
        let base = ty & 0x0FFF;
        let size = match base {
            0x0002 | 0x0003 | 0x000A | 0x000B | 0x0004 => 4,
            0x0005 | 0x0006 | 0x0007 | 0x0014 | 0x0040 => 8,
            0x0048 => 16,
            0x001E | 0x001F | 0x0102 | 0x000D => 0,
            // A type this reader does not know: stop, keep what was found.
            _ => return short,
        };
        if size > 0 {
            let n = if multi {
                let n = u32_at(b, at)? as usize;
                at += 4;
                n
            } else {
                1
            };
            at = at.checked_add(n.checked_mul(size)?)?;
            continue;
        }
        // Variable length: a count of values, then each value's length and
        // data padded to four bytes.
        let n = u32_at(b, at)? as usize;
        at += 4;
        for _ in 0..n.min(10_000) {
            let len = u32_at(b, at)? as usize;
            let data = b.get(at + 4..at.checked_add(4 + len)?)?;
            if !multi && (id == 0x3707 || id == 0x3704) {
                let name = if base == 0x001F {
                    utf16(data)
                } else {
                    string8(data)
                };
                if !name.trim().is_empty() {
                    if id == 0x3707 {
                        return Some(name);
                    }
                    short = Some(name);
                }
            }
            at = at.checked_add(4 + len.div_ceil(4) * 4)?;
        }
    }
    short
}

/// Opens a TNEF stream and returns its attachments.
pub(crate) fn open_tnef(bytes: &[u8], limits: &Limits) -> Result<Opened, FicheError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(FicheError::too_large(format!(
            "winmail.dat de {} Mio",
            bytes.len() / (1024 * 1024)
        )));
    }
    if !is_tnef(bytes) {
        return Err(corrupt_tnef("signature absente"));
    }
    let mut out = Opened::default();
    let mut at = 6;
    let mut pending: Option<Pending> = None;
    let mut attributes = 0usize;
    let mut left_out: Vec<String> = Vec::new();
    let flush = |p: Option<Pending>, out: &mut Opened, left_out: &mut Vec<String>| {
        let Some(p) = p else { return };
        let Some(data) = p.data else { return };
        let name = p
            .long_name
            .or(p.title)
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("pièce {}", out.files.len() + left_out.len() + 1));
        if out.files.len() >= MAX_INNER_FILES {
            left_out.push(name);
            return;
        }
        out.files.push(Inner { name, bytes: data });
    };
    while at < bytes.len() {
        attributes += 1;
        if attributes > limits.max_zip_entries * 20 {
            return Err(FicheError::too_large("winmail.dat compte trop d'attributs"));
        }
        let level = *bytes
            .get(at)
            .ok_or_else(|| corrupt_tnef("attribut tronqué"))?;
        let id = u32_at(bytes, at + 1).ok_or_else(|| corrupt_tnef("attribut tronqué"))?;
        let len = u32_at(bytes, at + 5).ok_or_else(|| corrupt_tnef("attribut tronqué"))? as usize;
        let start = at + 9;
        let end = start
            .checked_add(len)
            .filter(|e| *e + 2 <= bytes.len())
            .ok_or_else(|| corrupt_tnef("longueur d'attribut au-delà de la fin"))?;
        let data = &bytes[start..end];
        if level == LVL_ATTACHMENT {
            match id {
                ATT_ATTACH_RENDDATA => {
                    flush(pending.take(), &mut out, &mut left_out);
                    pending = Some(Pending::default());
                }
                ATT_ATTACH_TITLE => {
                    pending.get_or_insert_with(Pending::default).title = Some(string8(data));
                }
                ATT_ATTACH_DATA => {
                    pending.get_or_insert_with(Pending::default).data = Some(data.to_vec());
                }
                ATT_ATTACHMENT => {
                    if let Some(name) = mapi_file_name(data) {
                        pending.get_or_insert_with(Pending::default).long_name = Some(name);
                    }
                }
                _ => {}
            }
        }
        at = end + 2;
    }
    flush(pending.take(), &mut out, &mut left_out);
    if !left_out.is_empty() {
        out.notes.push(left_out_note("winmail.dat", &left_out));
    }
    Ok(out)
}

/// Builds a TNEF stream (tests and the test suite's mail builders).
#[doc(hidden)]
pub fn build_tnef(files: &[(&str, &[u8])]) -> Vec<u8> {
    fn attr(out: &mut Vec<u8>, level: u8, id: u32, data: &[u8]) {
        out.push(level);
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        let sum: u32 = data.iter().map(|b| u32::from(*b)).sum();
        out.extend_from_slice(&((sum & 0xFFFF) as u16).to_le_bytes());
    }
    let mut out = Vec::new();
    out.extend_from_slice(&TNEF_SIGNATURE.to_le_bytes());
    out.extend_from_slice(&0x0001u16.to_le_bytes());
    // attTnefVersion, attMessageClass: message level.
    attr(&mut out, 1, 0x0008_9006, &0x0001_0000u32.to_le_bytes());
    attr(&mut out, 1, 0x0007_8008, b"IPM.Microsoft Mail.Note\0");
    for (name, data) in files {
        attr(&mut out, 2, ATT_ATTACH_RENDDATA, &[0u8; 14]);
        let mut title = name.as_bytes().to_vec();
        title.push(0);
        attr(&mut out, 2, ATT_ATTACH_TITLE, &title);
        attr(&mut out, 2, ATT_ATTACH_DATA, data);
        // MAPI properties with PR_ATTACH_LONG_FILENAME as Unicode.
        let mut props = Vec::new();
        props.extend_from_slice(&1u32.to_le_bytes());
        props.extend_from_slice(&0x001Fu16.to_le_bytes());
        props.extend_from_slice(&0x3707u16.to_le_bytes());
        props.extend_from_slice(&1u32.to_le_bytes());
        let mut wide: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        wide.extend_from_slice(&[0, 0]);
        props.extend_from_slice(&(wide.len() as u32).to_le_bytes());
        let padded = wide.len().div_ceil(4) * 4;
        wide.resize(padded, 0);
        props.extend_from_slice(&wide);
        attr(&mut out, 2, ATT_ATTACHMENT, &props);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tnef_attachments_with_long_names() {
        let t = build_tnef(&[
            ("fiche micro-atelier.docx", b"PK\x03\x04abc"),
            ("b.pdf", b"%PDF"),
        ]);
        assert!(is_tnef(&t));
        let o = open_tnef(&t, &Limits::default()).unwrap();
        assert_eq!(o.files.len(), 2);
        assert_eq!(o.files[0].name, "fiche micro-atelier.docx");
        assert_eq!(o.files[0].bytes, b"PK\x03\x04abc");
        assert_eq!(o.files[1].name, "b.pdf");
    }

    #[test]
    fn lying_tnef_is_corrupt_never_a_crash() {
        let mut t = build_tnef(&[("a.docx", b"xyz")]);
        // A length far past the end.
        let n = t.len();
        t[n - 20..n - 16].copy_from_slice(&u32::MAX.to_le_bytes());
        let _ = open_tnef(&t, &Limits::default());
        for cut in 0..t.len() {
            let _ = open_tnef(&t[..cut], &Limits::default());
        }
        assert_eq!(
            open_tnef(&t[..20], &Limits::default()).unwrap_err().code(),
            "corrupt"
        );
    }
}
