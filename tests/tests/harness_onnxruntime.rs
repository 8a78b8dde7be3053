//! ONNX Runtime loads from `ORT_DYLIB_PATH` and runs a model this test writes itself.

use ort::{session::Session, value::Tensor};
use sightline_e2e::{onnx, service_env};

#[test]
fn runs_a_model_built_by_the_test() -> ort::Result<()> {
    let dylib = service_env("ORT_DYLIB_PATH");
    assert!(
        ort::init_from(dylib).commit()?,
        "onnxruntime was already initialised elsewhere"
    );

    let mut session = Session::builder()?.commit_from_memory(&onnx::square_plus_identity(3))?;
    let x = vec![0.0f32, 1.0, 2.0, -1.0, 0.5, -3.0];
    let outputs =
        session.run(ort::inputs!["x" => Tensor::from_array(([2usize, 3], x.clone()))?])?;
    let (shape, y) = outputs["y"].try_extract_tensor::<f32>()?;

    assert_eq!(&shape[..], &[2, 3]);
    let expected: Vec<f32> = x.iter().map(|v| v * v + v).collect();
    assert_eq!(y, expected.as_slice());
    Ok(())
}
