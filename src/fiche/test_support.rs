//! What the reader's unit tests share: the bundled fixtures and small zip
//! archives built in memory. Test code only.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

/// A file under `fixtures/`, read whole.
pub fn fixture(rel: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A zip archive of `entries`, in order; `mimetype` stored uncompressed as
/// ODF wants it, the rest deflated.
pub fn build_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        let opts = if *name == "mimetype" {
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)
        } else {
            SimpleFileOptions::default()
        };
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}
