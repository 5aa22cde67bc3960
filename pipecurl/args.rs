//! The command line: grpcurl's verbs and flags, checked into [`Options`].
//!
//! grpcurl is a Go program and takes its long flags with one dash
//! (`-max-time 5`) as well as two; people type them from memory, so
//! [`normalize`] rewrites the single-dash spelling of every long flag before
//! clap sees it. As in grpcurl, a TCP address is TLS unless `-plaintext`
//! (with `-cacert`, `-cert`, `-key`, `-servername`, `-insecure`); local
//! addresses are never TLS, so `-plaintext` changes nothing there. `-unix`
//! turns a socket path into a `unix:` address, so a grpcurl command line
//! works as it is.
//!
//! Usage errors exit with 1, as the issue asks, where clap would use 2.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use piperpc::{Address, ServerIdentity};
use tonic::metadata::MetadataMap;

use crate::failure::Failure;
use crate::metadata;

/// How long connecting may take unless `--connect-timeout` says otherwise:
/// 10 s, as in grpcurl.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest message accepted or sent unless `--max-msg-sz` says
/// otherwise: 4 MiB, as in grpcurl and every gRPC implementation.
const DEFAULT_MAX_MESSAGE_SIZE: usize = 4 * 1024 * 1024;

/// grpcurl for piperpc: list, describe and call gRPC services over named
/// pipes, Unix sockets (unix:PATH, unix-abstract:NAME) and TCP.
#[derive(Debug, Parser)]
#[command(
    name = "pipecurl",
    version,
    override_usage = "pipecurl [FLAGS] ADDRESS list [SERVICE]\n       \
                      pipecurl [FLAGS] ADDRESS describe [SYMBOL]\n       \
                      pipecurl [FLAGS] ADDRESS SERVICE/METHOD\n       \
                      pipecurl --proto FILE [FLAGS] list|describe [SYMBOL]",
    after_help = "ADDRESS is any form piperpc knows: a bare NAME, \\\\.\\pipe\\NAME, \
                  unix:PATH, unix-abstract:NAME, HOST:PORT.\n\
                  Exit status: 0 on success, 64 + the gRPC status code when the RPC \
                  fails, 1 for anything else.\n\
                  Long flags may be written with one dash, as in grpcurl (-max-time 5)."
)]
struct Cli {
    /// Request data as JSON (or text with --format text); '@' reads it from
    /// standard input. Streaming methods take several messages, one after
    /// another.
    #[arg(short = 'd', value_name = "DATA", allow_hyphen_values = true)]
    data: Option<String>,
    /// Request metadata, 'name: value'; repeatable. The value of a name
    /// ending in -bin is base64.
    #[arg(short = 'H', value_name = "'NAME: VALUE'")]
    headers: Vec<String>,
    /// Metadata sent with the call only, not with reflection requests;
    /// repeatable.
    #[arg(long, value_name = "'NAME: VALUE'")]
    rpc_header: Vec<String>,
    /// Metadata sent with reflection requests only, not with the call;
    /// repeatable.
    #[arg(long, value_name = "'NAME: VALUE'")]
    reflect_header: Vec<String>,
    /// The `:authority` sent with every request (default: localhost on
    /// local addresses, HOST:PORT on TCP).
    #[arg(long, value_name = "AUTHORITY", value_parser = parse_authority)]
    authority: Option<http::uri::Authority>,
    /// Deadline for the whole operation, in seconds (sent as grpc-timeout).
    #[arg(long, value_name = "SECONDS")]
    max_time: Option<f64>,
    /// How long connecting may take, in seconds, the server's answer to the
    /// HTTP/2 handshake included (default, and 0: 10, as grpcurl).
    #[arg(long, value_name = "SECONDS")]
    connect_timeout: Option<f64>,
    /// Seconds of silence from the server before a keepalive ping; a ping
    /// unanswered for as long again ends the call with UNAVAILABLE. 0 turns
    /// pings off. Default: a ping after 30 s, answered within 10 s, on
    /// local pipes and sockets; none over TCP.
    #[arg(long, value_name = "SECONDS")]
    keepalive_time: Option<f64>,
    /// Who the server must run as, checked before anything is sent:
    /// same-user-or-system (the default on local addresses: this user, or
    /// root / a Windows service account), same-user, a uid (Unix), a SID
    /// (Windows), or any (no check).
    #[arg(long, value_name = "WHO", value_parser = parse_identity)]
    verify_server: Option<ServerIdentity>,
    /// Format of request data and responses.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Print fields that hold their default value too.
    #[arg(long)]
    emit_defaults: bool,
    /// Ignore unknown fields in the request JSON instead of failing.
    #[arg(long)]
    allow_unknown_fields: bool,
    /// Also print the resolved method, request metadata, response headers
    /// and trailers.
    #[arg(short = 'v', long)]
    verbose: bool,
    /// Very verbose: -v, and how long connecting, reading the schema and
    /// the call took.
    #[arg(long = "vv")]
    very_verbose: bool,
    /// With describe of a message: also print a JSON template of it, every
    /// field filled in, to edit into request data.
    #[arg(long)]
    msg_template: bool,
    /// Take the schema from this .proto file instead of server reflection;
    /// repeatable.
    #[arg(long = "proto", value_name = "FILE")]
    protos: Vec<PathBuf>,
    /// Where --proto files and their imports are found; repeatable
    /// (default: the current directory).
    #[arg(long = "import-path", value_name = "DIR")]
    import_paths: Vec<PathBuf>,
    /// Take the schema from this encoded FileDescriptorSet instead of
    /// server reflection; repeatable.
    #[arg(long = "protoset", value_name = "FILE")]
    protosets: Vec<PathBuf>,
    /// Largest message accepted or sent, in bytes.
    #[arg(long = "max-msg-sz", value_name = "BYTES", default_value_t = DEFAULT_MAX_MESSAGE_SIZE)]
    max_message_size: usize,
    /// TCP: speak plaintext HTTP/2 rather than TLS (local addresses are
    /// never TLS).
    #[arg(long)]
    plaintext: bool,
    /// TCP: trust this PEM CA for the server's certificate, not the
    /// system's.
    #[arg(long, value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// TCP: present this PEM client certificate (mutual TLS); needs -key.
    #[arg(long, value_name = "FILE")]
    cert: Option<PathBuf>,
    /// TCP: the PEM private key of -cert.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// TCP: the name the server's certificate must carry (default: the
    /// host of ADDRESS).
    #[arg(long, value_name = "NAME")]
    servername: Option<String>,
    /// TCP: accept any server certificate (encrypted, but the server may be
    /// anyone). For test servers only.
    #[arg(long)]
    insecure: bool,
    /// Accepted for grpcurl compatibility: ADDRESS is a Unix socket path.
    #[arg(long, hide = true)]
    unix: bool,
    /// ADDRESS, then `list [SERVICE]`, `describe [SYMBOL]` or a method.
    #[arg(value_name = "ARGS", required = true, num_args = 1..)]
    positional: Vec<String>,
}

