//! Hostile files against the format readers: each must end in the right
//! `FicheError` with a clear message, quickly, with bounded memory, and
//! never panic.

use std::io::{Cursor, Write};

use fiches::fiche::model::Format;
use fiches::fiche::sniff::sniff;
use fiches::fiche::zipsafe::SafeZip;
use fiches::fiche::{FicheError, Limits, docx, odf};
use zip::write::SimpleFileOptions;

const W_NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

fn fixture(rel: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, SimpleFileOptions::default()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn docx_with_document(xml: &str) -> Vec<u8> {
    zip_of(&[("word/document.xml", xml.as_bytes())])
}

/// Entries stored without compression (so the inflate ratio stays at 1 and
/// the XML limits are the ones tested).
fn stored_zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        w.start_file(*name, stored).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Sniff, open and read as the pipeline will.
fn read_any(bytes: &[u8]) -> Result<usize, FicheError> {
    let limits = Limits::default();
    let format = sniff(bytes);
    if !matches!(
        format,
        Format::Docx | Format::Odt | Format::Ods | Format::Xlsx | Format::OtherZip
    ) {
        return Err(FicheError::UnsupportedFormat {
            format: format.name().to_string(),
        });
    }
    let mut zip = SafeZip::open(bytes, &limits)?;
    match format {
        Format::Docx => docx::read(&mut zip, &limits).map(|g| g.rows.len()),
        Format::Odt => odf::read_text(&mut zip, &limits).map(|g| g.rows.len()),
        Format::Ods => odf::read_sheets(&mut zip, &limits).map(|g| g.len()),
        _ => zip.check_entries(|_| true).map(|()| 0),
    }
}

fn expect(result: Result<impl std::fmt::Debug, FicheError>, code: &str, words: &str) -> FicheError {
    let err = result.expect_err("should have been refused");
    assert_eq!(err.code(), code, "{err}");
    assert!(
        err.to_string().contains(words),
        "message {err:?} lacks {words:?}"
    );
    err
}

/// 1 GiB of spaces as `word/document.xml`, deflated while written (≈1 MiB).
fn zip_bomb() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_level(Some(9))
        .large_file(true);
    w.start_file("word/document.xml", opts).unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..1024 {
        w.write_all(&chunk).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn zip_bomb_is_refused_quickly() {
    let bomb = zip_bomb();
    assert!(bomb.len() < 8 << 20, "bomb is {} bytes", bomb.len());
    assert_eq!(sniff(&bomb), Format::Docx);
    let limits = Limits::default();
    let mut zip = SafeZip::open(&bomb, &limits).unwrap();
    let err = expect(
        docx::read(&mut zip, &limits),
        "too_large",
        "bombe de décompression",
    );
    // Stopped within the first few MiB, long before the declared 1 GiB.
    assert!(
        zip.total_inflated() < 4 << 20,
        "inflated {} bytes",
        zip.total_inflated()
    );
    let mut zip = SafeZip::open(&bomb, &limits).unwrap();
    expect(
        zip.check_entries(|n| n.ends_with(".xml")),
        "too_large",
        "word/document.xml",
    );
    // Quickly: the work is bounded by what was inflated (asserted above),
    // not timed (speed is measured by the benchmarks, never asserted).
    eprintln!("zip bomb: {} bytes compressed, refused: {err}", bomb.len());
}

#[test]
fn zip_bomb_without_ratio_rule_stops_at_entry_limit() {
    let bomb = zip_bomb();
    let limits = Limits {
        max_inflate_ratio: u64::MAX,
        ..Limits::default()
    };
    let mut zip = SafeZip::open(&bomb, &limits).unwrap();
    expect(
        zip.read("word/document.xml"),
        "too_large",
        "dépasse 50 Mio une fois décompressée",
    );
    assert!(zip.total_inflated() <= (50 << 20) + (64 << 10));
}

#[test]
fn corpus_mail_zip_bomb_is_refused() {
    let eml = fixture("corpus/mail/12-zip-bomb.eml");
    let message = mail_parser::MessageParser::default()
        .parse(&eml)
        .expect("parse eml");
    let mut seen = 0;
    for part in message.attachments() {
        let bytes = part.contents();
        if sniff(bytes) != Format::Xlsx {
            continue;
        }
        seen += 1;
        let limits = Limits::default();
        let mut zip = SafeZip::open(bytes, &limits).unwrap();
        expect(zip.check_entries(|_| true), "too_large", "");
    }
    assert_eq!(seen, 1);
}

#[test]
fn billion_laughs_is_refused() {
    let mut dtd = String::from(r#"<!ENTITY lol "lol">"#);
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        dtd.push_str(&format!(
            r#"<!ENTITY lol{i} "{}">"#,
            format!("&{prev};").repeat(10)
        ));
    }
    let xml = format!(
        r#"<?xml version="1.0"?><!DOCTYPE w:document [{dtd}]><w:document {W_NS}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"#
    );
    let err = expect(read_any(&docx_with_document(&xml)), "corrupt", "DOCTYPE");
    assert!(err.to_string().contains("word/document.xml"), "{err}");
}

#[test]
fn external_entities_are_refused() {
    let xxe = format!(
        r#"<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><w:document {W_NS}><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>"#
    );
    expect(read_any(&docx_with_document(&xxe)), "corrupt", "DOCTYPE");
    let external_dtd = format!(
        r#"<?xml version="1.0"?><!DOCTYPE w:document SYSTEM "http://example.org/evil.dtd"><w:document {W_NS}><w:body/></w:document>"#
    );
    expect(
        read_any(&docx_with_document(&external_dtd)),
        "corrupt",
        "DOCTYPE",
    );
    // An entity used without any declaration.
    let undeclared = format!(
        r#"<w:document {W_NS}><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>"#
    );
    expect(
        read_any(&docx_with_document(&undeclared)),
        "corrupt",
        "&xxe;",
    );
    // Same rules in ODF.
    let odt = zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        (
            "content.xml",
            br#"<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]><x>&a;</x>"#,
        ),
    ]);
    expect(read_any(&odt), "corrupt", "DOCTYPE");
}

