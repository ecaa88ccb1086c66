//! One run: images to tensors, targets once, the objective the optimizer calls, the
//! observer that turns its records into the report, and the image back.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use image::imageops::{self, FilterType};
use image::{Rgb32FImage, RgbImage};
use impasto_loss::{ContentTargets, LossError, LossEvaluation, StyleTargets, TotalLoss};
use impasto_optim::{Control, Evaluation, IterationRecord, Termination};
use impasto_vgg::{Pooling, Vgg, VggConfig, portable_rng};

use super::settings::resolved_blend;
use super::{Init, OptimizerConfig, Progress, StyleTransfer, Task, TransferObserver};
use crate::colors::keep_original_colors;
use crate::report::{IterationReport, ResolvedConfig, RunReport, StyleReport};
use crate::{ImpastoError, image_to_tensor, resize_longest_side, tensor_to_image};

/// The noise initialisation's stream of the portable generator (its own, so that the
/// noise does not depend on how the network's weights are drawn).
const NOISE_STREAM: u64 = 0x6e_6f69_7365; // "noise"

/// What [`StyleTransfer::run`] returns.
#[derive(Debug, Clone)]
pub struct TransferOutput {
    /// The image with the lowest loss seen (original colours applied if asked for).
    pub image: RgbImage,
    /// Everything the run did.
    pub report: RunReport,
}

/// An evaluated point, kept until the observer learns which one the optimizer accepted.
struct Candidate {
    x: Tensor<4>,
    evaluation: LossEvaluation,
}

pub(super) fn run(
    transfer: &StyleTransfer,
    device: &Device,
    observer: &mut impl TransferObserver,
) -> Result<TransferOutput, ImpastoError> {
    let started = Instant::now();
    transfer.validate()?;
    let optimizer = transfer
        .optimizer
        .with_max_iterations(transfer.iterations)?;
    let size = transfer.size;

    // Images, on the host, at their working sizes.
    let content = match &transfer.content {
        Some(input) => Some(resize_longest_side(input.load()?, size)),
        None => None,
    };
    let style_side = ((size as f64 * transfer.style_scale).round() as u32).max(1);
    let styles = transfer
        .styles
        .iter()
        .map(|input| Ok(resize_longest_side(input.load()?, style_side)))
        .collect::<Result<Vec<_>, ImpastoError>>()?;
    let (width, height) = match (&content, styles.first()) {
        (Some(c), _) | (None, Some(c)) => c.dimensions(),
        (None, None) => unreachable!("validate requires a content or a style image"),
    };

    // The network, to the deepest layer the loss reads; its weights never get gradients.
    let loss_config = transfer.loss.clone();
    let mut layers = Vec::new();
    if content.is_some() {
        layers.extend(loss_config.content_layers.iter().copied());
    }
    if transfer.task != Task::ReconstructContent {
        layers.extend(loss_config.style_layers.iter().copied());
    }
    let vgg_config = VggConfig::new()
        .with_pooling(transfer.pooling)
        .with_last_layer(layers.iter().max().copied())
        .with_seed(transfer.seed);
    let autodiff = device.clone().autodiff();
    let vgg = transfer.weights.load(&vgg_config, &autodiff)?;

    // Targets, computed once.
    let content_tensor = content.as_ref().map(|c| image_to_tensor(c, &autodiff));
    let content_targets = match &content_tensor {
        Some(c) => Some(ContentTargets::new(
            &vgg,
            c.clone(),
            &loss_config.content_layers,
        )?),
        None => None,
    };
    let blend = resolved_blend(transfer);
    let style_targets = if transfer.task == Task::ReconstructContent {
        None
    } else {
        let weighted: Vec<_> = styles
            .iter()
            .zip(&blend)
            .map(|(s, &w)| (image_to_tensor(s, &autodiff), w))
            .collect();
        Some(StyleTargets::new(
            &vgg,
            &weighted,
            &loss_config.style_layers,
        )?)
    };
    let loss = TotalLoss::new(loss_config, content_targets, style_targets)?;

    let x0 = initial_image(transfer, content.as_ref(), &styles, (width, height), device)?;
    let config = resolved_config(
        transfer,
        &optimizer,
        &vgg,
        (width, height),
        &styles,
        &blend,
        device,
    );

    let candidates = RefCell::new(Vec::<Candidate>::new());
    let failure = RefCell::new(None::<LossError>);
    let mut objective = |x: &Tensor<4>| evaluate(&vgg, &loss, x, &candidates, &failure);

    let mut records = Vec::new();
    let colors_of = content.as_ref().filter(|_| transfer.original_colors);
    let mut record_observer = |record: &IterationRecord| {
        let mut held = candidates.borrow_mut();
        let (report, x) = match accepted(&held, record) {
            Ok(Some((breakdown, x))) => (iteration_report(record, breakdown), x),
            Ok(None) => return Control::Continue,
            Err(error) => {
                *failure.borrow_mut() = Some(error);
                return Control::Stop;
            }
        };
        let progress = Progress {
            record: &report,
            iterate: &x,
            max_iterations: transfer.iterations,
            original_colors: colors_of,
        };
        let control = observer.observe(&progress);
        records.push(report);
        held.clear();
        control
    };
    let outcome = optimizer.minimize(&mut objective, x0, &mut record_observer)?;
    if let Some(error) = failure.into_inner() {
        return Err(error.into());
    }

    let best_iteration = records
        .iter()
        .min_by(|a, b| a.loss.total_cmp(&b.loss))
        .map_or(0, |r| r.iteration);
    let mut image = tensor_to_image(outcome.x);
    if let Some(content) = colors_of {
        image = keep_original_colors(&image, content);
    }
    let report = RunReport {
        impasto_version: env!("CARGO_PKG_VERSION").to_string(),
        config,
        records,
        termination: termination_name(outcome.termination).to_string(),
        termination_message: outcome.termination.to_string(),
        best_iteration,
        evaluations: outcome.evaluations,
        duration_ms: started.elapsed().as_secs_f64() * 1e3,
    };
    Ok(TransferOutput { image, report })
}