/// The format of request data and of responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// proto3 JSON, the canonical mapping.
    Json,
    /// Protobuf text format; messages are separated by 0x1E.
    Text,
}

/// What to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verb {
    /// `list`: every service, or the methods of one.
    List(Option<String>),
    /// `describe`: every service, or one symbol.
    Describe(Option<String>),
    /// Call a method, written `SERVICE/METHOD` or `SERVICE.METHOD`.
    Invoke(String),
}

/// Where request data comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Data {
    /// Given with `-d DATA`.
    Inline(String),
    /// `-d @`: read from standard input as it arrives.
    Stdin,
}

/// Where the schema comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum SchemaSource {
    /// Ask the server (`grpc.reflection.v1`, then `v1alpha`).
    #[default]
    Reflection,
    /// `.proto` files, parsed here.
    Protos {
        /// The files named with `--proto`.
        files: Vec<PathBuf>,
        /// The `--import-path` directories.
        import_paths: Vec<PathBuf>,
    },
    /// Encoded `FileDescriptorSet`s named with `--protoset`.
    Protosets(Vec<PathBuf>),
}

/// A checked command line.
#[derive(Debug)]
pub(crate) struct Options {
    /// The server, when one is given (`list` and `describe` over proto
    /// files need none).
    pub address: Option<Address>,
    /// What to do.
    pub verb: Verb,
    /// Request data, for a call.
    pub data: Option<Data>,
    /// Metadata sent with the call (`-H` and `--rpc-header`).
    pub rpc_headers: MetadataMap,
    /// Metadata sent with reflection requests (`-H` and `--reflect-header`).
    pub reflect_headers: MetadataMap,
    /// The `:authority` to send instead of the address's own.
    pub authority: Option<http::uri::Authority>,
    /// Deadline for the whole operation.
    pub max_time: Option<Duration>,
    /// How long connecting may take, the HTTP/2 handshake included.
    pub connect_timeout: Duration,
    /// `-keepalive-time`: ping after this much silence and wait as long
    /// for the answer (`Some(None)`: no pings; `None`: the channel's
    /// default).
    pub keepalive_time: Option<Option<Duration>>,
    /// Who the server must run as, replacing the default check.
    pub verify_server: Option<ServerIdentity>,
    /// Request and response format.
    pub format: Format,
    /// Print default-valued fields.
    pub emit_defaults: bool,
    /// Ignore unknown JSON fields.
    pub allow_unknown_fields: bool,
    /// `-v` (also set by `-vv`).
    pub verbose: bool,
    /// `-vv`: timings too.
    pub timings: bool,
    /// `--msg-template`.
    pub msg_template: bool,
    /// Where the schema comes from.
    pub schema: SchemaSource,
    /// Largest message accepted or sent.
    pub max_message_size: usize,
    /// TLS for a TCP address; `None`: plaintext (or a local address).
    /// Always `None` in a build without the `tls` feature.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub tls: Option<TlsOptions>,
}

