//! The client's view of a call's wire: the compressed flag of each response
//! message, and compression chosen message by message for a request stream
//! (tonic compresses all of a call's messages or none).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use http::{HeaderValue, Request, Response};
use piperpc::Channel;
use tonic::body::Body;
use tower::{BoxError, Service};

use crate::wire::{Reframed, gzip};

/// A channel that records the compressed flag of every response message
/// of the calls made through it, and may gzip chosen request messages.
#[derive(Clone, Debug)]
pub struct Wired {
    channel: Channel,
    flags: Arc<Mutex<Vec<bool>>>,
    compress: Option<Arc<Vec<bool>>>,
}

impl Wired {
    /// `channel`, recording response flags.
    pub fn new(channel: Channel) -> Wired {
        Wired {
            channel,
            flags: Arc::default(),
            compress: None,
        }
    }

    /// Also gzip request message `i` where `plan[i]` is true (and send
    /// `grpc-encoding: gzip`); the others go as they are.
    pub fn compressing(mut self, plan: Vec<bool>) -> Wired {
        self.compress = Some(Arc::new(plan));
        self
    }

    /// The compressed flag of each response message so far, in order.
    pub fn response_flags(&self) -> Vec<bool> {
        self.flags
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Service<Request<Body>> for Wired {
    type Response = Response<Body>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.channel.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let request = match &self.compress {
            None => request,
            Some(plan) => {
                let plan = Arc::clone(plan);
                let (mut parts, body) = request.into_parts();
                parts
                    .headers
                    .insert("grpc-encoding", HeaderValue::from_static("gzip"));
                let body = Reframed::new(
                    body,
                    Box::new(move |index, compressed, message| {
                        if plan.get(index).copied().unwrap_or(false) && !compressed {
                            (true, gzip(&message))
                        } else {
                            (compressed, message)
                        }
                    }),
                    None,
                );
                Request::from_parts(parts, Body::new(body))
            }
        };
        let flags = Arc::clone(&self.flags);
        let response = self.channel.call(request);
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map(|body| {
                Body::new(Reframed::new(
                    body,
                    Box::new(move |_, compressed, message| {
                        flags
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .push(compressed);
                        (compressed, message)
                    }),
                    None,
                ))
            }))
        })
    }
}
