//! One run: images to tensors, targets once, the objective the optimizer calls, the
//! observer that turns its records into the report, and the image back.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use image::imageops::{self, FilterType};
use image::{Rgb32FImage, RgbImage};
use impasto_loss::{
    ContentTargets, LossBreakdown, LossError, LossEvaluation, StyleTargets, TotalLoss,
};
use impasto_optim::{Control, Evaluation, IterationRecord};
use impasto_vgg::{Vgg, VggConfig, portable_rng};

use super::{Init, Progress, StyleTransfer, TransferObserver};
use crate::colors::result_image;
use crate::report::{IterationReport, ResolvedConfig, RunParts, RunReport, termination_name};
use crate::{ImpastoError, image_to_tensor, resize_longest_side};

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
    /// Which evaluation of the run it was, counting from 1.
    number: usize,
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
    let optimizer = transfer.limited_optimizer()?;
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

    // The network, to the deepest layer the loss reads, on the autodiff device; its
    // weights never get gradients.
    let network = transfer.network()?;
    let loss_config = transfer.loss.clone();
    let layers = loss_config.layers(transfer.has_content_term(), transfer.has_style_term());
    let vgg_config = VggConfig::new()
        .with_architecture(network.architecture)
        .with_input(network.input)
        .with_pooling(transfer.pooling)
        .with_last_layer(layers.last().copied())
        .with_seed(transfer.seed);
    let vgg = transfer
        .weights
        .load(&vgg_config, &device.clone().autodiff())?;

    // Targets, computed once from images on the plain device: they are constants.
    let content_tensor = content.as_ref().map(|c| image_to_tensor(c, device));
    let content_targets = match &content_tensor {
        Some(c) => Some(ContentTargets::new(
            &vgg,
            c.clone(),
            &loss_config.content_layers,
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
        Some(StyleTargets::new(
            &vgg,
            &weighted,
            &loss_config.style_layers,
        )?)
    } else {
        None
    };
    // β and γ from the balance, where the transfer has one.
    let (loss_config, scales) = match (
        transfer.balance,
        &content_targets,
        &style_targets,
        &content_tensor,
    ) {
        (Some(balance), Some(content), Some(style), Some(image)) => {
            let (config, scales) = balance.resolve(loss_config, content, style, image)?;
            (config, Some(scales))
        }
        _ => (loss_config, None),
    };
    let loss = TotalLoss::new(loss_config, content_targets, style_targets)?;
    let config = ResolvedConfig::new(
        transfer,
        RunParts {
            optimizer: &optimizer,
            loss: &loss,
            network: &network,
            scales,
            image_size: [width, height],
            style_sizes: styles.iter().map(|s| [s.width(), s.height()]).collect(),
        },
        device,
    );

    let x0 = initial_image(transfer, content.as_ref(), &styles, (width, height), device)?;

    let candidates = RefCell::new(Vec::<Candidate>::new());
    let mut evaluations = 0;
    let mut objective = |x: &Tensor<4>| {
        evaluations += 1;
        evaluate(&vgg, &loss, x, evaluations, &candidates)
    };

    let mut records = Vec::new();
    let mut failure = None;
    let colors_of = content_tensor.as_ref().filter(|_| transfer.original_colors);
    let mut record_observer = |record: &IterationRecord| {
        let mut held = candidates.borrow_mut();
        let accepted = held
            .iter()
            .find(|c| c.number == record.accepted_evaluation)
            .expect("the optimizer's iterate is one of the evaluations since its last record");
        // One small read: this evaluation's terms.
        let report = match accepted.evaluation.breakdown() {
            Ok(breakdown) => iteration_report(record, breakdown),
            Err(error) => {
                failure = Some(error);
                return Control::Stop;
            }
        };
        let progress = Progress {
            record: &report,
            iterate: &accepted.x,
            max_iterations: transfer.iterations,
            original_colors: colors_of,
        };
        let control = observer.observe(&progress);
        records.push(report);
        held.clear();
        control
    };
    let outcome = optimizer.minimize(&mut objective, x0, &mut record_observer)?;
    if let Some(error) = failure {
        return Err(error.into());
    }

    let best_iteration = records
        .iter()
        .min_by(|a, b| a.loss.total_cmp(&b.loss))
        .map_or(0, |r| r.iteration);
    let image = result_image(outcome.x, colors_of);
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

/// Evaluation number `number`: forward, loss, backward for the pixel gradient only; the
/// evaluation's terms are kept, detached, for the report. A loss error ends the run and
/// comes back from the optimizer as it is.
fn evaluate(
    vgg: &Vgg,
    loss: &TotalLoss,
    x: &Tensor<4>,
    number: usize,
    candidates: &RefCell<Vec<Candidate>>,
) -> Result<Evaluation<4>, LossError> {
    let pixels = x.clone().autodiff().require_grad();
    let evaluation = loss.evaluate(vgg, pixels.clone())?;
    let grads = evaluation.loss().backward();
    let gradient = pixels
        .grad(&grads)
        .expect("the pixels require their gradient");
    candidates.borrow_mut().push(Candidate {
        number,
        x: x.clone(),
        evaluation: evaluation.detached(),
    });
    Ok(Evaluation::new(evaluation.into_loss(), gradient))
}

fn iteration_report(record: &IterationRecord, b: LossBreakdown) -> IterationReport {
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
