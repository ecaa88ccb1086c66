//! The crate's one error type.
//!
//! Errors are for things the caller must fix (a configuration out of range, an objective
//! that returns a gradient of the wrong shape), that the device reports, or that the
//! objective itself returns. How a run *ended* — converged, out of budget, a failed line
//! search, a non-finite loss — is never an error: it is a
//! [`Termination`](crate::Termination) in the [`Outcome`](crate::Outcome).

use std::convert::Infallible;
use std::fmt;

use thiserror::Error;

/// Everything that can go wrong in `impasto-optim`.
///
/// `E` is the error type of the [`Objective`](crate::Objective) being minimised
/// ([`Objective::Error`](crate::Objective::Error)): [`Minimizer::minimize`](crate::Minimizer::minimize)
/// returns the objective's error as [`OptimError::Objective`], typed, so the caller gets
/// its own error back without downcasting. Where no objective is involved (settings, the
/// two-loop recursion) `E` is [`Infallible`], the default.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum OptimError<E = Infallible> {
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

    /// The objective returned a loss or a gradient of the wrong shape.
    ///
    /// Happens during [`Minimizer::minimize`](crate::Minimizer::minimize), at the first
    /// evaluation whose gradient's shape differs from the point's, or whose loss is not a
    /// one-element tensor `[1]`.
    #[error("{}", shape_message(*.part, .expected, .found))]
    ShapeMismatch {
        /// Which of the two had the wrong shape.
        part: EvaluationPart,
        /// The shape it must have: the point's for the gradient, `[1]` for the loss.
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

    /// The objective returned an error; the run stopped at that evaluation.
    ///
    /// Happens during [`Minimizer::minimize`](crate::Minimizer::minimize), with the error
    /// [`Objective::evaluate`](crate::Objective::evaluate) returned, unchanged.
    #[error("the objective failed: {0}")]
    Objective(#[source] E),
}

/// The part of an [`Evaluation`](crate::Evaluation) an [`OptimError::ShapeMismatch`] is
/// about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvaluationPart {
    /// The loss, which must be a one-element tensor `[1]`.
    Loss,
    /// The gradient, which must have the point's shape.
    Gradient,
}

impl fmt::Display for EvaluationPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EvaluationPart::Loss => "loss",
            EvaluationPart::Gradient => "gradient",
        })
    }
}

fn shape_message(part: EvaluationPart, expected: &[usize], found: &[usize]) -> String {
    let rule = match part {
        EvaluationPart::Loss => "a loss is a one-element tensor of shape",
        EvaluationPart::Gradient => "the point has shape",
    };
    format!("the objective's {part} has shape {found:?}, but {rule} {expected:?}")
}

impl<E> OptimError<E> {
    /// The objective's own error, or else this error without an objective error type:
    /// `Ok(e)` for [`OptimError::Objective(e)`](OptimError::Objective), `Err` with the same
    /// variant as an [`OptimError`] for every other error.
    ///
    /// ```
    /// use impasto_optim::OptimError;
    ///
    /// let failed: OptimError<String> = OptimError::Objective("no network".into());
    /// assert_eq!(failed.into_objective(), Ok("no network".to_string()));
    /// let device: OptimError<String> = OptimError::DeviceRead("lost".into());
    /// assert_eq!(device.into_objective(), Err(OptimError::DeviceRead("lost".into())));
    /// ```
    pub fn into_objective(self) -> Result<E, OptimError> {
        self.split()
    }

    /// The same error with the objective's error (if it is one) passed through `f`.
    ///
    /// ```
    /// use impasto_optim::OptimError;
    ///
    /// let failed: OptimError<&str> = OptimError::Objective("no network");
    /// assert_eq!(failed.map_objective(str::len), OptimError::Objective(10));
    /// ```
    pub fn map_objective<F>(self, f: impl FnOnce(E) -> F) -> OptimError<F> {
        match self.split() {
            Ok(error) => OptimError::Objective(f(error)),
            Err(other) => other,
        }
    }

    /// The objective's error, or every other variant re-typed for any objective error.
    fn split<F>(self) -> Result<E, OptimError<F>> {
        Err(match self {
            OptimError::Objective(error) => return Ok(error),
            OptimError::InvalidConfig {
                parameter,
                value,
                expected,
            } => OptimError::InvalidConfig {
                parameter,
                value,
                expected,
            },
            OptimError::ShapeMismatch {
                part,
                expected,
                found,
            } => OptimError::ShapeMismatch {
                part,
                expected,
                found,
            },
            OptimError::DeviceRead(reason) => OptimError::DeviceRead(reason),
        })
    }
}

impl OptimError {
    /// Shorthand for [`OptimError::InvalidConfig`].
    pub(crate) fn invalid(
        parameter: &'static str,
        value: impl fmt::Display,
        expected: &'static str,
    ) -> Self {
        OptimError::InvalidConfig {
            parameter,
            value: value.to_string(),
            expected,
        }
    }

    /// The same error, typed for a run whose objective fails with `E` (it carries no
    /// objective error).
    pub(crate) fn widen<E>(self) -> OptimError<E> {
        self.map_objective(|never| match never {})
    }
}
