//! The KeyValue service over the in-process [`Store`].

use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;
use tokio_stream::Stream;
use tonic::metadata::MetadataValue;
use tonic::{Request, Response, Status};

use super::store::Store;
use crate::proto::demo::{
    DeleteRequest, DeleteResponse, Entry, GetRequest, GetResponse, ListRequest, PutRequest,
    PutResponse, WatchEvent, WatchRequest, key_value_server::KeyValue,
};

const MAX_KEY_BYTES: usize = 1024;

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// KeyValue, served from process A; clones share one store.
#[derive(Clone, Debug)]
pub struct KeyValueService {
    store: Arc<Store>,
}

impl KeyValueService {
    /// A service over `store`. Its watches end with `UNAVAILABLE` when the
    /// server stops, through the framework's drain.
    pub fn new(store: Arc<Store>) -> KeyValueService {
        KeyValueService { store }
    }
}

#[tonic::async_trait]
impl KeyValue for KeyValueService {
    async fn put(&self, request: Request<PutRequest>) -> Result<Response<PutResponse>, Status> {
        let PutRequest { key, value } = request.into_inner();
        check_key(&key)?;
        let (entry, replaced) = self.store.put(key, value);
        Ok(Response::new(PutResponse {
            entry: Some(entry),
            replaced,
        }))
    }

    async fn get(&self, request: Request<GetRequest>) -> Result<Response<GetResponse>, Status> {
        let key = request.into_inner().key;
        check_key(&key)?;
        let entry = self.store.get(&key).ok_or_else(|| not_found(&key))?;
        Ok(Response::new(GetResponse { entry: Some(entry) }))
    }

    async fn delete(
        &self,
        request: Request<DeleteRequest>,
    ) -> Result<Response<DeleteResponse>, Status> {
        let key = request.into_inner().key;
        check_key(&key)?;
        let (entry, revision) = self.store.delete(&key).ok_or_else(|| not_found(&key))?;
        Ok(Response::new(DeleteResponse {
            entry: Some(entry),
            revision,
        }))
    }

    type ListStream = ResponseStream<Entry>;

    async fn list(
        &self,
        request: Request<ListRequest>,
    ) -> Result<Response<Self::ListStream>, Status> {
        let entries = self.store.list(&request.into_inner().prefix);
        Ok(Response::new(Box::pin(tokio_stream::iter(
            entries.into_iter().map(Ok),
        ))))
    }

    type WatchStream = ResponseStream<WatchEvent>;

    async fn watch(
        &self,
        request: Request<WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let prefix = request.into_inner().prefix;
        // Subscribed before the response is returned, so a client whose
        // `watch()` call has completed sees every later change.
        let mut changes = self.store.subscribe();
        Ok(Response::new(Box::pin(async_stream::stream! {
            loop {
                match changes.recv().await {
                    Ok(event) if event.entry.as_ref().is_some_and(|e| e.key.starts_with(&prefix)) => {
                        yield Ok(event);
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(missed)) => {
                        yield Err(Status::resource_exhausted(format!(
                            "this watch fell {missed} changes behind and was closed; list and watch again"
                        )));
                        break;
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        })))
    }
}

fn check_key(key: &str) -> Result<(), Status> {
    if key.is_empty() {
        return Err(Status::invalid_argument("key must not be empty"));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(Status::invalid_argument(format!(
            "key is {} bytes; at most {MAX_KEY_BYTES} are allowed",
            key.len()
        )));
    }
    Ok(())
}

/// NOT_FOUND for `key`. The key also goes back as the trailer
/// `x-missing-key` (when it is printable ASCII), as servers pass the
/// details of an error in trailers; the harness tests read it.
fn not_found(key: &str) -> Status {
    let mut status = Status::not_found(format!("no value under key `{key}`"));
    if let Ok(value) = MetadataValue::try_from(key) {
        status.metadata_mut().insert("x-missing-key", value);
    }
    status
}