/// grpcurl's TLS flags, for a TCP address without `-plaintext`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TlsOptions {
    /// `-cacert`: the CA to trust instead of the system's.
    pub cacert: Option<PathBuf>,
    /// `-cert` and `-key`: the client's certificate and key.
    pub identity: Option<(PathBuf, PathBuf)>,
    /// `-servername`: the name the server's certificate must carry.
    pub servername: Option<String>,
    /// `-insecure`: accept any server certificate.
    pub insecure: bool,
}

/// What the command line asked for: work, or just help text.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// Run with these options.
    Run(Box<Options>),
    /// `--help` or `--version`: print this and exit with 0.
    Info(String),
}

/// Parses and checks the command line (program name first).
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, Failure> {
    let cli = match Cli::try_parse_from(normalize(args)) {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => return Ok(Parsed::Info(error.render().to_string())),
        Err(error) => {
            // clap's own text already ends with a hint about --help.
            let text = error.render().to_string();
            let text = text.trim_end();
            let text = text
                .strip_suffix("For more information, try '--help'.")
                .unwrap_or(text);
            return Err(Failure::Usage(text.trim_end().to_string()));
        }
    };
    check(cli).map(|options| Parsed::Run(Box::new(options)))
}

fn check(cli: Cli) -> Result<Options, Failure> {
    let schema = schema_source(&cli)?;
    let (address, verb) = positional(&cli.positional, schema != SchemaSource::Reflection)?;
    let address = address
        .map(|written| {
            let written = match cli.unix {
                true if !written.starts_with("unix:") => format!("unix:{written}"),
                _ => written.to_string(),
            };
            Address::parse(&written).map_err(|e| Failure::Usage(e.to_string()))
        })
        .transpose()?;
    let tls = tls_options(&cli, address.as_ref())?;
    if cli.msg_template && !matches!(verb, Verb::Describe(_)) {
        return Err(Failure::Usage(
            "--msg-template is used only with describe".into(),
        ));
    }
    let data = match cli.data {
        Some(_) if !matches!(verb, Verb::Invoke(_)) => {
            return Err(Failure::Usage(
                "-d is used only when calling a method, not with list or describe".into(),
            ));
        }
        Some(data) if data == "@" => Some(Data::Stdin),
        Some(data) => Some(Data::Inline(data)),
        None => None,
    };
    Ok(Options {
        verb,
        data,
        rpc_headers: metadata::parse_all(&[&cli.headers[..], &cli.rpc_header[..]].concat())?,
        reflect_headers: metadata::parse_all(
            &[&cli.headers[..], &cli.reflect_header[..]].concat(),
        )?,
        authority: cli.authority,
        max_time: cli.max_time.map(|s| seconds(s, "max-time")).transpose()?,
        connect_timeout: cli
            .connect_timeout
            .map(|s| seconds(s, "connect-timeout"))
            .transpose()?
            // As grpcurl: 0 means the default.
            .filter(|timeout| !timeout.is_zero())
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        keepalive_time: cli
            .keepalive_time
            .map(|s| seconds(s, "keepalive-time"))
            .transpose()?
            .map(|time| Some(time).filter(|t| !t.is_zero())),
        verify_server: cli.verify_server,
        format: cli.format,
        emit_defaults: cli.emit_defaults,
        allow_unknown_fields: cli.allow_unknown_fields,
        verbose: cli.verbose || cli.very_verbose,
        timings: cli.very_verbose,
        msg_template: cli.msg_template,
        schema,
        max_message_size: cli.max_message_size,
        tls,
        address,
    })
}

