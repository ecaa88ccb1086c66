//! One run: the network once, then each stage (one, unless the run is multi-scale) from
//! the previous stage's result, and the report over all of them.

use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use image::imageops::{self, FilterType};
use image::{Rgb32FImage, RgbImage};
use impasto_optim::Termination;
use impasto_vgg::{Vgg, portable_rng};

use super::next_start::next_start;
use super::resolved::RunParts;
use super::stage::{self, StageOffsets};
use super::style_regions::{resize_mask, run_masks};
use super::{ImageInput, Init, NetworkCache, Plan, StyleTransfer, TransferObserver};
use crate::colors::result_image;
use crate::image_io::Mask;
use crate::report::{IterationReport, ResolvedConfig, RunReport, StageReport, termination_name};
use crate::{ImpastoError, image_to_tensor};

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
    /// The regions found for [`StyleTransfer::with_regions`], at the result's size,
    /// largest first (style `i` painted region `i`): to save, edit and pass back as
    /// masks. Empty otherwise.
    pub regions: Vec<Mask>,
}

fn run(
    transfer: &StyleTransfer,
    device: &Device,
    cache: &mut NetworkCache,
    observer: &mut impl TransferObserver,
) -> Result<TransferOutput, ImpastoError> {
    let started = Instant::now();
    let plan = transfer.plan()?;

    let (content, styles) = transfer.load_images()?;
    let network = cache.network(transfer, &plan, device)?;
    run_with_network(
        transfer,
        &plan,
        (content, styles),
        network,
        started,
        device,
        observer,
    )
}

/// The stages of `transfer`'s `plan`, on images already loaded and a network already
/// built from the same plan (see [`NetworkCache`]).
pub(crate) fn run_with_network(
    transfer: &StyleTransfer,
    plan: &Plan,
    (content, styles): (Option<Rgb32FImage>, Vec<Rgb32FImage>),
    vgg: &Vgg,
    started: Instant,
    device: &Device,
    observer: &mut impl TransferObserver,
) -> Result<TransferOutput, ImpastoError> {
    let stages = &plan.stages;
    // The colours: the photo kept as it is where the result takes its chroma, and the
    // images the run optimises against (luminance, or the painting recoloured).
    let colour_source = content.clone().filter(|_| transfer.colors.photo_chroma());
    // Found in the photo as it is, before any change of its colours. A video loads its
    // masks again for every frame: a decode, beside a frame's optimisation.
    let masks = run_masks(transfer, content.as_ref(), vgg, device)?;
    // Every stage's memory before the first starts: a run that cannot fit is refused now.
    let source = content
        .as_ref()
        .or(styles.first())
        .map(Rgb32FImage::dimensions)
        .expect("validated: an image exists");
    let memory = transfer.stage_memory(plan, source)?;
    let (content, styles) = transfer.colors.prepare(content, styles);
    let total_iterations = plan.total_iterations();

    let mut records = Vec::new();
    let mut stage_reports = Vec::new();
    let mut config = None;
    let mut previous: Option<Tensor<4>> = None;
    let mut final_stage = None;
    let mut optimisation_started = None;
    for (index, &stage) in stages.iter().enumerate() {
        let stage_memory = &memory[index];
        let problem = stage::prepare(
            transfer,
            (stage, stage_memory.tiles.as_ref().map(|t| t.core)),
            (content.as_ref(), colour_source.as_ref()),
            (&styles, masks.as_ref().map(|m| &m.styles[..])),
            vgg,
            device,
        )?;
        let mut optimizer = transfer.optimizer.with_max_iterations(stage.iterations)?;
        if let Some(m) = stage_memory.history {
            optimizer = optimizer.with_history(m)?;
        }
        let (width, height) = problem.dimensions;
        let resolved = ResolvedConfig::new(
            transfer,
            plan,
            RunParts {
                optimizer: &optimizer,
                loss: &problem.loss,
                image_size: [width, height],
                style_sizes: problem.style_sizes.clone(),
            },
            device,
        );
        stage_reports.push(StageReport {
            size: stage.size,
            image_size: [width, height],
            iterations: stage.iterations,
            first_record: records.len(),
            weights: problem.weights,
            scales: problem.scales,
            memory: Some(stage_memory.clone()),
            peak_memory_bytes: None,
        });
        config = Some(ResolvedConfig {
            temporal_weight: problem.temporal.as_ref().map(|t| t.weight),
            ..resolved
        });
        let x0 = match previous.take() {
            None => initial_image(transfer, content.as_ref(), &styles, (width, height), device)?,
            Some(x) => next_start(x, (width, height), content.as_ref(), device),
        };
        let began = *optimisation_started.get_or_insert_with(Instant::now);
        let offsets = StageOffsets {
            stage: index,
            iterations: records.last().map_or(0, |r: &IterationReport| r.iteration),
            evaluations: records
                .last()
                .map_or(0, |r: &IterationReport| r.evaluations),
            elapsed_ms: began.elapsed().as_secs_f64() * 1e3,
            total_iterations,
        };
        let stopped_before = records.len();
        let outcome = stage::optimise(
            &problem,
            vgg,
            &optimizer,
            x0,
            &offsets,
            transfer.pixel_bounds,
            observer,
            &mut records,
        )?;
        if let Some(report) = stage_reports.last_mut() {
            report.peak_memory_bytes = super::measured_peak_bytes();
        }
        let stopped = outcome.termination == Termination::Stopped;
        let last = index + 1 == stages.len();
        if last || stopped {
            final_stage = Some((outcome, problem, stopped_before));
            break;
        }
        previous = Some(outcome.x);
    }
    let (outcome, problem, first_record) =
        final_stage.expect("a run has at least one stage, and the loop ends at the last");
    let mut config = config.expect("set at every stage");
    config.stages = stage_reports;

    // The result: the lowest loss of the last stage run (losses of other sizes are not
    // comparable).
    let best_iteration = records[first_record..]
        .iter()
        .min_by(|a, b| a.loss.total_cmp(&b.loss))
        .map_or(0, |r| r.iteration);
    let image = result_image(outcome.x, problem.colour_source.as_ref());
    let report = RunReport {
        impasto_version: env!("CARGO_PKG_VERSION").to_string(),
        config,
        termination: termination_name(outcome.termination).to_string(),
        termination_message: outcome.termination.to_string(),
        best_iteration,
        evaluations: records.last().map_or(0, |r| r.evaluations),
        records,
        duration_ms: started.elapsed().as_secs_f64() * 1e3,
        peak_memory_bytes: super::measured_peak_bytes(),
    };
    let regions = masks.map_or(Vec::new(), |m| {
        let size = image.dimensions();
        m.found.iter().map(|mask| resize_mask(mask, size)).collect()
    });
    Ok(TransferOutput {
        image,
        report,
        regions,
    })
}

