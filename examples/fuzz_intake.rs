//! Fuzzing the intake, structure-aware, through the real reader workers and
//! the real `fiches import`.
//!
//! Seeds: the corpus fiches and blank forms (DOCX, XLSX, ODT, ODS, XLS), the
//! hostile reproducers, the corpus mails. Each case mutates a seed the way
//! hostile or broken files differ from good ones:
//! - zip packages (DOCX/XLSX/ODT/ODS): one XML entry changed — a count or
//!   size attribute set to an extreme, a cell moved to the far corner, a
//!   value replaced by -1e12 or NaN, an element duplicated or deleted, deep
//!   nesting, a DTD — then zipped again (stored or deflated), sometimes
//!   with bytes of the archive itself changed;
//! - XLS: the compound file is walked (header, FAT, directory, the
//!   Workbook stream) and its BIFF records changed — a record length, a
//!   cell's row and column, the DIMENSIONS, the SST counts, an SST index,
//!   a FAT entry pointing to itself, a directory entry's size —, else 1–3
//!   bytes anywhere;
//! - containers: one case in four, the mutated document goes inside a
//!   `.zip` or a `winmail.dat` (TNEF) beside an intact seed, the container
//!   itself sometimes damaged;
//! - mails: built from parts (bodies, mutated documents, forwarded mails,
//!   nesting, every transfer encoding, broken boundaries, RFC 2047/2231
//!   names, control bytes in headers, truncation) or a corpus mail changed.
//!
//! Documents go through a pool of reader workers (as the intake reads
//! them): a reading that ends is fine; a worker death (memory, time, crash,
//! panic) is contained, counted and its input kept in `--out`. Mails go
//! by batches through `fiches import` (a real process, its own workers):
//! it must end normally, store every mail, and stay under a memory bound; a
//! crash, a hang, a mail not stored or a memory peak is a **finding** (the
//! batch is kept, then narrowed to the mail that does it).
//!
//! Usage: `fuzz_intake [--seconds N] [--seed S] [--out DIR] [--bin FICHES]`
//! (see `scripts/fuzz.sh`). Exit status 1 when there are findings.

// A benchmark or tool, not the program: a panic is its report.
#![allow(clippy::unwrap_used, clippy::expect_used, unsafe_code)]

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fiches::fiche::Limits;
use fiches::worker::{WorkerLimits, WorkerPool};

const MAIL_BATCH: usize = 40;
/// An import of one batch that takes longer than this has hung.
const IMPORT_TIMEOUT: Duration = Duration::from_secs(300);
/// Peak memory of `fiches import` or one of its reader workers (the
/// kernel reports the larger) above this is a finding: the workers are
/// bound to 256 MiB of address space, the import itself needs far less.
const IMPORT_RSS_LIMIT_KIB: i64 = 288 * 1024;

struct Args {
    seconds: u64,
    seed: u64,
    out: PathBuf,
    bin: PathBuf,
}

fn parse_args() -> Args {
    let mut a = Args {
        seconds: 60,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
        out: PathBuf::from("target/fuzz"),
        bin: default_bin(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_default();
        match k.as_str() {
            "--seconds" => a.seconds = v.parse().expect("--seconds N"),
            "--seed" => a.seed = v.parse().expect("--seed N"),
            "--out" => a.out = PathBuf::from(v),
            "--bin" => a.bin = PathBuf::from(v),
            other => panic!("option inconnue {other}"),
        }
    }
    a
}

/// `target/<profile>/fiches`, beside `target/<profile>/examples/`.
fn default_bin() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("fiches")))
        .unwrap_or_else(|| PathBuf::from("target/debug/fiches"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Clone)]
struct Seed {
    name: String,
    bytes: Vec<u8>,
}

fn seeds(dirs: &[&str], exts: &[&str]) -> Vec<Seed> {
    let mut v = Vec::new();
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(root().join(d)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if exts.iter().any(|x| name.to_ascii_lowercase().ends_with(x)) {
                v.push(Seed {
                    name,
                    bytes: std::fs::read(e.path()).unwrap(),
                });
            }
        }
    }
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

// ---------------------------------------------------------------- mutations

