//! One stage of a run: the images at the stage's size, its targets and loss (with the
//! balance's β and γ for that size), and the optimisation from a given start.

use std::cell::RefCell;
use std::collections::BTreeMap;

use burn::tensor::{Device, Tensor};
use image::Rgb32FImage;
use impasto_loss::{
    ContentTargets, LossBreakdown, LossError, LossEvaluation, StyleTargets, TermScales,
    TermWeights, TileGrid, TotalLoss, TotalLossConfig, temporal_loss, term_scales,
};
use impasto_optim::{Control, Evaluation, IterationRecord, Outcome};
use impasto_vgg::Vgg;

use super::pixel_bounds::minimize_pixels;
use super::style_regions::mask_tensor;
use super::{PixelBounds, Progress, Stage, StyleTransfer, TransferObserver};
use crate::image_io::Mask;
use crate::report::IterationReport;
use crate::{ImpastoError, OptimizerConfig, image_to_tensor, resize_longest_side};

/// A stage's images, targets and loss.
pub(super) struct StageProblem {
    /// The optimised image's `(width, height)`.
    pub dimensions: (u32, u32),
    /// Each style image's `[width, height]` at this stage.
    pub style_sizes: Vec<[u32; 2]>,
    pub loss: TotalLoss,
    /// α, β, γ at this stage.
    pub weights: TermWeights,
    /// The terms' scales, where the loss is balanced.
    pub scales: Option<TermScales>,
    /// The temporal term of a video frame, if any.
    pub temporal: Option<StageTemporal>,
    /// The tiles an evaluation goes through, where the stage is tiled
    /// ([`TotalLoss::evaluate_tiled`]).
    pub grid: Option<TileGrid>,
    /// The photo in its own colours at this stage's size, where the result takes its
    /// chroma ([`Colors::photo_chroma`](crate::transfer::Colors::photo_chroma)).
    pub colour_source: Option<Tensor<4>>,
}

/// A temporal term on the device, with its coefficient resolved.
pub(super) struct StageTemporal {
    /// ω, the previous result warped into this frame.
    pub target: Tensor<4>,
    /// c, per pixel, repeated over the channels.
    pub weights: Tensor<4>,
    /// λ_t: the loss gains `λ_t L_t`.
    pub weight: f64,
}

