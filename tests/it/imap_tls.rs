//! Connection security against a real dovecot: certificates, STARTTLS,
//! plaintext rules, authentication errors.

use crate::support;

use fiches::intake::imap::{CertProblem, ImapConfigError, ImapConnection, ImapError, TlsMode};
use support::dovecot::{CertVariant, Dovecot, Options, PASSWORD};

fn refused(variant: CertVariant) -> (CertProblem, String) {
    let d = Dovecot::start_with(Options {
        cert: variant,
        ..Options::default()
    });
    let err = ImapConnection::connect(&d.source(TlsMode::Implicit)).unwrap_err();
    let msg = err.to_string();
    match err {
        ImapError::Certificate { problem, .. } => (problem, msg),
        other => panic!("expected a certificate refusal, got {other:?}"),
    }
}

#[test]
fn implicit_tls_with_custom_ca_logs_in() {
    let d = Dovecot::start();
    let mut conn = ImapConnection::connect(&d.source(TlsMode::Implicit)).unwrap();
    assert!(conn.is_tls());
    let caps = conn.capabilities().clone();
    assert!(caps.idle && caps.move_ && caps.uidplus, "{caps:?}");
    let sel = conn.select("INBOX").unwrap();
    assert!(sel.uidvalidity > 0);
    conn.logout();
}

#[test]
fn certificate_for_another_host_is_refused() {
    let (problem, msg) = refused(CertVariant::OtherHost);
    assert_eq!(problem, CertProblem::WrongHost);
    assert_eq!(
        msg,
        "certificat TLS refusé pour 127.0.0.1 : émis pour un autre nom d'hôte — vérifier \
         `host` ou `ca_file`"
    );
}

#[test]
fn expired_certificate_is_refused() {
    let (problem, msg) = refused(CertVariant::Expired);
    assert_eq!(problem, CertProblem::Expired);
    assert!(msg.contains("certificat expiré"), "{msg}");
}

#[test]
fn untrusted_certificate_is_refused() {
    let (problem, msg) = refused(CertVariant::UntrustedCa);
    assert_eq!(problem, CertProblem::UnknownIssuer);
    assert!(msg.contains("autorité de certification inconnue"), "{msg}");
    assert!(msg.contains("ca_file"), "{msg}");
}

#[test]
fn without_ca_file_a_private_certificate_is_untrusted() {
    let d = Dovecot::start();
    let mut cfg = d.source(TlsMode::Implicit);
    cfg.ca_file = None;
    match ImapConnection::connect(&cfg).unwrap_err() {
        ImapError::Certificate { problem, .. } => assert_eq!(problem, CertProblem::UnknownIssuer),
        other => panic!("{other:?}"),
    }
}

#[test]
fn starttls_upgrades_and_verifies() {
    let d = Dovecot::start();
    let mut conn = ImapConnection::connect(&d.source(TlsMode::Starttls)).unwrap();
    assert!(conn.is_tls());
    conn.select("INBOX").unwrap();
    conn.logout();

    // The certificate is verified after STARTTLS too.
    let d = Dovecot::start_with(Options {
        cert: CertVariant::OtherHost,
        ..Options::default()
    });
    match ImapConnection::connect(&d.source(TlsMode::Starttls)).unwrap_err() {
        ImapError::Certificate { problem, .. } => assert_eq!(problem, CertProblem::WrongHost),
        other => panic!("{other:?}"),
    }
}

#[test]
fn starttls_not_offered_aborts() {
    let d = Dovecot::start_with(Options {
        without_tls: true,
        ..Options::default()
    });
    let err = ImapConnection::connect(&d.source(TlsMode::Starttls)).unwrap_err();
    assert!(
        matches!(err, ImapError::StartTlsUnavailable { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("n'annonce pas STARTTLS"), "{err}");
}

#[test]
fn plaintext_to_loopback_when_allowed() {
    let d = Dovecot::start();
    let mut conn = ImapConnection::connect(&d.source(TlsMode::Plain)).unwrap();
    assert!(!conn.is_tls());
    conn.select("INBOX").unwrap();
}

#[test]
fn plaintext_refused_by_config_check() {
    let d = Dovecot::start();
    let mut cfg = d.source(TlsMode::Plain);
    cfg.allow_plaintext = false;
    let err = ImapConnection::connect(&cfg).unwrap_err();
    assert!(
        matches!(
            err,
            ImapError::Config(ImapConfigError::PlaintextNotAllowed { .. })
        ),
        "{err:?}"
    );

    // A non-loopback address is refused before any connection is tried.
    let mut cfg = d.source(TlsMode::Plain);
    cfg.host = "192.0.2.10".into();
    let err = cfg.check().unwrap_err();
    assert!(
        matches!(err, ImapConfigError::PlaintextNotLoopback { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("adresse locale"), "{err}");
    let err = ImapConnection::connect(&cfg).unwrap_err();
    assert!(matches!(
        err,
        ImapError::Config(ImapConfigError::PlaintextNotLoopback { .. })
    ));
}

#[test]
fn wrong_password_is_an_auth_error_without_the_password() {
    let d = Dovecot::start();
    let mut cfg = d.source(TlsMode::Implicit);
    cfg.password_file = None;
    cfg.password_command = Some("echo not-the-password".into());
    let err = ImapConnection::connect(&cfg).unwrap_err();
    assert!(matches!(err, ImapError::Auth { .. }), "{err:?}");
    let text = format!("{err} {err:?} {cfg:?}");
    assert!(text.contains("authentification refusée"), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
}

#[test]
fn connection_refused_is_clear() {
    let mut d = Dovecot::start();
    let cfg = d.source(TlsMode::Implicit);
    d.stop();
    let err = ImapConnection::connect(&cfg).unwrap_err();
    assert!(matches!(err, ImapError::Connect { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(
        err.to_string()
            .starts_with("connexion au serveur IMAP 127.0.0.1:"),
        "{err}"
    );
}
