//! Writes tiny ONNX models by hand, so the ONNX Runtime harness test needs no model files or tools.
//!
//! Only the few protobuf fields a model needs are encoded; field numbers follow `onnx.proto`.

/// A float model computing `y = x * x + x` for an input `x` of shape `[N, width]`.
pub fn square_plus_identity(width: i64) -> Vec<u8> {
    let value_info = |name: &str| {
        let dims = [dimension_param("N"), dimension_value(width)].concat();
        // TypeProto.tensor_type { elem_type: FLOAT, shape { dim* } }
        let tensor = [varint_field(1, 1), bytes_field(2, &dims)].concat();
        [
            string_field(1, name),
            bytes_field(2, &bytes_field(1, &tensor)),
        ]
        .concat()
    };
    let node = |inputs: &[&str], output: &str, op: &str| {
        let mut n: Vec<u8> = inputs.iter().flat_map(|i| string_field(1, i)).collect();
        n.extend(string_field(2, output));
        n.extend(string_field(3, output));
        n.extend(string_field(4, op));
        n
    };
    let graph = [
        bytes_field(1, &node(&["x", "x"], "sq", "Mul")),
        bytes_field(1, &node(&["sq", "x"], "y", "Add")),
        string_field(2, "square_plus_identity"),
        bytes_field(11, &value_info("x")),
        bytes_field(12, &value_info("y")),
    ]
    .concat();
    let opset = [string_field(1, ""), varint_field(2, 13)].concat();
    [
        varint_field(1, 8), // ir_version
        string_field(2, "sightline-tests"),
        bytes_field(7, &graph),
        bytes_field(8, &opset),
    ]
    .concat()
}

fn dimension_param(name: &str) -> Vec<u8> {
    bytes_field(1, &string_field(2, name))
}

fn dimension_value(value: i64) -> Vec<u8> {
    bytes_field(1, &varint_field(1, value as u64))
}

fn varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn varint_field(field: u64, value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    varint(field << 3, &mut out);
    varint(value, &mut out);
    out
}

fn bytes_field(field: u64, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint((field << 3) | 2, &mut out);
    varint(bytes.len() as u64, &mut out);
    out.extend_from_slice(bytes);
    out
}

fn string_field(field: u64, s: &str) -> Vec<u8> {
    bytes_field(field, s.as_bytes())
}
