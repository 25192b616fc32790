//! An attachment's text, for staff to read a fiche the intake could not:
//! DOCX, ODT, ODS, XLSX and XLS through our own readers (`fiche::plain`),
//! PDF through `pdftotext` (poppler-utils), DOC, RTF, WPS and anything else
//! through LibreOffice (`soffice --headless --convert-to txt`).
//!
//! The external programs run on a copy of the bytes in a private temporary
//! directory (mode 0700, removed afterwards), LibreOffice with its own
//! profile in it (`-env:UserInstallation`), in their own process group,
//! killed with their children past a timeout (`[reader] convert_seconds`).
//! The text read back is bounded ([`MAX_TEXT_BYTES`]) and made safe for a
//! terminal (no escape sequence, no control character but line breaks and
//! tabs). A program that is not installed is said with the package that
//! brings it. This is I/O: the console's loop and the CLI call it, never a
//! view and never `fiche/`.
//!
//! It also owns an attachment as a file: [`load`] cuts it out of its stored
//! message (checked against the hash the intake recorded), [`save_new`]
//! writes it under a cleaned name that never overwrites (" (2)", " (3)"…).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::fiche::{Format, Limits, plain, sniff};
use crate::safe::terminal_text;

/// How long a conversion may take unless `[reader] convert_seconds` says.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Most text kept from a conversion (the rest is cut, and said).
pub const MAX_TEXT_BYTES: usize = 512 * 1024;

/// Why an attachment's text could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    #[error("{program} n'est pas installé : apt install {package}")]
    Missing {
        program: &'static str,
        package: &'static str,
    },
    #[error("{program} n'a pas fini en {seconds} s (arrêté) : fichier trop lourd ou abîmé")]
    TimedOut { program: &'static str, seconds: u64 },
    #[error("{program} n'a pas pu lire le fichier : {detail}")]
    Failed {
        program: &'static str,
        detail: String,
    },
    #[error("fichier illisible : {0}")]
    Unreadable(String),
    #[error("conversion impossible : {0}")]
    Io(String),
}

impl ConvertError {
    /// The program was not found (staff can still save the file).
    pub fn is_missing(&self) -> bool {
        matches!(self, ConvertError::Missing { .. })
    }
}

/// An attachment's text and how it was had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentText {
    /// Safe for a terminal: line breaks and tabs, no other control.
    pub text: String,
    /// Who read it: "lecteur intégré", "pdftotext", "LibreOffice".
    pub via: &'static str,
    /// Cut at [`MAX_TEXT_BYTES`].
    pub truncated: bool,
}

/// How conversions run.
#[derive(Debug, Clone)]
pub struct Converter {
    pub timeout: Duration,
    /// Where the private directories are made (the system's temp dir).
    pub temp_root: PathBuf,
    /// Set by the caller to stop a conversion under way (the console
    /// quitting): the program is killed, its directory removed.
    pub cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Default for Converter {
    fn default() -> Self {
        Converter {
            timeout: DEFAULT_TIMEOUT,
            temp_root: std::env::temp_dir(),
            cancel: Default::default(),
        }
    }
}

impl Converter {
    pub fn new(timeout: Duration) -> Converter {
        Converter {
            timeout,
            ..Converter::default()
        }
    }

    /// The text of an attachment (`name` is the sender's file name, only a
    /// hint for LibreOffice when the content says nothing).
    pub fn text(&self, bytes: &[u8], name: Option<&str>) -> Result<AttachmentText, ConvertError> {
        if let Some(read) = plain::document_text(bytes, &Limits::default()) {
            let text = read.map_err(|e| ConvertError::Unreadable(e.to_string()))?;
            return Ok(finish(text.into_bytes(), "lecteur intégré"));
        }
        let format = sniff(bytes);
        match format {
            Format::Pdf => self.pdftotext(bytes),
            _ => self.libreoffice(bytes, &extension(format, name)),
        }
    }

