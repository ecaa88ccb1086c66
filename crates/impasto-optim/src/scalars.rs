//! Reading scalars back from the device, and the evaluation of a point with its reductions.
//!
//! Every decision of a minimizer (sufficient decrease, curvature, tolerances) is taken on
//! the host in f64, so some scalars must come back from the device. On a GPU each read is
//! a synchronisation that drains the queue, so the reads are batched: all the scalars one
//! evaluation needs (f, ‖g‖², max |g|, gᵀd) come back in one [`Transaction`].

use burn::tensor::{Tensor, Transaction};

use crate::{Evaluation, Objective, OptimError};

/// Reads one-element tensors back as f64, in one device synchronisation.
pub(crate) fn read_scalars<const N: usize>(
    tensors: [Tensor<1>; N],
) -> Result<[f64; N], OptimError> {
    let mut transaction = Transaction::default();
    for tensor in tensors {
        transaction = transaction.register(tensor);
    }
    let data = transaction
        .try_execute()
        .map_err(|e| OptimError::DeviceRead(e.to_string()))?;
    let mut out = [0.0; N];
    for (slot, datum) in out.iter_mut().zip(&data) {
        *slot = datum
            .iter::<f64>()
            .next()
            .ok_or_else(|| OptimError::DeviceRead("an empty tensor came back".into()))?;
    }
    Ok(out)
}

/// uᵀv as a one-element tensor on the device (no read).
pub(crate) fn dot<const D: usize>(u: &Tensor<D>, v: &Tensor<D>) -> Tensor<1> {
    (u.clone() * v.clone()).sum()
}

/// A point with its evaluation and the host copies of the scalars the minimizers use.
#[derive(Debug, Clone)]
pub(crate) struct Point<const D: usize> {
    pub x: Tensor<D>,
    pub gradient: Tensor<D>,
    pub loss: f64,
    /// ‖g‖₂.
    pub gradient_norm: f64,
    /// max |gᵢ|.
    pub gradient_max: f64,
}

impl<const D: usize> Point<D> {
    /// Whether the loss and every gradient element are finite (a NaN or ∞ anywhere in g
    /// makes ‖g‖ non-finite).
    pub fn is_finite(&self) -> bool {
        self.loss.is_finite() && self.gradient_norm.is_finite()
    }
}

/// Evaluates the objective at `x` (one evaluation) and reads f, ‖g‖, max |g| and, when a
/// direction is given, gᵀd, all in one synchronisation.
pub(crate) fn evaluate<const D: usize, O: Objective<D>>(
    objective: &mut O,
    x: Tensor<D>,
    direction: Option<&Tensor<D>>,
) -> Result<(Point<D>, f64), OptimError> {
    let Evaluation { loss, gradient } = objective.evaluate(&x);
    let (loss, gradient) = (loss.inner(), gradient.inner());
    if gradient.dims() != x.dims() {
        return Err(OptimError::ShapeMismatch {
            expected: x.dims().to_vec(),
            found: gradient.dims().to_vec(),
        });
    }
    if loss.dims() != [1] {
        return Err(OptimError::ShapeMismatch {
            expected: vec![1],
            found: loss.dims().to_vec(),
        });
    }
    let squared = dot(&gradient, &gradient);
    let max = gradient.clone().abs().max();
    let slope = match direction {
        Some(d) => dot(&gradient, d),
        // A placeholder read keeps one code path; it is a one-element copy.
        None => loss.clone(),
    };
    let [loss_value, squared, max, slope] = read_scalars([loss, squared, max, slope])?;
    let point = Point {
        x,
        gradient,
        loss: loss_value,
        gradient_norm: squared.sqrt(),
        gradient_max: max,
    };
    Ok((point, if direction.is_some() { slope } else { f64::NAN }))
}

/// The lowest-loss point seen so far, kept as tensor handles (no copy).
#[derive(Debug, Clone)]
pub(crate) struct Best<const D: usize> {
    pub x: Tensor<D>,
    pub loss: f64,
}

impl<const D: usize> Best<D> {
    pub fn new(point: &Point<D>) -> Self {
        Self {
            x: point.x.clone(),
            loss: point.loss,
        }
    }

    /// Remembers `point` if its loss is finite and lower.
    pub fn offer(&mut self, point: &Point<D>) {
        if point.is_finite() && (point.loss < self.loss || !self.loss.is_finite()) {
            self.x = point.x.clone();
            self.loss = point.loss;
        }
    }
}