/// One evaluation: forward, loss, backward for the pixel gradient only. A loss error
/// (which validation should have ruled out) is kept and turned into a non-finite loss,
/// which ends the run; `run` then returns the error.
fn evaluate(
    vgg: &Vgg,
    loss: &TotalLoss,
    x: &Tensor<4>,
    candidates: &RefCell<Vec<Candidate>>,
    failure: &RefCell<Option<LossError>>,
) -> Evaluation<4> {
    let pixels = x.clone().autodiff().require_grad();
    match loss.evaluate(vgg, pixels.clone()) {
        Ok(evaluation) => {
            let grads = evaluation.loss().backward();
            let gradient = pixels
                .grad(&grads)
                .expect("the pixels require their gradient");
            candidates.borrow_mut().push(Candidate {
                x: x.clone(),
                evaluation: evaluation.detached(),
            });
            Evaluation::new(evaluation.into_loss(), gradient)
        }
        Err(error) => {
            *failure.borrow_mut() = Some(error);
            let nan = Tensor::<1>::full([1], f32::NAN, &x.device());
            Evaluation::new(nan, x.zeros_like())
        }
    }
}

/// The candidate the optimizer accepted as its iterate: the one whose loss is the record's
/// (read back only for the few evaluations since the last record, latest first).
fn accepted(
    held: &[Candidate],
    record: &IterationRecord,
) -> Result<Option<(impasto_loss::LossBreakdown, Tensor<4>)>, LossError> {
    let mut closest = None;
    for candidate in held.iter().rev() {
        let breakdown = candidate.evaluation.breakdown()?;
        let distance = (breakdown.total - record.loss).abs();
        if distance == 0.0 {
            return Ok(Some((breakdown, candidate.x.clone())));
        }
        if closest.as_ref().is_none_or(|(d, _, _)| distance < *d) {
            closest = Some((distance, breakdown, candidate.x.clone()));
        }
    }
    Ok(closest.map(|(_, b, x)| (b, x)))
}

