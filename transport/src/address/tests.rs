//! Every written form, every way to get one wrong, and the forms the
//! running OS lacks.

use super::syntax::{Parsed, parse};
use super::*;

fn addr(input: &str) -> Address {
    match parse(input).unwrap_or_else(|e| panic!("{input}: {e}")) {
        Parsed::Address(address) => address,
        Parsed::Name(name) => panic!("{input} parsed as bare name {name}"),
    }
}

fn reason(input: &str) -> String {
    let err = parse(input).expect_err(input).to_string();
    assert!(
        err.contains(input),
        "error `{err}` does not name the input `{input}`"
    );
    err
}

#[test]
fn bare_name() {
    assert_eq!(
        parse("piperpc-demo").unwrap(),
        Parsed::Name("piperpc-demo".into())
    );
    assert_eq!(
        parse("a.b_c+d@e").unwrap(),
        Parsed::Name("a.b_c+d@e".into())
    );
}

#[test]
fn named_pipe_forms() {
    let expected = Address::NamedPipe(r"\\.\pipe\svc".into());
    assert_eq!(addr(r"\\.\pipe\svc"), expected);
    assert_eq!(addr(r"\\.\PIPE\svc"), expected);
    assert_eq!(addr("npipe:////./pipe/svc"), expected);
    assert_eq!(addr("npipe://./pipe/svc"), expected);
    assert_eq!(addr("NPIPE://./pipe/svc"), expected);
    // Forward slashes are legal inside a pipe name.
    assert_eq!(
        addr("npipe:////./pipe/a/b"),
        Address::NamedPipe(r"\\.\pipe\a/b".into())
    );
}

#[test]
fn unix_forms() {
    assert_eq!(
        addr("unix:/run/x.sock"),
        Address::Unix("/run/x.sock".into())
    );
    assert_eq!(
        addr("unix:///run/x.sock"),
        Address::Unix("/run/x.sock".into())
    );
    assert_eq!(addr("unix:rel/x.sock"), Address::Unix("rel/x.sock".into()));
    assert_eq!(
        addr("unix-abstract:svc"),
        Address::UnixAbstract("svc".into())
    );
}

#[test]
fn tcp_forms() {
    assert_eq!(
        addr("http://127.0.0.1:50051"),
        Address::Tcp("127.0.0.1:50051".into())
    );
    assert_eq!(
        addr("http://localhost:1/"),
        Address::Tcp("localhost:1".into())
    );
    assert_eq!(
        addr("https://localhost:1"),
        Address::Tcp("localhost:1".into())
    );
    assert_eq!(addr("127.0.0.1:0"), Address::Tcp("127.0.0.1:0".into()));
    assert_eq!(addr("[::1]:8080"), Address::Tcp("[::1]:8080".into()));
}

#[test]
fn invalid_forms_name_the_problem() {
    let cases = [
        ("", "empty"),
        (" name", "whitespace"),
        ("na\tme", "control character"),
        (r"\\server\pipe\x", "local only"),
        (r"\\.\pipe\", "pipe name is empty"),
        (r"\\.\pipe\a\b", "backslash"),
        (r"\\.\other\x", r"\\.\pipe\NAME"),
        ("npipe:./pipe/x", "npipe:////./pipe/NAME"),
        ("npipe:////host/pipe/x", "local only"),
        ("unix:", "socket path is empty"),
        ("unix://host/x.sock", "absolute path"),
        ("unix-abstract:", "name is empty"),
        ("http://127.0.0.1", "needs a port"),
        ("http://:80", "host is empty"),
        ("http://h:80/path", "no path"),
        ("http://h:99999", "not a port"),
        ("::1:80", "brackets"),
        ("ftp://x", "unknown scheme `ftp`"),
        ("mailto:x", "unknown scheme `mailto`"),
        ("a/b", "may not contain"),
        ("..", "not names"),
        ("bad*name", "`*` is not allowed"),
    ];
    for (input, expected) in cases {
        let err = reason(input);
        assert!(
            err.contains(expected),
            "{input:?}: `{err}` lacks `{expected}`"
        );
    }
    // The empty input cannot be named inside the message, but says so.
    assert!(parse("").unwrap_err().to_string().contains("empty"));
}

#[test]
fn lengths_are_bounded() {
    let long = "x".repeat(300);
    assert!(reason(&format!("unix:/{long}")).contains("at most"));
    assert!(reason(&format!("unix-abstract:{long}")).contains("at most 107"));
    assert!(reason(&format!(r"\\.\pipe\{long}")).contains("at most 256"));
    assert!(reason(&"n".repeat(65)).contains("at most 64"));
}

#[test]
fn display_round_trips() {
    for input in ["unix:/tmp/a.sock", "http://127.0.0.1:5", "unix-abstract:z"] {
        let a = addr(input);
        assert_eq!(addr(&a.to_string()), a);
    }
    let pipe = addr("npipe://./pipe/q");
    assert_eq!(pipe.to_string(), r"\\.\pipe\q");
    assert_eq!(addr(&pipe.to_string()), pipe);
}

#[cfg(unix)]
#[test]
fn bare_name_resolves_to_default_dir_on_unix() {
    let a = Address::parse("svc").unwrap();
    assert_eq!(a, Address::Unix(default_socket_dir().join("svc.sock")));
}

#[cfg(windows)]
#[test]
fn bare_name_resolves_to_pipe_on_windows() {
    let a = Address::parse("svc").unwrap();
    assert_eq!(a, Address::NamedPipe(r"\\.\pipe\svc".into()));
}

#[test]
fn text_that_is_no_address_is_an_invalid_address_error() {
    let err = Address::parse("ftp://x").unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::InvalidAddress);
    assert!(std::error::Error::source(&err).is_none(), "{err:?}");
}

