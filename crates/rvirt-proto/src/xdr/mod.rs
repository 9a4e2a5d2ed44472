//! XDR (RFC 4506) as a serde data format, with the helpers libvirt's types need: fixed and
//! variable opaque data, and arrays with a maximum length checked while decoding.

mod de;
mod error;
mod ser;

use std::fmt;
use std::marker::PhantomData;

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

pub use de::Deserializer;
pub use error::{XdrError, XdrResult};
pub use ser::Serializer;

/// Longest string the decoder accepts (`VIR_NET_MESSAGE_STRING_MAX`, `REMOTE_STRING_MAX`).
pub const STRING_MAX: usize = 4_194_304;

/// Newtype name that marks fixed-length opaque data (see [`FixedOpaque`]).
pub const FIXED_OPAQUE: &str = "__xdr_fixed_opaque";

/// Zero bytes needed after `len` bytes to reach a multiple of four.
pub const fn padding(len: usize) -> usize {
    (4 - len % 4) % 4
}

/// Encodes `value` as XDR.
pub fn to_bytes<T: Serialize + ?Sized>(value: &T) -> XdrResult<Vec<u8>> {
    let mut out = Vec::new();
    append(&mut out, value)?;
    Ok(out)
}

/// Encodes `value` as XDR at the end of `out` (used to build packets without copying).
pub fn append<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> XdrResult<()> {
    value.serialize(&mut Serializer::new(out))
}

/// Encodes `value` as XDR into a writer.
pub fn to_writer<W: std::io::Write, T: Serialize + ?Sized>(
    writer: &mut W,
    value: &T,
) -> XdrResult<()> {
    let bytes = to_bytes(value)?;
    writer.write_all(&bytes)?;
    Ok(())
}

/// Decodes one value that must use all of `input`.
pub fn from_bytes<'de, T: Deserialize<'de>>(input: &'de [u8]) -> XdrResult<T> {
    let mut de = Deserializer::new(input);
    let value = T::deserialize(&mut de)?;
    de.finish()?;
    Ok(value)
}

/// Decodes one value from the front of `input`; returns it and the bytes after it, so
/// several values can be read in turn from one buffer.
pub fn from_bytes_prefix<'de, T: Deserialize<'de>>(input: &'de [u8]) -> XdrResult<(T, &'de [u8])> {
    let mut de = Deserializer::new(input);
    let value = T::deserialize(&mut de)?;
    Ok((value, de.rest()))
}

/// Fixed-length opaque data (`opaque name[N]`), e.g. `remote_uuid` (16 bytes). Encoded as
/// the bytes and padding, without a length word.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FixedOpaque<const N: usize>(pub [u8; N]);

impl<const N: usize> Default for FixedOpaque<N> {
    fn default() -> Self {
        FixedOpaque([0u8; N])
    }
}

impl<const N: usize> fmt::Debug for FixedOpaque<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl<const N: usize> From<[u8; N]> for FixedOpaque<N> {
    fn from(bytes: [u8; N]) -> Self {
        FixedOpaque(bytes)
    }
}

/// Serializes a byte slice with `serialize_bytes` (what the fixed-opaque marker expects).
struct RawBytes<'a>(&'a [u8]);

impl Serialize for RawBytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

impl<const N: usize> Serialize for FixedOpaque<N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(FIXED_OPAQUE, &RawBytes(&self.0))
    }
}

struct FixedOpaqueVisitor<const N: usize>;

impl<'de, const N: usize> Visitor<'de> for FixedOpaqueVisitor<N> {
    type Value = FixedOpaque<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{N} bytes of opaque data")
    }

    fn visit_newtype_struct<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        d.deserialize_tuple(N, self)
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        let bytes: [u8; N] = v
            .try_into()
            .map_err(|_| E::invalid_length(v.len(), &self))?;
        Ok(FixedOpaque(bytes))
    }

    // Other formats may present the bytes as a sequence.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut bytes = [0u8; N];
        for (i, slot) in bytes.iter_mut().enumerate() {
            *slot = seq
                .next_element()?
                .ok_or_else(|| serde::de::Error::invalid_length(i, &self))?;
        }
        Ok(FixedOpaque(bytes))
    }
}

impl<'de, const N: usize> Deserialize<'de> for FixedOpaque<N> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(FIXED_OPAQUE, FixedOpaqueVisitor::<N>)
    }
}

/// Variable-length opaque data (`opaque name<>`), as a newtype.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Opaque(pub Vec<u8>);

impl fmt::Debug for Opaque {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Opaque({} bytes)", self.0.len())
    }
}

impl Serialize for Opaque {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Opaque {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        opaque::deserialize(d).map(Opaque)
    }
}

/// `#[serde(with = "opaque")]` for `Vec<u8>` fields holding variable-length opaque data.
pub mod opaque {
    use super::*;

    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        d.deserialize_byte_buf(BytesVisitor { max: usize::MAX })
    }

    /// Like [`deserialize`], refusing more than `MAX` bytes (`opaque name<MAX>`).
    pub fn bounded<'de, D: serde::Deserializer<'de>, const MAX: usize>(
        d: D,
    ) -> Result<Vec<u8>, D::Error> {
        d.deserialize_byte_buf(BytesVisitor { max: MAX })
    }

    pub(super) struct BytesVisitor {
        pub(super) max: usize,
    }

    impl<'de> Visitor<'de> for BytesVisitor {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "opaque data of at most {} bytes", self.max)
        }

        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            if v.len() > self.max {
                return Err(E::invalid_length(v.len(), &self));
            }
            Ok(v.to_vec())
        }

        fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            if v.len() > self.max {
                return Err(E::invalid_length(v.len(), &self));
            }
            Ok(v)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<u8>, A::Error> {
            super::bounded::collect(seq, self.max)
        }
    }
}