    fn pdftotext(&self, bytes: &[u8]) -> Result<AttachmentText, ConvertError> {
        let dir = PrivateDir::new(&self.temp_root)?;
        let input = dir.path.join("piece.pdf");
        let output = dir.path.join("piece.txt");
        write(&input, bytes)?;
        let mut cmd = Command::new("pdftotext");
        cmd.args(["-layout", "-enc", "UTF-8", "-q"])
            .arg(&input)
            .arg(&output);
        self.run(cmd, "pdftotext", "poppler-utils", &dir.path)?;
        Ok(finish(read_bounded(&output)?, "pdftotext"))
    }

    fn libreoffice(&self, bytes: &[u8], ext: &str) -> Result<AttachmentText, ConvertError> {
        let dir = PrivateDir::new(&self.temp_root)?;
        let input = dir.path.join(format!("piece.{ext}"));
        let out_dir = dir.path.join("texte");
        std::fs::create_dir(&out_dir).map_err(|e| ConvertError::Io(e.to_string()))?;
        write(&input, bytes)?;
        let profile = dir.path.join("profil");
        let mut cmd = Command::new("soffice");
        cmd.arg(format!(
            "-env:UserInstallation=file://{}",
            profile.to_string_lossy()
        ))
        .args([
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            "txt:Text (encoded):UTF8",
            "--outdir",
        ])
        .arg(&out_dir)
        .arg(&input);
        self.run(cmd, "LibreOffice", "libreoffice-writer-nogui", &dir.path)?;
        let output = out_dir.join("piece.txt");
        if !output.exists() {
            return Err(ConvertError::Failed {
                program: "LibreOffice",
                detail: "aucun texte produit (format non reconnu ou fichier abîmé)".into(),
            });
        }
        Ok(finish(read_bounded(&output)?, "LibreOffice"))
    }

    /// Runs `cmd` in its own process group, in `home`, until it ends or the
    /// timeout (then the whole group is killed).
    fn run(
        &self,
        mut cmd: Command,
        program: &'static str,
        package: &'static str,
        home: &Path,
    ) -> Result<(), ConvertError> {
        use std::os::unix::process::CommandExt;
        cmd.current_dir(home)
            .env("HOME", home)
            .env("TMPDIR", home)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConvertError::Missing { program, package });
            }
            Err(e) => return Err(ConvertError::Io(format!("{program} : {e}"))),
        };
        // stderr is read on a thread of its own (bounded), so a chatty
        // program never blocks on a full pipe.
        let stderr = child.stderr.take();
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(s) = stderr {
                let _ = s.take(8 * 1024).read_to_end(&mut buf);
            }
            buf
        });
        let start = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if self.cancel.load(std::sync::atomic::Ordering::SeqCst) => {
                    kill_group(child.id());
                    let _ = child.wait();
                    return Err(ConvertError::Io(format!(
                        "{program} : conversion abandonnée"
                    )));
                }
                Ok(None) if start.elapsed() >= self.timeout => {
                    kill_group(child.id());
                    let _ = child.wait();
                    return Err(ConvertError::TimedOut {
                        program,
                        seconds: self.timeout.as_secs(),
                    });
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(ConvertError::Io(format!("{program} : {e}"))),
            }
        };
        // LibreOffice may leave a helper behind: the group goes with it.
        kill_group(child.id());
        let err = reader.join().unwrap_or_default();
        if !status.success() {
            let text = terminal_text(String::from_utf8_lossy(&err).trim(), false);
            let detail = if text.is_empty() {
                format!("code de sortie {}", status.code().unwrap_or(-1))
            } else {
                text.chars().take(300).collect()
            };
            return Err(ConvertError::Failed { program, detail });
        }
        Ok(())
    }
}

/// An attachment cut out of its stored message.
#[derive(Debug, Clone)]
pub struct LoadedAttachment {
    /// Its number (`attachments.id`, shown by the console).
    pub number: i64,
    pub message_id: i64,
    pub filename: Option<String>,
    pub bytes: Vec<u8>,
}

