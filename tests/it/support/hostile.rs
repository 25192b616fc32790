//! The hostile mails the intake tests send among ordinary ones: every file
//! of `fixtures/hostile/` (the reproducers of the fuzzing run, each mailed
//! as an attachment, and the mails that came with them), the corpus zip
//! bomb, a file that makes the reader spin forever and one that makes it
//! sleep forever (debug builds' `FICHES_TEST_READER_HOOKS`), mails of
//! header lines by the hundred thousand, and the kept crashers of
//! `fixtures/fuzz/crashers/`.

use std::path::{Path, PathBuf};

/// One hostile mail and what must become of it.
pub struct Hostile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub message_id: String,
    /// Stored status expected (`rejected`, or `fiche` for the date cell).
    pub status: &'static str,
    /// Attachments the reader dies on: one log line each.
    pub dying_attachments: usize,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Base64 in lines of 76.
pub fn base64(b: &[u8]) -> String {
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
            if k <= c.len() {
                out.push(T[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A mail carrying `file` as an attachment named `name`.
pub fn mail_with(message_id: &str, name: &str, file: &[u8]) -> Vec<u8> {
    format!(
        "From: Mairie <mairie@example.org>\r\nTo: fiches@example.org\r\n\
         Subject: Notre fiche ({name})\r\nMessage-ID: <{message_id}>\r\n\
         Date: Wed, 23 May 2018 09:30:00 +0200\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b-hostile\"\r\n\r\n\
         --b-hostile\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCi-joint la fiche.\r\n\
         --b-hostile\r\nContent-Type: application/octet-stream\r\n\
         Content-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\n\r\n{}\r\n--b-hostile--\r\n",
        base64(file)
    )
    .into_bytes()
}

fn message_id_of(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("message-id").then(|| {
                v.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
        })
        .expect("Message-ID")
}

/// Every hostile mail, sorted by name.
pub fn hostile_mails() -> Vec<Hostile> {
    let mut out = Vec::new();
    let dir = fixtures().join("hostile");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for p in files {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&p).unwrap();
        let date_cell = name.contains("date");
        if name.ends_with(".xls") || name.ends_with(".xlsx") {
            let mid = format!("hostile-{name}@test.example");
            out.push(Hostile {
                bytes: mail_with(&mid, &name, &bytes),
                message_id: mid,
                status: if date_cell { "fiche" } else { "rejected" },
                dying_attachments: usize::from(!date_cell),
                name,
            });
        } else if name.ends_with("-abort.eml") || name.ends_with("-panic.eml") {
            out.push(Hostile {
                message_id: message_id_of(&bytes),
                bytes,
                status: if date_cell { "fiche" } else { "rejected" },
                dying_attachments: usize::from(!date_cell),
                name,
            });
        }
    }
    let bomb = std::fs::read(fixtures().join("corpus/mail/12-zip-bomb.eml")).unwrap();
    out.push(Hostile {
        name: "12-zip-bomb.eml".into(),
        message_id: message_id_of(&bomb),
        bytes: bomb,
        status: "rejected",
        dying_attachments: 0,
    });
    for (name, marker) in [
        ("boucle-infinie.xlsx", "FICHES-TEST-SPIN"),
        ("sommeil-infini.xlsx", "FICHES-TEST-SLEEP"),
    ] {
        let mid = format!("hostile-{name}@test.example");
        let mut file = b"PK\x03\x04".to_vec();
        file.extend_from_slice(marker.as_bytes());
        out.push(Hostile {
            bytes: mail_with(&mid, name, &file),
            message_id: mid,
            status: "rejected",
            dying_attachments: 1,
            name: name.into(),
        });
    }
    // Mail structure the parser would blow up on (built here): a header of
    // 300,000 empty lines, and 30 parts of 1,500 each. Refused before
    // parsing, stored `rejected`.
    let head = |mid: &str| {
        format!(
            "From: Flot <flot@example.org>\r\nSubject: en-tetes\r\nMessage-ID: <{mid}>\r\n\
             Date: Wed, 23 May 2018 09:30:00 +0200\r\n"
        )
    };
    let mid = "hostile-header-lines@test.example".to_string();
    out.push(Hostile {
        bytes: format!("{}{}\r\nx\r\n", head(&mid), "X:\r\n".repeat(300_000)).into_bytes(),
        message_id: mid,
        status: "rejected",
        dying_attachments: 0,
        name: "header-lines".into(),
    });
    let mid = "hostile-part-header-lines@test.example".to_string();
    let mut parts = format!(
        "{}Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n",
        head(&mid)
    );
    for _ in 0..30 {
        parts.push_str("--p\r\n");
        parts.push_str(&"X:\r\n".repeat(1_500));
        parts.push_str("\r\nx\r\n");
    }
    parts.push_str("--p--\r\n");
    out.push(Hostile {
        bytes: parts.into_bytes(),
        message_id: mid,
        status: "rejected",
        dying_attachments: 0,
        name: "part-header-lines".into(),
    });
    let crashers = fixtures().join("fuzz/crashers");
    if let Ok(entries) = std::fs::read_dir(&crashers) {
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for p in files {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".md") {
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            let mid = format!("crasher-{name}@test.example");
            out.push(Hostile {
                bytes: mail_with(&mid, &name, &bytes),
                message_id: mid,
                status: "rejected",
                dying_attachments: 1,
                name,
            });
        }
    }
    out
}

/// The `[reader]` section the hostile tests run with: short limits, so
/// that the spinning and sleeping files end in seconds.
pub const READER_LIMITS: &str = "[reader]\ncpu_seconds = 1\nwall_seconds = 6\n";
