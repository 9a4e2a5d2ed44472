//! XDR decoding as a serde `Deserializer`, safe on hostile input.
//!
//! Every length and count is checked against the bytes that remain before anything is
//! allocated: a string or opaque length must fit the remaining input (and strings the
//! protocol's string limit), and an array count must fit too, since every XDR item takes at
//! least four bytes. Sequences report their exact count as the size hint, so bounded
//! containers (see [`super::bounded`]) can refuse over-long arrays before reading them.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::error::{XdrError, XdrResult};
use super::{padding, FIXED_OPAQUE, STRING_MAX};

/// Decodes values from a byte slice, front to back.
pub struct Deserializer<'de> {
    input: &'de [u8],
    pos: usize,
    /// Set by the fixed-opaque newtype: the next tuple is raw bytes.
    fixed_opaque_next: bool,
}

impl<'de> Deserializer<'de> {
    /// A deserializer reading `input` from its start.
    pub fn new(input: &'de [u8]) -> Self {
        Deserializer {
            input,
            pos: 0,
            fixed_opaque_next: false,
        }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet consumed.
    pub fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    /// The unconsumed input.
    pub fn rest(&self) -> &'de [u8] {
        &self.input[self.pos..]
    }

    /// Fails unless every byte was consumed.
    pub fn finish(&self) -> XdrResult<()> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(XdrError::TrailingBytes(n)),
        }
    }

    fn take(&mut self, n: usize) -> XdrResult<&'de [u8]> {
        let remaining = self.remaining();
        if n > remaining {
            return Err(XdrError::Truncated {
                needed: n,
                remaining,
            });
        }
        let slice = &self.input[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn take_array<const N: usize>(&mut self) -> XdrResult<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn get_u32(&mut self) -> XdrResult<u32> {
        Ok(u32::from_be_bytes(self.take_array()?))
    }

    fn get_i32(&mut self) -> XdrResult<i32> {
        Ok(i32::from_be_bytes(self.take_array()?))
    }

    /// Data of `len` bytes followed by its padding.
    fn take_padded(&mut self, len: usize) -> XdrResult<&'de [u8]> {
        let total = len.checked_add(padding(len)).ok_or(XdrError::TooLong {
            len,
            max: self.remaining(),
        })?;
        let data = self.take(total)?;
        Ok(&data[..len])
    }

    /// A length word checked against `max` and the remaining input.
    fn get_len(&mut self, max: usize) -> XdrResult<usize> {
        let len = self.get_u32()? as usize;
        if len > max {
            return Err(XdrError::TooLong { len, max });
        }
        if len > self.remaining() {
            return Err(XdrError::Truncated {
                needed: len,
                remaining: self.remaining(),
            });
        }
        Ok(len)
    }

    /// An array count; each element takes at least four bytes on the wire.
    fn get_count(&mut self) -> XdrResult<usize> {
        let count = self.get_u32()? as usize;
        let remaining = self.remaining();
        if count > remaining / 4 {
            return Err(XdrError::Truncated {
                needed: count.saturating_mul(4),
                remaining,
            });
        }
        Ok(count)
    }

    fn get_str(&mut self) -> XdrResult<&'de [u8]> {
        let len = self.get_len(STRING_MAX)?;
        self.take_padded(len)
    }
}