#[cfg(unix)]
#[test]
fn pipes_are_refused_off_windows() {
    for input in [r"\\.\pipe\x", "npipe:////./pipe/x"] {
        let err = Address::parse(input).unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{input}: {err}");
        assert_eq!(err.kind(), crate::ErrorKind::Unsupported);
        assert!(err.to_string().contains("only on Windows"), "{err}");
        assert!(err.to_string().contains(input), "{err}");
    }
}

#[cfg(windows)]
#[test]
fn unix_forms_are_refused_on_windows() {
    for input in ["unix:/tmp/x.sock", "unix-abstract:x"] {
        let err = Address::parse(input).unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{input}: {err}");
        assert!(err.to_string().contains(input), "{err}");
    }
}

/// Windows 10 has AF_UNIX and other stacks (grpc-go, grpcurl) take
/// `unix:PATH` there; piperpc does not, and says so (issue 26).
#[cfg(windows)]
#[test]
fn unix_socket_paths_on_windows_say_af_unix_is_not_supported() {
    for input in [
        r"unix:C:\Users\me\app.sock",
        "unix:app.sock",
        "unix:///C:/app.sock",
    ] {
        let err = Address::parse(input).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Unsupported, "{input}: {err}");
        let message = err.to_string();
        assert!(message.contains(input), "{message}");
        assert!(
            message.contains("does not support Unix domain sockets (AF_UNIX) on Windows"),
            "{message}"
        );
        assert!(message.contains(r"\\.\pipe\NAME"), "{message}");
    }
}

/// grpc-js names a pipe `unix:\\.\pipe\NAME`: the error points to
/// piperpc's spelling.
#[cfg(windows)]
#[test]
fn grpc_js_pipe_spelling_points_to_the_pipe_form() {
    for input in [
        r"unix:\\.\pipe\app",
        "unix:////./pipe/app",
        r"unix:\\.\PIPE\app",
    ] {
        let err = Address::parse(input).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Unsupported, "{input}: {err}");
        let message = err.to_string();
        assert!(
            message.contains("grpc-js's spelling of a named pipe"),
            "{input}: {message}"
        );
        assert!(
            message.contains(r"piperpc writes it \\.\pipe\NAME"),
            "{message}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn abstract_is_accepted_on_linux() {
    assert_eq!(
        Address::parse("unix-abstract:q").unwrap(),
        Address::UnixAbstract("q".into())
    );
}

#[test]
fn tcp_works_everywhere() {
    assert!(!Address::parse("127.0.0.1:9").unwrap().is_local());
    assert_eq!(
        Address::parse("127.0.0.1:9").unwrap().endpoint_uri(),
        "http://127.0.0.1:9"
    );
}

mod fuzz {
    use proptest::prelude::*;

    use super::*;

    /// Characters that matter to the grammar, so generated inputs reach
    /// every branch rather than only the bare-name error.
    fn grammar_soup() -> impl Strategy<Value = String> {
        let pieces = prop_oneof![
            Just("unix:".to_string()),
            Just("unix-abstract:".to_string()),
            Just("npipe:".to_string()),
            Just("http://".to_string()),
            Just(r"\\.\pipe\".to_string()),
            Just("//".to_string()),
            Just("[::1]".to_string()),
            "[a-z0-9:/\\\\.@%\\[\\] -]{0,8}",
        ];
        proptest::collection::vec(pieces, 0..6).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

        #[test]
        fn arbitrary_text_never_panics(input in any::<String>()) {
            let _ = Address::parse(&input);
        }

        #[test]
        fn whatever_parses_round_trips(input in grammar_soup()) {
            if let Ok(address) = Address::parse(&input) {
                let again = Address::parse(&address.to_string());
                prop_assert_eq!(again.ok(), Some(address));
            }
        }
    }
}