const EXTREME_NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "255",
    "256",
    "65535",
    "65536",
    "1048576",
    "2147483647",
    "2147483648",
    "4294967295",
    "99999999999",
    "-1000000000000",
    "1e308",
    "-1e308",
    "NaN",
    "inf",
    "",
    "1.5",
];
const FAR_CELLS: &[&str] = &[
    "XFD1048576",
    "IV65536",
    "A1048576",
    "XFD1",
    "ZZZZ9",
    "A0",
    "-1",
];

fn mutate_bytes(rng: &mut fastrand::Rng, b: &mut Vec<u8>) {
    if b.is_empty() {
        b.push(rng.u8(..));
        return;
    }
    match rng.u8(0..6) {
        0..=2 => {
            for _ in 0..rng.usize(1..=3) {
                let i = rng.usize(..b.len());
                b[i] = match rng.u8(0..4) {
                    0 => 0,
                    1 => 0xFF,
                    2 => b[i] ^ (1 << rng.u8(0..8)),
                    _ => rng.u8(..),
                };
            }
        }
        3 => {
            let n = rng.usize(..b.len());
            b.truncate(n);
        }
        4 => {
            let i = rng.usize(..b.len());
            let j = (i + rng.usize(1..256)).min(b.len());
            let chunk = b[i..j].to_vec();
            for _ in 0..rng.usize(1..20) {
                b.splice(i..i, chunk.iter().copied());
            }
        }
        _ => {
            let i = rng.usize(..b.len());
            let j = (i + rng.usize(1..512)).min(b.len());
            b.drain(i..j);
        }
    }
}

