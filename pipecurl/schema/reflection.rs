//! The schema from the server itself, through gRPC server reflection.
//!
//! `grpc.reflection.v1` is asked first; a server that answers
//! `UNIMPLEMENTED` is asked again over `grpc.reflection.v1alpha`, which
//! older servers have. The two protocols are the same messages under two
//! package names (v1 was made by renaming v1alpha), so one set of types,
//! tonic-reflection's v1 ones, is sent to whichever path answers.
//!
//! Descriptors are fetched only as needed, over one reflection stream: the
//! file that defines a symbol, then whatever files it imports that are not
//! known yet (a server may send only the one file). The well-known types
//! are known from the start.

use std::collections::HashSet;

use piperpc::Channel;
use prost::Message as _;
use prost_reflect::DescriptorPool;
use prost_reflect::prost_types::FileDescriptorProto;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::metadata::MetadataMap;
use tonic::{Code, Request, Status, Streaming};
use tonic_reflection::pb::v1::{
    ServerReflectionRequest, ServerReflectionResponse, server_reflection_request::MessageRequest,
    server_reflection_response::MessageResponse,
};

use super::symbol::{self, Symbol};
use crate::failure::Failure;

/// The reflection paths, newest first.
const PATHS: [&str; 2] = [
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
];

/// A reflection client and the descriptors it has fetched so far.
pub(crate) struct Reflection {
    channel: Channel,
    headers: MetadataMap,
    max_message_size: usize,
    stream: Option<ReflectionStream>,
    pool: DescriptorPool,
}

impl Reflection {
    /// A client on `channel` that sends `headers` with its requests.
    pub(crate) fn new(
        channel: Channel,
        headers: MetadataMap,
        max_message_size: usize,
    ) -> Reflection {
        Reflection {
            channel,
            headers,
            max_message_size,
            stream: None,
            pool: DescriptorPool::global(),
        }
    }

    /// The names of every service the server offers, as it lists them.
    pub(crate) async fn services(&mut self) -> Result<Vec<String>, Failure> {
        match self.ask(MessageRequest::ListServices(String::new())).await {
            Ok(MessageResponse::ListServicesResponse(list)) => {
                Ok(list.service.into_iter().map(|s| s.name).collect())
            }
            Ok(_) => Err(unexpected("ListServices")),
            Err(refusal) => Err(failed(refusal)),
        }
    }

    /// Resolves `name`, fetching the files that define it. A name the
    /// server does not index itself (an enum value, say) is looked up
    /// through its parent.
    pub(crate) async fn symbol(&mut self, name: &str) -> Result<Option<Symbol>, Failure> {
        let name = name.strip_prefix('.').unwrap_or(name);
        let mut candidate = name;
        loop {
            if let Some(found) = symbol::find(&self.pool, name) {
                return Ok(Some(found));
            }
            if self.fetch_file_containing(candidate).await? {
                return Ok(symbol::find(&self.pool, name));
            }
            match candidate.rsplit_once('.') {
                Some((parent, _)) => candidate = parent,
                None => return Ok(None),
            }
        }
    }

    /// Fetches the file defining `symbol`, and its imports; false when the
    /// server does not know the symbol.
    async fn fetch_file_containing(&mut self, symbol: &str) -> Result<bool, Failure> {
        let request = MessageRequest::FileContainingSymbol(symbol.to_string());
        match self.ask(request).await {
            Ok(MessageResponse::FileDescriptorResponse(files)) => {
                self.add_files(files.file_descriptor_proto).await?;
                Ok(true)
            }
            Ok(_) => Err(unexpected("FileContainingSymbol")),
            Err(Refusal::Status(status)) if status.code() == Code::NotFound => Ok(false),
            Err(refusal) => Err(failed(refusal)),
        }
    }

    /// Decodes `encoded` files, fetches whatever they import that is not
    /// known yet, and adds them all to the pool.
    async fn add_files(&mut self, encoded: Vec<Vec<u8>>) -> Result<(), Failure> {
        let mut known: HashSet<String> = self.pool.files().map(|f| f.name().to_string()).collect();
        let mut new_files = Vec::new();
        let mut wanted = Vec::new();
        let mut batch = encoded;
        loop {
            for bytes in batch {
                let file = FileDescriptorProto::decode(bytes.as_slice()).map_err(|e| {
                    Failure::Schema(format!(
                        "the server's reflection sent an undecodable file descriptor: {e}"
                    ))
                })?;
                if known.insert(file.name().to_string()) {
                    wanted.extend(file.dependency.iter().cloned());
                    new_files.push(file);
                }
            }
            let Some(next) = wanted.pop() else { break };
            if known.contains(&next) {
                batch = Vec::new();
                continue;
            }
            batch = match self.ask(MessageRequest::FileByFilename(next.clone())).await {
                Ok(MessageResponse::FileDescriptorResponse(files)) => files.file_descriptor_proto,
                Ok(_) => return Err(unexpected("FileByFilename")),
                Err(refusal) => {
                    return Err(Failure::Schema(format!(
                        "the server's reflection cannot send {next}, which its files import ({})",
                        failed(refusal)
                    )));
                }
            };
        }
        self.pool
            .add_file_descriptor_protos(new_files)
            .map_err(|e| {
                Failure::Schema(format!(
                    "the file descriptors from the server's reflection do not fit together: {e}"
                ))
            })
    }

