//! The Echo service: one method per RPC kind.

use std::pin::Pin;
use std::time::Duration;

use piperpc::ConnectInfo;
use prost::bytes::Bytes;
use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming, metadata::KeyAndValueRef};

use super::shutdown::{Shutdown, shutting_down};
use crate::proto::demo::{
    ChatRequest, ChatResponse, CollectRequest, CollectResponse, CountRequest, CountResponse,
    EchoRequest, EchoResponse, echo_server::Echo,
};

const MAX_COUNT: u32 = 1_000_000;
const MAX_PAYLOAD: u32 = 4 * 1024 * 1024;
const MAX_INTERVAL_MS: u32 = 60_000;

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// Echo, served from process A.
#[derive(Clone, Debug)]
pub struct EchoService {
    shutdown: Shutdown,
}

impl EchoService {
    /// A service whose endless streams end when `shutdown` fires.
    pub fn new(shutdown: Shutdown) -> EchoService {
        EchoService { shutdown }
    }
}

#[tonic::async_trait]
impl Echo for EchoService {
    async fn echo(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        let peer_pid = request
            .extensions()
            .get::<ConnectInfo>()
            .and_then(|info| info.peer_pid)
            .unwrap_or(0);
        let metadata = if request.get_ref().return_metadata {
            ascii_metadata(request.metadata())
        } else {
            Default::default()
        };
        let EchoRequest {
            message,
            payload,
            delay_ms,
            ..
        } = request.into_inner();
        check_at_most("delay_ms", delay_ms, MAX_INTERVAL_MS)?;
        // A slow call, for tests of deadlines and of draining at shutdown.
        // Only when asked: even a zero sleep waits for the timer's next
        // 1 ms tick, which the benchmark caught as a 1.3 ms round trip.
        if delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(delay_ms.into())).await;
        }
        Ok(Response::new(EchoResponse {
            message,
            payload,
            metadata,
            peer_pid,
        }))
    }

    type CountStream = ResponseStream<CountResponse>;

    async fn count(
        &self,
        request: Request<CountRequest>,
    ) -> Result<Response<Self::CountStream>, Status> {
        let CountRequest {
            count,
            payload_size,
            interval_ms,
        } = request.into_inner();
        check_at_most("count", count, MAX_COUNT)?;
        check_at_most("payload_size", payload_size, MAX_PAYLOAD)?;
        check_at_most("interval_ms", interval_ms, MAX_INTERVAL_MS)?;
        let payload = Bytes::from(vec![b'x'; payload_size as usize]);
        let interval = Duration::from_millis(interval_ms.into());
        let shutdown = self.shutdown.clone();
        Ok(Response::new(Box::pin(async_stream::stream! {
            for number in 1..=count {
                if !interval.is_zero() && number > 1 {
                    tokio::select! {
                        () = tokio::time::sleep(interval) => {}
                        () = shutdown.wait() => {
                            yield Err(shutting_down());
                            return;
                        }
                    }
                }
                yield Ok(CountResponse { number, payload: payload.clone() });
            }
        })))
    }

    async fn collect(
        &self,
        request: Request<Streaming<CollectRequest>>,
    ) -> Result<Response<CollectResponse>, Status> {
        let mut inbound = request.into_inner();
        let (mut count, mut total_bytes) = (0u64, 0u64);
        while let Some(message) = inbound.message().await? {
            count += 1;
            total_bytes += message.data.len() as u64;
        }
        Ok(Response::new(CollectResponse { count, total_bytes }))
    }

    type ChatStream = ResponseStream<ChatResponse>;

    async fn chat(
        &self,
        request: Request<Streaming<ChatRequest>>,
    ) -> Result<Response<Self::ChatStream>, Status> {
        let mut inbound = request.into_inner();
        let shutdown = self.shutdown.clone();
        Ok(Response::new(Box::pin(async_stream::try_stream! {
            let mut sequence = 0;
            loop {
                let next = tokio::select! {
                    next = inbound.message() => next,
                    () = shutdown.wait() => Err(shutting_down()),
                };
                let next = next?;
                let Some(ChatRequest { text }) = next else { break };
                sequence += 1;
                yield ChatResponse { sequence, text: format!("you said: {text}") };
            }
        })))
    }
}

fn check_at_most(field: &str, value: u32, max: u32) -> Result<(), Status> {
    if value > max {
        return Err(Status::invalid_argument(format!(
            "{field} is {value}; at most {max} is allowed"
        )));
    }
    Ok(())
}

fn ascii_metadata(
    metadata: &tonic::metadata::MetadataMap,
) -> std::collections::HashMap<String, String> {
    metadata
        .iter()
        .filter_map(|entry| match entry {
            KeyAndValueRef::Ascii(key, value) => {
                Some((key.as_str().to_string(), value.to_str().ok()?.to_string()))
            }
            KeyAndValueRef::Binary(..) => None,
        })
        .collect()
}