/// Positions of `="digits"` attribute values.
fn numeric_attrs(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < b.len() {
        if b[i] == b'=' && b[i + 1] == b'"' {
            let start = i + 2;
            let mut j = start;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.' || b[j] == b'-') {
                j += 1;
            }
            if j > start && j < b.len() && b[j] == b'"' {
                out.push((start, j));
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

fn mutate_xml(rng: &mut fastrand::Rng, xml: &mut String) {
    let pick = |rng: &mut fastrand::Rng, v: &[&str]| v[rng.usize(..v.len())].to_string();
    match rng.u8(0..10) {
        0 | 1 => {
            let spots = numeric_attrs(xml);
            if let Some(&(a, b)) = spots.get(rng.usize(..spots.len().max(1))) {
                xml.replace_range(a..b, &pick(rng, EXTREME_NUMBERS));
            }
        }
        2 => {
            // A cell moved to the far corner.
            let refs: Vec<usize> = xml.match_indices(" r=\"").map(|(i, _)| i + 4).collect();
            if let Some(&a) = refs.get(rng.usize(..refs.len().max(1))) {
                let b = xml[a..].find('"').map_or(a, |e| a + e);
                xml.replace_range(a..b, &pick(rng, FAR_CELLS));
            }
        }
        3 => {
            // A value replaced (numbers, dates, shared string indexes).
            let vals: Vec<usize> = xml.match_indices("<v>").map(|(i, _)| i + 3).collect();
            if let Some(&a) = vals.get(rng.usize(..vals.len().max(1))) {
                let b = xml[a..].find('<').map_or(a, |e| a + e);
                xml.replace_range(a..b, &pick(rng, EXTREME_NUMBERS));
                if rng.bool() {
                    // …and its cell typed as a date, a shared string or an error.
                    if let Some(c) = xml[..a].rfind("<c ") {
                        let t = ["t=\"d\" s=\"1\" ", "t=\"s\" ", "t=\"e\" ", "t=\"b\" "];
                        xml.insert_str(c + 3, t[rng.usize(..t.len())]);
                    }
                }
            }
        }
        4 => {
            // An element duplicated many times.
            let starts: Vec<usize> = xml.match_indices('<').map(|(i, _)| i).collect();
            if let Some(&a) = starts.get(rng.usize(..starts.len().max(1)))
                && let Some(e) = xml[a..].find('>')
            {
                let tag = xml[a..=a + e].to_string();
                let n = rng.usize(1..2000);
                xml.insert_str(a, &tag.repeat(n));
            }
        }
        5 => {
            // A piece deleted (unbalanced tags).
            if !xml.is_empty() {
                let a = floor(xml, rng.usize(..xml.len()));
                let b = floor(xml, (a + rng.usize(1..400)).min(xml.len()));
                xml.replace_range(a..b, "");
            }
        }
        6 => {
            let at = xml.find("?>").map_or(0, |i| i + 2);
            let depth = rng.usize(100..3000);
            let deep = format!("{}{}", "<x>".repeat(depth), "</x>".repeat(depth));
            let at = floor(xml, at);
            xml.insert_str(at, &deep);
        }
        7 => {
            let at = xml.find("?>").map_or(0, |i| i + 2);
            let dtd = [
                "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>",
                "<!DOCTYPE x SYSTEM \"file:///etc/passwd\">",
                "<!DOCTYPE x [<!ENTITY e SYSTEM \"http://127.0.0.1:9/x\">]>",
            ];
            let at = floor(xml, at);
            xml.insert_str(at, dtd[rng.usize(..dtd.len())]);
        }
        8 => {
            // Control characters and escapes in text.
            let texts: Vec<usize> = xml.match_indices("<t>").map(|(i, _)| i + 3).collect();
            if let Some(&a) = texts.get(rng.usize(..texts.len().max(1))) {
                let s = ["_x001B_[2J", "&#27;]0;x&#7;", "\u{202e}", "_xFFFF_", "&#0;"];
                xml.insert_str(a, s[rng.usize(..s.len())]);
            }
        }
        _ => {
            let mut b = std::mem::take(xml).into_bytes();
            mutate_bytes(rng, &mut b);
            *xml = String::from_utf8_lossy(&b).into_owned();
        }
    }
}

fn floor(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A zip package with one XML entry mutated, zipped again.
fn mutate_zip(rng: &mut fastrand::Rng, bytes: &[u8]) -> Option<Vec<u8>> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut entries = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).ok()?;
        let mut body = Vec::new();
        f.read_to_end(&mut body).ok()?;
        let name = f.name().ok()?.to_string();
        entries.push((name, body));
    }
    let xmls: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| n.ends_with(".xml") || n.ends_with(".rels"))
        .map(|(i, _)| i)
        .collect();
    let target = *xmls.get(rng.usize(..xmls.len().max(1)))?;
    // The parts that matter most, more often.
    let target = entries
        .iter()
        .position(|(n, _)| {
            rng.u8(0..3) == 0
                && (n.contains("sharedStrings")
                    || n.contains("sheet1")
                    || n == "word/document.xml"
                    || n == "content.xml")
        })
        .unwrap_or(target);
    for _ in 0..rng.usize(1..=3) {
        let mut xml = String::from_utf8_lossy(&entries[target].1).into_owned();
        mutate_xml(rng, &mut xml);
        entries[target].1 = xml.into_bytes();
    }
    let mut out = Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        for (name, body) in &entries {
            let method = if rng.u8(0..4) == 0 {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            };
            let opts = zip::write::SimpleFileOptions::default().compression_method(method);
            w.start_file(name.as_str(), opts).ok()?;
            w.write_all(body).ok()?;
        }
        w.finish().ok()?;
    }
    let mut out = out.into_inner();
    if rng.u8(0..5) == 0 {
        mutate_bytes(rng, &mut out);
    }
    Some(out)
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}
fn put_u16(b: &mut [u8], i: usize, v: u16) {
    if let Some(s) = b.get_mut(i..i + 2) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}
