//! The rules that turn a read mail into what the store keeps: what each
//! attachment is (by content, never by declared type or name), what the
//! message is (`fiche`, `no_fiche`, `auto_reply`, `unsupported`, `rejected`,
//! `error`), and the flags (`late`, `contact_email_from_sender`, ...).

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use unicode_normalization::UnicodeNormalization;

use super::mail::{Headers, Leaf, Mailbox, Walk};
use crate::fiche::{self, Fiche, FicheError, Format, Limits, Parsed, Value, Warning};
use crate::store::{
    AttachmentOutcome, MessageStatus, NewAttachment, NewProposal, flag, sha256_hex,
};
use crate::worker::{Interrupted, Reader, Unavailable};

/// What one leaf part (or one form in it, or one file inside it when it is
/// a `.zip` or `winmail.dat`) turned out to be.
#[derive(Debug, Clone)]
pub struct Classified {
    pub outcome: AttachmentOutcome,
    pub format: Option<Format>,
    pub reason: Option<String>,
    pub fiche: Option<Fiche>,
    /// The file's name inside a container, when it came from one.
    pub inner: Option<String>,
    /// The form's number when the file holds several (1, 2, …), and how many.
    pub form: Option<(usize, usize)>,
    /// The reader died on it (then the outcome is `Rejected`).
    pub interrupted: Option<Interrupted>,
}

impl Classified {
    fn new(
        outcome: AttachmentOutcome,
        format: Option<Format>,
        reason: impl Into<Option<String>>,
    ) -> Classified {
        Classified {
            outcome,
            format,
            reason: reason.into(),
            fiche: None,
            inner: None,
            form: None,
            interrupted: None,
        }
    }
}

/// Outlook's TNEF container (`winmail.dat`).
fn is_tnef(b: &[u8]) -> bool {
    fiche::is_tnef(b)
}

