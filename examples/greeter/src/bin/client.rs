//! The greeter client: `client [--connect ADDR]`. Calls each of the four
//! RPCs once and prints what came back, one line each.

use clap::Parser;
use greeter_example::DEFAULT_ADDRESS;
use greeter_example::pb::greeter_client::GreeterClient;
use greeter_example::pb::{ChatMessage, CountDownRequest, HelloRequest};
use tokio_stream::StreamExt;

/// Calls every RPC of the greeter.
#[derive(Parser)]
struct Args {
    /// The server's address.
    #[arg(long, default_value = DEFAULT_ADDRESS)]
    connect: String,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match call().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("client: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn call() -> Result<(), Box<dyn std::error::Error>> {
    let address = Args::parse().connect;
    let channel = piperpc::connect(address).await?;
    let mut greeter = GreeterClient::new(channel);

    let hello = HelloRequest {
        name: "Rust".into(),
    };
    let reply = greeter.say_hello(hello).await?.into_inner();
    println!("SayHello: {}", reply.message);

    let request = CountDownRequest {
        name: "Rust".into(),
        from: 3,
    };
    let mut replies = greeter.count_down(request).await?.into_inner();
    let mut lines = Vec::new();
    while let Some(reply) = replies.next().await {
        lines.push(reply?.message);
    }
    println!("CountDown: {}", lines.join(" / "));

    let names = ["Ann", "Bob", "Cy"].map(|name| HelloRequest { name: name.into() });
    let summary = greeter
        .collect_names(tokio_stream::iter(names))
        .await?
        .into_inner();
    println!("CollectNames: {} names: {}", summary.count, summary.message);

    let said = ["hi", "bye"].map(|text| ChatMessage { text: text.into() });
    let mut answers = greeter.chat(tokio_stream::iter(said)).await?.into_inner();
    let mut lines = Vec::new();
    while let Some(answer) = answers.next().await {
        lines.push(answer?.text);
    }
    println!("Chat: {}", lines.join(" / "));
    Ok(())
}
