//! What each verb does, from a checked command line to printed results.
//!
//! The server is connected to only when something needs it (a call, or a
//! schema from reflection), and the schema is read before any call, so a
//! wrong method or bad request data is reported before anything is sent.
//! `--max-time` bounds everything: connecting, reflection and reading the
//! request data end with exit status 1 when it passes; the call itself ends
//! with `DEADLINE_EXCEEDED` (68), as in grpcurl.

use std::future::Future;

use piperpc::{Address, Channel, ChannelBuilder};
use prost_reflect::DynamicMessage;
use tokio::time::Instant;

use crate::args::{Data, Options, SchemaSource, Verb};
use crate::describe::describe;
use crate::failure::Failure;
use crate::input::{self, InputSpec};
use crate::invoke::{self, CallSpec, Requests};
use crate::output::{Printer, to_json};
use crate::schema::reflection::Reflection;
use crate::schema::{Schema, Symbol, files};
use crate::template::template;
use crate::timings::Timings;

/// Does what `options` ask.
pub(crate) async fn run(options: Options) -> Result<(), Failure> {
    let mut printer = Printer::new(options.format, options.emit_defaults);
    let mut timings = Timings::start();
    let outcome = run_verb(&options, &mut printer, &mut timings).await;
    if options.timings {
        printer.text(&timings.render())?;
    }
    outcome
}

async fn run_verb(
    options: &Options,
    printer: &mut Printer,
    timings: &mut Timings,
) -> Result<(), Failure> {
    let deadline = options.max_time.map(|max| Instant::now() + max);
    let needs_server =
        matches!(options.verb, Verb::Invoke(_)) || options.schema == SchemaSource::Reflection;
    let dialing = Instant::now();
    let channel = match (&options.address, needs_server) {
        (_, false) => None,
        (Some(address), true) => Some(connect(address, options, deadline).await?),
        (None, true) => return Err(Failure::Usage("no ADDRESS given".into())),
    };
    if channel.is_some() {
        timings.record("Dial", dialing);
    }
    let mut schema = load_schema(options, channel.clone())?;
    let working = Instant::now();

    match &options.verb {
        Verb::List(None) => {
            let services = within(deadline, "listing services", schema.services())
                .await
                .map_err(|f| context(f, "Failed to list services"))?;
            for service in services {
                printer.text(&service)?;
            }
            timings.record("List", working);
        }
        Verb::List(Some(name)) => {
            let service = within(deadline, "resolving the service", schema.service(name))
                .await
                .map_err(|f| {
                    context(f, &format!("Failed to list methods for service \"{name}\""))
                })?;
            let mut methods: Vec<String> = service
                .methods()
                .map(|m| m.full_name().to_string())
                .collect();
            methods.sort();
            for method in methods {
                printer.text(&method)?;
            }
            timings.record("List", working);
        }
        Verb::Describe(None) => {
            let services = within(deadline, "listing services", schema.services())
                .await
                .map_err(|f| context(f, "Failed to list services"))?;
            for name in services {
                printer.text(&describe_one(&mut schema, &name, options, deadline).await?)?;
            }
            timings.record("Describe", working);
        }
        Verb::Describe(Some(name)) => {
            printer.text(&describe_one(&mut schema, name, options, deadline).await?)?;
            timings.record("Describe", working);
        }
        Verb::Invoke(written) => {
            let Some(channel) = channel else {
                return Err(Failure::Usage("no ADDRESS given".into()));
            };
            call(
                options,
                &mut schema,
                channel,
                written,
                deadline,
                printer,
                timings,
            )
            .await?;
        }
    }
    Ok(())
}

/// Resolves the method `written`, reads its request data and calls it.
async fn call(
    options: &Options,
    schema: &mut Schema,
    channel: Channel,
    written: &str,
    deadline: Option<Instant>,
    printer: &mut Printer,
    timings: &mut Timings,
) -> Result<(), Failure> {
    let resolving = Instant::now();
    let method = within(deadline, "resolving the method", schema.method(written))
        .await
        .map_err(|f| context(f, &format!("Error invoking method \"{written}\"")))?;
    timings.record("ResolveMethod", resolving);
    let spec = InputSpec {
        data: options.data.clone(),
        format: options.format,
        allow_unknown_fields: options.allow_unknown_fields,
    };
    let parsed = input::spawn(&spec, method.input())?;
    // Read everything first unless messages must flow as typed: a client-
    // or bidi-streaming call fed from stdin.
    let live = method.is_client_streaming() && spec.data == Some(Data::Stdin);
    let requests = if live {
        Requests::Live(parsed)
    } else {
        let mut all = within(deadline, "reading the request data", input::collect(parsed)).await?;
        if !method.is_client_streaming() {
            if all.len() > 1 {
                return Err(Failure::Input(format!(
                    "method \"{written}\" takes one request message, but the data holds {}",
                    all.len()
                )));
            }
            if all.is_empty() {
                // As grpcurl: no data means an empty message.
                all.push(DynamicMessage::new(method.input()));
            }
        }
        Requests::Ready(all)
    };
    let call = CallSpec {
        method,
        headers: options.rpc_headers.clone(),
        deadline,
        max_message_size: options.max_message_size,
        verbose: options.verbose,
    };
    let invoking = Instant::now();
    let outcome = invoke::invoke(channel, &call, requests, printer).await;
    timings.record("InvokeRPC", invoking);
    outcome
}