impl StyleTransfer {
    /// The photo and the paintings on the host at their own size (each stage resizes
    /// them): what a run and its forecast read.
    pub(crate) fn load_images(
        &self,
    ) -> Result<(Option<Rgb32FImage>, Vec<Rgb32FImage>), ImpastoError> {
        let content = match &self.content {
            Some(input) => Some(input.load()?),
            None => None,
        };
        let styles = self
            .styles
            .iter()
            .map(ImageInput::load)
            .collect::<Result<Vec<_>, ImpastoError>>()?;
        Ok((content, styles))
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

impl StyleTransfer {
    /// Runs the optimisation on `device` (a plain device such as `Device::flex()`;
    /// autodiff is enabled inside), calling `observer` once per iteration, and returns the
    /// image with the lowest loss seen and the run report.
    ///
    /// An observer that returns [`Control::Stop`](crate::optim::Control::Stop) ends the
    /// run after the current iteration; the result is still the best image so far.
    ///
    /// # Errors
    /// Those of [`validate`](Self::validate); [`ImageError::Read`](crate::error::ImageError::Read),
    /// [`ImageError::Decode`](crate::error::ImageError::Decode), [`ImageError::Size`](crate::error::ImageError::Size) for images; weights
    /// errors (see [`WeightsSource::load`](crate::WeightsSource::load)); [`ImpastoError::Vgg`] and
    /// [`ImpastoError::Loss`] when the network cannot take an image (too small);
    /// [`ImpastoError::Optim`] if the device fails.
    pub fn run(
        &self,
        device: &Device,
        observer: &mut impl TransferObserver,
    ) -> Result<TransferOutput, ImpastoError> {
        run(self, device, &mut NetworkCache::new(), observer)
    }

    /// [`run`](Self::run), with the network taken from `cache` when the last run through
    /// it used the same one (and kept there for the next run otherwise): for programs
    /// that run many transfers.
    ///
    /// # Errors
    /// Those of [`run`](Self::run).
    pub fn run_cached(
        &self,
        device: &Device,
        cache: &mut NetworkCache,
        observer: &mut impl TransferObserver,
    ) -> Result<TransferOutput, ImpastoError> {
        run(self, device, cache, observer)
    }
}
