//! Validation shared by the losses: weights, batch sizes, layer lists.

use burn::tensor::Tensor;
use impasto_vgg::VggLayer;

use crate::{LossError, Term};

/// `Ok` if `value` is a finite number ≥ 0; `name` is only built on failure.
pub(crate) fn check_weight(name: impl FnOnce() -> String, value: f64) -> Result<(), LossError> {
    if !value.is_finite() {
        Err(LossError::NonFiniteWeight {
            name: name(),
            value,
        })
    } else if value < 0.0 {
        Err(LossError::NegativeWeight {
            name: name(),
            value,
        })
    } else {
        Ok(())
    }
}

/// `target` with its batch dimension (the first) made `batch`: a target of batch 1 is
/// broadcast (a view, no copy), one of batch `batch` is returned as it is.
pub(crate) fn match_batch<const D: usize>(
    target: Tensor<D>,
    batch: usize,
    what: &'static str,
) -> Result<Tensor<D>, LossError> {
    let mut dims = target.dims();
    match dims[0] {
        b if b == batch => Ok(target),
        1 => {
            dims[0] = batch;
            Ok(target.expand(dims))
        }
        _ => {
            let mut expected = dims.to_vec();
            expected[0] = batch;
            Err(LossError::ShapeMismatch {
                what,
                expected,
                found: dims.to_vec(),
            })
        }
    }
}

/// `Ok` if `layers` is non-empty and has no layer twice.
pub(crate) fn check_layers(term: Term, layers: &[VggLayer]) -> Result<(), LossError> {
    if layers.is_empty() {
        return Err(LossError::EmptyLayers { term });
    }
    for (i, &layer) in layers.iter().enumerate() {
        if layers[..i].contains(&layer) {
            return Err(LossError::DuplicateLayer { term, layer });
        }
    }
    Ok(())
}
