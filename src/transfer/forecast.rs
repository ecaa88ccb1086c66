//! What a run will take before it starts: each stage's image size and memory
//! ([`StageMemory`]) from the images and the memory budget, and its time from a short
//! calibration on this machine ([`StyleTransfer::forecast`]).
//!
//! # The time
//!
//! An evaluation's time grows with the pixels the network sees, `t(P) = t₀ + b·P`; a
//! calibration measures it at two sizes of the run's own photo and style (a quarter and
//! the whole of 512 px, or of the run's size if smaller), and the share `φ` of it a
//! forward pass alone takes. A whole stage then takes `t(P)` per evaluation; a tiled
//! one `(1 + φ) Σ_tiles t(P_tile)` (each tile's forward pass, then its forward and
//! backward pass), and a stage's targets about `φ t(P)` per image. L-BFGS spends about
//! 1.02 evaluations per iteration with its strong Wolfe search, plus one to start each
//! stage (measured: 231 evaluations for the 225 iterations of a default 512-px run).

use std::time::{Duration, Instant};

use burn::tensor::Device;
use impasto_vgg::VggLayer;

use super::memory::{NetworkShape, fit_stage, with_core};
use super::stage;
use super::{NetworkCache, Plan, Stage, StageMemory, StyleTransfer};
use crate::{ImpastoError, fit_longest_side, image_to_tensor, resize_longest_side};

/// Evaluations per iteration, and per stage to start it (see the module docs).
const EVALUATIONS_PER_ITERATION: f64 = 1.02;

/// A run's forecast: what [`StyleTransfer::forecast`] predicts for each stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// The budget the run keeps to, bytes (`None`: no limit).
    pub budget: Option<u64>,
    /// Each stage, coarse to fine.
    pub stages: Vec<StageForecast>,
    /// The calibration the times come from.
    pub calibration: Calibration,
}

/// One stage's forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct StageForecast {
    /// The stage.
    pub stage: Stage,
    /// Its memory: tiles, history, predicted peak.
    pub memory: StageMemory,
    /// Its predicted wall time, targets and optimisation.
    pub time: Duration,
}

/// What the forecast's times are measured from, on this machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// `(pixels, seconds)` of one evaluation at each calibration size.
    pub evaluations: Vec<(usize, f64)>,
    /// `φ`: a forward pass's share of an evaluation's time.
    pub forward_share: f64,
    /// Loading the network, seconds (paid once by a run).
    pub startup: f64,
}

impl Calibration {
    /// `t(P)`, seconds: the line through the two calibration points.
    fn evaluation(&self, pixels: f64) -> f64 {
        let (p0, t0) = (self.evaluations[0].0 as f64, self.evaluations[0].1);
        let (p1, t1) = (self.evaluations[1].0 as f64, self.evaluations[1].1);
        let slope = ((t1 - t0) / (p1 - p0)).max(0.0);
        (t1 + slope * (pixels - p1)).max(0.0)
    }
}

impl Forecast {
    /// The largest stage peak, bytes.
    pub fn peak_bytes(&self) -> u64 {
        self.stages
            .iter()
            .map(|s| s.memory.predicted_peak_bytes)
            .max()
            .unwrap_or(0)
    }

    /// The whole run's predicted time: start-up and every stage.
    pub fn time(&self) -> Duration {
        let stages: Duration = self.stages.iter().map(|s| s.time).sum();
        stages + Duration::from_secs_f64(self.calibration.startup)
    }
}

