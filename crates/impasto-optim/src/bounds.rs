//! Box constraints l ≤ x ≤ u: the projection onto the box, the projected gradient, and
//! which variables sit at a bound.

use std::convert::Infallible;

use burn::tensor::{Bool, Tensor};

use crate::OptimError;
use crate::scalars::read_scalars;

/// Box constraints l ≤ x ≤ u for [`Minimizer::minimize_within`](crate::Minimizer::minimize_within):
/// none, one pair for every element, or a pair per element.
///
/// Every point a minimizer evaluates is first projected onto the box (each element
/// clamped to its own [lᵢ, uᵢ]), so the start point may lie outside it; the run's
/// gradient tolerance is then tested on the projected gradient, max |P(x − ∇f) − x|,
/// which is zero exactly at the points that satisfy the bounded first-order conditions.
/// Without bounds a run is the unconstrained one, bit for bit.
///
/// # Shapes
///
/// Per-element bounds have the start point's shape.
///
/// # Example
///
/// ```
/// use std::convert::Infallible;
///
/// use burn::tensor::{Device, Tensor};
/// use impasto_optim::{Bounds, Evaluation, Lbfgs, LbfgsConfig, Minimizer};
///
/// // f(x) = Σ (xᵢ − 2)², whose minimum (2, 2) lies outside [0, 1]²: the solution is (1, 1).
/// let mut f = |x: &Tensor<1>| {
///     let d = x.clone() - 2.0;
///     Ok::<_, Infallible>(Evaluation::new(d.clone().powi_scalar(2).sum(), d * 2.0))
/// };
/// let x0 = Tensor::<1>::from_floats([0.5, 0.0], &Device::flex());
/// let bounds = Bounds::uniform(0.0, 1.0)?;
/// let outcome = Lbfgs::new(LbfgsConfig::default()).minimize_within(&mut f, x0, &bounds, &mut ())?;
/// assert!(outcome.termination.converged());
/// assert_eq!(outcome.x.into_data().to_vec::<f32>().unwrap(), [1.0, 1.0]);
/// # Ok::<(), impasto_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Bounds<const D: usize> {
    kind: Kind<D>,
}

// One value per run, cloned as tensor handles: boxing the large variant would only allocate.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Default)]
enum Kind<const D: usize> {
    #[default]
    Unbounded,
    Uniform {
        lower: f64,
        upper: f64,
    },
    PerElement {
        lower: Tensor<D>,
        upper: Tensor<D>,
        /// Whether every bound is finite.
        boxed: bool,
    },
}

impl<const D: usize> Bounds<D> {
    /// No bounds: the unconstrained problem.
    pub fn none() -> Self {
        Self::default()
    }