/// TLS for a TCP address unless -plaintext, as grpcurl does; the flags
/// make no sense elsewhere, and saying so beats ignoring them.
fn tls_options(cli: &Cli, address: Option<&Address>) -> Result<Option<TlsOptions>, Failure> {
    let flags = cli.cacert.is_some()
        || cli.cert.is_some()
        || cli.key.is_some()
        || cli.servername.is_some()
        || cli.insecure;
    if cli.plaintext && flags {
        return Err(Failure::Usage(
            "-plaintext cannot be combined with -cacert, -cert, -key, -servername or -insecure"
                .into(),
        ));
    }
    if cli.cert.is_some() != cli.key.is_some() {
        return Err(Failure::Usage(
            "-cert and -key go together: a client certificate needs its key".into(),
        ));
    }
    let Some(address) = address.filter(|a| !a.is_local()) else {
        if flags {
            return Err(Failure::Usage(
                "-cacert, -cert, -key, -servername and -insecure are for TCP addresses; \
                 local addresses are never TLS"
                    .into(),
            ));
        }
        return Ok(None);
    };
    if cli.plaintext {
        return Ok(None);
    }
    if cfg!(not(feature = "tls")) {
        return Err(Failure::Usage(format!(
            "this pipecurl was built without the `tls` feature: pass -plaintext for {address}"
        )));
    }
    Ok(Some(TlsOptions {
        cacert: cli.cacert.clone(),
        identity: cli.cert.clone().zip(cli.key.clone()),
        servername: cli.servername.clone(),
        insecure: cli.insecure,
    }))
}

fn schema_source(cli: &Cli) -> Result<SchemaSource, Failure> {
    match (cli.protos.is_empty(), cli.protosets.is_empty()) {
        (false, false) => Err(Failure::Usage(
            "use either --proto or --protoset, not both".into(),
        )),
        (false, true) => Ok(SchemaSource::Protos {
            files: cli.protos.clone(),
            import_paths: cli.import_paths.clone(),
        }),
        (true, _) if !cli.import_paths.is_empty() => Err(Failure::Usage(
            "--import-path is used only with --proto".into(),
        )),
        (true, false) => Ok(SchemaSource::Protosets(cli.protosets.clone())),
        (true, true) => Ok(SchemaSource::Reflection),
    }
}

/// Splits `ADDRESS verb [arg]`. With a schema from files, `list` and
/// `describe` need no address, as in grpcurl.
fn positional(args: &[String], from_files: bool) -> Result<(Option<&str>, Verb), Failure> {
    let (address, rest) = match args {
        [first, ..] if from_files && (first == "list" || first == "describe") => (None, args),
        [address, rest @ ..] => (Some(address.as_str()), rest),
        [] => return Err(Failure::Usage("too few arguments".into())),
    };
    let verb = match rest {
        [] => {
            return Err(Failure::Usage(
                "too few arguments: after ADDRESS give list, describe or a method".into(),
            ));
        }
        [verb, arg @ ..] if verb == "list" || verb == "describe" => {
            let arg = match arg {
                [] => None,
                [one] => Some(one.clone()),
                _ => return Err(Failure::Usage(format!("too many arguments for {verb}"))),
            };
            if verb == "list" {
                Verb::List(arg)
            } else {
                Verb::Describe(arg)
            }
        }
        [method] => Verb::Invoke(method.clone()),
        [method, extra, ..] => {
            return Err(Failure::Usage(format!(
                "too many arguments: `{extra}` after the method `{method}` \
                 (request data goes in -d)"
            )));
        }
    };
    Ok((address, verb))
}

fn seconds(value: f64, flag: &str) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| Failure::Usage(format!("--{flag} must be a non-negative number of seconds")))
}

/// Long flags (without dashes), and whether each takes a value.
const LONG_FLAGS: &[(&str, bool)] = &[
    ("max-time", true),
    ("connect-timeout", true),
    ("keepalive-time", true),
    ("format", true),
    ("emit-defaults", false),
    ("allow-unknown-fields", false),
    ("verbose", false),
    ("vv", false),
    ("rpc-header", true),
    ("reflect-header", true),
    ("authority", true),
    ("msg-template", false),
    ("proto", true),
    ("import-path", true),
    ("protoset", true),
    ("max-msg-sz", true),
    ("plaintext", false),
    ("cacert", true),
    ("cert", true),
    ("key", true),
    ("servername", true),
    ("insecure", false),
    ("unix", false),
    ("help", false),
    ("version", false),
];

