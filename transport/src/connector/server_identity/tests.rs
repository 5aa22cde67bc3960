use super::*;

#[test]
fn parses_and_prints_the_written_forms() {
    for (text, identity) in [
        ("same-user-or-system", ServerIdentity::SameUserOrSystem),
        ("same-user", ServerIdentity::SameUser),
        ("any", ServerIdentity::Any),
        ("1000", ServerIdentity::Uid(1000)),
        ("S-1-5-18", ServerIdentity::Sid("S-1-5-18".into())),
    ] {
        assert_eq!(text.parse(), Ok(identity.clone()));
        assert_eq!(identity.to_string(), text);
    }
    assert_eq!(
        "s-1-5-18".parse(),
        Ok(ServerIdentity::Sid("s-1-5-18".into()))
    );
    let error = "root".parse::<ServerIdentity>().unwrap_err();
    assert!(error.contains("`root`") && error.contains("any"), "{error}");
}

#[test]
fn the_default_is_same_user_or_system() {
    assert_eq!(ServerIdentity::default(), ServerIdentity::SameUserOrSystem);
}

#[test]
fn any_admits_even_a_server_the_os_does_not_name() {
    assert!(ServerIdentity::Any.admits(&ConnectInfo::default()).is_ok());
}

#[test]
fn a_server_the_os_does_not_name_is_refused() {
    let (_, actual) = ServerIdentity::SameUserOrSystem
        .admits(&ConnectInfo::default())
        .unwrap_err();
    assert_eq!(actual, "an identity the OS does not report");
}

#[cfg(unix)]
mod unix {
    use super::*;

    fn unix_server(uid: u32) -> ConnectInfo {
        ConnectInfo {
            peer_pid: Some(1),
            peer_uid: Some(uid),
            peer_gid: Some(uid),
            ..ConnectInfo::default()
        }
    }

    fn me() -> u32 {
        identity::current_uid().unwrap()
    }

    #[test]
    fn the_default_admits_our_uid_and_root_only() {
        let default = ServerIdentity::SameUserOrSystem;
        assert!(default.admits(&unix_server(me())).is_ok());
        assert!(default.admits(&unix_server(0)).is_ok());
        let stranger = if me() == 65534 { 65533 } else { 65534 };
        let (expected, actual) = default.admits(&unix_server(stranger)).unwrap_err();
        assert_eq!(expected, format!("this user (uid {}) or root", me()));
        assert!(actual.starts_with(&format!("uid {stranger}")), "{actual}");
    }

    #[test]
    fn same_user_refuses_root_unless_we_are_root() {
        let same_user = ServerIdentity::SameUser;
        assert!(same_user.admits(&unix_server(me())).is_ok());
        assert_eq!(same_user.admits(&unix_server(0)).is_ok(), me() == 0);
    }

    #[test]
    fn an_explicit_uid_admits_exactly_that_uid() {
        assert!(ServerIdentity::Uid(4242).admits(&unix_server(4242)).is_ok());
        assert!(ServerIdentity::Uid(4242).admits(&unix_server(0)).is_err());
    }
}

#[cfg(windows)]
mod windows {
    use super::*;

    fn pipe_server(sid: &str) -> ConnectInfo {
        ConnectInfo {
            peer_pid: Some(1),
            peer_sid: Some(sid.to_string()),
            ..ConnectInfo::default()
        }
    }

    fn me() -> String {
        identity::current_sid().expect("this process's SID")
    }

    /// Wine runs one user, so the other identities are given to the same
    /// decision the connector applies to what it reads from the pipe.
    #[test]
    fn the_default_admits_our_user_and_the_service_accounts_only() {
        let default = ServerIdentity::SameUserOrSystem;
        assert!(default.admits(&pipe_server(&me())).is_ok());
        assert!(
            default
                .admits(&pipe_server(&me().to_ascii_lowercase()))
                .is_ok()
        );
        for service in ["S-1-5-18", "S-1-5-19", "S-1-5-20"] {
            assert!(default.admits(&pipe_server(service)).is_ok(), "{service}");
        }
        let stranger = "S-1-5-21-1111111111-2222222222-3333333333-1001";
        let (expected, actual) = default.admits(&pipe_server(stranger)).unwrap_err();
        assert!(expected.contains(&me()), "{expected}");
        assert!(expected.contains("SYSTEM"), "{expected}");
        assert_eq!(actual, format!("user {stranger}"));
        // Administrators is a group, not a service account.
        assert!(default.admits(&pipe_server("S-1-5-32-544")).is_err());
    }

    #[test]
    fn same_user_refuses_the_service_accounts() {
        assert!(ServerIdentity::SameUser.admits(&pipe_server(&me())).is_ok());
        assert!(
            ServerIdentity::SameUser
                .admits(&pipe_server("S-1-5-18"))
                .is_err()
        );
    }
}
