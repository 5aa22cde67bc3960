//! Walking one HPACK header block (RFC 7541, section 6): every field is
//! decoded far enough to keep the dynamic table in step, and an
//! `:authority` literal that h2 would refuse gets a same-length valid value.
//!
//! Everything else is re-emitted byte for byte, in its original
//! representation; a block with nothing to change is not copied at all.

use super::huffman;
use super::table::{BadIndex, NameRef, Table, TooLarge};
use super::value::{self, Verdict};

/// The block does not decode; from here on the rewriter stays out of the way
/// and h2 sees (and refuses) the bytes as they came.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct InvalidBlock;

impl From<BadIndex> for InvalidBlock {
    fn from(_: BadIndex) -> Self {
        InvalidBlock
    }
}

impl From<TooLarge> for InvalidBlock {
    fn from(_: TooLarge) -> Self {
        InvalidBlock
    }
}

impl From<huffman::InvalidHuffman> for InvalidBlock {
    fn from(_: huffman::InvalidHuffman) -> Self {
        InvalidBlock
    }
}

/// Integers (lengths, indexes, sizes) past this are refused: no real
/// block comes near, and it keeps the arithmetic far from overflow.
const MAX_INTEGER: usize = 1 << 28;

/// A value to replace: its encoded bytes `start..end` in the block, and the
/// new (raw, same decoded length) value.
struct Edit {
    start: usize,
    end: usize,
    value: Vec<u8>,
}

/// What walking a block found.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Walk {
    /// The block to hand on instead, or `None` when it can go as it is.
    pub(super) rewritten: Option<Vec<u8>>,
    /// It carried an `:authority` literal that h2 accepts as sent.
    pub(super) valid_authority: bool,
}

/// Walks `block`, updating `table` as the peer's decoder does: the block
/// to hand on instead, or `None` when `block` can be handed on as it is.
///
/// # Errors
///
/// [`InvalidBlock`] when it is not valid HPACK for this table.
#[cfg(test)]
pub(super) fn rewrite(table: &mut Table, block: &[u8]) -> Result<Option<Vec<u8>>, InvalidBlock> {
    walk(table, block).map(|walk| walk.rewritten)
}

/// Walks `block`, updating `table` as the peer's decoder does.
///
/// # Errors
///
/// [`InvalidBlock`] when it is not valid HPACK for this table.
pub(super) fn walk(table: &mut Table, block: &[u8]) -> Result<Walk, InvalidBlock> {
    let mut reader = Reader {
        block,
        pos: 0,
        valid_authority: false,
    };
    let mut edits = Vec::new();
    while reader.pos < block.len() {
        let first = block[reader.pos];
        if first & 0x80 != 0 {
            // Indexed field.
            table.check(reader.integer(7)?)?;
        } else if first & 0xc0 == 0x40 {
            let (name, value_len) = reader.literal(table, 6, &mut edits)?;
            table.insert(name, value_len);
        } else if first & 0xe0 == 0x20 {
            table.set_max_size(reader.integer(5)?)?;
        } else {
            // Literal without indexing (0000) or never indexed (0001).
            reader.literal(table, 4, &mut edits)?;
        }
    }
    if edits.is_empty() {
        return Ok(Walk {
            rewritten: None,
            valid_authority: reader.valid_authority,
        });
    }
    let mut out = Vec::with_capacity(block.len() + 16);
    let mut copied = 0;
    for edit in edits {
        out.extend_from_slice(&block[copied..edit.start]);
        encode_raw_string(&edit.value, &mut out);
        copied = edit.end;
    }
    out.extend_from_slice(&block[copied..]);
    Ok(Walk {
        rewritten: Some(out),
        valid_authority: false,
    })
}

struct Reader<'a> {
    block: &'a [u8],
    pos: usize,
    /// An `:authority` literal h2 accepts was read.
    valid_authority: bool,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, InvalidBlock> {
        let byte = *self.block.get(self.pos).ok_or(InvalidBlock)?;
        self.pos += 1;
        Ok(byte)
    }

    /// An integer with an `prefix`-bit prefix (RFC 7541, section 5.1).
    fn integer(&mut self, prefix: u8) -> Result<usize, InvalidBlock> {
        let mask = (1usize << prefix) - 1;
        let mut value = usize::from(self.byte()?) & mask;
        if value < mask {
            return Ok(value);
        }
        let mut shift = 0;
        loop {
            let byte = self.byte()?;
            value += usize::from(byte & 0x7f) << shift;
            if value > MAX_INTEGER {
                return Err(InvalidBlock);
            }
            if byte & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    /// A string literal (RFC 7541, section 5.2): its encoded bytes and
    /// whether they are Huffman-coded.
    fn string(&mut self) -> Result<(&'a [u8], bool), InvalidBlock> {
        let huffman = self.block.get(self.pos).ok_or(InvalidBlock)? & 0x80 != 0;
        let len = self.integer(7)?;
        let bytes = self
            .block
            .get(self.pos..self.pos + len)
            .ok_or(InvalidBlock)?;
        self.pos += len;
        Ok((bytes, huffman))
    }

    /// A string's decoded length, decoding only as far as needed for it.
    fn string_len(&mut self) -> Result<usize, InvalidBlock> {
        let (bytes, huffman) = self.string()?;
        if !huffman {
            return Ok(bytes.len());
        }
        Ok(huffman::decoded_len(bytes)?)
    }

    /// A literal field whose index has a `prefix`-bit prefix: returns its
    /// name and its value's decoded length, and records an edit when the
    /// value is an `:authority` h2 would refuse.
    fn literal(
        &mut self,
        table: &Table,
        prefix: u8,
        edits: &mut Vec<Edit>,
    ) -> Result<(NameRef, usize), InvalidBlock> {
        let name = match self.integer(prefix)? {
            0 => {
                let (bytes, huffman) = self.string()?;
                let decoded;
                let name: &[u8] = if huffman {
                    let mut out = Vec::with_capacity(bytes.len() * 8 / 5);
                    huffman::decode(bytes, &mut out)?;
                    decoded = out;
                    &decoded
                } else {
                    bytes
                };
                NameRef {
                    len: name.len(),
                    is_authority: name == b":authority",
                }
            }
            index => table.name(index)?,
        };
        if !name.is_authority {
            return Ok((name, self.string_len()?));
        }
        let start = self.pos;
        let (bytes, huffman) = self.string()?;
        let mut decoded = Vec::new();
        let raw = if huffman {
            huffman::decode(bytes, &mut decoded)?;
            &decoded[..]
        } else {
            bytes
        };
        match value::judge(raw) {
            Verdict::Replace(value) => edits.push(Edit {
                start,
                end: self.pos,
                value,
            }),
            Verdict::Accepted => self.valid_authority = true,
            Verdict::Refused => {}
        }
        Ok((name, raw.len()))
    }
}

/// A string literal without Huffman coding.
fn encode_raw_string(value: &[u8], out: &mut Vec<u8>) {
    encode_integer(value.len(), 7, 0x00, out);
    out.extend_from_slice(value);
}

/// An integer with a `prefix`-bit prefix; `flags` fills the bits above it.
fn encode_integer(mut value: usize, prefix: u8, flags: u8, out: &mut Vec<u8>) {
    let mask = (1usize << prefix) - 1;
    if value < mask {
        out.push(flags | value as u8);
        return;
    }
    out.push(flags | mask as u8);
    value -= mask;
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}