    /// lower ≤ xᵢ ≤ upper for every element. Either may be infinite (−∞ and +∞ for a
    /// one-sided box).
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] if a bound is NaN or `lower > upper`, or if `lower`
    /// is +∞ or `upper` −∞.
    pub fn uniform(lower: f64, upper: f64) -> Result<Self, OptimError> {
        if lower.is_nan() || lower == f64::INFINITY {
            return Err(OptimError::invalid(
                "lower bound",
                lower,
                "a number below +∞",
            ));
        }
        if upper.is_nan() || upper == f64::NEG_INFINITY || upper < lower {
            return Err(OptimError::invalid(
                "upper bound",
                upper,
                "a number ≥ the lower bound",
            ));
        }
        Ok(Self {
            kind: Kind::Uniform { lower, upper },
        })
    }

    /// lowerᵢ ≤ xᵢ ≤ upperᵢ, one pair per element. Whether lower ≤ upper everywhere is
    /// checked here (one read of the device); whether the shapes match the start point's
    /// when the run starts.
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] if the two shapes differ, or some lowerᵢ > upperᵢ
    /// (or is NaN); [`OptimError::DeviceRead`] if the check cannot be read back.
    pub fn per_element(lower: Tensor<D>, upper: Tensor<D>) -> Result<Self, OptimError> {
        if lower.dims() != upper.dims() {
            return Err(OptimError::invalid(
                "upper bound shape",
                format!("{:?}", upper.dims()),
                "the lower bound's shape",
            ));
        }
        // lower ≤ upper fails for NaN too; count the elements where it fails, and the
        // infinite bounds.
        let crossed = lower
            .clone()
            .lower_equal(upper.clone())
            .bool_not()
            .int()
            .sum();
        let infinite = lower.clone().is_inf().int().sum() + upper.clone().is_inf().int().sum();
        let [crossed, infinite] =
            read_scalars::<Infallible, 2>([crossed.float(), infinite.float()])?;
        if crossed > 0.0 {
            return Err(OptimError::invalid(
                "bounds",
                format!("{crossed} elements with lower > upper"),
                "lower ≤ upper everywhere",
            ));
        }
        Ok(Self {
            kind: Kind::PerElement {
                lower,
                upper,
                boxed: infinite == 0.0,
            },
        })
    }

    /// Whether these are no bounds at all.
    pub fn is_none(&self) -> bool {
        matches!(self.kind, Kind::Unbounded)
    }

    /// Whether every variable has two finite bounds (L-BFGS-B's "boxed" problem, whose
    /// first step is the unit one).
    pub(crate) fn boxed(&self) -> bool {
        match &self.kind {
            Kind::Unbounded => false,
            Kind::Uniform { lower, upper } => lower.is_finite() && upper.is_finite(),
            Kind::PerElement { boxed, .. } => *boxed,
        }
    }

    /// The per-element bounds' shape, if they have one.
    pub(crate) fn shape(&self) -> Option<Vec<usize>> {
        match &self.kind {
            Kind::PerElement { lower, .. } => Some(lower.dims().to_vec()),
            _ => None,
        }
    }

    /// P(x): each element clamped to its box. `x` itself when unbounded.
    pub fn project(&self, x: Tensor<D>) -> Tensor<D> {
        match &self.kind {
            Kind::Unbounded => x,
            Kind::Uniform { lower, upper } => x.clamp(*lower, *upper),
            Kind::PerElement { lower, upper, .. } => {
                x.max_pair(lower.clone()).min_pair(upper.clone())
            }
        }
    }

    /// The projected gradient P(x − g) − x, zero where a variable at a bound is pushed
    /// outward and −g elsewhere (up to the distance to the bound).
    pub(crate) fn projected_gradient(&self, x: &Tensor<D>, gradient: &Tensor<D>) -> Tensor<D> {
        self.project(x.clone() - gradient.clone()) - x.clone()
    }

    /// Where x is at (or beyond) its lower bound; `None` when no element can be.
    pub(crate) fn at_lower(&self, x: &Tensor<D>) -> Option<Tensor<D, Bool>> {
        match &self.kind {
            Kind::Unbounded => None,
            Kind::Uniform { lower, .. } if lower.is_infinite() => None,
            Kind::Uniform { lower, .. } => Some(x.clone().lower_equal_elem(*lower)),
            Kind::PerElement { lower, .. } => Some(x.clone().lower_equal(lower.clone())),
        }
    }

    /// Where x is at (or beyond) its upper bound; `None` when no element can be.
    pub(crate) fn at_upper(&self, x: &Tensor<D>) -> Option<Tensor<D, Bool>> {
        match &self.kind {
            Kind::Unbounded => None,
            Kind::Uniform { upper, .. } if upper.is_infinite() => None,
            Kind::Uniform { upper, .. } => Some(x.clone().greater_equal_elem(*upper)),
            Kind::PerElement { upper, .. } => Some(upper.clone().lower_equal(x.clone())),
        }
    }

    /// Where `x` is at its lower and at its upper bound, compared once for the several
    /// masks one iteration takes of them.
    pub(crate) fn faces(&self, x: &Tensor<D>) -> Faces<D> {
        Faces {
            lower: self.at_lower(x),
            upper: self.at_upper(x),
        }
    }

    /// The right derivative of t ↦ P(x + t·d) at the point `raw` = x + t·d: d where
    /// `raw` lies strictly inside the box, zero where the projection holds it.
    pub(crate) fn path_direction(&self, raw: &Tensor<D>, direction: &Tensor<D>) -> Tensor<D> {
        let mut d = direction.clone();
        if let Some(at_lower) = self.at_lower(raw) {
            d = d.mask_fill(at_lower, 0.0);
        }
        if let Some(at_upper) = self.at_upper(raw) {
            d = d.mask_fill(at_upper, 0.0);
        }
        d
    }
}

/// Where a point is at a bound ([`Bounds::faces`]); `None` for a side no element can be at.
pub(crate) struct Faces<const D: usize> {
    lower: Option<Tensor<D, Bool>>,
    upper: Option<Tensor<D, Bool>>,
}

impl<const D: usize> Faces<D> {
    /// Where `v` points out of the box from a bound: vᵢ < 0 at the lower bound, vᵢ > 0 at
    /// the upper. With v = −g, the variables the gradient holds at their bound (at the
    /// lower with gᵢ > 0, at the upper with gᵢ < 0); `None` when no element is at a
    /// bound's side.
    pub(crate) fn outward(&self, v: &Tensor<D>) -> Option<Tensor<D, Bool>> {
        let lower = self
            .lower
            .clone()
            .map(|at| at.bool_and(v.clone().lower_elem(0.0)));
        let upper = self
            .upper
            .clone()
            .map(|at| at.bool_and(v.clone().greater_elem(0.0)));
        match (lower, upper) {
            (Some(l), Some(u)) => Some(l.bool_or(u)),
            (l, u) => l.or(u),
        }
    }

    /// `v` with the elements that point out of the box from a bound zeroed: the
    /// directions the projection would cut off at once.
    pub(crate) fn hold_outward(&self, v: Tensor<D>) -> Tensor<D> {
        match self.outward(&v) {
            Some(outward) => v.mask_fill(outward, 0.0),
            None => v,
        }
    }
}
