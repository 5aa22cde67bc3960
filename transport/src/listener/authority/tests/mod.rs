//! Tests of the rewriter: its parts on known inputs ([`units`]), the limits
//! that keep hostile blocks bounded ([`limits`], [`guard`]), and whole
//! connections of random header blocks, split and delivered at random,
//! decoded by an independent HPACK decoder ([`properties`]).

mod fuzz_findings;
mod guard;
mod limits;
mod properties;
mod units;
mod wire;
