//! Making stock gRPC clients' `:authority` acceptable to h2, under h2.
//!
//! Over a local socket, gRPC C-core (Python, C++, Ruby; 1.57 and later),
//! grpc-java, grpc-swift and Dart send the socket path, raw or
//! percent-encoded (`/tmp/x.sock`, `%2Ftmp%2Fx.sock`), as `:authority`; on
//! a named pipe, the pipe name. h2 parses `:authority` as a URI authority
//! and resets such a request as malformed before any tower layer or service
//! runs (hyperium/h2#487, open; tonic#243, tonic#742), and nothing above h2
//! can change that. So the listener rewrites the bytes h2 reads, on local
//! connections only (TCP clients name a real host):
//!
//! - The client preface and every frame that is not a header block pass
//!   through as they arrive, straight into h2's buffer: a DATA frame is
//!   never held, whatever size it announces.
//! - A header block (HEADERS + CONTINUATIONs) is held until complete and
//!   walked with an HPACK decoder that mirrors the client's encoder:
//!   dynamic table with size-based eviction, table size updates, Huffman
//!   strings ([`block`], [`table`], [`huffman`]).
//! - Only a block with an `:authority` literal that h2 would refuse is
//!   re-encoded: that value becomes a valid one of the same byte length
//!   ([`value`]), every other field keeps its exact bytes, and the block is
//!   framed again without padding in frames of at most 16 KiB ([`frames`]).
//!   Same length matters: an entry added to the dynamic table then has the
//!   same size in h2's table as in the client's, so evictions and indexes
//!   stay in step for the life of the connection, and later references to
//!   the entry resolve to the valid value.
//! - Anything that does not parse (bad framing, bad HPACK, a table size
//!   update above the 4096 bytes the server advertises) makes the rewriter
//!   transparent for the rest of the connection: h2 then sees the very bytes
//!   the client sent and refuses them as before.
//! - A held block is one h2 has not seen, so h2's defences against hostile
//!   blocks cannot act on it: the rewriter applies the same limits first
//!   ([`gather`]: no more CONTINUATIONs, no more bytes than h2 accepts) and,
//!   past them, turns transparent at once, handing on what it holds. h2 then
//!   answers as it does on TCP (GOAWAY ENHANCE_YOUR_CALM for a CONTINUATION
//!   flood). What one connection holds is bounded by those limits, and a
//!   held block is parsed once, as it arrives.
//!
//! A block with nothing to change is handed on as the bytes that came in.
//! When the connection's first block names an `:authority` that h2 accepts
//! (piperpc's own channel does, and so does any client of a host name),
//! the rewriter steps aside for the rest of the connection: a client keeps
//! one authority for a connection, and following its HPACK table costs
//! every call a few thousand instructions.

mod block;
mod frames;
#[cfg(fuzzing)]
pub(crate) mod fuzzing;
mod gather;
mod guard;
mod huffman;
mod reader;
mod table;
mod value;

#[cfg(test)]
mod tests;

pub(crate) use gather::BlockLimits;
pub(crate) use reader::AuthorityFix;
