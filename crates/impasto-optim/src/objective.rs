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
/// Closures `FnMut(&Tensor<D>) -> Evaluation<D>` are objectives.
///
/// # Shapes
///
/// `x`: any `[D]` shape, the same at every call; the returned gradient has that shape.
///
/// # Example
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_optim::{Evaluation, Objective};
///
/// /// f(x) = ‖x − 1‖², with burn's autodiff giving the gradient.
/// struct Bowl;
///
/// impl Objective<1> for Bowl {
///     fn evaluate(&mut self, x: &Tensor<1>) -> Evaluation<1> {
///         let x = x.clone().autodiff().require_grad();
///         let loss = (x.clone() - 1.0).powi_scalar(2).sum();
///         let grads = loss.backward();
///         let gradient = x.grad(&grads).expect("x requires its gradient");
///         Evaluation::new(loss, gradient)
///     }
/// }
///
/// let x = Tensor::<1>::from_floats([0.0, 3.0], &Device::flex());
/// let e = Bowl.evaluate(&x);
/// assert_eq!(e.loss.into_scalar::<f32>(), 5.0);
/// assert_eq!(e.gradient.into_data().iter::<f32>().collect::<Vec<_>>(), [-2.0, 4.0]);
/// ```
pub trait Objective<const D: usize> {
    /// f(x) and ∇f(x).
    ///
    /// `x` carries no autodiff graph; enable autodiff on a clone of it where the gradient
    /// comes from burn's autodiff (see the example above).
    fn evaluate(&mut self, x: &Tensor<D>) -> Evaluation<D>;
}

impl<const D: usize, F> Objective<D> for F
where
    F: FnMut(&Tensor<D>) -> Evaluation<D>,
{
    fn evaluate(&mut self, x: &Tensor<D>) -> Evaluation<D> {
        self(x)
    }
}
