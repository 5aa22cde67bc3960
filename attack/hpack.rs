//! A minimal HPACK encoder (RFC 7541): the representations an attack
//! needs, written one by one into a header block.
//!
//! Strings are sent raw (no Huffman coding): sizes then mean what they say,
//! which is what the bounds are about. The encoder keeps no table of its
//! own: [`Block::literal_indexed`] adds an entry to the *server's* dynamic
//! table, and the caller knows which index it got (62 for the newest).

/// Index of the newest entry of the dynamic table (the static table has
/// 61 entries).
pub const NEWEST_DYNAMIC: u32 = 62;

/// A header block being written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    bytes: Vec<u8>,
}

impl Block {
    /// An empty block.
    pub fn new() -> Block {
        Block::default()
    }

    /// The encoded block.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The encoded block, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// A literal field without indexing, with a literal name (section
    /// 6.2.2): the decoder's table does not change.
    pub fn literal(mut self, name: &str, value: &[u8]) -> Block {
        self.bytes.push(0x00);
        self.string(name.as_bytes());
        self.string(value);
        self
    }

    /// A literal field with incremental indexing, with a literal name
    /// (section 6.2.1): the decoder adds it to its dynamic table, where it
    /// becomes [`NEWEST_DYNAMIC`].
    pub fn literal_indexed(mut self, name: &str, value: &[u8]) -> Block {
        self.bytes.push(0x40);
        self.string(name.as_bytes());
        self.string(value);
        self
    }

    /// An indexed field (section 6.1): the whole field is entry `index`
    /// of the static (1-61) or dynamic (62 and up) table.
    pub fn indexed(mut self, index: u32) -> Block {
        self.integer(0x80, 7, index);
        self
    }

    /// A dynamic table size update to `size` (section 6.3). Valid only at
    /// the start of a block, and only up to the decoder's advertised
    /// SETTINGS_HEADER_TABLE_SIZE (4096 unless it says otherwise).
    pub fn table_size_update(mut self, size: u32) -> Block {
        self.integer(0x20, 5, size);
        self
    }

    /// Raw bytes, for representations this encoder has no method for.
    pub fn raw(mut self, bytes: &[u8]) -> Block {
        self.bytes.extend_from_slice(bytes);
        self
    }

    /// A string literal, not Huffman-coded (section 5.2).
    fn string(&mut self, value: &[u8]) {
        self.integer(0x00, 7, value.len() as u32);
        self.bytes.extend_from_slice(value);
    }

    /// An integer with an `prefix_bits`-bit prefix, the first byte's other
    /// bits being `pattern` (section 5.1).
    fn integer(&mut self, pattern: u8, prefix_bits: u8, value: u32) {
        let max_prefix = (1u32 << prefix_bits) - 1;
        if value < max_prefix {
            self.bytes.push(pattern | value as u8);
            return;
        }
        self.bytes.push(pattern | max_prefix as u8);
        let mut rest = value - max_prefix;
        while rest >= 128 {
            self.bytes.push((rest % 128) as u8 | 0x80);
            rest /= 128;
        }
        self.bytes.push(rest as u8);
    }
}

/// The request header block of a gRPC call of `path`
/// (`/package.Service/Method`) naming `authority`: `:method POST`,
/// `:scheme http`, `:path`, `:authority`, `content-type: application/grpc`,
/// `te: trailers`, all literals without indexing.
pub fn grpc_request(path: &str, authority: &str) -> Block {
    Block::new()
        .literal(":method", b"POST")
        .literal(":scheme", b"http")
        .literal(":path", path.as_bytes())
        .literal(":authority", authority.as_bytes())
        .literal("content-type", b"application/grpc")
        .literal("te", b"trailers")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes with an independent decoder.
    fn decode(block: &Block) -> Vec<(String, String)> {
        let mut decoder = httlib_hpack::Decoder::default();
        let mut buf = block.bytes().to_vec();
        let mut fields = Vec::new();
        decoder
            .decode(&mut buf, &mut fields)
            .expect("a valid block");
        fields
            .into_iter()
            .map(|(name, value, _)| {
                (
                    String::from_utf8(name).unwrap(),
                    String::from_utf8(value).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn integers_follow_the_rfc_examples() {
        // RFC 7541 C.1: 10 and 1337 with a 5-bit prefix, 42 with 8 bits.
        assert_eq!(Block::new().table_size_update(10).bytes(), [0x2a]);
        assert_eq!(
            Block::new().table_size_update(1337).bytes(),
            [0x3f, 0x9a, 0x0a]
        );
        assert_eq!(Block::new().indexed(2).bytes(), [0x82]);
        assert_eq!(Block::new().indexed(127).bytes(), [0xff, 0x00]);
    }

    #[test]
    fn a_request_decodes_as_written() {
        let fields = decode(&grpc_request("/a.B/C", "localhost"));
        assert_eq!(fields[2], (":path".into(), "/a.B/C".into()));
        assert_eq!(fields[3], (":authority".into(), "localhost".into()));
        assert_eq!(fields.len(), 6);
    }

    #[test]
    fn an_indexed_literal_is_referenced_as_the_newest_entry() {
        let block = Block::new()
            .literal_indexed("x-bomb", b"1")
            .indexed(NEWEST_DYNAMIC)
            .indexed(NEWEST_DYNAMIC);
        let fields = decode(&block);
        assert_eq!(fields.len(), 3);
        assert!(fields.iter().all(|field| field.0 == "x-bomb"));
    }
}