fn put_u32(b: &mut [u8], i: usize, v: u32) {
    if let Some(s) = b.get_mut(i..i + 4) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// The compound file's layout, as far as the mutations need it.
struct Cfb {
    shift: u32,
    /// File offsets of the FAT's entries.
    fat_entries: Vec<usize>,
    /// File offsets of the directory entries.
    dir_entries: Vec<usize>,
    /// File offset of each byte of the Workbook stream (bounded).
    workbook: Vec<usize>,
}

fn sector_off(shift: u32, s: u32) -> usize {
    ((s as usize) + 1) << shift
}

fn walk_cfb(b: &[u8]) -> Option<Cfb> {
    if !b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return None;
    }
    let shift = u32::from(u16_at(b, 0x1E)?);
    if !(7..=12).contains(&shift) {
        return None;
    }
    let size = 1usize << shift;
    let mut fat_entries = Vec::new();
    for k in 0..109 {
        let s = u32_at(b, 0x4C + 4 * k)?;
        if s >= 0xFFFF_FFFA {
            continue;
        }
        let off = sector_off(shift, s);
        for e in 0..size / 4 {
            if off + 4 * e + 4 <= b.len() {
                fat_entries.push(off + 4 * e);
            }
        }
    }
    let fat = |s: u32| -> Option<u32> { u32_at(b, *fat_entries.get(s as usize)?) };
    let chain = |start: u32, max: usize| -> Vec<u32> {
        let mut v = Vec::new();
        let mut s = start;
        while s < 0xFFFF_FFFA && v.len() < max {
            v.push(s);
            match fat(s) {
                Some(n) => s = n,
                None => break,
            }
        }
        v
    };
    let mut dir_entries = Vec::new();
    for s in chain(u32_at(b, 0x30)?, 64) {
        let off = sector_off(shift, s);
        for e in 0..size / 128 {
            if off + 128 * e + 128 <= b.len() {
                dir_entries.push(off + 128 * e);
            }
        }
    }
    let mut workbook = Vec::new();
    for &d in &dir_entries {
        let name: Vec<u16> = (0..16).filter_map(|k| u16_at(b, d + 2 * k)).collect();
        let name = String::from_utf16_lossy(&name);
        if !(name.starts_with("Workbook") || name.starts_with("Book")) {
            continue;
        }
        let (start, len) = (u32_at(b, d + 116)?, u32_at(b, d + 120)? as usize);
        if len < 4096 {
            break; // in the mini stream: left to the byte mutations
        }
        for s in chain(start, 4096) {
            let off = sector_off(shift, s);
            for k in 0..size {
                if workbook.len() < len && off + k < b.len() {
                    workbook.push(off + k);
                }
            }
        }
    }
    Some(Cfb {
        shift,
        fat_entries,
        dir_entries,
        workbook,
    })
}

fn mutate_xls(rng: &mut fastrand::Rng, bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let Some(cfb) = walk_cfb(&b) else {
        mutate_bytes(rng, &mut b);
        return b;
    };
    let wb = &cfb.workbook;
    let at = |p: usize| wb.get(p).copied();
    // The BIFF records: (type, offset of the record in the stream, length).
    let mut records = Vec::new();
    let mut p = 0;
    while p + 4 <= wb.len() && records.len() < 20_000 {
        let (Some(t0), Some(t1), Some(l0), Some(l1)) = (at(p), at(p + 1), at(p + 2), at(p + 3))
        else {
            break;
        };
        let typ = u16::from_le_bytes([b[t0], b[t1]]);
        let len = usize::from(u16::from_le_bytes([b[l0], b[l1]]));
        records.push((typ, p, len));
        p += 4 + len;
    }
    let set16 = |b: &mut Vec<u8>, p: usize, v: u16| {
        for (k, byte) in v.to_le_bytes().into_iter().enumerate() {
            if let Some(o) = at(p + k) {
                b[o] = byte;
            }
        }
    };
    let set32 = |b: &mut Vec<u8>, p: usize, v: u32| {
        for (k, byte) in v.to_le_bytes().into_iter().enumerate() {
            if let Some(o) = at(p + k) {
                b[o] = byte;
            }
        }
    };
    let extreme16 =
        |rng: &mut fastrand::Rng| [0u16, 1, 255, 256, 0x3FFF, 0x7FFF, 0xFFFF][rng.usize(..7)];
    let extreme32 = |rng: &mut fastrand::Rng| {
        [0u32, 1, 0xFFFF, 0x10000, 0x7FFF_FFFF, 0xFFFF_FFFF][rng.usize(..6)]
    };
    let of_type = |types: &[u16]| -> Vec<(u16, usize, usize)> {
        records
            .iter()
            .copied()
            .filter(|r| types.contains(&r.0))
            .collect()
    };
    match rng.u8(0..9) {
        0 if !records.is_empty() => {
            let (_, p, _) = records[rng.usize(..records.len())];
            set16(&mut b, p + 2, extreme16(rng));
        }
        1 => {
            // A cell's row and column.
            let cells = of_type(&[0x0203, 0x00FD, 0x027E, 0x0204, 0x0201, 0x00BD, 0x0006]);
            if let Some(&(_, p, _)) = cells.get(rng.usize(..cells.len().max(1))) {
                set16(&mut b, p + 4, extreme16(rng));
                set16(&mut b, p + 6, extreme16(rng));
            }
        }
        2 => {
            let dims = of_type(&[0x0200]);
            if let Some(&(_, p, _)) = dims.first() {
                set32(&mut b, p + 4 + 4 * rng.usize(0..2), extreme32(rng));
                set16(&mut b, p + 12 + 2 * rng.usize(0..2), extreme16(rng));
            }
        }
        3 => {
            let sst = of_type(&[0x00FC]);
            if let Some(&(_, p, _)) = sst.first() {
                set32(&mut b, p + 4 + 4 * rng.usize(0..2), extreme32(rng));
            }
        }
        4 => {
            let labels = of_type(&[0x00FD]);
            if let Some(&(_, p, _)) = labels.get(rng.usize(..labels.len().max(1))) {
                set32(&mut b, p + 4 + 6, extreme32(rng));
            }
        }
        5 if !cfb.fat_entries.is_empty() => {
            // A FAT entry pointing to itself, to the end, or anywhere.
            let k = rng.usize(..cfb.fat_entries.len());
            let v = match rng.u8(0..3) {
                0 => k as u32,
                1 => 0xFFFF_FFFE,
                _ => rng.u32(..),
            };
            put_u32(&mut b, cfb.fat_entries[k], v);
        }
        6 if !cfb.dir_entries.is_empty() => {
            let d = cfb.dir_entries[rng.usize(..cfb.dir_entries.len())];
            let field = [116usize, 120, 68, 72, 76][rng.usize(..5)];
            put_u32(&mut b, d + field, extreme32(rng));
        }
        7 => {
            let field = [0x2Cusize, 0x30, 0x3C, 0x40, 0x44, 0x48][rng.usize(..6)];
            put_u32(&mut b, field, extreme32(rng));
            if rng.u8(0..4) == 0 {
                put_u16(&mut b, 0x1E, [7u16, 9, 12, 20, 0][rng.usize(..5)]);
            }
        }
        _ => mutate_bytes(rng, &mut b),
    }
    let _ = cfb.shift;
    b
}

