//! Decoding HPACK's Huffman-coded strings (RFC 7541, section 5.2).
//!
//! The code of RFC 7541 Appendix B is canonical: every code follows from
//! the code lengths alone (codes of one length are consecutive, in symbol
//! order, and each length starts where the shorter ones left off). So the
//! table below is just those 257 lengths, and decoding walks the code one
//! bit at a time against the first code of each length. Header strings are
//! short and only header blocks are decoded, never message data, so a
//! bit-at-a-time decoder is fast enough and easy to check.

use std::sync::OnceLock;

/// Bit length of the code of each symbol 0..=255, then EOS (256).
const CODE_LENGTHS: [u8; 257] = [
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0x00
    28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 0x10
    6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, // ' '..'/'
    5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, // '0'..'?'
    13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // '@'..'O'
    7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, // 'P'..'_'
    15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, // '`'..'o'
    6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, // 'p'..0x7f
    20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 0x80
    24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 0x90
    22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 0xa0
    21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 0xb0
    26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 0xc0
    19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 0xd0
    20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 0xe0
    26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 0xf0
    30, // EOS
];

const EOS: u16 = 256;
/// The shortest and longest codes, in bits.
const MIN_LEN: usize = 5;
const MAX_LEN: usize = 30;

/// Why a Huffman-coded string does not decode.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct InvalidHuffman;

/// The canonical code, arranged for decoding.
struct Code {
    /// Symbols sorted by (code length, symbol).
    symbols: Vec<u16>,
    /// For each length: the first code of that length, how many codes have
    /// it, and where they start in `symbols`.
    first: [u32; MAX_LEN + 1],
    count: [u32; MAX_LEN + 1],
    start: [u32; MAX_LEN + 1],
}

fn code() -> &'static Code {
    static CODE: OnceLock<Code> = OnceLock::new();
    CODE.get_or_init(|| {
        let mut symbols: Vec<u16> = (0..=EOS).collect();
        symbols.sort_by_key(|&s| (CODE_LENGTHS[s as usize], s));
        let mut count = [0u32; MAX_LEN + 1];
        for &len in &CODE_LENGTHS {
            count[len as usize] += 1;
        }
        let (mut first, mut start) = ([0u32; MAX_LEN + 1], [0u32; MAX_LEN + 1]);
        let (mut next_code, mut next_start) = (0u32, 0u32);
        for len in 1..=MAX_LEN {
            first[len] = next_code;
            start[len] = next_start;
            next_code = (next_code + count[len]) << 1;
            next_start += count[len];
        }
        debug_assert_eq!(count[..MIN_LEN].iter().sum::<u32>(), 0);
        Code {
            symbols,
            first,
            count,
            start,
        }
    })
}

/// Decodes `input`, appending the bytes to `out`.
///
/// # Errors
///
/// As RFC 7541 demands: the EOS symbol inside the string, padding longer
/// than 7 bits, or padding that is not the most significant bits of EOS
/// (all ones).
pub(super) fn decode(input: &[u8], out: &mut Vec<u8>) -> Result<(), InvalidHuffman> {
    walk(input, |byte| out.push(byte))
}

/// The length `input` decodes to, checked as [`decode`] checks it, without
/// building the decoded bytes: the header walk needs only lengths for the
/// fields it leaves alone, and there are several per request.
///
/// # Errors
///
/// As [`decode`].
pub(super) fn decoded_len(input: &[u8]) -> Result<usize, InvalidHuffman> {
    let mut len = 0;
    walk(input, |_| len += 1)?;
    Ok(len)
}

/// Decodes `input`, handing each decoded byte to `emit`.
fn walk(input: &[u8], mut emit: impl FnMut(u8)) -> Result<(), InvalidHuffman> {
    let table = code();
    let (mut value, mut len) = (0u32, 0usize);
    // Ones since the last symbol ended: they may be padding.
    let mut all_ones = true;
    for &byte in input {
        for shift in (0..8).rev() {
            let bit = u32::from(byte >> shift) & 1;
            value = (value << 1) | bit;
            len += 1;
            all_ones &= bit == 1;
            if len < MIN_LEN {
                continue;
            }
            let offset = value.wrapping_sub(table.first[len]);
            if offset < table.count[len] {
                let symbol = table.symbols[(table.start[len] + offset) as usize];
                if symbol == EOS {
                    return Err(InvalidHuffman);
                }
                emit(symbol as u8);
                (value, len, all_ones) = (0, 0, true);
            } else if len >= MAX_LEN {
                return Err(InvalidHuffman);
            }
        }
    }
    if len > 7 || !all_ones {
        return Err(InvalidHuffman);
    }
    Ok(())
}
