//! XDR encoding (RFC 4506) as a serde `Serializer`.
//!
//! Mapping: every integer narrower than 32 bits travels as a 4-byte XDR int (that is how
//! rpcgen encodes `char`, `short` and their unsigned forms), `i64`/`u64` as hyper, `bool` as
//! an int, `Option<T>` as optional-data (a boolean discriminant then the value), sequences as
//! a count then the elements, tuples and structs as their fields in order, strings and
//! byte buffers as length + data + zero padding to a multiple of four. A newtype named
//! [`FIXED_OPAQUE`](super::FIXED_OPAQUE) wrapping bytes writes fixed-length opaque data (no
//! length word). Enum variants write their index as the discriminant.

use serde::ser::{self, Serialize};

use super::error::{XdrError, XdrResult};
use super::{padding, FIXED_OPAQUE};

/// Encodes values by appending to a byte vector.
pub struct Serializer<'a> {
    out: &'a mut Vec<u8>,
    /// Set by the fixed-opaque newtype: the next byte buffer is written without a length.
    fixed_opaque_next: bool,
}

impl<'a> Serializer<'a> {
    /// A serializer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        Serializer {
            out,
            fixed_opaque_next: false,
        }
    }

    fn put_u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    fn put_len(&mut self, len: usize) -> XdrResult<()> {
        let len = u32::try_from(len).map_err(|_| XdrError::TooLong {
            len,
            max: u32::MAX as usize,
        })?;
        self.put_u32(len);
        Ok(())
    }

    fn put_padded(&mut self, data: &[u8]) {
        self.out.extend_from_slice(data);
        self.out.resize(self.out.len() + padding(data.len()), 0);
    }
}

impl<'a, 'b> ser::Serializer for &'b mut Serializer<'a> {
    type Ok = ();
    type Error = XdrError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = ser::Impossible<(), XdrError>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> XdrResult<()> {
        self.put_u32(u32::from(v));
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> XdrResult<()> {
        self.serialize_i32(i32::from(v))
    }
    fn serialize_i16(self, v: i16) -> XdrResult<()> {
        self.serialize_i32(i32::from(v))
    }
    fn serialize_i32(self, v: i32) -> XdrResult<()> {
        self.out.extend_from_slice(&v.to_be_bytes());
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> XdrResult<()> {
        self.out.extend_from_slice(&v.to_be_bytes());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> XdrResult<()> {
        self.put_u32(u32::from(v));
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> XdrResult<()> {
        self.put_u32(u32::from(v));
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> XdrResult<()> {
        self.put_u32(v);
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> XdrResult<()> {
        self.out.extend_from_slice(&v.to_be_bytes());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> XdrResult<()> {
        self.out.extend_from_slice(&v.to_be_bytes());
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> XdrResult<()> {
        self.out.extend_from_slice(&v.to_be_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> XdrResult<()> {
        self.put_u32(u32::from(v));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> XdrResult<()> {
        self.put_len(v.len())?;
        self.put_padded(v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> XdrResult<()> {
        if std::mem::take(&mut self.fixed_opaque_next) {
            self.put_padded(v);
        } else {
            self.put_len(v.len())?;
            self.put_padded(v);
        }
        Ok(())
    }
    fn serialize_none(self) -> XdrResult<()> {
        self.put_u32(0);
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> XdrResult<()> {
        self.put_u32(1);
        value.serialize(self)
    }
    fn serialize_unit(self) -> XdrResult<()> {
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> XdrResult<()> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
    ) -> XdrResult<()> {
        self.put_u32(variant_index);
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> XdrResult<()> {
        if name == FIXED_OPAQUE {
            self.fixed_opaque_next = true;
            let result = value.serialize(&mut *self);
            self.fixed_opaque_next = false;
            return result;
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        value: &T,
    ) -> XdrResult<()> {
        self.put_u32(variant_index);
        value.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> XdrResult<Self> {
        let len = len.ok_or(XdrError::Unsupported("sequences of unknown length"))?;
        self.put_len(len)?;
        Ok(self)
    }
    fn serialize_tuple(self, _len: usize) -> XdrResult<Self> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> XdrResult<Self> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> XdrResult<Self> {
        self.put_u32(variant_index);
        Ok(self)
    }
    fn serialize_map(self, _len: Option<usize>) -> XdrResult<Self::SerializeMap> {
        Err(XdrError::Unsupported("maps"))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> XdrResult<Self> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> XdrResult<Self> {
        self.put_u32(variant_index);
        Ok(self)
    }
    fn is_human_readable(&self) -> bool {
        false
    }
}

impl<'a, 'b> ser::SerializeSeq for &'b mut Serializer<'a> {
    type Ok = ();
    type Error = XdrError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> XdrResult<()> {
        value.serialize(&mut **self)
    }
    fn end(self) -> XdrResult<()> {
        Ok(())
    }
}

impl<'a, 'b> ser::SerializeTuple for &'b mut Serializer<'a> {
    type Ok = ();
    type Error = XdrError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> XdrResult<()> {
        value.serialize(&mut **self)
    }
    fn end(self) -> XdrResult<()> {
        Ok(())
    }
}

impl<'a, 'b> ser::SerializeTupleStruct for &'b mut Serializer<'a> {
    type Ok = ();
    type Error = XdrError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> XdrResult<()> {
        value.serialize(&mut **self)
    }
    fn end(self) -> XdrResult<()> {
        Ok(())
    }
}

impl<'a, 'b> ser::SerializeTupleVariant for &'b mut Serializer<'a> {
    type Ok = ();
    type Error = XdrError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> XdrResult<()> {
        value.serialize(&mut **self)
    }
    fn end(self) -> XdrResult<()> {
        Ok(())
    }
}

impl<'a, 'b> ser::SerializeStruct for &'b mut Serializer<'a> {
    type Ok = ();
    type Error = XdrError;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _key: &'static str,
        value: &T,
    ) -> XdrResult<()> {
        value.serialize(&mut **self)
    }
    fn end(self) -> XdrResult<()> {
        Ok(())
    }
}

impl<'a, 'b> ser::SerializeStructVariant for &'b mut Serializer<'a> {
    type Ok = ();
    type Error = XdrError;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _key: &'static str,
        value: &T,
    ) -> XdrResult<()> {
        value.serialize(&mut **self)
    }
    fn end(self) -> XdrResult<()> {
        Ok(())
    }
}