fn is_image(b: &[u8]) -> bool {
    b.starts_with(b"\x89PNG")
        || b.starts_with(&[0xFF, 0xD8, 0xFF])
        || b.starts_with(b"GIF8")
        || b.starts_with(b"BM")
        || (b.len() > 12 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP")
        || b.starts_with(b"II*\0")
        || b.starts_with(b"MM\0*")
}

/// What one reading result is, as an attachment outcome.
fn classified(format: Format, p: Parsed, forms: usize) -> Classified {
    let mut c = match p.result {
        Ok(f) if f.is_blank() => Classified::new(
            AttachmentOutcome::Blank,
            Some(format),
            "formulaire renvoyé vide : aucune valeur remplie".to_string(),
        ),
        Ok(f) => Classified {
            fiche: Some(f),
            ..Classified::new(AttachmentOutcome::Fiche, Some(format), None)
        },
        Err(e) => {
            let outcome = match e {
                FicheError::UnsupportedFormat { .. } => AttachmentOutcome::UnsupportedFormat,
                FicheError::NotAFiche { .. } => AttachmentOutcome::NotAFiche,
                FicheError::Corrupt { .. } => AttachmentOutcome::Corrupt,
                FicheError::TooLarge { .. } => AttachmentOutcome::TooLarge,
            };
            Classified::new(outcome, Some(format), e.to_string())
        }
    };
    c.form = p.form.map(|n| (n, forms));
    c.inner = p.inner;
    c
}

/// Decides what a leaf part is: one entry per form it holds (a file with
/// two filled forms gives two), or per file inside it for a `.zip` or a
/// `winmail.dat`. Empty for a text or HTML body that holds no document
/// (bodies are not attachments). The file is read by `reader` (in a worker
/// process for the intake): a reader that dies on it makes one `Rejected`
/// attachment. `Err` only when no reader could be had.
pub fn classify_leaf(
    leaf: &Leaf<'_>,
    limits: &Limits,
    auto_reply: bool,
    reader: &Reader,
) -> Result<Vec<Classified>, Unavailable> {
    let bytes: &[u8] = &leaf.bytes;
    let name = leaf.filename.as_deref().unwrap_or("");
    if let Some(problem) = &leaf.mime_problem {
        return Ok(vec![Classified::new(
            AttachmentOutcome::Corrupt,
            None,
            format!(
                "{problem} : lire le message à la main (une fiche peut s'y trouver) ou demander à l'expéditeur de le renvoyer"
            ),
        )]);
    }
    if leaf.encoding_problem {
        return Ok(vec![Classified::new(
            AttachmentOutcome::Corrupt,
            None,
            "pièce jointe tronquée ou mal encodée dans le message : demander à l'expéditeur de la renvoyer".to_string(),
        )]);
    }
    let format = fiche::sniff(bytes);
    let document = format.is_readable()
        || format.is_unsupported_document()
        || format == Format::OtherZip
        || is_tnef(bytes);
    if leaf.is_body && !document {
        return Ok(Vec::new());
    }
    if auto_reply {
        return Ok(vec![Classified::new(
            AttachmentOutcome::Ignored,
            Some(format),
            "réponse automatique".to_string(),
        )]);
    }
    if is_image(bytes)
        || (format == Format::Unknown
            && leaf
                .content_type
                .as_deref()
                .is_some_and(|t| t.starts_with("image/")))
    {
        return Ok(vec![Classified::new(
            AttachmentOutcome::Ignored,
            Some(format),
            "image (signature, logo…)".to_string(),
        )]);
    }
    let results = match reader.read(bytes, name, limits)? {
        Ok(results) => results,
        Err(interrupted) => {
            let mut c = Classified::new(
                AttachmentOutcome::Rejected,
                Some(format),
                interrupted.reason(),
            );
            c.interrupted = Some(interrupted);
            return Ok(vec![c]);
        }
    };
    let forms = results.iter().filter(|p| p.form.is_some()).count();
    Ok(results
        .into_iter()
        .map(|p| {
            // A file inside a container has its own format.
            let inner_format = if p.inner.is_some() {
                None
            } else {
                Some(format)
            };
            let mut c = classified(format, p, forms);
            if c.inner.is_some() {
                c.format = inner_format;
            }
            c
        })
        .collect())
}

/// Subjects of out-of-office replies, compared without case or accents.
const AUTO_REPLY_SUBJECTS: &[&str] = &[
    "reponse automatique",
    "absence du bureau",
    "absent du bureau",
    "absente du bureau",
    "message d'absence",
    "out of office",
    "automatic reply",
    "auto-reply",
    "autoreply",
    "respuesta automatica",
    "resposta automatica",
    "risposta automatica",
    "abwesenheitsnotiz",
    "delivery status notification",
    "undeliverable",
    "non remis",
];

fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// True when the subject reads like an automatic reply.
pub fn auto_reply_subject(subject: &str) -> bool {
    let s = fold(subject);
    AUTO_REPLY_SUBJECTS.iter().any(|p| s.contains(p))
}

/// Before this, or from this on, no date of a mail can be true: a clock
/// at zero (1970), a year written `99999`, a date in 2100 or 9999.
fn possible(d: &DateTime<FixedOffset>) -> bool {
    let floor = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single();
    let ceiling = Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).single();
    floor.is_none_or(|f| *d >= f) && ceiling.is_none_or(|c| *d < c)
}

/// Whether a receipt time can be one (see `possible`): a forged or broken
/// `Received:` in 1970 or 9999 is no receipt time.
pub fn possible_receipt(d: &DateTime<FixedOffset>) -> bool {
    possible(d)
}

