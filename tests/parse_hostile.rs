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
