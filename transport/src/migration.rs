//! Moving from tonic: the same service served by tonic over a Unix socket
//! and over TCP, and by piperpc, side by side; what changes; and what a
//! tonic server keeps when it serves piperpc's listener.
//!
//! (Documentation only, kept in `migration.md`: its examples compile as
//! doc tests, so they cannot drift from the API.)
//!
#![doc = include_str!("migration.md")]
