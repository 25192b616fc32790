//! The public entry point `fiche::parse` on hostile files: each gives a clear
//! error code (or, for a sparse sheet, a normal reading), never a panic.

use std::process::Command;

#[test]
fn hostile_files_through_the_real_binary() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
    let real = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/corpus/fiches/09-fiche-micro-atelier-ville-de-saint-etienne.xlsx"
    ))
    .unwrap();
    write("truncated.xlsx", &real[..real.len() / 3]);
    write("random.xlsx", &[0x5a; 4096]);
    write("empty.docx", b"");
    write("notes.txt", b"juste du texte");
    write("fake.pdf", b"%PDF-1.4 ...");
    let out = Command::new(env!("CARGO_BIN_EXE_fiches"))
        .args(["parse", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let code = |file: &str| {
        lines
            .iter()
            .find(|v| v["file"].as_str().unwrap().ends_with(file))
            .map(|v| v["error"]["code"].as_str().unwrap_or("ok").to_string())
            .unwrap()
    };
    assert_eq!(code("truncated.xlsx"), "corrupt");
    assert_eq!(code("random.xlsx"), "corrupt");
    assert_eq!(code("empty.docx"), "corrupt");
    assert_eq!(code("notes.txt"), "not_a_fiche");
    assert_eq!(code("fake.pdf"), "unsupported_format");
    for v in &lines {
        if let Some(msg) = v["error"]["message"].as_str() {
            assert!(msg.len() > 20, "message too thin: {msg}");
        }
    }
}

/// Sets the uncompressed size of `entry` to `size` in both the local and the
/// central headers of a zip (a lying archive).
fn lie_about_size(zip: &mut [u8], entry: &str, size: u32) {
    let mut patched = 0;
    let mut i = 0;
    while i + 46 < zip.len() {
        if zip[i..i + 4] == *b"PK\x03\x04" {
            let n = u16::from_le_bytes([zip[i + 26], zip[i + 27]]) as usize;
            if zip.get(i + 30..i + 30 + n) == Some(entry.as_bytes()) {
                zip[i + 22..i + 26].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
        } else if zip[i..i + 4] == *b"PK\x01\x02" {
            let n = u16::from_le_bytes([zip[i + 28], zip[i + 29]]) as usize;
            if zip.get(i + 46..i + 46 + n) == Some(entry.as_bytes()) {
                zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
        }
        i += 1;
    }
    assert_eq!(patched, 2, "local and central headers");
}

#[test]
fn an_xlsx_that_lies_about_its_sizes_is_refused_without_inflating() {
    use std::io::Write;
    let real = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/corpus/fiches/09-fiche-micro-atelier-ville-de-saint-etienne.xlsx"
    ))
    .unwrap();
    // Rebuild the workbook with a sheet of 64 MiB of spaces after its data.
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(real)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_level(Some(9));
    let sheet = "xl/worksheets/sheet1.xml";
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut data).unwrap();
        out.start_file(name.as_str(), opts).unwrap();
        if name == sheet {
            let end = data.len() - "</worksheet>".len();
            out.write_all(&data[..end]).unwrap();
            let spaces = vec![b' '; 1 << 20];
            for _ in 0..64 {
                out.write_all(&spaces).unwrap();
            }
            out.write_all(b"</worksheet>").unwrap();
        } else {
            out.write_all(&data).unwrap();
        }
    }
    let honest = out.finish().unwrap().into_inner();
    // Honest sizes: refused by the ratio rule before any inflating.
    let err = fiches::fiche::parse(&honest, "bombe.xlsx").unwrap_err();
    assert_eq!(err.code(), "too_large", "{err}");
    // Lying sizes (the sheet claims 4 KiB): calamine's unzipping stops at the
    // declared size and the file is reported damaged.
    let mut lying = honest.clone();
    lie_about_size(&mut lying, sheet, 4096);
    let err = fiches::fiche::parse(&lying, "bombe.xlsx").unwrap_err();
    assert!(matches!(err.code(), "corrupt" | "too_large"), "{err}");
}