    /// One request and its response, on the open stream or a new one. An
    /// `ErrorResponse` comes back as its status. Some servers (tonic's)
    /// end the stream with an error status instead; the next request then
    /// opens a new stream.
    async fn ask(&mut self, request: MessageRequest) -> Result<MessageResponse, Refusal> {
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(request),
        };
        let response = match &mut self.stream {
            Some(stream) => stream.ask(request).await.map_err(Refusal::from),
            None => self.open(request).await,
        };
        if response.is_err() {
            self.stream = None;
        }
        match response? {
            MessageResponse::ErrorResponse(error) => Err(Refusal::Status(Status::new(
                Code::from(error.error_code),
                error.error_message,
            ))),
            response => Ok(response),
        }
    }

    /// Opens a stream with `request` as its first message: v1 first, then
    /// v1alpha if the server does not implement v1.
    async fn open(&mut self, request: ServerReflectionRequest) -> Result<MessageResponse, Refusal> {
        for path in PATHS {
            let opened = async {
                let mut stream = ReflectionStream::open(self, path, request.clone()).await?;
                let response = stream.receive().await?;
                Ok::<_, Status>((stream, response))
            }
            .await;
            match opened {
                Ok((stream, response)) => {
                    self.stream = Some(stream);
                    return Ok(response);
                }
                Err(status) if status.code() == Code::Unimplemented => continue,
                Err(status) => return Err(Refusal::Status(status)),
            }
        }
        Err(Refusal::Unsupported)
    }
}

/// Why a reflection request got no answer.
enum Refusal {
    /// The server answered with an error (a status or an `ErrorResponse`).
    Status(Status),
    /// The server serves neither reflection version.
    Unsupported,
}

impl From<Status> for Refusal {
    fn from(status: Status) -> Refusal {
        Refusal::Status(status)
    }
}

/// One open `ServerReflectionInfo` call.
struct ReflectionStream {
    requests: mpsc::Sender<ServerReflectionRequest>,
    responses: Streaming<ServerReflectionResponse>,
}

impl ReflectionStream {
    /// Opens the stream at `path` with `first` already queued, so a server
    /// that waits for a request before answering cannot stall the open.
    async fn open(
        client: &Reflection,
        path: &'static str,
        first: ServerReflectionRequest,
    ) -> Result<ReflectionStream, Status> {
        let (requests, queue) = mpsc::channel(1);
        requests
            .try_send(first)
            .map_err(|_| Status::internal("queueing the first reflection request"))?;
        let mut request = Request::new(ReceiverStream::new(queue));
        *request.metadata_mut() = client.headers.clone();
        let mut grpc = tonic::client::Grpc::new(client.channel.clone())
            .max_decoding_message_size(client.max_message_size);
        grpc.ready()
            .await
            .map_err(|e| Status::unavailable(format!("the connection is not ready: {e}")))?;
        let codec = tonic_prost::ProstCodec::default();
        let responses = grpc
            .streaming(request, PathAndQuery::from_static(path), codec)
            .await?
            .into_inner();
        Ok(ReflectionStream {
            requests,
            responses,
        })
    }

    async fn ask(&mut self, request: ServerReflectionRequest) -> Result<MessageResponse, Status> {
        self.requests
            .send(request)
            .await
            .map_err(|_| Status::unavailable("the reflection stream is closed"))?;
        self.receive().await
    }

    async fn receive(&mut self) -> Result<MessageResponse, Status> {
        match self.responses.message().await? {
            Some(ServerReflectionResponse {
                message_response: Some(response),
                ..
            }) => Ok(response),
            Some(_) => Err(Status::internal(
                "the server sent an empty reflection response",
            )),
            None => Err(Status::unavailable(
                "the server ended the reflection stream",
            )),
        }
    }
}

fn failed(refusal: Refusal) -> Failure {
    Failure::Schema(match refusal {
        Refusal::Status(status) => format!(
            "server reflection failed: {:?}: {}",
            status.code(),
            status.message()
        ),
        Refusal::Unsupported => "the server does not support the reflection API (neither \
                                 grpc.reflection.v1 nor v1alpha): give the schema with \
                                 --proto or --protoset"
            .into(),
    })
}

fn unexpected(asked: &str) -> Failure {
    Failure::Schema(format!(
        "the server's reflection answered {asked} with a response of another kind"
    ))
}
