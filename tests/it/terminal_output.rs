//! Nothing a sender wrote reaches a staff member's terminal raw. Mails
//! carrying escape sequences, C1 controls and bidi overrides in every place
//! a person sees (subject, sender, file name, declared type, fiche fields,
//! error messages) are imported; then the human output — stdout and stderr
//! — of every command that prints for a person is searched for raw control
//! characters.

use crate::support;

use std::path::Path;

use support::daemon::DaemonEnv;
use support::hostile::mail_with;

/// Characters that must never be printed raw: C0 but line feed and tab,
/// DEL, C1, bidi overrides and isolates.
fn raw_controls(s: &str) -> Vec<String> {
    s.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
        })
        .map(|c| format!("U+{:04X}", c as u32))
        .collect()
}

fn fixture(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn hostile_headers_mail() -> Vec<u8> {
    let fiche = std::fs::read(fixture("corpus/fiches/17-hostile-text.xlsx")).unwrap();
    let mail = String::from_utf8(mail_with(
        "escapes@test.example",
        "fiche\u{1b}[2J.xlsx",
        &fiche,
    ))
    .unwrap();
    mail.replace(
        "From: Mairie <mairie@example.org>",
        "From: =?utf-8?Q?Mairie_=1B]0;titre=07_=C2=9B31m_=E2=80=AE?= <mairie@example.org>",
    )
    .replace(
        "Subject: Notre fiche",
        "Subject: =?utf-8?B?G1s/MjVsG1s4bWNhY2jDqQ==?= Notre fiche",
    )
    .replace(
        "Content-Type: application/octet-stream",
        "Content-Type: application/vnd.ms-excel\u{1b}[?25l\u{1b}[8m",
    )
    .into_bytes()
}

#[test]
fn no_command_prints_a_raw_control_character() {
    let env = DaemonEnv::new("");
    let mails = env.path().join("mails");
    std::fs::create_dir(&mails).unwrap();
    for f in [
        "hostile/content-type-conceal.eml",
        "hostile/content-type-csi-clear.eml",
        "hostile/late-backdated-date.eml",
        "hostile/xls-oom-abort.eml",
        "corpus/mail/14-hostile-text.eml",
        "corpus/mail/09-unsupported-only.eml",
    ] {
        std::fs::copy(fixture(f), mails.join(Path::new(f).file_name().unwrap())).unwrap();
    }
    std::fs::write(mails.join("escapes.eml"), hostile_headers_mail()).unwrap();
    // A path whose name carries an escape: error messages print it.
    let odd = env.path().join("absent\u{1b}[2J.eml");

    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut run = |args: &[&str]| {
        let out = env
            .command()
            .env_remove("RUST_BACKTRACE")
            .args(args)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push((args.join(" "), text));
    };
    run(&["import", "--quiet", mails.to_str().unwrap()]);
    run(&["import", odd.to_str().unwrap()]);
    run(&[
        "parse",
        fixture("corpus/fiches/17-hostile-text.xlsx")
            .to_str()
            .unwrap(),
        fixture("hostile/xls-panic-xls804.xls").to_str().unwrap(),
        odd.to_str().unwrap(),
    ]);
    run(&["messages"]);
    for s in ["rejected", "error", "fiche", "no_fiche", "unsupported"] {
        run(&["messages", "--status", s]);
    }
    run(&["proposals"]);
    run(&["outbox"]);
    run(&["outbox", "--all"]);
    run(&["outbox", "show", "1"]);
    let drafts = env.path().join("brouillon");
    run(&["publish", "--draft", drafts.to_str().unwrap()]);
    run(&["send"]);
    run(&["daemon", "--once"]);

    // The inputs do carry raw controls: the database has them.
    let raw_subjects = env
        .query_text("SELECT group_concat(subject || content_type, '') FROM messages JOIN attachments a ON a.message_id = messages.id")
        .unwrap_or_default();
    assert!(raw_subjects.contains('\u{1b}'), "test data without escapes");
    let all: String = outputs.iter().map(|(_, t)| t.as_str()).collect();
    assert!(all.contains("Ville"), "the outputs show the data:\n{all}");
    assert!(
        all.contains("␛"),
        "escapes are shown as visible symbols:\n{all}"
    );

    let mut bad = Vec::new();
    for (cmd, text) in &outputs {
        let found = raw_controls(text);
        if !found.is_empty() {
            bad.push(format!("fiches {cmd}: {found:?}\n{}", text.escape_debug()));
        }
    }
    assert!(
        bad.is_empty(),
        "raw control characters printed:\n{}",
        bad.join("\n\n")
    );
}
