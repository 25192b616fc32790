//! Clearer connection errors for the administrator: implicit TLS aimed at a
//! port that speaks IMAP in clear (a real dovecot's plain listener), and a
//! server presenting a CA certificate as its own (a real rustls server on
//! loopback, since a correct dovecot would never be set up that way).

use crate::support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use fiches::intake::imap::{CertProblem, ImapConnection, ImapError, ImapSourceConfig, TlsMode};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use support::dovecot::Dovecot;

#[test]
fn implicit_tls_on_a_plain_port_says_so() {
    let d = Dovecot::start();
    let mut cfg = d.source(TlsMode::Implicit);
    cfg.port = Some(d.plain_port);
    let e = ImapConnection::connect(&cfg).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, ImapError::Tls { .. }), "{e:?}");
    assert!(
        text.contains("sans TLS") && text.contains("starttls") && text.contains("993"),
        "{text}"
    );
}

#[test]
fn a_ca_certificate_presented_as_the_server_s_is_named() {
    // A CA whose own certificate (for 127.0.0.1) the server presents.
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "CA du test");
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().unwrap();
    let ca = params.self_signed(&key).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();

    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![ca.der().clone()],
        rustls_pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = Arc::new(server);
    let t = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        let mut conn = rustls::ServerConnection::new(server).unwrap();
        let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
        let _ = tls.write_all(b"* OK ready\r\n");
        let mut buf = [0u8; 64];
        let _ = tls.read(&mut buf);
    });

    let mut cfg = ImapSourceConfig::new("127.0.0.1", "u");
    cfg.port = Some(port);
    cfg.ca_file = Some(ca_file);
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "x\n").unwrap();
    std::fs::set_permissions(&pw, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    cfg.password_file = Some(pw);
    cfg.connect_timeout = std::time::Duration::from_secs(5);
    cfg.read_timeout = std::time::Duration::from_secs(5);
    let e = ImapConnection::connect(&cfg).unwrap_err();
    let text = e.to_string();
    match &e {
        ImapError::Certificate { problem, .. } => {
            assert_eq!(*problem, CertProblem::CaAsServerCertificate, "{text}")
        }
        other => panic!("expected a certificate refusal, got {other:?}"),
    }
    assert!(text.contains("certificat d'autorité"), "{text}");
    let _ = t.join();
}