/// The instant the deadline is checked against: the Date header when it is
/// plausible, else the receipt time. A Date before 2000 or from 2100 on, or
/// more than two days after the receipt, is absurd (a wrong clock). The
/// receipt time is the first trusted hop: the top-most `Received:` header,
/// added by our own server (the ones below it are the sender's to write),
/// else the delivery time the source knows (Maildir, IMAP INTERNALDATE).
pub fn effective_date(
    date: Option<DateTime<FixedOffset>>,
    received: Option<DateTime<FixedOffset>>,
) -> Option<DateTime<FixedOffset>> {
    let plausible = |d: &DateTime<FixedOffset>| {
        possible(d)
            && received.is_none_or(|r| {
                r.checked_add_signed(Duration::days(2))
                    .is_none_or(|limit| *d <= limit)
            })
    };
    match date {
        Some(d) if plausible(&d) => Some(d),
        _ => received,
    }
}

/// Like [`effective_date`], and says whether the Date header was **not
/// believed** (flag `doubtful_date`): absurd (see [`effective_date`]), or
/// more than a day before `first_hop`, the date of the top-most
/// `Received:` header (written by our own server: the first hop we can
/// trust; the ones below it are the sender's to write). The date returned
/// is the one believed: the receipt time when there is one, else none. A
/// receipt time known only from the source (IMAP INTERNALDATE, Maildir)
/// does not count against a Date a day earlier: a mail filed into the
/// mailbox later would look backdated.
pub fn effective_date_checked(
    date: Option<DateTime<FixedOffset>>,
    received: Option<DateTime<FixedOffset>>,
    first_hop: Option<DateTime<FixedOffset>>,
) -> (Option<DateTime<FixedOffset>>, bool) {
    let effective = effective_date(date, received);
    let Some(d) = date else {
        return (effective, false);
    };
    if effective != Some(d) {
        return (effective, true);
    }
    if let Some(hop) = first_hop
        && hop
            .checked_sub_signed(Duration::days(1))
            .is_some_and(|limit| d < limit)
    {
        return (Some(hop), true);
    }
    (effective, false)
}

/// Adds the sender's address as contact email when the fiche has none.
/// Returns true when it did.
pub fn contact_fallback(fiche: &mut Fiche, sender: &Mailbox) -> bool {
    if fiche
        .fields
        .get(crate::call::roles().contact_email.as_str())
        .and_then(Value::as_text)
        .is_some_and(|s| !s.trim().is_empty())
    {
        return false;
    }
    let Some(addr) = sender.address.as_deref() else {
        return false;
    };
    fiche.fields.insert(
        crate::call::roles().contact_email.as_str().into(),
        Value::Text(addr.to_string()),
    );
    fiche.warnings.push(Warning::field(
        crate::call::roles().contact_email.as_str(),
        format!(
            "courriel absent de la fiche : adresse de l'expéditeur ({addr}) reprise, à vérifier"
        ),
    ));
    true
}

/// What the intake needs to decide for one message.
pub struct Decided {
    pub status: MessageStatus,
    pub reason: Option<String>,
    pub flags: Vec<String>,
    pub attachments: Vec<NewAttachment>,
    /// Attachments the reader died on (name, what happened), for the log.
    pub interrupted: Vec<(String, Interrupted)>,
}

fn push_flag(flags: &mut Vec<String>, f: &str) {
    if !flags.iter().any(|x| x == f) {
        flags.push(f.to_string());
    }
}

