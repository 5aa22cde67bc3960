//! Bearer-token authentication as a tonic interceptor, both ends.
//!
//! An interceptor sees each call's metadata before the service does and
//! may refuse it with a status; tonic's `InterceptorLayer` makes one a
//! tower layer, so `Server::layer` puts it in front of every service on
//! the server (health and reflection included: this server has nothing
//! to show to a caller without the token). To guard one service only,
//! wrap that one instead: `JobsServer::with_interceptor(jobs, check)`.
//!
//! On a local pipe piperpc already admits only this user's processes; a
//! token is how a service tells apart callers *within* that user, or
//! guards a TCP address. A real one would be issued and verified (a
//! signed JWT, say); a shared secret keeps the example short.

use tonic::metadata::{AsciiMetadataValue, MetadataValue};
use tonic::service::Interceptor;
use tonic::{Request, Status};

/// The metadata key the token travels in, as HTTP's `Authorization`.
const AUTHORIZATION: &str = "authorization";

/// The server side: refuses, with `UNAUTHENTICATED`, every call whose
/// `authorization` metadata is not `Bearer TOKEN`.
#[derive(Clone)]
pub struct RequireToken {
    expected: Vec<u8>,
}

impl RequireToken {
    /// Accepts calls carrying `token`.
    pub fn new(token: &str) -> RequireToken {
        RequireToken {
            expected: format!("Bearer {token}").into_bytes(),
        }
    }
}

impl std::fmt::Debug for RequireToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret stays out of logs.
        f.write_str("RequireToken(..)")
    }
}

impl Interceptor for RequireToken {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        let Some(given) = request.metadata().get(AUTHORIZATION) else {
            return Err(Status::unauthenticated(
                "no authorization metadata: send `authorization: Bearer TOKEN`",
            ));
        };
        if !same_secret(given.as_bytes(), &self.expected) {
            return Err(Status::unauthenticated("the bearer token is not valid"));
        }
        Ok(request)
    }
}

/// Compares without returning early at the first difference, so the time
/// taken says nothing of how much of a guess was right.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0, |differ, (a, b)| differ | (a ^ b))
            == 0
}

/// The client side: adds `authorization: Bearer TOKEN` to every call of a
/// generated client, as `JobsClient::new(InterceptedService::new(channel, token))`.
#[derive(Clone)]
pub struct BearerToken {
    value: AsciiMetadataValue,
}

impl BearerToken {
    /// Sends `token`.
    ///
    /// # Errors
    ///
    /// The token holds characters metadata cannot carry (controls,
    /// non-ASCII).
    pub fn new(token: &str) -> Result<BearerToken, Status> {
        let value = MetadataValue::try_from(format!("Bearer {token}"))
            .map_err(|_| Status::invalid_argument("the token cannot be sent as metadata"))?;
        Ok(BearerToken { value })
    }
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(..)")
    }
}

impl Interceptor for BearerToken {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        request
            .metadata_mut()
            .insert(AUTHORIZATION, self.value.clone());
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(metadata: Option<&str>) -> Result<(), Status> {
        let mut request = Request::new(());
        if let Some(value) = metadata {
            request
                .metadata_mut()
                .insert(AUTHORIZATION, value.parse().unwrap());
        }
        RequireToken::new("s3cret").call(request).map(drop)
    }

    #[test]
    fn only_the_exact_bearer_token_passes() {
        assert!(check(Some("Bearer s3cret")).is_ok());
        for wrong in [
            "Bearer s3cre",
            "Bearer s3cret!",
            "bearer s3cret",
            "s3cret",
            "",
        ] {
            let refused = check(Some(wrong)).unwrap_err();
            assert_eq!(refused.code(), tonic::Code::Unauthenticated, "{wrong:?}");
            assert_eq!(refused.message(), "the bearer token is not valid");
        }
        let missing = check(None).unwrap_err();
        assert_eq!(missing.code(), tonic::Code::Unauthenticated);
        assert!(missing.message().starts_with("no authorization metadata"));
    }

    #[test]
    fn the_client_sends_what_the_server_expects() {
        let mut request = Request::new(());
        request = BearerToken::new("s3cret").unwrap().call(request).unwrap();
        assert!(RequireToken::new("s3cret").call(request).is_ok());
        assert!(BearerToken::new("new\nline").is_err());
    }
}