fn narrow<T: TryFrom<i64>>(v: i64) -> XdrResult<T> {
    T::try_from(v).map_err(|_| XdrError::IntegerRange(v))
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = XdrError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> XdrResult<V::Value> {
        Err(XdrError::Unsupported("self-describing decoding"))
    }
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        match self.get_u32()? {
            0 => visitor.visit_bool(false),
            1 => visitor.visit_bool(true),
            n => Err(XdrError::InvalidBool(n)),
        }
    }
    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        visitor.visit_i8(narrow(i64::from(self.get_i32()?))?)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        visitor.visit_i16(narrow(i64::from(self.get_i32()?))?)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        visitor.visit_i32(self.get_i32()?)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        visitor.visit_i64(i64::from_be_bytes(self.take_array()?))
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        visitor.visit_u8(narrow(i64::from(self.get_u32()?))?)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        visitor.visit_u16(narrow(i64::from(self.get_u32()?))?)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        visitor.visit_u32(self.get_u32()?)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        visitor.visit_u64(u64::from_be_bytes(self.take_array()?))
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        visitor.visit_f32(f32::from_be_bytes(self.take_array()?))
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        visitor.visit_f64(f64::from_be_bytes(self.take_array()?))
    }
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        let n = self.get_u32()?;
        let c = char::from_u32(n).ok_or(XdrError::IntegerRange(i64::from(n)))?;
        visitor.visit_char(c)
    }
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        let bytes = self.get_str()?;
        match std::str::from_utf8(bytes) {
            Ok(s) => visitor.visit_borrowed_str(s),
            // libvirt strings are C strings, not guaranteed UTF-8: keep what can be kept.
            Err(_) => visitor.visit_string(String::from_utf8_lossy(bytes).into_owned()),
        }
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        self.deserialize_str(visitor)
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        let len = self.get_len(usize::MAX)?;
        visitor.visit_borrowed_bytes(self.take_padded(len)?)
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        self.deserialize_bytes(visitor)
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        match self.get_u32()? {
            0 => visitor.visit_none(),
            1 => visitor.visit_some(self),
            n => Err(XdrError::InvalidOptional(n)),
        }
    }
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        visitor.visit_unit()
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> XdrResult<V::Value> {
        visitor.visit_unit()
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> XdrResult<V::Value> {
        if name == FIXED_OPAQUE {
            self.fixed_opaque_next = true;
            let result = visitor.visit_newtype_struct(&mut *self);
            self.fixed_opaque_next = false;
            return result;
        }
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> XdrResult<V::Value> {
        let count = self.get_count()?;
        visitor.visit_seq(Elements {
            de: self,
            left: count,
        })
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> XdrResult<V::Value> {
        if std::mem::take(&mut self.fixed_opaque_next) {
            return visitor.visit_borrowed_bytes(self.take_padded(len)?);
        }
        visitor.visit_seq(Elements {
            de: self,
            left: len,
        })
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> XdrResult<V::Value> {
        self.deserialize_tuple(len, visitor)
    }
    fn deserialize_map<V: Visitor<'de>>(self, _visitor: V) -> XdrResult<V::Value> {
        Err(XdrError::Unsupported("maps"))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> XdrResult<V::Value> {
        visitor.visit_seq(Elements {
            de: self,
            left: fields.len(),
        })
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> XdrResult<V::Value> {
        visitor.visit_enum(self)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, _visitor: V) -> XdrResult<V::Value> {
        Err(XdrError::Unsupported("identifiers"))
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, _visitor: V) -> XdrResult<V::Value> {
        Err(XdrError::Unsupported("skipping unknown data"))
    }
    fn is_human_readable(&self) -> bool {
        false
    }
}

/// A fixed or counted run of elements.
struct Elements<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    left: usize,
}

impl<'de, 'a> de::SeqAccess<'de> for Elements<'a, 'de> {
    type Error = XdrError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> XdrResult<Option<T::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> de::EnumAccess<'de> for &mut Deserializer<'de> {
    type Error = XdrError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> XdrResult<(V::Value, Self)> {
        let index: de::value::U32Deserializer<XdrError> = self.get_u32()?.into_deserializer();
        let value = seed.deserialize(index)?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for &mut Deserializer<'de> {
    type Error = XdrError;

    fn unit_variant(self) -> XdrResult<()> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> XdrResult<T::Value> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> XdrResult<V::Value> {
        visitor.visit_seq(Elements {
            de: self,
            left: len,
        })
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> XdrResult<V::Value> {
        visitor.visit_seq(Elements {
            de: self,
            left: fields.len(),
        })
    }
}