fn iteration_report(record: &IterationRecord, b: impasto_loss::LossBreakdown) -> IterationReport {
    IterationReport {
        iteration: record.iteration,
        evaluations: record.evaluations,
        loss: record.loss,
        content: b.content,
        style: b.style,
        style_per_layer: b
            .style_per_layer
            .into_iter()
            .map(|(layer, e)| (layer.to_string(), e))
            .collect::<BTreeMap<_, _>>(),
        tv: b.tv,
        grad_norm: record.gradient_norm,
        step: record.step,
        elapsed_ms: record.elapsed.as_secs_f64() * 1e3,
    }
}

fn initial_image(
    transfer: &StyleTransfer,
    content: Option<&Rgb32FImage>,
    styles: &[Rgb32FImage],
    (width, height): (u32, u32),
    device: &Device,
) -> Result<Tensor<4>, ImpastoError> {
    let fit = |image: &Rgb32FImage| {
        if image.dimensions() == (width, height) {
            image_to_tensor(image, device)
        } else {
            let resized = imageops::resize(image, width, height, FilterType::CatmullRom);
            image_to_tensor(&resized, device)
        }
    };
    Ok(match &transfer.init {
        Init::Noise => {
            let n = 3 * width as usize * height as usize;
            let stream = portable_rng::stream(transfer.seed, NOISE_STREAM);
            let noise = portable_rng::uniform(stream, n, 0.0, 1.0);
            let shape = [1, 3, height as usize, width as usize];
            Tensor::from_data(TensorData::new(noise, shape), device)
        }
        Init::Content => fit(content
            .or(styles.first())
            .expect("validated: an image exists")),
        Init::Style => fit(styles
            .first()
            .or(content)
            .expect("validated: an image exists")),
        Init::Image(input) => fit(&input.load()?),
    })
}

fn resolved_config(
    transfer: &StyleTransfer,
    optimizer: &OptimizerConfig,
    vgg: &Vgg,
    (width, height): (u32, u32),
    styles: &[Rgb32FImage],
    blend: &[f64],
    device: &Device,
) -> ResolvedConfig {
    let loss = &transfer.loss;
    let has_content = transfer.content.is_some();
    let has_style = transfer.task != Task::ReconstructContent;
    let names = |layers: &[impasto_vgg::VggLayer]| layers.iter().map(|l| l.to_string()).collect();
    ResolvedConfig {
        task: transfer.task.name().to_string(),
        content: transfer.content.as_ref().map(|c| c.to_string()),
        styles: transfer
            .styles
            .iter()
            .zip(styles)
            .zip(blend)
            .map(|((input, image), &weight)| StyleReport {
                image: input.to_string(),
                weight,
                size: [image.width(), image.height()],
            })
            .collect(),
        weights: transfer.weights.to_string(),
        random_weights: transfer.weights.is_random(),
        size: transfer.size,
        image_size: [width, height],
        style_scale: transfer.style_scale,
        iterations: transfer.iterations,
        init: transfer.init.to_string(),
        seed: transfer.seed,
        content_weight: if has_content {
            loss.content_weight
        } else {
            0.0
        },
        style_weight: if has_style { loss.style_weight } else { 0.0 },
        tv_weight: loss.tv_weight,
        content_layers: if has_content {
            names(&loss.content_layers)
        } else {
            Vec::new()
        },
        style_layers: if has_style {
            names(&loss.style_layers)
        } else {
            Vec::new()
        },
        style_layer_weights: if has_style {
            loss.resolved_style_layer_weights()
        } else {
            Vec::new()
        },
        optimizer: optimizer.report(),
        pooling: match vgg.pooling() {
            Pooling::Max => "max",
            Pooling::Avg => "avg",
        }
        .to_string(),
        original_colors: transfer.original_colors,
        device: format!("{device:?}"),
    }
}

/// The report's stable name of a termination.
pub(crate) fn termination_name(termination: Termination) -> &'static str {
    match termination {
        Termination::ConvergedGradient => "converged_gradient",
        Termination::ConvergedChange => "converged_change",
        Termination::MaxIterations => "max_iterations",
        Termination::MaxEvaluations => "max_evaluations",
        Termination::LineSearchFailed => "line_search_failed",
        Termination::NonFiniteLoss => "non_finite_loss",
        Termination::Stopped => "stopped",
    }
}