/// The images resized for `stage`, their targets computed once (constants, on the plain
/// device), and the loss with α, β, γ resolved for this stage's size.
pub(super) fn prepare(
    transfer: &StyleTransfer,
    (stage, core): (Stage, Option<usize>),
    (content, colour_source): (Option<&Rgb32FImage>, Option<&Rgb32FImage>),
    (styles, masks): (&[Rgb32FImage], Option<&[Mask]>),
    vgg: &Vgg,
    device: &Device,
) -> Result<StageProblem, ImpastoError> {
    let colour_source =
        colour_source.map(|c| image_to_tensor(&resize_longest_side(c.clone(), stage.size), device));
    let photo = content;
    let content = content.map(|c| resize_longest_side(c.clone(), stage.size));
    let style_side = ((stage.size as f64 * transfer.style_scale).round() as u32).max(1);
    let styles: Vec<_> = styles
        .iter()
        .map(|s| resize_longest_side(s.clone(), style_side))
        .collect();
    let dimensions = match (&content, styles.first()) {
        (Some(c), _) | (None, Some(c)) => c.dimensions(),
        (None, None) => unreachable!("validate requires a content or a style image"),
    };
    let layers: &TotalLossConfig = &transfer.layers;
    let content_tensor = content.as_ref().map(|c| image_to_tensor(c, device));
    let content_targets = match &content_tensor {
        Some(c) => Some(ContentTargets::new_tiled(
            vgg,
            c.clone(),
            &layers.content_layers,
            core,
        )?),
        None => None,
    };
    let style_targets = if transfer.has_style_term() {
        // The blend weights as given (validated); StyleTargets normalises them.
        let blend = match &transfer.style_blend {
            Some(blend) => blend.clone(),
            None => vec![1.0; styles.len()],
        };
        let weighted: Vec<_> = styles
            .iter()
            .zip(blend)
            .map(|(s, w)| (image_to_tensor(s, device), w))
            .collect();
        Some(match masks {
            // Each mask at this stage's size, brought to each layer's by the targets.
            Some(masks) => {
                let masks: Vec<_> = masks
                    .iter()
                    .map(|m| mask_tensor(m, dimensions, device))
                    .collect();
                let targets = StyleTargets::with_regions_tiled(
                    vgg,
                    &weighted,
                    &masks,
                    &layers.style_layers,
                    core,
                )?;
                if transfer.loss_weights.is_balanced() {
                    // Each region as strong as a plain run of its own painting.
                    let weights: Vec<_> = layers
                        .style_layers
                        .iter()
                        .copied()
                        .zip(layers.resolved_style_layer_weights())
                        .collect();
                    targets.with_regions_balanced(&weights)?
                } else {
                    targets
                }
            }
            None => StyleTargets::new_tiled(vgg, &weighted, &layers.style_layers, core)?,
        })
    } else {
        None
    };
    // A balance measures each term against its scale at this size; fixed weights need
    // no scales.
    let scales = match (&content_targets, &style_targets, &content_tensor) {
        (Some(content), Some(style), Some(image)) if transfer.loss_weights.is_balanced() => {
            Some(term_scales(
                &layers.content_layers,
                &layers.style_layers,
                &layers.resolved_style_layer_weights(),
                content,
                style,
                image,
            )?)
        }
        _ => None,
    };
    // A stage larger than the photo: S_tv follows the area (see upscaled.rs).
    let scales = match (scales, photo) {
        (Some(s), Some(photo)) => Some(TermScales {
            tv: super::upscaled::tv_scale(photo, dimensions, s.tv, device),
            ..s
        }),
        (scales, _) => scales,
    };
    let weights = transfer.loss_weights.resolve(scales.as_ref())?;
    let loss_config = layers
        .clone()
        .with_term_weights(weights.content, weights.style, weights.tv);
    let temporal = match &transfer.temporal {
        Some(term) => {
            if term.dimensions() != dimensions {
                return Err(ImpastoError::InvalidSetting {
                    setting: crate::error::Setting::TemporalWeight,
                    reason: format!(
                        "the temporal term is {}x{} but the image is {}x{}",
                        term.dimensions().0,
                        term.dimensions().1,
                        dimensions.0,
                        dimensions.1
                    ),
                });
            }
            // Balanced: ρ_t against the content term's scale, as β and γ are, so the
            // weight means the same at every size. Otherwise λ_t as given.
            let weight = transfer
                .loss_weights
                .temporal_coefficient(term.weight(), scales.as_ref());
            let (target, weights) = term.tensors(device);
            Some(StageTemporal {
                target,
                weights,
                weight,
            })
        }
        None => None,
    };
    let loss = TotalLoss::new(loss_config, content_targets, style_targets)?;
    let grid = match core {
        Some(core) => {
            let grid = loss.tile_grid(vgg, [dimensions.1 as usize, dimensions.0 as usize], core)?;
            (grid.tiles().len() > 1).then_some(grid)
        }
        None => None,
    };
    Ok(StageProblem {
        grid,
        colour_source,
        temporal,
        dimensions,
        style_sizes: styles.iter().map(|s| [s.width(), s.height()]).collect(),
        loss,
        weights,
        scales,
    })
}

/// Where a stage sits in the run: what its records add to the optimizer's own counts.
pub(super) struct StageOffsets {
    /// This stage's index.
    pub stage: usize,
    /// Iterations and evaluations of the stages before.
    pub iterations: usize,
    pub evaluations: usize,
    /// Milliseconds from the first stage's optimisation start to this stage's.
    pub elapsed_ms: f64,
    /// Iterations over all stages (what the observer is told).
    pub total_iterations: usize,
}

/// An evaluated point, kept until the observer learns which one the optimizer accepted.
struct Candidate {
    /// Which evaluation of the stage it was, counting from 1.
    number: usize,
    x: Tensor<4>,
    evaluation: LossEvaluation,
    /// `L_t`, unweighted and detached, with a temporal term.
    temporal: Option<Tensor<1>>,
}

/// Runs `optimizer` on the stage's loss from `x0`, appending one record per iteration
/// (numbered across the run) to `records`.
#[allow(clippy::too_many_arguments)]
pub(super) fn optimise(
    problem: &StageProblem,
    vgg: &Vgg,
    optimizer: &OptimizerConfig,
    x0: Tensor<4>,
    offsets: &StageOffsets,
    bounds: PixelBounds,
    observer: &mut impl TransferObserver,
    records: &mut Vec<IterationReport>,
) -> Result<Outcome<4>, ImpastoError> {
    let loss = &problem.loss;
    let candidates = RefCell::new(Vec::<Candidate>::new());
    let mut evaluations = 0;
    let mut objective = |x: &Tensor<4>| {
        evaluations += 1;
        evaluate_point(
            vgg,
            (loss, problem.grid.as_ref()),
            problem.temporal.as_ref(),
            x,
            evaluations,
            &candidates,
        )
    };
    let mut failure = None;
    let colors_of = problem.colour_source.as_ref();
    let mut record_observer = |record: &IterationRecord| {
        let mut held = candidates.borrow_mut();
        let accepted = held
            .iter()
            .find(|c| c.number == record.accepted_evaluation)
            .expect("the optimizer's iterate is one of the evaluations since its last record");
        // One small read: this evaluation's terms.
        let temporal = match &accepted.temporal {
            Some(t) => t.clone().try_into_vec_as::<f64>().map(|v| v[0]),
            None => Ok(0.0),
        };
        let terms = accepted
            .evaluation
            .breakdown()
            .and_then(|b| temporal.map(|t| (b, t)).map_err(LossError::from));
        let report = match terms {
            Ok((breakdown, temporal)) => iteration_report(record, breakdown, temporal, offsets),
            Err(error) => {
                failure = Some(error);
                return Control::Stop;
            }
        };
        let progress = Progress {
            record: &report,
            iterate: &accepted.x,
            max_iterations: offsets.total_iterations,
            original_colors: colors_of,
        };
        let control = observer.observe(&progress);
        records.push(report);
        held.clear();
        control
    };
    let outcome = minimize_pixels(bounds, optimizer, &mut objective, x0, &mut record_observer)?;
    match failure {
        Some(error) => Err(error.into()),
        None => Ok(outcome),
    }
}

