//! Keeping the optimised picture a picture: pixels in [0, 1], so that the image saved is
//! the image optimised.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Tensor;
use impasto_optim::{Bounds, Evaluation, Objective, Observer, OptimError, Outcome};

use super::OptimizerConfig;

/// How a run keeps its pixels in [0, 1], the range a saved image has.
///
/// The optimised variable is always the RGB image in [0, 1], whatever the network's input
/// convention: torchvision's normalisation and Caffe's BGR 0–255 minus the means are
/// per-channel affine maps inside the network (impasto-vgg's preprocessing), so the box
/// [0, 1] per pixel is exactly the box of each convention's own range, mapped, and no
/// clamp is needed after the run.
///
/// Measured in docs/benchmarks.md ("The picture saved is the picture optimised"): the
/// loss of the saved PNG against the run's own final loss, and against the two simpler
/// alternatives, at equal evaluations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PixelBounds {
    /// Minimise within the box [0, 1] per pixel
    /// ([`Minimizer::minimize_within`](impasto_optim::Minimizer::minimize_within): L-BFGS
    /// with the held variables and the projected search; gradient descent and Adam
    /// project each step). The default.
    #[default]
    Box,
    /// Optimise z with x = sigmoid(z), unconstrained: the gradient is ∇f(x)·x(1 − x). The
    /// start is logit(x₀), with x₀ clamped to [1/512, 1 − 1/512] (half an 8-bit step
    /// inside) so that it is finite.
    Sigmoid,
    /// Unconstrained, with the excursion penalty μ Σ (max(0, x − 1)² + max(0, −x)²)
    /// added to the loss; μ = f(x₀) / (N δ²) with δ = 1/255 and N the pixel values, so
    /// that every value one 8-bit step outside would cost as much as the start's loss.
    Penalty,
    /// No bounds, as before this option existed: the save clamps what leaves [0, 1].
    None,
}

impl PixelBounds {
    /// Every variant, in the order the command lists them.
    pub const ALL: [PixelBounds; 4] = [
        PixelBounds::Box,
        PixelBounds::Sigmoid,
        PixelBounds::Penalty,
        PixelBounds::None,
    ];

    /// `box`, `sigmoid`, `penalty` or `none`: the names the command and the report use.
    pub fn name(self) -> &'static str {
        match self {
            PixelBounds::Box => "box",
            PixelBounds::Sigmoid => "sigmoid",
            PixelBounds::Penalty => "penalty",
            PixelBounds::None => "none",
        }
    }
}

impl fmt::Display for PixelBounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PixelBounds {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| {
                format!("unknown pixel bounds `{s}`: expected box, sigmoid, penalty or none")
            })
    }
}

/// Half an 8-bit step: how far inside (0, 1) the sigmoid's start is kept.
const SIGMOID_MARGIN: f64 = 0.5 / 255.0;

/// One 8-bit step, the excursion the penalty is scaled to.
const PENALTY_STEP: f64 = 1.0 / 255.0;

/// Runs `optimizer` on `objective` from `x0` with the pixels kept in [0, 1] by `bounds`;
/// the outcome's `x` is in pixel space whatever the parameterisation.
pub(super) fn minimize_pixels<O: Objective<4>, B: Observer>(
    bounds: PixelBounds,
    optimizer: &OptimizerConfig,
    objective: &mut O,
    x0: Tensor<4>,
    observer: &mut B,
) -> Result<Outcome<4>, OptimError<O::Error>> {
    match bounds {
        PixelBounds::Box => {
            let unit =
                Bounds::uniform(0.0, 1.0).map_err(|e| e.map_objective(|never| match never {}))?;
            optimizer.minimize(objective, x0, &unit, observer)
        }
        PixelBounds::None => optimizer.minimize(objective, x0, &Bounds::none(), observer),
        PixelBounds::Sigmoid => {
            let x0 = x0.clamp(SIGMOID_MARGIN, 1.0 - SIGMOID_MARGIN);
            // logit(x) = ln(x / (1 − x)).
            let z0 = (x0.clone() / (x0.neg() + 1.0)).log();
            let mut through_sigmoid = |z: &Tensor<4>| {
                let x = burn::tensor::activation::sigmoid(z.clone());
                let Evaluation { loss, gradient } = objective.evaluate(&x)?;
                let slope = x.clone() * (x.neg() + 1.0);
                Ok(Evaluation::new(loss, gradient * slope))
            };
            let outcome =
                optimizer.minimize(&mut through_sigmoid, z0, &Bounds::none(), observer)?;
            Ok(Outcome {
                x: burn::tensor::activation::sigmoid(outcome.x),
                ..outcome
            })
        }
        PixelBounds::Penalty => {
            let count = x0.shape().num_elements() as f64;
            // μ from the first evaluation's loss, the start's (one read, once).
            let mut mu = None;
            let mut penalised = |x: &Tensor<4>| {
                let Evaluation { loss, gradient } = objective.evaluate(x)?;
                let mu = *mu.get_or_insert_with(|| {
                    let f0 = loss.clone().into_data().iter::<f64>().next().unwrap_or(0.0);
                    f0.abs() / (count * PENALTY_STEP * PENALTY_STEP)
                });
                // The excursion beyond the nearer bound: x − 1 above, x below 0, else 0.
                let excursion = (x.clone() - 1.0).clamp_min(0.0) + x.clone().clamp_max(0.0);
                let penalty = excursion.clone().powi_scalar(2).sum().mul_scalar(mu);
                Ok(Evaluation::new(
                    loss + penalty,
                    gradient + excursion.mul_scalar(2.0 * mu),
                ))
            };
            optimizer.minimize(&mut penalised, x0, &Bounds::none(), observer)
        }
    }
}
