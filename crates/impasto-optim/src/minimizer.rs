//! The interface every optimizer of the crate implements.

use burn::tensor::Tensor;

use crate::run::{Method, minimize};
use crate::{Bounds, Objective, Observer, OptimError, Outcome};

/// Minimises an [`Objective`] from a start point: [`Lbfgs`](crate::Lbfgs),
/// [`GradientDescent`](crate::GradientDescent) and [`Adam`](crate::Adam), the only
/// implementors (the trait is sealed: the three share one run loop, and `minimize` is
/// provided).
///
/// A run evaluates the start point first (observer record 0), then iterates until a
/// [`Termination`](crate::Termination) or an error (the objective's own, returned typed as
/// [`OptimError::Objective`]). The point's vectors (iterates, gradients, history)
/// stay burn tensors on `x0`'s device, in its dtype (f32, or f64 where the backend has it);
/// the scalars that steer the run come back to the host as f64.
///
/// # Shapes
///
/// `x0`: any `[D]` shape (a `[1, 3, H, W]` image, a `[n]` vector); the objective is called
/// with, and must return gradients of, that shape; [`Outcome::x`] has it too.
///
/// # Example
///
/// ```
/// use std::convert::Infallible;
///
/// use burn::tensor::{Device, Tensor};
/// use impasto_optim::{Adam, AdamConfig, Evaluation, Minimizer, Termination};
///
/// // f(x) = ‖x‖², ∇f = 2x, by hand; it cannot fail.
/// let mut objective = |x: &Tensor<1>| {
///     Ok::<_, Infallible>(Evaluation::new(x.clone().powi_scalar(2).sum(), x.clone() * 2.0))
/// };
/// let adam = Adam::new(AdamConfig::default().with_learning_rate(0.1)?.with_max_iterations(50)?);
/// let x0 = Tensor::<1>::from_floats([1.0, -2.0], &Device::flex());
/// let outcome = adam.minimize(&mut objective, x0, &mut ())?;
/// assert_eq!(outcome.termination, Termination::MaxIterations);
/// assert!(outcome.loss < 5.0);
/// # Ok::<(), impasto_optim::OptimError>(())
/// ```
pub trait Minimizer: Method {
    /// Minimises `objective` from `x0`, calling `observer` after every iteration.
    ///
    /// # Errors
    ///
    /// [`OptimError::Objective`] with the objective's error if an evaluation fails;
    /// [`OptimError::ShapeMismatch`] if the objective returns a gradient of another shape
    /// (or a loss of more than one element); [`OptimError::DeviceRead`] if the device fails.
    /// How the run ended otherwise is [`Outcome::termination`], never an error.
    fn minimize<const D: usize, O, B>(
        &self,
        objective: &mut O,
        x0: Tensor<D>,
        observer: &mut B,
    ) -> Result<Outcome<D>, OptimError<O::Error>>
    where
        O: Objective<D>,
        B: Observer,
    {
        minimize(self, objective, x0, &Bounds::none(), observer)
    }

    /// Minimises `objective` from `x0` within the box `bounds`: every point evaluated is
    /// projected into it (the start point too), and the gradient tolerance applies to the
    /// projected gradient. [`Lbfgs`](crate::Lbfgs) holds the variables that the gradient
    /// pushes against a bound and searches along the projected path;
    /// [`GradientDescent`](crate::GradientDescent) and [`Adam`](crate::Adam) project each
    /// step. With [`Bounds::none`] this is [`minimize`](Self::minimize).
    ///
    /// # Errors
    ///
    /// As [`minimize`](Self::minimize), and [`OptimError::InvalidConfig`] if per-element
    /// bounds do not have `x0`'s shape.
    fn minimize_within<const D: usize, O, B>(
        &self,
        objective: &mut O,
        x0: Tensor<D>,
        bounds: &Bounds<D>,
        observer: &mut B,
    ) -> Result<Outcome<D>, OptimError<O::Error>>
    where
        O: Objective<D>,
        B: Observer,
    {
        minimize(self, objective, x0, bounds, observer)
    }
}

impl Minimizer for crate::Lbfgs {}
impl Minimizer for crate::GradientDescent {}
impl Minimizer for crate::Adam {}