fn mutate_document(rng: &mut fastrand::Rng, seed: &Seed) -> Vec<u8> {
    let b = &seed.bytes;
    let mut out = if b.starts_with(b"PK") && rng.u8(0..8) != 0 {
        mutate_zip(rng, b).unwrap_or_else(|| {
            let mut c = b.clone();
            mutate_bytes(rng, &mut c);
            c
        })
    } else if b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        mutate_xls(rng, b)
    } else {
        let mut c = b.clone();
        mutate_bytes(rng, &mut c);
        c
    };
    if rng.u8(0..20) == 0 {
        mutate_bytes(rng, &mut out);
    }
    out
}

/// Now and then a mutated document travels inside a container the reader
/// opens (a `.zip`, Outlook's `winmail.dat`) beside an intact one; the
/// container itself is sometimes damaged too.
fn maybe_contained(
    rng: &mut fastrand::Rng,
    name: &str,
    bytes: Vec<u8>,
    other: &Seed,
) -> (String, Vec<u8>) {
    let files = [
        (name, bytes.as_slice()),
        (other.name.as_str(), &other.bytes),
    ];
    let contained = match rng.u8(0..8) {
        0 => zip_of(&files).map(|z| ("fiches.zip".to_string(), z)),
        1 => Some((
            "winmail.dat".to_string(),
            fiches::fiche::container::build_tnef(&files),
        )),
        _ => None,
    };
    let Some((name, mut out)) = contained else {
        return (name.to_string(), bytes);
    };
    if rng.u8(0..4) == 0 {
        mutate_bytes(rng, &mut out);
    }
    (name, out)
}

fn zip_of(files: &[(&str, &[u8])]) -> Option<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        for (n, b) in files {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file(*n, opts).ok()?;
            w.write_all(b).ok()?;
        }
        w.finish().ok()?;
    }
    Some(out.into_inner())
}

