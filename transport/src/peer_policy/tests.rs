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
