//! Minimise a function of a burn tensor: a hand-written L-BFGS (two-loop recursion, strong
//! Wolfe or Armijo line search, or torch.optim.LBFGS's fixed step), gradient descent and
//! Adam.
//!
//! ```
//! use std::convert::Infallible;
//!
//! use burn::tensor::{Device, Tensor};
//! use impasto_optim::{Evaluation, Lbfgs, LbfgsConfig, Minimizer, Termination};
//!
//! /// Rosenbrock's valley, f(a, b) = (1 − a)² + 100 (b − a²)², minimum 0 at (1, 1);
//! /// burn's autodiff gives the gradient. It cannot fail.
//! fn rosenbrock(x: &Tensor<1>) -> Result<Evaluation<1>, Infallible> {
//!     let x = x.clone().autodiff().require_grad();
//!     let a = x.clone().narrow(0, 0, 1);
//!     let b = x.clone().narrow(0, 1, 1);
//!     let loss = (a.clone().neg() + 1.0).powi_scalar(2)
//!         + (b - a.powi_scalar(2)).powi_scalar(2) * 100.0;
//!     let grads = loss.backward();
//!     Ok(Evaluation::new(loss, x.grad(&grads).expect("x requires its gradient")))
//! }
//!
//! let x0 = Tensor::<1>::from_floats([-1.2, 1.0], &Device::flex());
//! let lbfgs = Lbfgs::new(LbfgsConfig::default().with_gradient_tolerance(1e-3)?);
//! let outcome = lbfgs.minimize(&mut rosenbrock, x0, &mut ())?;
//! assert_eq!(outcome.termination, Termination::ConvergedGradient);
//! assert!(outcome.loss < 1e-6, "f = {} after {} evaluations", outcome.loss, outcome.evaluations);
//! # Ok::<(), impasto_optim::OptimError>(())
//! ```
//!
//! # Pieces
//!
//! - [`Objective`]: loss and gradient at a point, one call = one evaluation (one forward
//!   and one backward pass in style transfer), or the objective's own error, which ends
//!   the run and comes back typed; closures are objectives.
//! - [`Minimizer`]: start point in, [`Outcome`] out (the best point, its loss, iterations,
//!   evaluations, a typed [`Termination`]); implemented by [`Lbfgs`], [`GradientDescent`]
//!   and [`Adam`].
//! - [`Observer`]: called after every iteration with an [`IterationRecord`] (which
//!   evaluation the iterate is among them); can stop the run. Closures are observers, `()`
//!   watches nothing.
//! - [`LbfgsConfig`] and [`LineSearch`]: validated settings; [`two_loop_direction`] and
//!   [`History`]: the recursion on its own ([`RecursionScalars`]: its scalars on the host
//!   or on the device).
//! - [`Bounds`] and [`Minimizer::minimize_within`]: minimisation under box constraints
//!   l ≤ x ≤ u (every point projected into the box, the gradient tolerance on the
//!   projected gradient; L-BFGS holds the variables a bound stops and searches along the
//!   projected path, checked against scipy's L-BFGS-B).
//! - [`OptimError`]: invalid settings, malformed evaluations, device failures and the
//!   objective's own errors. How a run ends is never an error.
//!
//! # Devices
//!
//! Nothing here names a backend. The iterate, gradients and history are burn tensors on
//! the start point's device (flex, ndarray, wgpu, cuda), in its dtype; the scalars that
//! steer the run (losses, slopes, norms) come back to the host as f64, batched so that an
//! evaluation costs one device synchronisation. The two-loop recursion's own 2m scalars are
//! read back by default, which measured as fast or faster on flex and software wgpu;
//! [`RecursionScalars::Device`] keeps them on the device.

mod adam;
mod bounds;
mod config;
mod error;
mod gradient_descent;
mod lbfgs;
mod line_search;
mod minimizer;
mod objective;
mod observer;
mod outcome;
mod run;
mod scalars;
mod two_loop;

pub use adam::{Adam, AdamConfig};
pub use bounds::Bounds;
pub use config::{LbfgsConfig, LineSearch};
pub use error::{EvaluationPart, OptimError};
pub use gradient_descent::{GradientDescent, GradientDescentConfig};
pub use lbfgs::Lbfgs;
pub use minimizer::Minimizer;
pub use objective::{Evaluation, Objective};
pub use observer::{Control, IterationRecord, Observer};
pub use outcome::{Outcome, Termination};
pub use two_loop::{
    CURVATURE_EPSILON, History, RecursionScalars, two_loop_direction, two_loop_direction_on_device,
};
