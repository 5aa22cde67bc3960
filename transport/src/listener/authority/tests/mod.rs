//! Tests of the rewriter: its parts on known inputs ([`units`]), and whole
//! connections of random header blocks, split and delivered at random,
//! decoded by an independent HPACK decoder ([`properties`]).

mod properties;
mod units;
mod wire;