fn b64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, c) in b.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            out.push(if k <= c.len() {
                T[(n >> (18 - 6 * k) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

const ODD_HEADERS: &[&str] = &[
    "Content-Type: application/octet-stream; name=\"\u{1b}[2J\u{1b}[8m.xlsx\"",
    "Content-Type: application/vnd.ms-excel\u{1b}[?25l",
    "Content-Disposition: attachment; filename*=utf-8''%E9%00%FF%1B.docx",
    "Content-Disposition: attachment; filename*0*=iso-8859-1''fiche%E9; filename*1=.xls",
    "Content-Disposition: inline; filename=\"=?utf-8?B?w6l0w6k=?=.docx\"",
    "Content-Transfer-Encoding: base64",
    "Content-Transfer-Encoding: quoted-printable",
    "Content-Transfer-Encoding: x-uuencode",
    "Subject: =?utf-8?Q?=1B]0;pwned=07?=",
    "Auto-Submitted: auto-replied",
    "Date: Mon, 32 Foo 99999 25:61:61 +9999",
    "Received: from x by y; Fri, 15 Jun 2018 10:00:00 +0200",
];

/// One MIME part, maybe nested.
fn part(rng: &mut fastrand::Rng, docs: &[Seed], depth: usize) -> String {
    if depth < 14 && rng.u8(0..4) == 0 {
        let boundary = format!("b{depth}-{}", rng.u32(..));
        let mut s = format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n");
        for _ in 0..rng.usize(1..4) {
            s.push_str(&format!(
                "--{boundary}\r\n{}\r\n",
                part(rng, docs, depth + 1)
            ));
        }
        if rng.u8(0..6) != 0 {
            s.push_str(&format!("--{boundary}--\r\n"));
        }
        return s;
    }
    if depth < 14 && rng.u8(0..10) == 0 {
        return format!(
            "Content-Type: message/rfc822\r\n\r\nFrom: Transfert <t@example.org>\r\nSubject: tr\r\nMIME-Version: 1.0\r\n{}",
            part(rng, docs, depth + 1)
        );
    }
    if rng.u8(0..4) == 0 {
        return "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, ci-joint notre fiche.\r\n"
            .to_string();
    }
    let doc = &docs[rng.usize(..docs.len())];
    let body = mutate_document(rng, doc);
    let mut headers = format!(
        "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{}\"\r\n",
        doc.name
    );
    if rng.u8(0..4) == 0 {
        headers.push_str(ODD_HEADERS[rng.usize(..ODD_HEADERS.len())]);
        headers.push_str("\r\n");
    }
    match rng.u8(0..8) {
        0 => {
            // Quoted-printable (every byte escaped, lines cut).
            let mut q = String::new();
            for (i, x) in body.iter().enumerate() {
                if i > 0 && i % 25 == 0 {
                    q.push_str("=\r\n");
                }
                q.push_str(&format!("={x:02X}"));
            }
            format!("{headers}Content-Transfer-Encoding: quoted-printable\r\n\r\n{q}\r\n")
        }
        1 => {
            // Broken base64.
            let mut e = b64(&body).into_bytes();
            mutate_bytes(rng, &mut e);
            format!(
                "{headers}Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
                String::from_utf8_lossy(&e)
            )
        }
        _ => format!(
            "{headers}Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            b64(&body)
        ),
    }
}

fn make_mail(rng: &mut fastrand::Rng, n: u64, docs: &[Seed], mails: &[Seed]) -> Vec<u8> {
    let mut m = if rng.u8(0..4) == 0 && !mails.is_empty() {
        let mut m = mails[rng.usize(..mails.len())].bytes.clone();
        for _ in 0..rng.usize(1..=3) {
            mutate_bytes(rng, &mut m);
        }
        m
    } else {
        let mut head = format!(
            "From: Mairie {n} <m{n}@example.org>\r\nTo: fiches@example.org\r\nSubject: Fiche {n}\r\n\
             Date: Wed, 23 May 2018 09:30:00 +0200\r\nMIME-Version: 1.0\r\n"
        );
        if rng.u8(0..4) == 0 {
            head.push_str(ODD_HEADERS[rng.usize(..ODD_HEADERS.len())]);
            head.push_str("\r\n");
        }
        let mut m = format!("{head}{}", part(rng, docs, 0)).into_bytes();
        if rng.u8(0..15) == 0 {
            let cut = rng.usize(..m.len());
            m.truncate(cut);
        }
        m
    };
    // A unique Message-ID first, so that every mail must be stored.
    let mut out = format!("Message-ID: <fuzz-{n}@fuzz.example>\r\n").into_bytes();
    out.append(&mut m);
    out
}

// ---------------------------------------------------------------- running

#[derive(Default)]
struct Stats {
    docs: u64,
    docs_read: u64,
    docs_refused: u64,
    deaths: BTreeMap<&'static str, u64>,
    mails: u64,
    import_runs: u64,
    import_max_rss_kib: i64,
    findings: Vec<String>,
}

fn sha8(b: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    b.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// Runs a command with a time limit: (exit status, peak RSS KiB, stdout),
/// or `None` when it hung (then killed).
fn run_bounded(
    cmd: &mut Command,
    limit: Duration,
) -> Option<(std::process::ExitStatus, i64, String)> {
    use std::os::unix::process::ExitStatusExt;
    let out_file = tempfile_path("stdout");
    let child = cmd
        .stdout(std::fs::File::create(&out_file).ok()?)
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let pid = child.id() as libc::pid_t;
    let start = Instant::now();
    loop {
        let mut status = 0;
        // SAFETY: rusage is ours; pid is our child.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r == pid {
            let out = std::fs::read_to_string(&out_file).unwrap_or_default();
            let _ = std::fs::remove_file(&out_file);
            return Some((
                std::process::ExitStatus::from_raw(status),
                ru.ru_maxrss,
                out,
            ));
        }
        if start.elapsed() > limit {
            // SAFETY: our child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::wait4(pid, &mut status, 0, std::ptr::null_mut());
            }
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn tempfile_path(what: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "fiches-fuzz-{}-{what}-{}",
        std::process::id(),
        fastrand::u64(..)
    ))
}

/// One `fiches import` of `mails`: `Err(why)` on a finding.
fn import_batch(bin: &Path, mails: &[Vec<u8>], stats: &mut Stats) -> Result<(), String> {
    let dir = tempfile_path("batch");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for (i, m) in mails.iter().enumerate() {
        std::fs::write(dir.join(format!("{i:04}.eml")), m).map_err(|e| e.to_string())?;
    }
    let db = dir.join("fuzz.db");
    let mut cmd = Command::new(bin);
    cmd.arg("--config")
        .arg(root().join("config.toml"))
        .arg("--db")
        .arg(&db)
        .args(["import", "--json", "--quiet"])
        .arg(&dir)
        .env_remove("FICHES_TEST_CRASH_ON")
        .env_remove("FICHES_TEST_READER_HOOKS");
    let result = run_bounded(&mut cmd, IMPORT_TIMEOUT);
    let _ = std::fs::remove_dir_all(&dir);
    stats.import_runs += 1;
    let Some((status, rss, out)) = result else {
        return Err(format!(
            "import bloqué plus de {} s",
            IMPORT_TIMEOUT.as_secs()
        ));
    };
    stats.import_max_rss_kib = stats.import_max_rss_kib.max(rss);
    if status.code().is_none_or(|c| c > 1) {
        return Err(format!("import terminé anormalement ({status})"));
    }
    if rss > IMPORT_RSS_LIMIT_KIB {
        return Err(format!("import : pic mémoire de {} Mio", rss / 1024));
    }
    let summary: serde_json::Value =
        serde_json::from_str(out.trim()).map_err(|e| format!("résumé illisible ({e}) : {out}"))?;
    let stored = summary["new"].as_u64().unwrap_or(0) + summary["duplicates"].as_u64().unwrap_or(0);
    if stored != mails.len() as u64 || summary["failed"].as_array().is_none_or(|f| !f.is_empty()) {
        return Err(format!("messages non enregistrés : {summary}"));
    }
    Ok(())
}

fn main() {
    let args = parse_args();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let docs = seeds(
        &[
            "fixtures/corpus/fiches",
            "fixtures/templates",
            "fixtures/hostile",
            "fixtures/fuzz/crashers",
        ],
        &[".docx", ".xlsx", ".odt", ".ods", ".xls"],
    );
    let mails = seeds(&["fixtures/corpus/mail", "fixtures/hostile"], &[".eml"]);
    assert!(!docs.is_empty(), "aucune graine");
    let contained = args.out.join("contained");
    let findings_dir = args.out.join("findings");
    std::fs::create_dir_all(&contained).unwrap();
    std::fs::create_dir_all(&findings_dir).unwrap();
    let limits = WorkerLimits {
        cpu_seconds: 5,
        wall: Duration::from_secs(15),
        ..WorkerLimits::default()
    };
    let pool = WorkerPool::start(args.bin.clone(), limits)
        .unwrap_or_else(|e| panic!("{} : {e}", args.bin.display()));
    println!(
        "fuzz: seed {} for {} s, {} document seeds, {} mail seeds, binary {}",
        args.seed,
        args.seconds,
        docs.len(),
        mails.len(),
        args.bin.display()
    );
    let mut stats = Stats::default();
    let rss_start = self_rss_kib();
    let mut last_report = Instant::now();
    let mut batch: Vec<Vec<u8>> = Vec::new();
    let mut n = 0u64;
    while Instant::now() < deadline {
        n += 1;
        if n.is_multiple_of(4) {
            batch.push(make_mail(&mut rng, n, &docs, &mails));
            stats.mails += 1;
            if batch.len() >= MAIL_BATCH {
                check_batch(&args, std::mem::take(&mut batch), &mut stats, &findings_dir);
            }
        } else {
            let seed = &docs[rng.usize(..docs.len())];
            let bytes = mutate_document(&mut rng, seed);
            let other = &docs[rng.usize(..docs.len())];
            let (name, bytes) = maybe_contained(&mut rng, &seed.name, bytes, other);
            stats.docs += 1;
            match pool.read(&bytes, &name, &Limits::default()) {
                Ok(Ok(forms)) if forms.iter().any(|p| p.result.is_ok()) => stats.docs_read += 1,
                Ok(Ok(_)) => stats.docs_refused += 1,
                Ok(Err(death)) => {
                    *stats.deaths.entry(death.kind()).or_default() += 1;
                    let ext = name.rsplit('.').next().unwrap_or("bin");
                    let file = contained.join(format!("{}-{}.{ext}", death.kind(), sha8(&bytes)));
                    if std::fs::read_dir(&contained).map_or(0, |d| d.count()) < 500 {
                        let _ = std::fs::write(file, &bytes);
                    }
                }
                Err(e) => stats.findings.push(format!("lecteur indisponible : {e}")),
            }
        }
        if last_report.elapsed() > Duration::from_secs(30) {
            report(&stats, started, "progress");
            last_report = Instant::now();
        }
    }
    if !batch.is_empty() {
        check_batch(&args, batch, &mut stats, &findings_dir);
    }
    let rss_end = self_rss_kib();
    report(&stats, started, "done");
    println!("harness_rss_kib_start={rss_start}");
    println!("harness_rss_kib_end={rss_end}");
    println!("findings={}", stats.findings.len());
    for f in &stats.findings {
        println!("finding: {f}");
    }
    std::process::exit(i32::from(!stats.findings.is_empty()));
}

/// Imports a batch; on a finding, narrows it to the mails that do it.
fn check_batch(args: &Args, batch: Vec<Vec<u8>>, stats: &mut Stats, dir: &Path) {
    let Err(why) = import_batch(&args.bin, &batch, stats) else {
        return;
    };
    let mut culprits = 0;
    for m in &batch {
        if let Err(why_one) = import_batch(&args.bin, std::slice::from_ref(m), stats) {
            let file = dir.join(format!("mail-{}.eml", sha8(m)));
            let _ = std::fs::write(&file, m);
            stats
                .findings
                .push(format!("{why_one} — {}", file.display()));
            culprits += 1;
        }
    }
    if culprits == 0 {
        let file = dir.join(format!("batch-{}", sha8(&batch.concat())));
        let _ = std::fs::create_dir_all(&file);
        for (i, m) in batch.iter().enumerate() {
            let _ = std::fs::write(file.join(format!("{i:04}.eml")), m);
        }
        stats
            .findings
            .push(format!("{why} (lot entier) — {}", file.display()));
    }
}

fn report(s: &Stats, started: Instant, what: &str) {
    let deaths: Vec<String> = s.deaths.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!(
        "{what}: {:.0} s, documents {} (read {}, refused {}, reader deaths contained: {}), \
         mails {} in {} imports (peak RSS of an import or its workers {} MiB), findings {}",
        started.elapsed().as_secs_f64(),
        s.docs,
        s.docs_read,
        s.docs_refused,
        if deaths.is_empty() {
            "0".to_string()
        } else {
            deaths.join(" ")
        },
        s.mails,
        s.import_runs,
        s.import_max_rss_kib / 1024,
        s.findings.len()
    );
}

fn self_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
