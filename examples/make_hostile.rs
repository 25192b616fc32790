//! Writes the hostile files of the fiche reader's limits into a directory, so
//! `scripts/measure-hostile.sh` can run the real binary on each and measure
//! its peak memory. Usage: `cargo run --release --example make_hostile -- DIR`.

// A benchmark or tool, not the program: a panic is its report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Cursor, Write};
use std::path::PathBuf;

use zip::write::SimpleFileOptions;

const W_NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, SimpleFileOptions::default())
            .expect("entry");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

fn docx(xml: &str) -> Vec<u8> {
    zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", xml.as_bytes()),
    ])
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: make_hostile DIR"));
    std::fs::create_dir_all(&dir).expect("create dir");
    let write =
        |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).expect("write file");

    // 1 GiB of spaces, deflated while written.
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_level(Some(9))
        .large_file(true);
    w.start_file("word/document.xml", opts).expect("entry");
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..1024 {
        w.write_all(&chunk).expect("write");
    }
    write(
        "zip-bomb-1gib.docx",
        &w.finish().expect("finish").into_inner(),
    );

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
    write(
        "billion-laughs.docx",
        &docx(&format!(
            r#"<?xml version="1.0"?><!DOCTYPE w:document [{dtd}]><w:document {W_NS}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"#
        )),
    );
    write(
        "external-entity.docx",
        &docx(&format!(
            r#"<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><w:document {W_NS}><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>"#
        )),
    );

    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("word/document.xml", stored).expect("entry");
    w.write_all(b"<w:document/>").expect("write");
    for i in 0..5_000 {
        w.start_file(format!("media/{i}.bin"), stored)
            .expect("entry");
        w.write_all(b"x").expect("write");
    }
    write(
        "5000-entries.docx",
        &w.finish().expect("finish").into_inner(),
    );

    let sheet = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>MICRO-ATELIER : FICHE DE RENSEIGNEMENT</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Pays</t></is></c><c r="B2" t="inlineStr"><is><t>Sénégal</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>loin</t></is></c></row></sheetData></worksheet>"#;
    write(
        "sparse-a1-xfd1048576.xlsx",
        &zip_of(&[
            ("[Content_Types].xml", br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#),
            ("_rels/.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            ("xl/workbook.xml", br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Fiche" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ]),
    );

    let real = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/corpus/fiches/01-fiche-micro-atelier-ville-de-saint-etienne.docx"
    ))
    .expect("corpus docx");
    write("truncated.docx", &real[..real.len() / 2]);

    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let random: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    write("random-bytes.xlsx", &random);
}