/// Short flags that take a value.
const SHORT_WITH_VALUE: &[&str] = &["-d", "-H"];

/// Rewrites grpcurl's one-dash long flags (`-max-time 5`,
/// `-format=text`) to clap's two-dash form, leaving flag values and
/// everything after `--` untouched.
pub(crate) fn normalize(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut value_next = false;
    let mut positional_only = false;
    for arg in args {
        if value_next || positional_only {
            value_next = false;
            out.push(arg);
            continue;
        }
        let Some(text) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            positional_only = true;
            out.push(arg);
            continue;
        }
        if SHORT_WITH_VALUE.contains(&text) {
            value_next = true;
            out.push(arg);
            continue;
        }
        let dashes = if text.starts_with("--") { 2 } else { 1 };
        let name = text
            .strip_prefix('-')
            .map(|t| t.trim_start_matches('-'))
            .unwrap_or("");
        let (bare, has_inline_value) = match name.split_once('=') {
            Some((bare, _)) => (bare, true),
            None => (name, false),
        };
        match LONG_FLAGS.iter().find(|(flag, _)| *flag == bare) {
            Some((_, takes_value)) => {
                value_next = *takes_value && !has_inline_value;
                if dashes == 1 {
                    out.push(OsString::from(format!("-{text}")));
                } else {
                    out.push(arg);
                }
            }
            None => out.push(arg),
        }
    }
    out
}

fn parse_authority(input: &str) -> Result<http::uri::Authority, String> {
    input
        .parse()
        .map_err(|e| format!("`{input}` is not a valid authority (host[:port]): {e}"))
}

