//! The HPACK dynamic table as the client's encoder sees it, reduced to what
//! the rewriter needs: each entry's size (for eviction), its name's length
//! (for entries that reuse the name) and whether the name is `:authority`.
//!
//! Entries are never looked up by value: a value only matters for
//! `:authority` literals, and those are decided where they appear.

use std::collections::VecDeque;

/// The dynamic table size both ends start with (RFC 7540,
/// SETTINGS_HEADER_TABLE_SIZE), and the most a client may ask for: the
/// server never advertises another size, so h2 refuses any update above it.
pub(super) const INITIAL_MAX_SIZE: usize = 4096;

/// RFC 7541, section 4.1: every entry costs 32 bytes more than its strings.
const ENTRY_OVERHEAD: usize = 32;

/// Names of the static table (RFC 7541, Appendix A), index 1 first.
const STATIC_NAMES: [&str; 61] = [
    ":authority",
    ":method",
    ":method",
    ":path",
    ":path",
    ":scheme",
    ":scheme",
    ":status",
    ":status",
    ":status",
    ":status",
    ":status",
    ":status",
    ":status",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "accept",
    "access-control-allow-origin",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-range",
    "content-type",
    "cookie",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "link",
    "location",
    "max-forwards",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "refresh",
    "retry-after",
    "server",
    "set-cookie",
    "strict-transport-security",
    "transfer-encoding",
    "user-agent",
    "vary",
    "via",
    "www-authenticate",
];

/// The static index of `:authority`.
const AUTHORITY_INDEX: usize = 1;

/// What a field name found by index is, as far as the rewriter cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct NameRef {
    pub(super) len: usize,
    pub(super) is_authority: bool,
}

#[derive(Debug)]
struct Entry {
    name: NameRef,
    size: usize,
}

/// An index that names no entry: the block is invalid.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct BadIndex;

/// A table size update above the advertised size: the block is invalid.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct TooLarge;

/// One connection's dynamic table, kept in step with the client's encoder.
#[derive(Debug)]
pub(super) struct Table {
    /// Newest first, as HPACK indexes them.
    entries: VecDeque<Entry>,
    size: usize,
    max_size: usize,
}

impl Default for Table {
    fn default() -> Self {
        Table {
            entries: VecDeque::new(),
            size: 0,
            max_size: INITIAL_MAX_SIZE,
        }
    }
}

impl Table {
    /// The name at `index` (static 1..=61, then dynamic, newest first).
    pub(super) fn name(&self, index: usize) -> Result<NameRef, BadIndex> {
        match index {
            0 => Err(BadIndex),
            i if i <= STATIC_NAMES.len() => Ok(NameRef {
                len: STATIC_NAMES[i - 1].len(),
                is_authority: i == AUTHORITY_INDEX,
            }),
            i => self
                .entries
                .get(i - STATIC_NAMES.len() - 1)
                .map(|e| e.name)
                .ok_or(BadIndex),
        }
    }

    /// Checks that `index` names an entry (an indexed field).
    pub(super) fn check(&self, index: usize) -> Result<(), BadIndex> {
        self.name(index).map(|_| ())
    }

    /// A literal with incremental indexing adds an entry; older ones make
    /// room (RFC 7541, section 4.4).
    pub(super) fn insert(&mut self, name: NameRef, value_len: usize) {
        let size = name.len + value_len + ENTRY_OVERHEAD;
        if size > self.max_size {
            self.entries.clear();
            self.size = 0;
            return;
        }
        while self.size + size > self.max_size {
            self.evict_oldest();
        }
        self.size += size;
        self.entries.push_front(Entry { name, size });
    }

    /// A dynamic table size update (RFC 7541, section 6.3).
    ///
    /// # Errors
    ///
    /// [`TooLarge`] above the size the server advertised, which the
    /// decoder must treat as an error (section 4.2).
    pub(super) fn set_max_size(&mut self, max_size: usize) -> Result<(), TooLarge> {
        if max_size > INITIAL_MAX_SIZE {
            return Err(TooLarge);
        }
        self.max_size = max_size;
        while self.size > self.max_size {
            self.evict_oldest();
        }
        Ok(())
    }

    fn evict_oldest(&mut self) {
        if let Some(entry) = self.entries.pop_back() {
            self.size -= entry.size;
        }
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}