/// The stored record of one classified part (one form, or one file of a
/// container): a file inside a `.zip` or `winmail.dat` is named after it
/// (`archive.zip › fiche.docx`), and the forms of a file holding several
/// are numbered in the reason.
fn attachment(leaf: &Leaf<'_>, c: Classified, late: bool) -> NewAttachment {
    let proposal = c.fiche.map(|mut f| {
        let mut pflags = Vec::new();
        if late {
            pflags.push(flag::LATE.to_string());
        }
        if contact_fallback(&mut f, &leaf.sender) {
            pflags.push(flag::CONTACT_EMAIL_FROM_SENDER.to_string());
        }
        NewProposal {
            kind: f.kind,
            fields: f.fields,
            extra: f.extra,
            warnings: f.warnings,
            flags: pflags,
        }
    });
    let filename = match (&c.inner, &leaf.filename) {
        (Some(inner), Some(outer)) => Some(format!("{outer} › {inner}")),
        (Some(inner), None) => Some(inner.clone()),
        (None, name) => name.clone(),
    };
    let reason = match (c.form, c.reason) {
        (Some((n, m)), None) => Some(format!("fiche {n} sur {m} dans ce fichier")),
        (Some((n, m)), Some(r)) => Some(format!("fiche {n} sur {m} dans ce fichier : {r}")),
        (None, r) => r,
    };
    NewAttachment {
        part_path: leaf.path.clone(),
        filename,
        content_type: leaf.content_type.clone(),
        size: leaf.bytes.len() as u64,
        sha256: sha256_hex(&leaf.bytes),
        format: c
            .format
            .filter(|f| *f != Format::Unknown)
            .map(|f| f.name().to_string()),
        outcome: c.outcome,
        reason,
        proposal,
    }
}

/// Names of parts, shortened to the first few and a count.
fn some_names(names: &[String], total: usize) -> String {
    const SHOWN: usize = 10;
    let mut s = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if total > SHOWN.min(names.len()) {
        s.push_str(&format!(" et {} autre(s)", total - SHOWN.min(names.len())));
    }
    s
}

