//! Forwarding `AsyncRead`/`AsyncWrite` without boilerplate.
//!
//! Server connections and client streams are each an enum over the OS's
//! stream types (a closed set chosen at bind/connect time), so a `match` per
//! call is all the dispatch needed: no boxing, and vectored writes still reach
//! the socket. Wrappers around those enums forward to a field.

/// Implements `AsyncRead` and `AsyncWrite` for the enum `$enum` by
/// forwarding every call to the stream its variant holds.
macro_rules! forward_to_variants {
    ($enum:ident { $($(#[$meta:meta])* $variant:ident),+ $(,)? }) => {
        impl tokio::io::AsyncRead for $enum {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                match self.get_mut() {
                    $($(#[$meta])* $enum::$variant(s) => std::pin::Pin::new(s).poll_read(cx, buf),)+
                }
            }
        }

        impl tokio::io::AsyncWrite for $enum {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                match self.get_mut() {
                    $($(#[$meta])* $enum::$variant(s) => std::pin::Pin::new(s).poll_write(cx, buf),)+
                }
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                match self.get_mut() {
                    $($(#[$meta])* $enum::$variant(s) => std::pin::Pin::new(s).poll_write_vectored(cx, bufs),)+
                }
            }

            fn is_write_vectored(&self) -> bool {
                match self {
                    $($(#[$meta])* $enum::$variant(s) => s.is_write_vectored(),)+
                }
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                match self.get_mut() {
                    $($(#[$meta])* $enum::$variant(s) => std::pin::Pin::new(s).poll_flush(cx),)+
                }
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                match self.get_mut() {
                    $($(#[$meta])* $enum::$variant(s) => std::pin::Pin::new(s).poll_shutdown(cx),)+
                }
            }
        }
    };
}

/// Implements `AsyncRead` for `$ty` by forwarding to its `Unpin` field
/// `$field`. A generic type is written `[S] Type<S> where [S: Bounds]`.
macro_rules! forward_read_to_field {
    ([$($generics:tt)*] $ty:ty where [$($bounds:tt)*], $field:ident) => {
        impl<$($generics)*> tokio::io::AsyncRead for $ty where $($bounds)* {
            fn poll_read(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut self.$field).poll_read(cx, buf)
            }
        }
    };
    ($ty:ty, $field:ident) => {
        $crate::io::forward_read_to_field!([] $ty where [], $field);
    };
}

/// Implements `AsyncWrite` for `$ty` by forwarding to its `Unpin` field
/// `$field`. A generic type is written `[S] Type<S> where [S: Bounds]`.
macro_rules! forward_write_to_field {
    ([$($generics:tt)*] $ty:ty where [$($bounds:tt)*], $field:ident) => {
        impl<$($generics)*> tokio::io::AsyncWrite for $ty where $($bounds)* {
            fn poll_write(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut self.$field).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut self.$field).poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                self.$field.is_write_vectored()
            }

            fn poll_flush(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut self.$field).poll_flush(cx)
            }

            fn poll_shutdown(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut self.$field).poll_shutdown(cx)
            }
        }
    };
    ($ty:ty, $field:ident) => {
        $crate::io::forward_write_to_field!([] $ty where [], $field);
    };
}

pub(crate) use {forward_read_to_field, forward_to_variants, forward_write_to_field};