fn parse_identity(input: &str) -> Result<ServerIdentity, String> {
    input.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn options(args: &[&str]) -> Result<Options, Failure> {
        let mut all = vec!["pipecurl"];
        all.extend_from_slice(args);
        match parse(os(&all))? {
            Parsed::Run(options) => Ok(*options),
            Parsed::Info(text) => panic!("unexpected help: {text}"),
        }
    }

    #[test]
    fn one_dash_long_flags_become_two() {
        let got = normalize(os(&[
            "pipecurl",
            "-max-time",
            "5",
            "-format=text",
            "-plaintext",
            "-d",
            "-max-time",
            "--emit-defaults",
            "x",
            "--",
            "-proto",
        ]));
        assert_eq!(
            got,
            os(&[
                "pipecurl",
                "--max-time",
                "5",
                "--format=text",
                "--plaintext",
                "-d",
                "-max-time",
                "--emit-defaults",
                "x",
                "--",
                "-proto",
            ])
        );
    }

    #[test]
    fn a_method_call() {
        let o = options(&[
            "-d",
            "{}",
            "-H",
            "x-a: b",
            "-max-time",
            "1.5",
            "127.0.0.1:50051",
            "pkg.Svc/Method",
        ])
        .unwrap();
        assert_eq!(o.verb, Verb::Invoke("pkg.Svc/Method".into()));
        assert_eq!(o.data, Some(Data::Inline("{}".into())));
        assert_eq!(o.max_time, Some(Duration::from_millis(1500)));
        assert_eq!(o.rpc_headers.get("x-a").unwrap(), "b");
        assert_eq!(o.schema, SchemaSource::Reflection);
    }

    #[cfg(unix)]
    #[test]
    fn grpcurl_unix_flag_makes_a_unix_address() {
        let o = options(&["-plaintext", "-unix", "/tmp/s.sock", "list"]).unwrap();
        assert_eq!(o.address.unwrap().to_string(), "unix:/tmp/s.sock");
        assert_eq!(o.verb, Verb::List(None));
    }

    #[test]
    fn header_flags_split_between_the_call_and_reflection() {
        let o = options(&[
            "-H",
            "x-both: 1",
            "-rpc-header",
            "x-rpc: 2",
            "-reflect-header",
            "x-reflect: 3",
            "addr",
            "pkg.S/M",
        ])
        .unwrap();
        let names = |map: &MetadataMap| {
            let mut names: Vec<String> = map.keys().map(|k| format!("{k:?}")).collect();
            names.sort();
            names.join(" ")
        };
        assert_eq!(names(&o.rpc_headers), r#"Ascii("x-both") Ascii("x-rpc")"#);
        assert_eq!(
            names(&o.reflect_headers),
            r#"Ascii("x-both") Ascii("x-reflect")"#
        );
    }

    #[test]
    fn very_verbose_is_verbose_with_timings() {
        let o = options(&["-vv", "addr", "list"]).unwrap();
        assert!(o.verbose && o.timings);
        let o = options(&["-v", "-authority", "example.org:1", "addr", "list"]).unwrap();
        assert!(o.verbose && !o.timings);
        assert_eq!(o.authority.unwrap(), "example.org:1");
    }

    #[test]
    fn list_and_describe_over_proto_files_need_no_address() {
        let o = options(&["--proto", "a.proto", "describe", "pkg.M"]).unwrap();
        assert!(o.address.is_none());
        assert_eq!(o.verb, Verb::Describe(Some("pkg.M".into())));
    }

    #[test]
    fn usage_errors_exit_with_1() {
        for args in [
            &["addr"][..],
            &["addr", "list", "a", "b"],
            &["addr", "pkg.S/M", "extra"],
            &["-d", "{}", "addr", "list"],
            &["--proto", "a.proto", "--protoset", "b.bin", "list"],
            &["--max-time", "-1", "addr", "list"],
            &["--no-such-flag", "addr", "list"],
            &["-H", "no colon", "addr", "pkg.S/M"],
            &["-authority", "a b", "addr", "list"],
            &["-msg-template", "addr", "pkg.S/M"],
        ] {
            let failure = options(args).unwrap_err();
            assert!(
                matches!(failure, Failure::Usage(_)),
                "{args:?}: {failure:?}"
            );
            assert_eq!(failure.exit_code(), 1);
        }
    }

    #[test]
    fn connecting_waits_ten_seconds_unless_told_otherwise() {
        let o = options(&["addr", "list"]).unwrap();
        assert_eq!(o.connect_timeout, Duration::from_secs(10));
        assert_eq!(o.keepalive_time, None);
        let o = options(&["-connect-timeout", "2.5", "addr", "list"]).unwrap();
        assert_eq!(o.connect_timeout, Duration::from_millis(2500));
        let o = options(&["-connect-timeout", "0", "addr", "list"]).unwrap();
        assert_eq!(o.connect_timeout, Duration::from_secs(10));
    }

    #[test]
    fn keepalive_time_as_grpcurl_and_zero_turns_it_off() {
        let o = options(&["-keepalive-time", "3", "addr", "list"]).unwrap();
        assert_eq!(o.keepalive_time, Some(Some(Duration::from_secs(3))));
        let o = options(&["--keepalive-time=0", "addr", "list"]).unwrap();
        assert_eq!(o.keepalive_time, Some(None));
        let failure = options(&["-keepalive-time", "soon", "addr", "list"]).unwrap_err();
        assert!(matches!(failure, Failure::Usage(_)), "{failure:?}");
    }

    #[test]
    fn stdin_data() {
        let o = options(&["-d", "@", "addr", "pkg.S.M"]).unwrap();
        assert_eq!(o.data, Some(Data::Stdin));
    }

    #[cfg(feature = "tls")]
    #[test]
    fn tcp_is_tls_unless_plaintext_and_local_never_is() {
        let tls = options(&[
            "-cacert",
            "ca.pem",
            "-servername",
            "x",
            "127.0.0.1:1",
            "list",
        ])
        .unwrap();
        assert_eq!(
            tls.tls,
            Some(TlsOptions {
                cacert: Some(PathBuf::from("ca.pem")),
                servername: Some("x".to_string()),
                ..TlsOptions::default()
            })
        );
        let default = options(&["127.0.0.1:1", "list"]).unwrap();
        assert_eq!(default.tls, Some(TlsOptions::default()));
        assert_eq!(
            options(&["-plaintext", "127.0.0.1:1", "list"]).unwrap().tls,
            None
        );
        assert_eq!(options(&["my-app", "list"]).unwrap().tls, None);
        assert_eq!(
            options(&["-plaintext", "my-app", "list"]).unwrap().tls,
            None
        );
        let mutual = options(&["-cert", "c.pem", "-key", "k.pem", "h:1", "list"]).unwrap();
        assert_eq!(
            mutual.tls.unwrap().identity,
            Some((PathBuf::from("c.pem"), PathBuf::from("k.pem")))
        );
    }
}