/// Why an attachment could not be had from the database.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(
        "pièce jointe n° {number} : le message n° {message_id} ne se relit plus (message abîmé ou refusé avant lecture) ; l'ouvrir depuis la boîte aux lettres"
    )]
    NotInMessage { number: i64, message_id: i64 },
    #[error(
        "pièce jointe n° {number} : le contenu relu du message n° {message_id} ne correspond pas à celui reçu ; la prendre dans la boîte aux lettres"
    )]
    Changed { number: i64, message_id: i64 },
}

/// Attachment `number` from the store (its bytes as received).
pub fn load(store: &crate::store::Store, number: i64) -> Result<LoadedAttachment, LoadError> {
    use sha2::Digest;
    let (record, message_id, raw) = store.attachment_source(number)?;
    let (name, bytes) = crate::intake::attachment_bytes(&raw, &record.part_path)
        .ok_or(LoadError::NotInMessage { number, message_id })?;
    if hex::encode(sha2::Sha256::digest(&bytes)) != record.sha256 {
        return Err(LoadError::Changed { number, message_id });
    }
    Ok(LoadedAttachment {
        number,
        message_id,
        filename: record.filename.or(name),
        bytes,
    })
}

/// A file name that is safe to create from the sender's: no folder, no
/// control or reserved character, no leading dot, at most 120 characters
/// (extension kept); `piece-jointe-N` when nothing is left.
pub fn safe_file_name(name: Option<&str>, number: i64) -> String {
    let cleaned: String = name
        .unwrap_or("")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .map(|c| match c {
            c if c.is_control() => '_',
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => '_',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() {
        return format!("piece-jointe-{number}");
    }
    let n = cleaned.chars().count();
    if n <= 120 {
        return cleaned;
    }
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((s, e)) if e.chars().count() <= 8 => (s.to_string(), format!(".{e}")),
        _ => (cleaned.clone(), String::new()),
    };
    let keep = 120 - ext.chars().count();
    format!("{}{ext}", stem.chars().take(keep).collect::<String>())
}

/// Writes `bytes` as `dir/name`, or `name (2)`, `name (3)`… when taken:
/// never overwrites (the file is created new). Returns the path written.
pub fn save_new(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    for i in 1..=1000 {
        let candidate = if i == 1 {
            dir.join(name)
        } else {
            dir.join(format!("{stem} ({i}){ext}"))
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(mut f) => {
                f.write_all(bytes)?;
                f.sync_all()?;
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "1000 fichiers de ce nom existent déjà",
    ))
}

#[allow(
    unsafe_code,
    reason = "libc calls std does not wrap; each block says why it is sound (SAFETY)"
)]
fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a negative pid signals that process group;
        // the group is the child's own (process_group(0)).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// The extension LibreOffice is given: from the content, else the sender's
/// name (letters and digits only), else `.doc`.
fn extension(format: Format, name: Option<&str>) -> String {
    match format {
        Format::Doc => return "doc".into(),
        Format::Rtf => return "rtf".into(),
        _ => {}
    }
    name.and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "doc".into())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ConvertError> {
    std::fs::write(path, bytes).map_err(|e| ConvertError::Io(e.to_string()))
}

/// At most `MAX_TEXT_BYTES` + 1 bytes of a file (the extra byte says it was longer).
fn read_bounded(path: &Path) -> Result<Vec<u8>, ConvertError> {
    let f = std::fs::File::open(path).map_err(|e| ConvertError::Io(e.to_string()))?;
    let mut buf = Vec::new();
    f.take(MAX_TEXT_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ConvertError::Io(e.to_string()))?;
    Ok(buf)
}

/// Bounded, decoded, made safe for a terminal.
fn finish(mut bytes: Vec<u8>, via: &'static str) -> AttachmentText {
    let truncated = bytes.len() > MAX_TEXT_BYTES;
    bytes.truncate(MAX_TEXT_BYTES);
    let text = String::from_utf8_lossy(&bytes)
        .trim_start_matches('\u{feff}')
        .replace("\r\n", "\n")
        .replace(['\r', '\u{c}'], "\n");
    let mut text = terminal_text(&text, true);
    // Trailing blanks of each line, and more than two blank lines in a row.
    let mut out = String::with_capacity(text.len());
    let mut blanks = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blanks += 1;
            if blanks > 2 {
                continue;
            }
        } else {
            blanks = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    text = out.trim_end().to_string();
    AttachmentText {
        text,
        via,
        truncated,
    }
}

