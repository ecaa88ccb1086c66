//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod dual;
pub mod problems;

use std::convert::Infallible;

use burn::tensor::{DType, Device, Tensor, TensorData};
use impasto_optim::{Evaluation, Objective};

use dual::Dual;

/// A host function on duals as an [`Objective`] over `[n]` tensors in the point's dtype,
/// recording every point it evaluates.
pub struct HostObjective {
    pub f: fn(&[Dual]) -> Dual,
    pub evaluated: Vec<Vec<f64>>,
}

impl HostObjective {
    pub fn new(f: fn(&[Dual]) -> Dual) -> Self {
        Self {
            f,
            evaluated: Vec::new(),
        }
    }

    /// Panics if some point was evaluated twice.
    pub fn assert_no_repeated_point(&self) {
        for (i, a) in self.evaluated.iter().enumerate() {
            for b in &self.evaluated[..i] {
                assert_ne!(a, b, "evaluation {i} repeats an earlier point");
            }
        }
    }
}

impl Objective<1> for HostObjective {
    type Error = Infallible;

    fn evaluate(&mut self, x: &Tensor<1>) -> Result<Evaluation<1>, Infallible> {
        let host = to_host(x);
        let value = (self.f)(&Dual::variables(&host));
        self.evaluated.push(host);
        let (device, dtype) = (x.device(), x.dtype());
        let loss = Tensor::<1>::from_data(TensorData::new(vec![value.v], [1]), (&device, dtype));
        let n = value.d.len();
        let gradient = Tensor::<1>::from_data(TensorData::new(value.d, [n]), (&device, dtype));
        Ok(Evaluation::new(loss, gradient))
    }
}

/// A `[n]` tensor of the given values on flex, in f64.
pub fn f64_tensor(values: &[f64]) -> Tensor<1> {
    tensor_in(values, DType::F64)
}

/// A `[n]` tensor of the given values on flex, in `dtype`.
pub fn tensor_in(values: &[f64], dtype: DType) -> Tensor<1> {
    Tensor::<1>::from_data(
        TensorData::new(values.to_vec(), [values.len()]),
        (&Device::flex(), dtype),
    )
}

/// The values of a tensor as f64.
pub fn to_host<const D: usize>(x: &Tensor<D>) -> Vec<f64> {
    x.clone().into_data().iter::<f64>().collect()
}

/// The fixture directory.
pub fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}
