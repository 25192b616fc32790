//! What goes through the worker's pipes. Binary frames, little-endian
//! lengths; the file travels as raw bytes, the answer as JSON (serde):
//!
//! ```text
//! worker → parent, once:   "FICHES-READ-WORKER 1\n"           (ready, limits in force)
//! parent → worker:         "FQ01" u32 name_len name u32 limits_len limits_json u64 len bytes
//! worker → parent:         "FA01" u64 len answer_json
//! ```
//!
//! The worker ends on end of input.

use serde::{Deserialize, Serialize};

use super::ReadResult;

/// Written by a worker once its limits are in force.
pub const HELLO: &[u8] = b"FICHES-READ-WORKER 1\n";
pub const REQUEST_MAGIC: &[u8; 4] = b"FQ01";
pub const ANSWER_MAGIC: &[u8; 4] = b"FA01";

/// Bounds the worker puts on a request (a file name, the limits, the file).
pub const MAX_NAME_BYTES: u32 = 64 * 1024;
pub const MAX_LIMITS_BYTES: u32 = 64 * 1024;
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// The worker's answer to one request.
#[derive(Debug, Serialize, Deserialize)]
pub struct Answer {
    pub outcome: Outcome,
    /// The worker ends after this answer (its lifetime CPU budget is spent):
    /// the parent does not give it another file.
    pub retiring: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Outcome {
    /// The reader's own result.
    Read(ReadResult),
    /// The reader panicked (caught in the worker): the panic's message.
    Panicked(String),
}

/// Encodes a request's header (the file's bytes follow it).
pub fn request_header(name: &str, limits_json: &[u8], file_len: u64) -> Vec<u8> {
    let name = name.as_bytes();
    let name = &name[..name.len().min(MAX_NAME_BYTES as usize)];
    let mut h = Vec::with_capacity(24 + name.len() + limits_json.len());
    h.extend_from_slice(REQUEST_MAGIC);
    h.extend_from_slice(&(name.len() as u32).to_le_bytes());
    h.extend_from_slice(name);
    h.extend_from_slice(&(limits_json.len() as u32).to_le_bytes());
    h.extend_from_slice(limits_json);
    h.extend_from_slice(&file_len.to_le_bytes());
    h
}

/// Encodes an answer frame.
pub fn answer_frame(answer: &Answer) -> Vec<u8> {
    let json = serde_json::to_vec(answer).unwrap_or_else(|e| {
        // Cannot happen for these types; answer something readable anyway.
        serde_json::to_vec(&Answer {
            outcome: Outcome::Panicked(format!("réponse non sérialisable : {e}")),
            retiring: true,
        })
        .unwrap_or_default()
    });
    let mut f = Vec::with_capacity(12 + json.len());
    f.extend_from_slice(ANSWER_MAGIC);
    f.extend_from_slice(&(json.len() as u64).to_le_bytes());
    f.extend_from_slice(&json);
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fiche::{Fiche, FicheError, Kind, Parsed, Value, Warning};

    #[test]
    fn the_fiche_results_go_through_json_unchanged() {
        let mut f = Fiche {
            kind: Some(Kind::BourseProjets),
            ..Fiche::default()
        };
        f.fields
            .insert("organisation".into(), Value::Text("Ville \u{1b}[2J".into()));
        f.fields.insert("cuf_member".into(), Value::Bool(true));
        f.extra.push(("Site".into(), "https://x".into()));
        f.warnings.push(Warning::field("country", "à vérifier"));
        let one = |result| Parsed {
            inner: None,
            form: None,
            result,
        };
        let results: Vec<ReadResult> = vec![
            vec![one(Ok(f.clone()))],
            // Two forms in one file; files inside a container.
            vec![
                Parsed {
                    form: Some(1),
                    ..one(Ok(f.clone()))
                },
                Parsed {
                    form: Some(2),
                    ..one(Ok(Fiche::default()))
                },
            ],
            vec![
                Parsed {
                    inner: Some("fiche « 1 ».docx".into()),
                    ..one(Ok(f))
                },
                Parsed {
                    inner: Some("note.pdf".into()),
                    ..one(Err(FicheError::UnsupportedFormat {
                        format: "PDF".into(),
                    }))
                },
            ],
            vec![one(Err(FicheError::corrupt("abîmé")))],
            vec![one(Err(FicheError::too_large("trop")))],
            vec![one(Err(FicheError::NotAFiche { reason: "r".into() }))],
            Vec::new(),
        ];
        for result in results {
            let frame = answer_frame(&Answer {
                outcome: Outcome::Read(result.clone()),
                retiring: false,
            });
            assert_eq!(&frame[..4], ANSWER_MAGIC);
            let len = u64::from_le_bytes(frame[4..12].try_into().unwrap()) as usize;
            assert_eq!(len, frame.len() - 12);
            let back: Answer = serde_json::from_slice(&frame[12..]).unwrap();
            match back.outcome {
                Outcome::Read(r) => assert_eq!(r, result),
                Outcome::Panicked(p) => panic!("{p}"),
            }
        }
    }
}
