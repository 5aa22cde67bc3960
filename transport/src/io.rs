//! Forwarding `AsyncRead`/`AsyncWrite` through an enum of stream kinds.
//!
//! Server connections and client streams are each an enum over the OS's
//! stream types (a closed set chosen at bind/connect time), so a `match` per
//! call is all the dispatch needed: no boxing, and vectored writes still reach
//! the socket.

/// Implements `AsyncRead` and `AsyncWrite` for `$ty` by forwarding every call
/// to the stream that `$field` of type `$enum` holds.
macro_rules! forward_async_io {
    ($ty:ty, $field:ident, $enum:ident { $($(#[$meta:meta])* $variant:ident),+ $(,)? }) => {
        impl tokio::io::AsyncRead for $ty {
            fn poll_read(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                match &mut self.$field {
                    $($(#[$meta])* $enum::$variant(s) => std::pin::Pin::new(s).poll_read(cx, buf),)+
                }
            }
        }

        impl tokio::io::AsyncWrite for $ty {
            fn poll_write(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                match &mut self.$field {
                    $($(#[$meta])* $enum::$variant(s) => std::pin::Pin::new(s).poll_write(cx, buf),)+
                }
            }

            fn poll_write_vectored(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                match &mut self.$field {
                    $($(#[$meta])* $enum::$variant(s) => std::pin::Pin::new(s).poll_write_vectored(cx, bufs),)+
                }
            }

            fn is_write_vectored(&self) -> bool {
                match &self.$field {
                    $($(#[$meta])* $enum::$variant(s) => s.is_write_vectored(),)+
                }
            }

            fn poll_flush(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                match &mut self.$field {
                    $($(#[$meta])* $enum::$variant(s) => std::pin::Pin::new(s).poll_flush(cx),)+
                }
            }

            fn poll_shutdown(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                match &mut self.$field {
                    $($(#[$meta])* $enum::$variant(s) => std::pin::Pin::new(s).poll_shutdown(cx),)+
                }
            }
        }
    };
}

pub(crate) use forward_async_io;