impl StyleTransfer {
    /// What the run would take, without running it: each stage's size, iterations,
    /// whether it is tiled, its L-BFGS history, predicted peak memory and time. The
    /// times come from a calibration on `device` (a few evaluations of this run's own
    /// loss at two small sizes, seconds in all), so they are this machine's.
    ///
    /// # Errors
    /// Those of [`plan`](Self::plan) and of loading the images and the network;
    /// [`ImpastoError::MemoryBudget`] for a stage that cannot fit the budget.
    pub fn forecast(&self, device: &Device) -> Result<Forecast, ImpastoError> {
        let plan = self.plan()?;
        let (content, styles) = self.load_images()?;
        let source = content
            .as_ref()
            .or(styles.first())
            .map(image::Rgb32FImage::dimensions)
            .expect("validated: an image exists");
        let memory = self.stage_memory(&plan, source)?;

        let loading = Instant::now();
        let mut cache = NetworkCache::new();
        let vgg = cache.network(self, &plan, device)?;
        let startup = loading.elapsed().as_secs_f64();
        let largest = plan.size().min(512);
        let mut evaluations = Vec::new();
        let mut forward_share = 0.0;
        for size in [largest / 2, largest] {
            let stage = Stage::new(size.max(16), 1);
            let problem = stage::prepare(
                self,
                (stage, None),
                (content.as_ref(), None),
                (&styles, None),
                vgg,
                device,
            )?;
            let (width, height) = problem.dimensions;
            let image = match &content {
                Some(c) => image_to_tensor(&resize_longest_side(c.clone(), stage.size), device),
                None => {
                    image_to_tensor(&resize_longest_side(styles[0].clone(), stage.size), device)
                }
            };
            let evaluate = || -> Result<f64, ImpastoError> {
                let began = Instant::now();
                let x = image.clone().autodiff().require_grad();
                let evaluation = problem.loss.evaluate(vgg, x.clone())?;
                let gradient = x.grad(&evaluation.loss().backward());
                let _ = gradient.map(|g| g.sum().into_scalar::<f32>());
                Ok(began.elapsed().as_secs_f64())
            };
            evaluate()?; // the first pays for allocations and kernels' set-up
            let seconds = evaluate()?.min(evaluate()?);
            evaluations.push((width as usize * height as usize, seconds));
            let began = Instant::now();
            let plain = burn::module::Module::valid(vgg);
            let features = plain.features(image.clone(), problem.loss.layers())?;
            let _ = features
                .values()
                .map(|f| f.clone().sum().into_scalar::<f32>())
                .sum::<f32>();
            forward_share = (began.elapsed().as_secs_f64() / seconds).min(1.0);
        }
        let calibration = Calibration {
            evaluations,
            forward_share,
            startup,
        };
        let stages = plan
            .stages
            .iter()
            .zip(memory)
            .map(|(&stage, memory)| {
                let time = stage_time(&calibration, stage, &memory, self.styles.len());
                StageForecast {
                    stage,
                    memory,
                    time: Duration::from_secs_f64(time),
                }
            })
            .collect();
        Ok(Forecast {
            budget: self.memory_budget(),
            stages,
            calibration,
        })
    }
}

impl StyleTransfer {
    /// Each stage's memory under the run's budget ([`memory_budget`](Self::memory_budget)),
    /// for a photo (or, without one, a first style image) of `source` = `(width,
    /// height)` pixels: whether it is tiled, its L-BFGS history and its predicted peak.
    ///
    /// # Errors
    /// [`ImpastoError::MemoryBudget`] for a stage that cannot fit.
    pub(crate) fn stage_memory(
        &self,
        plan: &Plan,
        source: (u32, u32),
    ) -> Result<Vec<StageMemory>, ImpastoError> {
        let network = NetworkShape::new(plan.network.architecture, &plan_layers(plan));
        let budget = self.memory_budget();
        plan.stages
            .iter()
            .map(|&stage| {
                let (width, height) = self.stage_dimensions(stage, source);
                let memory = fit_stage(
                    [width, height],
                    (&network, stage.iterations),
                    self.optimizer.history(),
                    budget,
                )?;
                Ok(match self.tile_core {
                    Some(core) => with_core(memory, (&network, stage.iterations), core),
                    None => memory,
                })
            })
            .collect()
    }

    /// The optimised image's `(width, height)` at `stage`: the photo's at the stage's
    /// size, or without a photo the first style image's at its scaled size (as
    /// [`stage::prepare`](super::stage) makes them).
    pub(crate) fn stage_dimensions(&self, stage: Stage, source: (u32, u32)) -> (u32, u32) {
        let side = if self.content.is_some() {
            stage.size
        } else {
            ((stage.size as f64 * self.style_scale).round() as u32).max(1)
        };
        fit_longest_side(source.0, source.1, side)
    }
}

/// A stage's predicted seconds: its targets, then its evaluations (module docs).
fn stage_time(calibration: &Calibration, stage: Stage, memory: &StageMemory, styles: usize) -> f64 {
    let [width, height] = memory.image_size.map(|s| s as f64);
    let pixels = width * height;
    let phi = calibration.forward_share;
    let evaluation = match &memory.tiles {
        None => calibration.evaluation(pixels),
        Some(tiles) => {
            let per_tile = tiles.input_pixels as f64 / tiles.count as f64;
            (1.0 + phi) * tiles.count as f64 * calibration.evaluation(per_tile)
        }
    };
    let targets = phi * calibration.evaluation(pixels) * (1 + styles) as f64;
    let evaluations = EVALUATIONS_PER_ITERATION * stage.iterations as f64 + 1.0;
    targets + evaluations * evaluation
}

/// Every layer a stage's forward pass produces.
fn plan_layers(plan: &Plan) -> Vec<VggLayer> {
    let mut layers: Vec<VggLayer> = plan
        .content_layers
        .iter()
        .chain(&plan.style_layers)
        .copied()
        .collect();
    layers.sort();
    layers.dedup();
    layers
}