/// A directory only we can read, removed when dropped.
struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    fn new(root: &Path) -> Result<PrivateDir, ConvertError> {
        use std::os::unix::fs::DirBuilderExt;
        for _ in 0..16 {
            let path = root.join(format!("fiches-texte-{:016x}", fastrand::u64(..)));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(PrivateDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(ConvertError::Io(format!(
                        "dossier temporaire dans {} : {e}",
                        root.display()
                    )));
                }
            }
        }
        Err(ConvertError::Io("dossier temporaire introuvable".into()))
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_cleaned_and_never_overwrite() {
        assert_eq!(safe_file_name(Some("../../etc/passwd"), 3), "passwd");
        assert_eq!(safe_file_name(Some("..\\x\\.bashrc"), 3), "bashrc");
        assert_eq!(safe_file_name(Some("a\u{1b}[2Jb?.doc"), 3), "a_[2Jb_.doc");
        assert_eq!(safe_file_name(Some(" .. "), 7), "piece-jointe-7");
        assert_eq!(safe_file_name(None, 7), "piece-jointe-7");
        let long = format!("{}.pdf", "x".repeat(300));
        let s = safe_file_name(Some(&long), 1);
        assert_eq!(s.chars().count(), 120);
        assert!(s.ends_with(".pdf"));
        let dir = tempfile::tempdir().unwrap();
        let a = save_new(dir.path(), "Fiche.doc", b"un").unwrap();
        let b = save_new(dir.path(), "Fiche.doc", b"deux").unwrap();
        let c = save_new(dir.path(), "Fiche.doc", b"trois").unwrap();
        assert_eq!(a.file_name().unwrap(), "Fiche.doc");
        assert_eq!(b.file_name().unwrap(), "Fiche (2).doc");
        assert_eq!(c.file_name().unwrap(), "Fiche (3).doc");
        assert_eq!(std::fs::read(&a).unwrap(), b"un");
    }

    #[test]
    fn text_is_bounded_and_safe() {
        let t = finish(
            b"\xef\xbb\xbfNom\x1b[31m : Pau\r\n\x0c\n\n\n\nFin  ".to_vec(),
            "x",
        );
        assert_eq!(t.text, "Nom\u{241b}[31m : Pau\n\n\nFin");
        assert!(!t.truncated);
        let big = finish(vec![b'a'; MAX_TEXT_BYTES + 1], "x");
        assert!(big.truncated);
        assert_eq!(big.text.len(), MAX_TEXT_BYTES);
    }

    #[test]
    fn the_extension_comes_from_the_content_then_the_name() {
        assert_eq!(extension(Format::Doc, Some("a.pdf")), "doc");
        assert_eq!(extension(Format::Unknown, Some("Fiche.WPS")), "wps");
        assert_eq!(extension(Format::Unknown, Some("x.d/../oc")), "doc");
        assert_eq!(extension(Format::Unknown, None), "doc");
    }

    #[test]
    fn a_missing_program_is_named_with_its_package() {
        let c = Converter::default();
        let mut cmd = Command::new("fiches-programme-absent");
        cmd.arg("x");
        let e = c
            .run(cmd, "pdftotext", "poppler-utils", &std::env::temp_dir())
            .unwrap_err();
        assert!(e.is_missing());
        assert_eq!(
            e.to_string(),
            "pdftotext n'est pas installé : apt install poppler-utils"
        );
    }

    #[test]
    fn a_program_past_its_time_is_stopped() {
        let c = Converter::new(Duration::from_millis(200));
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let start = Instant::now();
        let e = c
            .run(
                cmd,
                "LibreOffice",
                "libreoffice-writer-nogui",
                &std::env::temp_dir(),
            )
            .unwrap_err();
        assert!(matches!(e, ConvertError::TimedOut { .. }), "{e}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }
}
