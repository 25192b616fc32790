//! Address checks shared by the mail clients (IMAP intake, SMTP outbox):
//! resolving a host, and allowing plaintext only to loopback addresses.
//! Each client turns the outcome into its own typed, French error.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

/// Why a host could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    /// No address for the name (the detail says why).
    Resolve(String),
    /// Plaintext asked for without `allow_plaintext = true`.
    PlaintextNotAllowed,
    /// Plaintext to an address that is not loopback.
    PlaintextNotLoopback,
}

/// The addresses of `host` (an IP literal, `[::1]` included, needs no lookup).
pub fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, AddressError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    match (host, port).to_socket_addrs() {
        Ok(a) => {
            let v: Vec<_> = a.collect();
            if v.is_empty() {
                Err(AddressError::Resolve("aucune adresse".into()))
            } else {
                Ok(v)
            }
        }
        Err(e) => Err(AddressError::Resolve(e.to_string())),
    }
}

/// The addresses for a plaintext connection: only when allowed, and only if
/// every address of the host is loopback (checked at each connection, since
/// a name can resolve differently later).
pub fn plaintext_addresses(
    host: &str,
    port: u16,
    allowed: bool,
) -> Result<Vec<SocketAddr>, AddressError> {
    if !allowed {
        return Err(AddressError::PlaintextNotAllowed);
    }
    let addrs = resolve(host, port)?;
    if addrs.iter().all(|a| a.ip().is_loopback()) {
        Ok(addrs)
    } else {
        Err(AddressError::PlaintextNotLoopback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_only_to_loopback_when_allowed() {
        assert_eq!(
            plaintext_addresses("127.0.0.1", 25, false),
            Err(AddressError::PlaintextNotAllowed)
        );
        assert_eq!(
            plaintext_addresses("192.0.2.10", 25, true),
            Err(AddressError::PlaintextNotLoopback)
        );
        assert_eq!(plaintext_addresses("[::1]", 25, true).unwrap().len(), 1);
    }
}