/// Evaluation number `number`: forward, loss (with the temporal term `λ_t L_t` of a video
/// frame added, so the optimizer minimises it too), backward for the pixel gradient only;
/// the evaluation's terms are kept, detached, for the report. A loss error ends the run
/// and comes back from the optimizer as it is.
fn evaluate_point(
    vgg: &Vgg,
    (loss, grid): (&TotalLoss, Option<&TileGrid>),
    temporal: Option<&StageTemporal>,
    x: &Tensor<4>,
    number: usize,
    candidates: &RefCell<Vec<Candidate>>,
) -> Result<Evaluation<4>, LossError> {
    if let Some(grid) = grid {
        return evaluate_tiled(vgg, (loss, grid), temporal, x, number, candidates);
    }
    let pixels = x.clone().autodiff().require_grad();
    let evaluation = loss.evaluate(vgg, pixels.clone())?;
    let (total, temporal) = match temporal {
        Some(t) => {
            let l_t = temporal_loss(pixels.clone(), t.target.clone(), t.weights.clone());
            let total = evaluation.loss().clone() + l_t.clone().mul_scalar(t.weight);
            (total, Some(l_t.detach()))
        }
        None => (evaluation.loss().clone(), None),
    };
    let grads = total.backward();
    let gradient = pixels
        .grad(&grads)
        .expect("the pixels require their gradient");
    candidates.borrow_mut().push(Candidate {
        number,
        x: x.clone(),
        evaluation: evaluation.detached(),
        temporal,
    });
    Ok(Evaluation::new(total, gradient))
}

/// [`evaluate_point`] tile by tile: the network's terms through
/// [`TotalLoss::evaluate_tiled`], the temporal term (per pixel, cheap) over the whole image.
fn evaluate_tiled(
    vgg: &Vgg,
    (loss, grid): (&TotalLoss, &TileGrid),
    temporal: Option<&StageTemporal>,
    x: &Tensor<4>,
    number: usize,
    candidates: &RefCell<Vec<Candidate>>,
) -> Result<Evaluation<4>, LossError> {
    let (evaluation, mut gradient) = loss.evaluate_tiled(vgg, x.clone(), grid)?;
    let mut total = evaluation.loss().clone();
    let temporal = match temporal {
        Some(t) => {
            let pixels = x.clone().autodiff().require_grad();
            let l_t = temporal_loss(pixels.clone(), t.target.clone(), t.weights.clone());
            let grads = l_t.clone().mul_scalar(t.weight).backward();
            gradient = gradient
                + pixels
                    .grad(&grads)
                    .expect("the pixels require their gradient");
            let l_t = l_t.inner();
            total = total + l_t.clone().mul_scalar(t.weight);
            Some(l_t)
        }
        None => None,
    };
    candidates.borrow_mut().push(Candidate {
        number,
        x: x.clone(),
        evaluation,
        temporal,
    });
    Ok(Evaluation::new(total, gradient))
}

fn iteration_report(
    record: &IterationRecord,
    b: LossBreakdown,
    temporal: f64,
    offsets: &StageOffsets,
) -> IterationReport {
    IterationReport {
        stage: offsets.stage,
        iteration: offsets.iterations + record.iteration,
        evaluations: offsets.evaluations + record.evaluations,
        loss: record.loss,
        content: b.content,
        style: b.style,
        style_per_layer: b
            .style_per_layer
            .into_iter()
            .map(|(layer, e)| (layer.to_string(), e))
            .collect::<BTreeMap<_, _>>(),
        tv: b.tv,
        temporal,
        grad_norm: record.gradient_norm,
        step: record.step,
        elapsed_ms: offsets.elapsed_ms + record.elapsed.as_secs_f64() * 1e3,
    }
}
