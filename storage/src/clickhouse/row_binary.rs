//! Encodes an Arrow `RecordBatch` as ClickHouse `RowBinary`, in the column order of the batch.
//!
//! Writing straight from the columns avoids building a row struct per event; the layout per type is
//! ClickHouse's: little-endian numbers, LEB128-prefixed strings, and a 0/1 byte before a Nullable.

use arrow::{
    array::{
        Array, AsArray, RecordBatch,
        types::{
            Float64Type, Int32Type, Int64Type, TimestampMillisecondType, UInt8Type, UInt16Type,
            UInt32Type, UInt64Type,
        },
    },
    datatypes::DataType,
};
use bytes::{BufMut, BytesMut};

use super::Capabilities;

pub fn encode(batch: &RecordBatch, caps: &Capabilities) -> BytesMut {
    let mut out = BytesMut::with_capacity(batch.get_array_memory_size() + batch.num_rows() * 16);
    let columns = batch.columns();
    let nullable: Vec<bool> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.is_nullable())
        .collect();
    for row in 0..batch.num_rows() {
        for (column, &nullable) in columns.iter().zip(&nullable) {
            if nullable {
                if column.is_null(row) {
                    out.put_u8(1);
                    continue;
                }
                out.put_u8(0);
            }
            encode_value(column.as_ref(), row, caps, &mut out);
        }
    }
    out
}

fn encode_value(column: &dyn Array, row: usize, caps: &Capabilities, out: &mut BytesMut) {
    match column.data_type() {
        DataType::Utf8 => put_bytes(out, column.as_string::<i32>().value(row).as_bytes()),
        DataType::Binary => put_bytes(out, column.as_binary::<i32>().value(row)),
        DataType::Float64 => out.put_f64_le(column.as_primitive::<Float64Type>().value(row)),
        DataType::UInt64 => out.put_u64_le(column.as_primitive::<UInt64Type>().value(row)),
        DataType::Int64 => out.put_i64_le(column.as_primitive::<Int64Type>().value(row)),
        DataType::Int32 => out.put_i32_le(column.as_primitive::<Int32Type>().value(row)),
        DataType::UInt32 => out.put_u32_le(column.as_primitive::<UInt32Type>().value(row)),
        DataType::UInt16 => out.put_u16_le(column.as_primitive::<UInt16Type>().value(row)),
        DataType::UInt8 => out.put_u8(column.as_primitive::<UInt8Type>().value(row)),
        DataType::Timestamp(..) => {
            let ms = column.as_primitive::<TimestampMillisecondType>().value(row);
            if caps.modern {
                out.put_i64_le(ms);
            } else {
                // DateTime is unsigned seconds; times before 1970 do not occur (events are validated).
                out.put_u32_le(u32::try_from(ms.div_euclid(1000)).unwrap_or(0));
            }
        }
        other => unreachable!("no RowBinary encoding for {other}"),
    }
}

fn put_bytes(out: &mut BytesMut, bytes: &[u8]) {
    let mut len = bytes.len();
    while len >= 0x80 {
        out.put_u8((len as u8) | 0x80);
        len >>= 7;
    }
    out.put_u8(len as u8);
    out.put_slice(bytes);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::{
        array::{Float64Array, StringArray, TimestampMillisecondArray},
        datatypes::{Field, Schema, TimeUnit},
    };

    use super::*;

    #[test]
    fn encodes_nullable_strings_numbers_and_times() {
        let schema = Schema::new(vec![
            Field::new("s", DataType::Utf8, true),
            Field::new("f", DataType::Float64, false),
            Field::new("t", DataType::Timestamp(TimeUnit::Millisecond, None), false),
        ]);
        let batch = RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(StringArray::from(vec![Some("ab"), None])),
                Arc::new(Float64Array::from(vec![1.5, 0.0])),
                Arc::new(TimestampMillisecondArray::from(vec![2_500, 1_000])),
            ],
        )
        .expect("batch");
        let old = Capabilities::from_version("18.16.1");
        let bytes = encode(&batch, &old);
        let mut want = vec![0u8, 2, b'a', b'b'];
        want.extend(1.5f64.to_le_bytes());
        want.extend(2u32.to_le_bytes());
        want.push(1);
        want.extend(0.0f64.to_le_bytes());
        want.extend(1u32.to_le_bytes());
        assert_eq!(&bytes[..], &want[..]);

        let modern = Capabilities::from_version("25.8.1");
        assert_eq!(encode(&batch, &modern).len(), want.len() + 2 * 4);
    }
}
