use super::*;

fn unix_peer(uid: u32, gid: u32) -> ConnectInfo {
    ConnectInfo {
        peer_pid: Some(1),
        peer_uid: Some(uid),
        peer_gid: Some(gid),
        ..ConnectInfo::default()
    }
}

fn windows_peer(sid: &str) -> ConnectInfo {
    ConnectInfo {
        peer_pid: Some(1),
        peer_sid: Some(sid.to_string()),
        ..ConnectInfo::default()
    }
}

fn tcp_peer() -> ConnectInfo {
    ConnectInfo {
        peer_addr: Some("127.0.0.1:1".parse().unwrap()),
        ..ConnectInfo::default()
    }
}

#[cfg(unix)]
#[test]
fn same_user_admits_only_our_uid() {
    let me = identity::current_uid().unwrap_or(1000);
    let policy = PeerPolicy::same_user();
    assert!(policy.check(&unix_peer(me, 0)).is_ok());
    let other = me.wrapping_add(1);
    let refused = policy.check(&unix_peer(other, 0)).unwrap_err();
    assert!(
        refused.reason().contains(&format!("uid {other}")),
        "{refused}"
    );
}

#[test]
fn allow_lists_admit_exactly_their_members() {
    let policy = PeerPolicy::nobody()
        .allow_uid(4000)
        .allow_gid(5000)
        .allow_sid("s-1-5-21-9");
    assert!(policy.check(&unix_peer(4000, 1)).is_ok());
    assert!(policy.check(&unix_peer(4001, 5000)).is_ok());
    assert!(policy.check(&unix_peer(4001, 5001)).is_err());
    assert!(policy.check(&windows_peer("S-1-5-21-9")).is_ok());
    assert!(policy.check(&windows_peer("S-1-5-21-8")).is_err());
}

#[test]
fn tcp_peers_need_any_or_a_predicate() {
    assert!(
        PeerPolicy::same_user()
            .check(&tcp_peer())
            .unwrap_err()
            .reason()
            .contains("TCP")
    );
    assert!(PeerPolicy::any().check(&tcp_peer()).is_ok());
    let loopback_only = PeerPolicy::custom(|peer| match peer.peer_addr {
        Some(addr) if addr.ip().is_loopback() => Ok(()),
        _ => Err(Refusal::new("loopback only")),
    });
    assert!(loopback_only.check(&tcp_peer()).is_ok());
    assert_eq!(
        loopback_only.check(&unix_peer(0, 0)).unwrap_err().reason(),
        "loopback only"
    );
}

#[test]
fn a_peer_without_identity_is_refused() {
    let nameless = ConnectInfo::default();
    assert!(PeerPolicy::same_user().check(&nameless).is_err());
    assert!(PeerPolicy::any().check(&nameless).is_ok());
}

fn tls_peer(sans: Vec<crate::SubjectAltName>) -> ConnectInfo {
    ConnectInfo {
        peer_certificate: Some(crate::PeerCertificate {
            subject: "CN=worker".to_string(),
            sans,
        }),
        ..tcp_peer()
    }
}

#[test]
fn tls_peers_are_admitted_by_an_allowed_san_only() {
    use crate::SubjectAltName::{Dns, Uri};
    let worker = tls_peer(vec![
        Dns("worker.example.org".into()),
        Uri("spiffe://example.org/worker".into()),
    ]);
    let by_uri = PeerPolicy::same_user().allow_san("spiffe://example.org/worker");
    assert!(by_uri.check(&worker).is_ok());
    let by_dns = PeerPolicy::nobody().allow_san("WORKER.example.org");
    assert!(by_dns.check(&worker).is_ok());

    let other = PeerPolicy::same_user().allow_san("spiffe://example.org/admin");
    let refused = other.check(&worker).unwrap_err();
    assert!(
        refused.reason().contains("`CN=worker`")
            && refused.reason().contains("URI:spiffe://example.org/worker"),
        "{refused}"
    );
    // No certificate: no identity, whatever SANs are allowed.
    let anonymous = by_uri.check(&tcp_peer()).unwrap_err();
    assert!(
        anonymous
            .reason()
            .contains("without a verified client certificate"),
        "{anonymous}"
    );
    // A SAN admits TCP peers only; it names no local process.
    let me_local = unix_peer(u32::MAX - 7, u32::MAX - 7);
    assert!(
        PeerPolicy::nobody()
            .allow_san("x")
            .check(&me_local)
            .is_err()
    );
}
