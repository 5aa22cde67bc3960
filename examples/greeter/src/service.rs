//! The Greeter service: what a handler of each RPC kind looks like.

use std::pin::Pin;

use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::pb::greeter_server::Greeter as GreeterRpc;
use crate::pb::{ChatMessage, CountDownRequest, HelloReply, HelloRequest, NamesSummary};

/// Most greetings one `CountDown` sends: a bound on what one call costs.
const MAX_COUNT_DOWN: u32 = 100;

/// A stream of replies, as a streaming RPC returns it.
type ReplyStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// The greeter: stateless, so one instance serves every connection.
#[derive(Clone, Copy, Debug, Default)]
pub struct Greeter;

fn greeting(name: &str) -> Result<String, Status> {
    if name.is_empty() {
        return Err(Status::invalid_argument("name is empty"));
    }
    Ok(format!("Hello, {name}!"))
}

#[tonic::async_trait]
impl GreeterRpc for Greeter {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let message = greeting(&request.into_inner().name)?;
        Ok(Response::new(HelloReply { message }))
    }

    type CountDownStream = ReplyStream<HelloReply>;

    async fn count_down(
        &self,
        request: Request<CountDownRequest>,
    ) -> Result<Response<Self::CountDownStream>, Status> {
        let CountDownRequest { name, from } = request.into_inner();
        let hello = greeting(&name)?;
        if from > MAX_COUNT_DOWN {
            return Err(Status::invalid_argument(format!(
                "from is {from}; at most {MAX_COUNT_DOWN}"
            )));
        }
        let replies = (1..=from).rev().map(move |n| {
            Ok(HelloReply {
                message: format!("{n}: {hello}"),
            })
        });
        Ok(Response::new(Box::pin(tokio_stream::iter(replies))))
    }

    async fn collect_names(
        &self,
        request: Request<Streaming<HelloRequest>>,
    ) -> Result<Response<NamesSummary>, Status> {
        let mut names = Vec::new();
        let mut stream = request.into_inner();
        while let Some(request) = stream.next().await {
            let name = request?.name;
            greeting(&name)?;
            names.push(name);
        }
        let count = u32::try_from(names.len()).unwrap_or(u32::MAX);
        let message = if names.is_empty() {
            "Hello, nobody!".to_string()
        } else {
            format!("Hello, {}!", names.join(", "))
        };
        Ok(Response::new(NamesSummary { count, message }))
    }

    type ChatStream = ReplyStream<ChatMessage>;

    async fn chat(
        &self,
        request: Request<Streaming<ChatMessage>>,
    ) -> Result<Response<Self::ChatStream>, Status> {
        // Each answer goes out as soon as its message is in, not at the end.
        let answers = request.into_inner().map(|message| {
            Ok(ChatMessage {
                text: format!("you said: {}", message?.text),
            })
        });
        Ok(Response::new(Box::pin(answers)))
    }
}