#[test]
fn too_many_entries_is_refused() {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("word/document.xml", stored).unwrap();
    w.write_all(b"<w:document/>").unwrap();
    for i in 0..5_000 {
        w.start_file(format!("media/{i}.bin"), stored).unwrap();
        w.write_all(b"x").unwrap();
    }
    let bytes = w.finish().unwrap().into_inner();
    expect(
        SafeZip::open(&bytes, &Limits::default()),
        "too_large",
        "plus de 1000 entrées",
    );
    expect(read_any(&bytes), "too_large", "entrées");
}

#[test]
fn deep_nesting_is_refused() {
    let depth = 100_000;
    let xml = format!(
        "<w:document {W_NS}><w:body>{}{}</w:body></w:document>",
        "<w:customXml>".repeat(depth),
        "</w:customXml>".repeat(depth)
    );
    let docx = stored_zip_of(&[("word/document.xml", xml.as_bytes())]);
    expect(read_any(&docx), "too_large", "imbrique plus de 256 niveaux");
    let ods = stored_zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        (
            "content.xml",
            format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth)).as_bytes(),
        ),
    ]);
    expect(read_any(&ods), "too_large", "niveaux");
    // The work is bounded by the refusal at 256 levels (asserted above), not
    // timed.
}

#[test]
fn too_much_text_is_refused() {
    // Letters that do not compress much, so the text limit (not the ratio) trips.
    let mut seed: u32 = 7;
    let text: String = (0..2_100_000)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from(b'a' + ((seed >> 16) % 26) as u8)
        })
        .collect();
    let xml = format!(
        r#"<w:document {W_NS}><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"#
    );
    expect(
        read_any(&docx_with_document(&xml)),
        "too_large",
        "caractères",
    );
}

#[test]
fn ods_repeat_bomb_costs_nothing() {
    // 1 048 576 rows × 16 384 columns of repeated empty cells, then a repeated
    // non-empty row: bounded by max_rows × max_cols, not expanded.
    let content = r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="F">
        <table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
        <table:table-row table:number-rows-repeated="4000000000"><table:table-cell table:number-columns-repeated="4000000000"><text:p>x</text:p></table:table-cell></table:table-row>
        </table:table></office:spreadsheet></office:body></office:document-content>"#;
    let ods = zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", content.as_bytes()),
    ]);
    let limits = Limits::default();
    let mut zip = SafeZip::open(&ods, &limits).unwrap();
    let grids = odf::read_sheets(&mut zip, &limits).unwrap();
    assert!(grids[0].rows.is_empty(), "rows past max_rows are dropped");
    assert!(
        grids[0].notes.iter().any(|n| n.contains("5000")),
        "{:?}",
        grids[0].notes
    );
    // The work is bounded by the rows dropped past max_rows (asserted
    // above), not timed.
}

