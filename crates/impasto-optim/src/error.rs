//! The crate's one error type.
//!
//! Errors are for things the caller must fix (a configuration out of range, an objective
//! that returns a gradient of the wrong shape) or that the device reports. How a run
//! *ended* — converged, out of budget, a failed line search, a non-finite loss — is never
//! an error: it is a [`Termination`](crate::Termination) in the [`Outcome`](crate::Outcome).

use thiserror::Error;

/// Everything that can go wrong in `impasto-optim`.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum OptimError {
    /// A configuration value is outside its valid range.
    ///
    /// Returned by the validating `with_*` setters of [`LbfgsConfig`](crate::LbfgsConfig),
    /// [`GradientDescentConfig`](crate::GradientDescentConfig) and
    /// [`AdamConfig`](crate::AdamConfig), and by [`LineSearch::validate`](crate::LineSearch::validate).
    #[error("invalid optimizer setting `{parameter}` = {value}: expected {expected}")]
    InvalidConfig {
        /// The setting's name, as in the setter (`history`, `learning_rate`, …).
        parameter: &'static str,
        /// The rejected value, formatted.
        value: String,
        /// The valid range, in words.
        expected: &'static str,
    },

    /// The objective returned a gradient whose shape differs from the point's.
    ///
    /// Happens during [`Minimizer::minimize`](crate::Minimizer::minimize), at the first
    /// evaluation whose gradient has the wrong shape, or whose loss is not a one-element
    /// tensor (then `found` is the loss's shape).
    #[error("the objective's gradient has shape {found:?}, but the point has shape {expected:?}")]
    ShapeMismatch {
        /// The shape of the point being optimised.
        expected: Vec<usize>,
        /// The shape the objective returned.
        found: Vec<usize>,
    },

    /// Reading the loss or a reduction of the gradient back from the device failed.
    ///
    /// Happens during [`Minimizer::minimize`](crate::Minimizer::minimize) when the backend
    /// reports an execution error (a lost GPU device, an out-of-memory kernel launch).
    #[error("reading optimizer scalars from the device failed: {0}")]
    DeviceRead(String),
}

impl OptimError {
    /// Shorthand for [`OptimError::InvalidConfig`].
    pub(crate) fn invalid(
        parameter: &'static str,
        value: impl std::fmt::Display,
        expected: &'static str,
    ) -> Self {
        OptimError::InvalidConfig {
            parameter,
            value: value.to_string(),
            expected,
        }
    }
}
