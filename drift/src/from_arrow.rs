//! Feature values from Arrow columns: numbers, booleans and strings as they come, lists of numbers
//! as embeddings. Nulls are left out, since no test has a place for them.

use arrow::{
    array::{Array, ArrayRef, AsArray},
    compute::cast,
    datatypes::{DataType, Float64Type},
};
use ndarray::Array2;

use crate::feature::Values;

/// Strings averaging at least this many characters, mostly distinct, are free text.
const TEXT_MIN_CHARS: f64 = 20.0;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ArrowValuesError {
    #[error("columns of type {0} cannot be compared")]
    Unsupported(DataType),
    #[error("embedding rows have different lengths ({0} and {1})")]
    Ragged(usize, usize),
}

pub fn values(column: &ArrayRef) -> Result<Values, ArrowValuesError> {
    let unsupported = || ArrowValuesError::Unsupported(column.data_type().clone());
    match column.data_type() {
        DataType::Boolean => Ok(Values::Categorical(
            column
                .as_boolean()
                .iter()
                .flatten()
                .map(|b| b.to_string())
                .collect(),
        )),
        t if t.is_numeric() => {
            let floats = cast(column, &DataType::Float64).map_err(|_| unsupported())?;
            Ok(Values::Numeric(
                floats
                    .as_primitive::<Float64Type>()
                    .iter()
                    .flatten()
                    .collect(),
            ))
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let strings = cast(column, &DataType::Utf8).map_err(|_| unsupported())?;
            let strings: Vec<String> = strings
                .as_string::<i32>()
                .iter()
                .flatten()
                .map(str::to_owned)
                .collect();
            Ok(if looks_like_text(&strings) {
                Values::Text(strings)
            } else {
                Values::Categorical(strings)
            })
        }
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => {
            embeddings(column)
        }
        _ => Err(unsupported()),
    }
}

fn looks_like_text(strings: &[String]) -> bool {
    if strings.is_empty() {
        return false;
    }
    let mean_chars =
        strings.iter().map(|s| s.chars().count()).sum::<usize>() as f64 / strings.len() as f64;
    let mut distinct: Vec<&String> = strings.iter().collect();
    distinct.sort_unstable();
    distinct.dedup();
    mean_chars >= TEXT_MIN_CHARS && distinct.len() * 2 > strings.len()
}

fn embeddings(column: &ArrayRef) -> Result<Values, ArrowValuesError> {
    let unsupported = || ArrowValuesError::Unsupported(column.data_type().clone());
    let item = DataType::new_list(DataType::Float64, true);
    let lists = cast(column, &item).map_err(|_| unsupported())?;
    let mut width = None;
    let mut values = Vec::new();
    let mut rows = 0;
    for row in lists.as_list::<i32>().iter().flatten() {
        let row = row.as_primitive::<Float64Type>();
        match width {
            None => width = Some(row.len()),
            Some(w) if w != row.len() => return Err(ArrowValuesError::Ragged(w, row.len())),
            Some(_) => {}
        }
        values.extend(row.iter().map(|v| v.unwrap_or(f64::NAN)));
        rows += 1;
    }
    let matrix =
        Array2::from_shape_vec((rows, width.unwrap_or(0)), values).map_err(|_| unsupported())?;
    Ok(Values::Embedding(matrix))
}