/// `#[serde(deserialize_with = "bounded::vec::<_, _, MAX>")]` for variable-length arrays
/// (`type name<MAX>`): the count is checked before any element is read.
pub mod bounded {
    use super::*;

    /// Upper bound on elements reserved up front, whatever the wire claims.
    const PREALLOC_LIMIT: usize = 4096;

    pub(crate) fn collect<'de, A: SeqAccess<'de>, T: Deserialize<'de>>(
        mut seq: A,
        max: usize,
    ) -> Result<Vec<T>, A::Error> {
        let hint = seq.size_hint().unwrap_or(0);
        if hint > max {
            return Err(serde::de::Error::custom(XdrError::TooLong {
                len: hint,
                max,
            }));
        }
        let mut out = Vec::with_capacity(hint.min(PREALLOC_LIMIT));
        while let Some(item) = seq.next_element()? {
            if out.len() == max {
                return Err(serde::de::Error::custom(XdrError::TooLong {
                    len: out.len() + 1,
                    max,
                }));
            }
            out.push(item);
        }
        Ok(out)
    }

    struct VecVisitor<T, const MAX: usize>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for VecVisitor<T, MAX> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "an array of at most {MAX} elements")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
            collect(seq, MAX)
        }
    }

    /// Decodes a `Vec<T>` of at most `MAX` elements.
    pub fn vec<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>, const MAX: usize>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        d.deserialize_seq(VecVisitor::<T, MAX>(PhantomData))
    }
}

/// Text of an XDR `char` array (libvirt sends C strings with their terminating NUL, one
/// 4-byte int per character): everything before the first NUL.
pub fn chars_to_string(chars: &[i8]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .map(|c| c.to_ne_bytes()[0])
        .take_while(|b| *b != 0)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// An XDR `char` array holding `text` and a terminating NUL, as libvirt sends it.
pub fn string_to_chars(text: &str) -> Vec<i8> {
    text.bytes()
        .chain(std::iter::once(0))
        .map(|b| i8::from_ne_bytes([b]))
        .collect()
}

/// A fixed `char name[N]` array holding `text` (cut to leave room for a NUL, then padded
/// with NULs), as libvirt fills `virNodeInfo.model`.
pub fn string_to_fixed_chars<const N: usize>(text: &str) -> [i8; N] {
    let mut out = [0i8; N];
    for (slot, b) in out.iter_mut().zip(text.bytes().take(N.saturating_sub(1))) {
        *slot = i8::from_ne_bytes([b]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_rounds_to_four() {
        assert_eq!(padding(0), 0);
        assert_eq!(padding(1), 3);
        assert_eq!(padding(4), 0);
        assert_eq!(padding(15), 1);
    }

    #[test]
    fn primitives_match_rfc4506() {
        assert_eq!(to_bytes(&-2i32).unwrap(), [0xff, 0xff, 0xff, 0xfe]);
        assert_eq!(to_bytes(&true).unwrap(), [0, 0, 0, 1]);
        assert_eq!(to_bytes(&7u8).unwrap(), [0, 0, 0, 7]);
        assert_eq!(to_bytes(&1u64).unwrap(), [0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(to_bytes(&1.0f64).unwrap(), [0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(to_bytes("abcde").unwrap(), b"\0\0\0\x05abcde\0\0\0");
        assert_eq!(to_bytes(&None::<i32>).unwrap(), [0, 0, 0, 0]);
        assert_eq!(to_bytes(&Some(3i32)).unwrap(), [0, 0, 0, 1, 0, 0, 0, 3]);
        assert_eq!(
            to_bytes(&vec![1u32, 2]).unwrap(),
            [0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]
        );
        assert_eq!(
            to_bytes(&Opaque(vec![9])).unwrap(),
            [0, 0, 0, 1, 9, 0, 0, 0]
        );
        assert_eq!(to_bytes(&FixedOpaque([1u8, 2, 3])).unwrap(), [1, 2, 3, 0]);
    }

    #[test]
    fn fixed_opaque_round_trip() {
        let v = FixedOpaque([7u8; 16]);
        let bytes = to_bytes(&v).unwrap();
        assert_eq!(bytes.len(), 16);
        assert_eq!(from_bytes::<FixedOpaque<16>>(&bytes).unwrap(), v);
        assert!(from_bytes::<FixedOpaque<16>>(&bytes[..15]).is_err());
    }

    #[test]
    fn bad_booleans_and_optionals_are_refused() {
        assert_eq!(
            from_bytes::<bool>(&[0, 0, 0, 2]),
            Err(XdrError::InvalidBool(2))
        );
        assert_eq!(
            from_bytes::<Option<i32>>(&[0, 0, 0, 5, 0, 0, 0, 0]),
            Err(XdrError::InvalidOptional(5))
        );
        assert!(matches!(
            from_bytes::<u8>(&[0, 0, 1, 0]),
            Err(XdrError::IntegerRange(256))
        ));
    }

    #[test]
    fn trailing_bytes_are_reported() {
        assert_eq!(from_bytes::<i32>(&[0; 8]), Err(XdrError::TrailingBytes(4)));
        let (v, rest) = from_bytes_prefix::<i32>(&[0, 0, 0, 1, 9]).unwrap();
        assert_eq!((v, rest), (1, &[9u8][..]));
    }

    #[test]
    fn chars_helpers() {
        let c = string_to_chars("ab");
        assert_eq!(c, [97, 98, 0]);
        assert_eq!(chars_to_string(&c), "ab");
        let f: [i8; 4] = string_to_fixed_chars("abcdef");
        assert_eq!(chars_to_string(&f), "abc");
    }
}
