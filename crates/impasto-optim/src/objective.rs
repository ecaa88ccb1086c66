//! What is minimised: a loss and its gradient at a point.

use burn::tensor::Tensor;

/// The loss and gradient of an [`Objective`] at one point.
///
/// # Shapes
///
/// - `loss`: `[1]` (a one-element tensor, on the point's device);
/// - `gradient`: the point's shape (`[D]` dimensions, e.g. `[1, 3, H, W]` for an image).
///
/// The loss stays a tensor so that the minimizers can read it back together with the
/// reductions of the gradient they need (norm, max |g|, gᵀd) in a single device
/// synchronisation per evaluation.
#[derive(Debug, Clone)]
pub struct Evaluation<const D: usize> {
    /// f(x), a one-element tensor.
    pub loss: Tensor<1>,
    /// ∇f(x), the shape of x.
    pub gradient: Tensor<D>,
}

impl<const D: usize> Evaluation<D> {
    /// Pairs a loss with its gradient, dropping any autodiff graph either still holds.
    ///
    /// The graph of the forward pass can be large (every VGG activation); the minimizers
    /// keep evaluations across a line search, so holding on to it would hold that memory.
    ///
    /// # Shapes
    ///
    /// `loss`: `[1]`; `gradient`: the point's shape.
    ///
    /// # Example
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use impasto_optim::Evaluation;
    ///
    /// let device = Device::flex();
    /// let x = Tensor::<1>::from_floats([3.0, 4.0], &device);
    /// // f(x) = ½‖x‖², ∇f(x) = x.
    /// let e = Evaluation::new((x.clone() * x.clone()).sum() * 0.5, x);
    /// assert_eq!(e.loss.into_scalar::<f32>(), 12.5);
    /// ```
    pub fn new(loss: Tensor<1>, gradient: Tensor<D>) -> Self {
        Self {
            loss: loss.inner(),
            gradient: gradient.inner(),
        }
    }
}

/// A differentiable function of a burn tensor.
///
/// One call of [`evaluate`](Objective::evaluate) is one evaluation: in style transfer, one
/// VGG forward and one backward pass, the cost that dominates everything else. The
/// minimizers count these calls, and their line searches never call it twice at the same
/// point (the accepted trial's gradient is reused, not recomputed).
///
/// An evaluation may fail with the objective's own [`Error`](Objective::Error) (as argmin's
/// cost functions do): the run stops there and
/// [`Minimizer::minimize`](crate::Minimizer::minimize) returns it, typed, as
/// [`OptimError::Objective`](crate::OptimError::Objective). An objective that cannot
/// fail uses [`Infallible`](std::convert::Infallible).
///
/// Closures `FnMut(&Tensor<D>) -> Result<Evaluation<D>, E>` are objectives.
///
/// # Shapes
///
/// `x`: any `[D]` shape, the same at every call; the returned gradient has that shape.
///
/// # Example
///
/// ```
/// use std::convert::Infallible;
///
/// use burn::tensor::{Device, Tensor};
/// use impasto_optim::{Evaluation, Objective};
///
/// /// f(x) = ‖x − 1‖², with burn's autodiff giving the gradient.
/// struct Bowl;
///
/// impl Objective<1> for Bowl {
///     type Error = Infallible;
///
///     fn evaluate(&mut self, x: &Tensor<1>) -> Result<Evaluation<1>, Infallible> {
///         let x = x.clone().autodiff().require_grad();
///         let loss = (x.clone() - 1.0).powi_scalar(2).sum();
///         let grads = loss.backward();
///         let gradient = x.grad(&grads).expect("x requires its gradient");
///         Ok(Evaluation::new(loss, gradient))
///     }
/// }
///
/// let x = Tensor::<1>::from_floats([0.0, 3.0], &Device::flex());
/// let e = Bowl.evaluate(&x)?;
/// assert_eq!(e.loss.into_scalar::<f32>(), 5.0);
/// assert_eq!(e.gradient.into_data().iter::<f32>().collect::<Vec<_>>(), [-2.0, 4.0]);
/// # Ok::<(), Infallible>(())
/// ```
pub trait Objective<const D: usize> {
    /// What a failed evaluation returns ([`Infallible`](std::convert::Infallible) if none
    /// can fail).
    type Error;

    /// f(x) and ∇f(x).
    ///
    /// `x` carries no autodiff graph; enable autodiff on a clone of it where the gradient
    /// comes from burn's autodiff (see the example above).
    ///
    /// # Errors
    ///
    /// Whatever the objective cannot evaluate; the minimizers end the run with it.
    fn evaluate(&mut self, x: &Tensor<D>) -> Result<Evaluation<D>, Self::Error>;
}

impl<const D: usize, F, E> Objective<D> for F
where
    F: FnMut(&Tensor<D>) -> Result<Evaluation<D>, E>,
{
    type Error = E;

    fn evaluate(&mut self, x: &Tensor<D>) -> Result<Evaluation<D>, E> {
        self(x)
    }
}