async fn describe_one(
    schema: &mut Schema,
    name: &str,
    options: &Options,
    deadline: Option<Instant>,
) -> Result<String, Failure> {
    let origin = schema.origin();
    match within(deadline, "resolving the symbol", schema.symbol(name)).await? {
        Some(Symbol::Message(message)) if options.msg_template => {
            let json = to_json(&template(&message), true)?;
            let described = describe(name, &Symbol::Message(message));
            Ok(format!("{described}\nMessage template:\n{json}"))
        }
        Some(symbol) => Ok(describe(name, &symbol)),
        None => Err(Failure::NotFound(format!(
            "Failed to resolve symbol \"{name}\": not found in {origin}"
        ))),
    }
}

async fn connect(
    address: &Address,
    options: &Options,
    deadline: Option<Instant>,
) -> Result<Channel, Failure> {
    let mut builder = ChannelBuilder::new(address)
        .map_err(Failure::Connect)?
        .connect_timeout(options.connect_timeout);
    if let Some(time) = options.keepalive_time {
        // As grpcurl: the same time for the ping's answer.
        builder = builder.keepalive(time);
        if let Some(time) = time {
            builder = builder.keepalive_timeout(time);
        }
    }
    if let Some(identity) = &options.verify_server {
        builder = builder.verify_server(identity.clone());
    }
    if let Some(authority) = &options.authority {
        builder = builder.authority(authority.clone());
    }
    #[cfg(feature = "tls")]
    if let Some(tls) = &options.tls {
        builder = builder.tls(client_tls(tls).map_err(Failure::Connect)?);
    }
    let doing = format!("connecting to {address}");
    within(deadline, &doing, async {
        builder.connect().await.map_err(Failure::Connect)
    })
    .await
}

#[cfg(feature = "tls")]
fn client_tls(
    options: &crate::args::TlsOptions,
) -> Result<piperpc::tls::ClientTls, piperpc::Error> {
    let mut tls = piperpc::tls::ClientTls::new();
    if let Some(ca) = &options.cacert {
        tls = tls.ca_certificate_file(ca)?;
    }
    if let Some((cert, key)) = &options.identity {
        tls = tls.identity_files(cert, key)?;
    }
    if let Some(name) = &options.servername {
        tls = tls.server_name(name);
    }
    if options.insecure {
        tls = tls.insecure_skip_verify();
    }
    Ok(tls)
}

fn load_schema(options: &Options, channel: Option<Channel>) -> Result<Schema, Failure> {
    Ok(match &options.schema {
        SchemaSource::Reflection => {
            let channel = channel.ok_or_else(|| Failure::Usage("no ADDRESS given".into()))?;
            Schema::Reflection(Box::new(Reflection::new(
                channel,
                options.reflect_headers.clone(),
                options.max_message_size,
            )))
        }
        SchemaSource::Protos {
            files: protos,
            import_paths,
        } => Schema::Files {
            pool: files::from_protos(protos, import_paths)?,
            origin: "the --proto files",
        },
        SchemaSource::Protosets(protosets) => Schema::Files {
            pool: files::from_protosets(protosets)?,
            origin: "the --protoset files",
        },
    })
}

/// Runs `work`, or fails with a [`Failure::Timeout`] naming what was being
/// done when the deadline passes first.
async fn within<T>(
    deadline: Option<Instant>,
    doing: &str,
    work: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    match deadline {
        None => work.await,
        Some(deadline) => tokio::time::timeout_at(deadline, work)
            .await
            .unwrap_or_else(|_| Err(Failure::Timeout(doing.to_string()))),
    }
}

/// Prefixes what was being done to a lookup failure's message.
fn context(failure: Failure, doing: &str) -> Failure {
    match failure {
        Failure::NotFound(message) => Failure::NotFound(format!("{doing}: {message}")),
        Failure::Schema(message) => Failure::Schema(format!("{doing}: {message}")),
        other => other,
    }
}