#[test]
fn truncated_zip_is_corrupt() {
    let bytes =
        fixture("corpus/fiches/02-fiche-bourse-aux-projets-conseil-departemental-de-l-isere.docx");
    let half = &bytes[..bytes.len() / 2];
    assert_eq!(sniff(half), Format::Docx);
    expect(
        read_any(half),
        "corrupt",
        "archive zip tronquée ou endommagée",
    );
    // Damaged compressed data inside an intact archive.
    let mut damaged = bytes.clone();
    let zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
    assert!(zip.has("word/document.xml"));
    let pos = bytes
        .windows(17)
        .position(|w| w == b"word/document.xml")
        .unwrap();
    for b in &mut damaged[pos + 40..pos + 240] {
        *b = !*b;
    }
    expect(read_any(&damaged), "corrupt", "word/document.xml");
}

#[test]
fn random_bytes_are_refused_without_panic() {
    let mut seed: u64 = 0x1234_5678;
    for i in 0..500 {
        let len = (i * 37) % 4096;
        let mut bytes: Vec<u8> = if i % 2 == 0 {
            b"PK\x03\x04".to_vec()
        } else {
            Vec::new()
        };
        bytes.extend((0..len).map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        }));
        let _ = sniff(&bytes);
        if let Err(e) = SafeZip::open(&bytes, &Limits::default()) {
            assert!(matches!(e, FicheError::Corrupt { .. }), "{e}");
        }
        let _ = read_any(&bytes);
    }
}

#[test]
fn mutated_xml_never_panics() {
    let limits = Limits::default();
    let mut seed: u64 = 99;
    let mut rand = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    let sources = [
        (
            "corpus/fiches/03-fiche-micro-atelier-municipalidad-de-quito.docx",
            "word/document.xml",
        ),
        (
            "corpus/fiches/06-fiche-bourse-aux-projets-region-nouvelle-aquitaine.odt",
            "content.xml",
        ),
        (
            "corpus/fiches/13-fiche-micro-atelier-communaute-urbaine-de-dunkerque.ods",
            "content.xml",
        ),
    ];
    let tokens: [&[u8]; 8] = [
        b"<",
        b">",
        b"&",
        b"</w:tc>",
        b"<w:tr>",
        b"<table:table-cell>",
        b"&#xD800;",
        b"\xff",
    ];
    for (file, part) in sources {
        let bytes = fixture(file);
        let xml = SafeZip::open(&bytes, &limits).unwrap().read(part).unwrap();
        for _ in 0..150 {
            let mut m = xml.clone();
            for _ in 0..1 + rand(5) {
                let at = rand(m.len());
                match rand(3) {
                    0 => m[at] = rand(256) as u8,
                    1 => m.truncate(at),
                    _ => {
                        let t = tokens[rand(tokens.len())];
                        m.splice(at..at, t.iter().copied());
                    }
                }
            }
            let _ = docx::read_document_xml(&m, part, &limits);
            let _ = odf::read_text_xml(&m, part, &limits);
            let _ = odf::read_sheets_xml(&m, part, &limits);
        }
    }
}

#[test]
fn lying_declared_size_does_not_allocate() {
    // Patch the central directory's uncompressed size to ~4 GiB.
    let mut bytes = zip_of(&[(
        "word/document.xml",
        format!("<w:document {W_NS}><w:body/></w:document>").as_bytes(),
    )]);
    let cd = bytes.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    bytes[cd + 24..cd + 28].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let lh = bytes.windows(4).position(|w| w == b"PK\x03\x04").unwrap();
    bytes[lh + 22..lh + 26].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    match read_any(&bytes) {
        Ok(rows) => assert_eq!(rows, 0),
        Err(e) => assert_eq!(e.code(), "corrupt", "{e}"),
    }
}
