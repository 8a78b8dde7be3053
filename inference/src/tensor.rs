//! Tensors as the Open Inference Protocol (v2) writes them in JSON: a name, a shape, a datatype
//! and the data flattened in row-major order (nested arrays are accepted and flattened).

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    Fp32(Vec<f32>),
    Int64(Vec<i64>),
    Int32(Vec<i32>),
    Bytes(Vec<String>),
}

impl Data {
    pub fn datatype(&self) -> &'static str {
        match self {
            Self::Fp32(_) => "FP32",
            Self::Int64(_) => "INT64",
            Self::Int32(_) => "INT32",
            Self::Bytes(_) => "BYTES",
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Fp32(v) => v.len(),
            Self::Int64(v) => v.len(),
            Self::Int32(v) => v.len(),
            Self::Bytes(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Fp32(v) => v.iter().map(|x| Value::from(f64::from(*x))).collect(),
            Self::Int64(v) => v.iter().copied().map(Value::from).collect(),
            Self::Int32(v) => v.iter().copied().map(Value::from).collect(),
            Self::Bytes(v) => v.iter().map(|s| Value::String(s.clone())).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub name: String,
    pub shape: Vec<i64>,
    pub data: Data,
}

/// A tensor in a request, before it is checked.
#[derive(Debug, Clone, Deserialize)]
pub struct RequestTensor {
    pub name: String,
    pub shape: Vec<i64>,
    pub datatype: String,
    pub data: Value,
}

/// A tensor's description, in model metadata.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TensorSpec {
    pub name: String,
    pub datatype: String,
    /// -1 where any size goes.
    pub shape: Vec<i64>,
}

impl Tensor {
    /// Checks a request tensor: a known datatype, values of that type, and as many as the shape
    /// holds.
    pub fn from_request(t: RequestTensor) -> Result<Self, String> {
        let name = t.name;
        if t.shape.iter().any(|d| *d < 0) {
            return Err(format!(
                "input {name:?}: shape {:?} has a negative size",
                t.shape
            ));
        }
        let mut flat = Vec::new();
        flatten(t.data, &mut flat);
        let wrong = |what: &str| format!("input {name:?}: {} data must be {what}", t.datatype);
        let data = match t.datatype.as_str() {
            "FP32" => Data::Fp32(
                flat.iter()
                    .map(|v| v.as_f64().map(|x| x as f32))
                    .collect::<Option<_>>()
                    .ok_or_else(|| wrong("numbers"))?,
            ),
            "INT64" => Data::Int64(
                flat.iter()
                    .map(Value::as_i64)
                    .collect::<Option<_>>()
                    .ok_or_else(|| wrong("integers"))?,
            ),
            "INT32" => Data::Int32(
                flat.iter()
                    .map(|v| v.as_i64().and_then(|x| i32::try_from(x).ok()))
                    .collect::<Option<_>>()
                    .ok_or_else(|| wrong("32-bit integers"))?,
            ),
            "BYTES" => Data::Bytes(
                flat.iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<_>>()
                    .ok_or_else(|| wrong("strings"))?,
            ),
            other => {
                return Err(format!(
                    "input {name:?}: datatype {other:?} is not served; use FP32, INT64, INT32 or BYTES"
                ));
            }
        };
        let want = t
            .shape
            .iter()
            .try_fold(1i64, |acc, d| acc.checked_mul(*d))
            .ok_or_else(|| format!("input {name:?}: shape {:?} is too large", t.shape))?;
        if want != data.len() as i64 {
            return Err(format!(
                "input {name:?}: shape {:?} holds {want} values, but {} were sent",
                t.shape,
                data.len()
            ));
        }
        Ok(Self {
            name,
            shape: t.shape,
            data,
        })
    }

    /// Whether the shape fits a declared one, where -1 fits any size.
    pub fn fits(&self, spec: &TensorSpec) -> bool {
        self.data.datatype() == spec.datatype
            && self.shape.len() == spec.shape.len()
            && self
                .shape
                .iter()
                .zip(&spec.shape)
                .all(|(got, want)| *want < 0 || got == want)
    }

    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "name": self.name,
            "datatype": self.data.datatype(),
            "shape": self.shape,
            "data": self.data.to_json(),
        })
    }
}

fn flatten(value: Value, out: &mut Vec<Value>) {
    match value {
        Value::Array(items) => items.into_iter().for_each(|v| flatten(v, out)),
        other => out.push(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(datatype: &str, shape: Vec<i64>, data: Value) -> RequestTensor {
        RequestTensor {
            name: "x".into(),
            shape,
            datatype: datatype.into(),
            data,
        }
    }

    #[test]
    fn checks_types_and_counts() {
        let t = Tensor::from_request(request(
            "FP32",
            vec![2, 2],
            serde_json::json!([[1, 2], [3, 4.5]]),
        ))
        .unwrap();
        assert_eq!(t.data, Data::Fp32(vec![1.0, 2.0, 3.0, 4.5]));
        let spec = TensorSpec {
            name: "x".into(),
            datatype: "FP32".into(),
            shape: vec![-1, 2],
        };
        assert!(t.fits(&spec));
        assert!(!t.fits(&TensorSpec {
            shape: vec![-1, 3],
            ..spec.clone()
        }));
        let short =
            Tensor::from_request(request("FP32", vec![3], serde_json::json!([1, 2]))).unwrap_err();
        assert!(short.contains("holds 3 values, but 2 were sent"), "{short}");
        let strings =
            Tensor::from_request(request("INT64", vec![1], serde_json::json!(["a"]))).unwrap_err();
        assert!(strings.contains("must be integers"), "{strings}");
        let unknown =
            Tensor::from_request(request("FP16", vec![1], serde_json::json!([1]))).unwrap_err();
        assert!(unknown.contains("not served"), "{unknown}");
    }
}