/// Classifies every leaf, builds the proposals, and decides the status.
/// `Err` only when no reader could be had (the message is then not stored).
pub fn decide(
    headers: &Headers,
    walk: &Walk<'_>,
    late: bool,
    limits: &Limits,
    reader: &Reader,
) -> Result<Decided, Unavailable> {
    let (truncated, limit) = (walk.truncated, walk.limit.as_deref());
    let auto_by_header = !headers.auto_reply_headers.is_empty() || headers.is_report;
    let mut attachments = Vec::new();
    let mut interrupted = Vec::new();
    let mut flags = Vec::new();
    if late {
        push_flag(&mut flags, flag::LATE);
    }
    for leaf in &walk.leaves {
        for mut c in classify_leaf(leaf, limits, auto_by_header, reader)? {
            if let Some(i) = c.interrupted.take() {
                let name = leaf
                    .filename
                    .clone()
                    .unwrap_or_else(|| format!("partie {}", leaf.path));
                interrupted.push((name, i));
            }
            attachments.push(attachment(leaf, c, late));
        }
    }

    let has = |o: AttachmentOutcome| attachments.iter().any(|a| a.outcome == o);
    let name_of = |a: &NewAttachment| {
        a.filename
            .clone()
            .unwrap_or_else(|| format!("partie {}", a.part_path))
    };
    let named = |o: AttachmentOutcome| -> String {
        attachments
            .iter()
            .filter(|a| a.outcome == o)
            .map(name_of)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let first_reason = |o: AttachmentOutcome| -> String {
        attachments
            .iter()
            .find(|a| a.outcome == o)
            .and_then(|a| a.reason.clone())
            .unwrap_or_default()
    };
    // A safety limit stopped the reading: what it was, and what was not read.
    let limit_text = limit.map(|l| {
        if walk.not_read_count > 0 {
            format!(
                "{l} ; {} pièce(s) jointe(s) non lue(s) : {}",
                walk.not_read_count,
                some_names(&walk.not_read, walk.not_read_count)
            )
        } else {
            l.to_string()
        }
    });

    let (status, reason) = if auto_by_header {
        let why = if headers.is_report {
            "avis de non-remise ou de remise (multipart/report)".to_string()
        } else {
            format!(
                "réponse automatique ({})",
                headers.auto_reply_headers.join(" ; ")
            )
        };
        (MessageStatus::AutoReply, Some(why))
    } else if has(AttachmentOutcome::Fiche) {
        // The fiche is kept; what went wrong beside it is said, for staff
        // to look at the rest (another fiche may be among what was not read).
        let mut problems = Vec::new();
        if let Some(l) = &limit_text {
            problems.push(format!("limite de sécurité atteinte : {l}"));
        }
        if truncated {
            problems.push("message tronqué (fin de message manquante)".to_string());
        }
        for a in &attachments {
            if matches!(
                a.outcome,
                AttachmentOutcome::Corrupt
                    | AttachmentOutcome::TooLarge
                    | AttachmentOutcome::Rejected
            ) {
                problems.push(format!(
                    "{} : {}",
                    name_of(a),
                    a.reason.as_deref().unwrap_or(a.outcome.as_str())
                ));
            }
        }
        if problems.is_empty() {
            (MessageStatus::Fiche, None)
        } else {
            push_flag(&mut flags, flag::ATTACHMENT_PROBLEM);
            (
                MessageStatus::Fiche,
                Some(format!(
                    "fiche lue, le reste est à regarder à la main — {}",
                    problems.join(" — ")
                )),
            )
        }
    } else if has(AttachmentOutcome::TooLarge)
        || has(AttachmentOutcome::Rejected)
        || limit.is_some()
    {
        let why = match &limit_text {
            Some(l) => format!(
                "message refusé par une limite de sécurité : {l} ; le traiter à la main si besoin"
            ),
            None if has(AttachmentOutcome::Rejected) => format!(
                "{} : {}",
                named(AttachmentOutcome::Rejected),
                first_reason(AttachmentOutcome::Rejected)
            ),
            None => format!(
                "{} : {}",
                named(AttachmentOutcome::TooLarge),
                first_reason(AttachmentOutcome::TooLarge)
            ),
        };
        (MessageStatus::Rejected, Some(why))
    } else if has(AttachmentOutcome::Corrupt) || truncated {
        let why = if has(AttachmentOutcome::Corrupt) {
            format!(
                "{} : {}",
                named(AttachmentOutcome::Corrupt),
                first_reason(AttachmentOutcome::Corrupt)
            )
        } else {
            "message tronqué (fin de message manquante) : demander à l'expéditeur de le renvoyer"
                .to_string()
        };
        (MessageStatus::Error, Some(why))
    } else if headers.subject.as_deref().is_some_and(auto_reply_subject) {
        (
            MessageStatus::AutoReply,
            Some("réponse automatique (d'après l'objet)".to_string()),
        )
    } else if has(AttachmentOutcome::UnsupportedFormat) {
        (
            MessageStatus::Unsupported,
            Some(format!(
                "{} : {}",
                named(AttachmentOutcome::UnsupportedFormat),
                first_reason(AttachmentOutcome::UnsupportedFormat)
            )),
        )
    } else if has(AttachmentOutcome::Blank) {
        (
            MessageStatus::NoFiche,
            Some(format!(
                "{} : formulaire renvoyé vide",
                named(AttachmentOutcome::Blank)
            )),
        )
    } else if has(AttachmentOutcome::NotAFiche) {
        (
            MessageStatus::NoFiche,
            Some(format!(
                "aucune fiche dans les pièces jointes ({})",
                named(AttachmentOutcome::NotAFiche)
            )),
        )
    } else {
        (
            MessageStatus::NoFiche,
            Some("aucune pièce jointe".to_string()),
        )
    };
    Ok(Decided {
        status,
        reason,
        flags,
        attachments,
        interrupted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_reply_subjects() {
        for s in [
            "Réponse automatique : Absent du bureau",
            "REPONSE AUTOMATIQUE",
            "Absence du bureau jusqu'au 15",
            "Out of Office: Claire Martin",
            "Automatic reply: Fiche",
            "Re\u{301}ponse automatique",
        ] {
            assert!(auto_reply_subject(s), "{s}");
        }
        for s in [
            "Fiche de renseignement",
            "Re: fiche",
            "Réponse à votre appel",
        ] {
            assert!(!auto_reply_subject(s), "{s}");
        }
    }

    fn dt(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn effective_date_prefers_a_plausible_date_header() {
        let recv = Some(dt("2018-06-01T18:00:00+02:00"));
        assert_eq!(
            effective_date(Some(dt("2018-06-01T10:00:00+02:00")), recv),
            Some(dt("2018-06-01T10:00:00+02:00"))
        );
        // Missing: receipt time.
        assert_eq!(effective_date(None, recv), recv);
        // Absurd: 1970, or years ahead of the receipt.
        assert_eq!(effective_date(Some(dt("1970-01-01T00:00:00Z")), recv), recv);
        assert_eq!(effective_date(Some(dt("2031-01-01T00:00:00Z")), recv), recv);
        // Nothing known.
        assert_eq!(effective_date(None, None), None);
    }

    #[test]
    fn a_date_more_than_a_day_before_the_receipt_is_doubtful() {
        let check = |d: &str, r, h| effective_date_checked(Some(dt(d)), r, h);
        let recv = Some(dt("2018-06-15T10:00:00+02:00"));
        // A week before the first trusted hop: the receipt time counts.
        assert_eq!(check("2018-06-01T10:00:00+02:00", recv, recv), (recv, true));
        // Less than a day (slow delivery, clocks): the Date header counts.
        assert_eq!(
            check("2018-06-14T12:00:00+02:00", recv, recv),
            (Some(dt("2018-06-14T12:00:00+02:00")), false)
        );
        // No receipt time: nothing to doubt against.
        assert_eq!(
            check("2018-06-01T10:00:00+02:00", None, None),
            (Some(dt("2018-06-01T10:00:00+02:00")), false)
        );
        // A receipt time from the source only (an old mail filed into the
        // mailbox today): the Date header counts, no doubt.
        assert_eq!(
            check("2018-06-01T10:00:00+02:00", recv, None),
            (Some(dt("2018-06-01T10:00:00+02:00")), false)
        );
    }

    #[test]
    fn a_date_not_believed_is_always_doubtful() {
        let hop = Some(dt("2018-06-02T10:00:00+02:00"));
        // The epoch, the year 2000's eve, the far future behind a real hop:
        // the receipt time is used, and the Date is flagged.
        for d in [
            "1970-01-01T00:00:00Z",
            "1999-12-31T23:59:59Z",
            "2018-06-05T10:00:00+02:00",
            "2100-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
        ] {
            assert_eq!(
                effective_date_checked(Some(dt(d)), hop, hop),
                (hop, true),
                "{d}"
            );
        }
        // With a receipt time from the source only, the same.
        assert_eq!(
            effective_date_checked(Some(dt("1970-01-01T00:00:00Z")), hop, None),
            (hop, true)
        );
        // Nothing else known: an absurd Date gives no date at all.
        for d in [
            "1970-01-01T00:00:00Z",
            "2100-01-01T10:00:00Z",
            "9999-12-31T23:59:59Z",
        ] {
            assert_eq!(
                effective_date_checked(Some(dt(d)), None, None),
                (None, true),
                "{d}"
            );
        }
        // A plausible one is believed.
        assert_eq!(
            effective_date_checked(Some(dt("2026-03-02T10:00:00+01:00")), None, None),
            (Some(dt("2026-03-02T10:00:00+01:00")), false)
        );
        // No Date: nothing to doubt.
        assert_eq!(effective_date_checked(None, hop, hop), (hop, false));
        // Receipt times: the same bounds.
        assert!(possible_receipt(&dt("2026-12-06T10:00:00Z")));
        assert!(!possible_receipt(&dt("9999-12-31T23:59:59-23:59")));
        assert!(!possible_receipt(&dt("1970-01-01T00:00:00Z")));
    }

    #[test]
    fn contact_email_falls_back_to_the_sender_with_a_warning() {
        let mut f = Fiche::default();
        f.fields.insert(
            crate::call::roles().organisation.as_str().into(),
            Value::Text("Ville".into()),
        );
        let sender = Mailbox {
            address: Some("a@b.fr".into()),
            name: None,
        };
        assert!(contact_fallback(&mut f, &sender));
        assert_eq!(
            f.text(crate::call::roles().contact_email.as_str()),
            Some("a@b.fr")
        );
        assert_eq!(f.warnings.len(), 1);
        assert_eq!(f.warnings[0].field.as_deref(), Some("contact_email"));
        // Present: untouched.
        assert!(!contact_fallback(
            &mut f,
            &Mailbox {
                address: Some("other@x".into()),
                name: None
            }
        ));
        assert_eq!(
            f.text(crate::call::roles().contact_email.as_str()),
            Some("a@b.fr")
        );
        // No sender: nothing invented.
        let mut g = Fiche::default();
        assert!(!contact_fallback(&mut g, &Mailbox::default()));
        assert!(g.fields.is_empty());
    }

    /// Reads in this process, as library users do.
    fn classify(leaf: &Leaf<'_>, limits: &Limits, auto_reply: bool) -> Vec<Classified> {
        classify_leaf(leaf, limits, auto_reply, &Reader::InProcess).unwrap()
    }

    fn only(v: Vec<Classified>) -> Classified {
        assert_eq!(v.len(), 1, "{v:?}");
        v.into_iter().next().unwrap()
    }

    #[test]
    fn images_are_ignored_and_containers_opened() {
        let leaf = |bytes: Vec<u8>, ct: &str| Leaf {
            path: "2".into(),
            filename: Some("winmail.dat".into()),
            content_type: Some(ct.into()),
            bytes: bytes.into(),
            is_body: false,
            encoding_problem: false,
            sender: Mailbox::default(),
            mime_problem: None,
        };
        let l = Limits::default();
        let png = only(classify(
            &leaf(
                b"\x89PNG\r\n\x1a\nxxxx".to_vec(),
                "application/octet-stream",
            ),
            &l,
            false,
        ));
        assert_eq!(png.outcome, AttachmentOutcome::Ignored);
        // A damaged winmail.dat stays visible as such.
        let tnef = only(classify(
            &leaf(vec![0x78, 0x9F, 0x3E, 0x22, 1, 2, 9], "application/ms-tnef"),
            &l,
            false,
        ));
        assert_eq!(tnef.outcome, AttachmentOutcome::Corrupt);
        // Its files are read one by one, each named.
        let inside = fiche::container::build_tnef(&[
            ("fiche.pdf", b"%PDF-1.4\n..."),
            ("note.txt", b"bonjour"),
        ]);
        let got = classify(&leaf(inside, "application/ms-tnef"), &l, false);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].outcome, AttachmentOutcome::UnsupportedFormat);
        assert_eq!(got[0].inner.as_deref(), Some("fiche.pdf"));
        assert_eq!(got[1].outcome, AttachmentOutcome::NotAFiche);
        let pdf = only(classify(
            &leaf(b"%PDF-1.4\n...".to_vec(), "application/octet-stream"),
            &l,
            false,
        ));
        assert_eq!(pdf.outcome, AttachmentOutcome::UnsupportedFormat);
        let txt = only(classify(&leaf(b"hello".to_vec(), "text/plain"), &l, false));
        assert_eq!(txt.outcome, AttachmentOutcome::NotAFiche);
        let mut body = leaf(b"hello".to_vec(), "text/plain");
        body.is_body = true;
        assert!(classify(&body, &l, false).is_empty());
        // A PDF sent as the "body" is still looked at.
        let mut pdf_body = leaf(b"%PDF-1.4\n...".to_vec(), "text/plain");
        pdf_body.is_body = true;
        assert_eq!(
            only(classify(&pdf_body, &l, false)).outcome,
            AttachmentOutcome::UnsupportedFormat
        );
    }
}
