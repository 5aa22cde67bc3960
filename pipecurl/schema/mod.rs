//! Where descriptors come from, behind one interface: the server's
//! reflection by default, or `.proto` files / protosets for a server that
//! does not offer it.
//!
//! - [`reflection`]: `grpc.reflection.v1`, falling back to `v1alpha`.
//! - [`files`]: `--proto` (parsed with protox) and `--protoset`.
//! - [`symbol`]: what a fully-qualified name refers to.

pub(crate) mod files;
pub(crate) mod reflection;
pub(crate) mod symbol;

use prost_reflect::{DescriptorPool, MethodDescriptor, ServiceDescriptor};

use crate::failure::Failure;
use reflection::Reflection;
pub(crate) use symbol::Symbol;

/// The schema pipecurl works from.
pub(crate) enum Schema {
    /// Asked of the server as needed (boxed: the client is large).
    Reflection(Box<Reflection>),
    /// Loaded from files before anything else.
    Files {
        /// Every file given, with its imports.
        pool: DescriptorPool,
        /// Which flag the files came from, for messages.
        origin: &'static str,
    },
}

impl Schema {
    /// Every service, sorted by name.
    pub(crate) async fn services(&mut self) -> Result<Vec<String>, Failure> {
        let mut names = match self {
            Schema::Reflection(reflection) => reflection.services().await?,
            Schema::Files { pool, .. } => pool.services().map(|s| s.full_name().into()).collect(),
        };
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// What `name` refers to, if the schema has it.
    pub(crate) async fn symbol(&mut self, name: &str) -> Result<Option<Symbol>, Failure> {
        match self {
            Schema::Reflection(reflection) => reflection.symbol(name).await,
            Schema::Files { pool, .. } => Ok(symbol::find(pool, name)),
        }
    }

    /// The service `name`, or an error saying why there is none.
    pub(crate) async fn service(&mut self, name: &str) -> Result<ServiceDescriptor, Failure> {
        match self.symbol(name).await? {
            Some(Symbol::Service(service)) => Ok(service),
            Some(other) => Err(Failure::NotFound(format!(
                "\"{name}\" is {}, not a service",
                other.kind()
            ))),
            None => Err(Failure::NotFound(format!(
                "service \"{name}\" not found in {}",
                self.origin()
            ))),
        }
    }

    /// The method written `SERVICE/METHOD` or `SERVICE.METHOD`.
    pub(crate) async fn method(&mut self, written: &str) -> Result<MethodDescriptor, Failure> {
        let (service_name, method_name) = split_method(written)?;
        let service = self.service(service_name).await?;
        service
            .methods()
            .find(|method| method.name() == method_name)
            .ok_or_else(|| {
                let known: Vec<String> = service.methods().map(|m| m.name().to_string()).collect();
                Failure::NotFound(format!(
                    "service \"{service_name}\" does not include a method named \
                     \"{method_name}\" (it has: {})",
                    known.join(", ")
                ))
            })
    }

    /// Where the schema comes from, for messages.
    pub(crate) fn origin(&self) -> &'static str {
        match self {
            Schema::Reflection(_) => "the server's reflection",
            Schema::Files { origin, .. } => origin,
        }
    }
}

/// `pkg.Service/Method` or `pkg.Service.Method` (a leading `/` allowed).
fn split_method(written: &str) -> Result<(&str, &str), Failure> {
    let name = written.strip_prefix('/').unwrap_or(written);
    let split = match name.rsplit_once('/') {
        Some(split) => Some(split),
        None => name.rsplit_once('.'),
    };
    match split {
        Some((service, method)) if !service.is_empty() && !method.is_empty() => {
            Ok((service, method))
        }
        _ => Err(Failure::Usage(format!(
            "\"{written}\" is not a method: write SERVICE/METHOD or SERVICE.METHOD, \
             with the service's full name (pkg.Service)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_split_either_way() {
        for written in ["pkg.v1.Svc/Call", "pkg.v1.Svc.Call", "/pkg.v1.Svc/Call"] {
            assert_eq!(split_method(written).unwrap(), ("pkg.v1.Svc", "Call"));
        }
        for bad in ["Call", "pkg.Svc/", "/Call", ""] {
            assert!(split_method(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn unknown_services_and_methods_are_named() {
        let pool = DescriptorPool::decode(piperpc_demo::proto::FILE_DESCRIPTOR_SET).unwrap();
        let mut schema = Schema::Files {
            pool,
            origin: "the --proto files",
        };
        let method = schema.method("piperpc.demo.v1.Echo/Count").await.unwrap();
        assert!(method.is_server_streaming() && !method.is_client_streaming());

        let error = schema
            .method("piperpc.demo.v1.Echo/Nope")
            .await
            .unwrap_err();
        assert!(error.to_string().contains("\"Nope\""), "{error}");
        let error = schema
            .method("piperpc.demo.v1.Nope/Echo")
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("\"piperpc.demo.v1.Nope\""),
            "{error}"
        );
        let error = schema
            .method("piperpc.demo.v1.EchoRequest/message")
            .await
            .unwrap_err();
        assert!(error.to_string().contains("is a message"), "{error}");
        let services = schema.services().await.unwrap();
        assert!(services.is_sorted(), "{services:?}");
        for name in ["piperpc.demo.v1.Echo", "piperpc.demo.v1.KeyValue"] {
            assert!(services.iter().any(|s| s == name), "{name} in {services:?}");
        }
    }
}
