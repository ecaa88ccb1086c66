//! Reading scalars back from the device, and the evaluation of a point with its reductions.
//!
//! Every decision of a minimizer (sufficient decrease, curvature, tolerances) is taken on
//! the host in f64, so some scalars must come back from the device. On a GPU each read is
//! a synchronisation that drains the queue, so the reads are batched: all the scalars one
//! evaluation needs (f, ‖g‖², max |g|, gᵀd) come back in one [`Transaction`].

use burn::tensor::{Tensor, Transaction};

use crate::{Bounds, Evaluation, EvaluationPart, Objective, OptimError};

/// Reads one-element tensors back as f64, in one device synchronisation.
pub(crate) fn read_scalars<E, const N: usize>(
    tensors: [Tensor<1>; N],
) -> Result<[f64; N], OptimError<E>> {
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
pub struct Point<const D: usize> {
    pub x: Tensor<D>,
    pub gradient: Tensor<D>,
    pub loss: f64,
    /// ‖g‖₂.
    pub gradient_norm: f64,
    /// max |gᵢ|.
    pub gradient_max: f64,
    /// max |P(x − g) − x|ᵢ, the projected gradient's largest element: max |gᵢ| when
    /// unbounded.
    pub projected_gradient_max: f64,
    /// Which evaluation of the run this is, counting from 1.
    pub evaluation: usize,
}

impl<const D: usize> Point<D> {
    /// Whether the loss and every gradient element are finite (a NaN or ∞ anywhere in g
    /// makes ‖g‖ non-finite).
    pub fn is_finite(&self) -> bool {
        self.loss.is_finite() && self.gradient_norm.is_finite()
    }
}

/// Evaluates the objective at `x` (a point inside `bounds`) as evaluation number
/// `evaluation` and reads f, ‖g‖, max |g|, the projected gradient's max (bounded runs
/// only) and, when a direction is given, the slope gᵀd, all in one synchronisation.
pub(crate) fn evaluate<const D: usize, O: Objective<D>>(
    objective: &mut O,
    x: Tensor<D>,
    bounds: &Bounds<D>,
    direction: Option<&Tensor<D>>,
    evaluation: usize,
) -> Result<(Point<D>, Option<f64>), OptimError<O::Error>> {
    let Evaluation { loss, gradient } = objective.evaluate(&x).map_err(OptimError::Objective)?;
    let (loss, gradient) = (loss.inner(), gradient.inner());
    if gradient.dims() != x.dims() {
        return Err(OptimError::ShapeMismatch {
            part: EvaluationPart::Gradient,
            expected: x.dims().to_vec(),
            found: gradient.dims().to_vec(),
        });
    }
    if loss.dims() != [1] {
        return Err(OptimError::ShapeMismatch {
            part: EvaluationPart::Loss,
            expected: vec![1],
            found: loss.dims().to_vec(),
        });
    }
    let squared = dot(&gradient, &gradient);
    let max = gradient.clone().abs().max();
    // Unbounded, the projected gradient is the gradient: no reduction is added.
    let projected = if bounds.is_none() {
        max.clone()
    } else {
        bounds.projected_gradient(&x, &gradient).abs().max()
    };
    // The slope's place is always filled, so that one read serves both cases.
    let slope = direction.map_or_else(|| max.clone(), |d| dot(&gradient, d));
    let [loss_value, squared, max, projected, slope_value] =
        read_scalars([loss, squared, max, projected, slope])?;
    let point = Point {
        x,
        gradient,
        loss: loss_value,
        gradient_norm: squared.sqrt(),
        gradient_max: max,
        projected_gradient_max: projected,
        evaluation,
    };
    let slope = direction.map(|_| slope_value);
    Ok((point, slope))
}

/// The lowest-loss point seen so far, kept as tensor handles (no copy).
#[derive(Debug, Clone)]
pub struct Best<const D: usize> {
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
