//! From parsed arguments to a checked [`StyleTransfer`]: every value the user gave
//! replaces the library's default, and nothing the user gave is silently ignored.

use std::path::PathBuf;

use impasto::loss::{
    DEFAULT_CONTENT_WEIGHT, DEFAULT_STYLE_STRENGTH, DEFAULT_STYLE_WEIGHT, DEFAULT_TV_STRENGTH,
    DEFAULT_TV_WEIGHT, LossWeights,
};
use impasto::optim::{AdamConfig, GradientDescentConfig, LbfgsConfig, LineSearch};
use impasto::transfer::{
    Colors, ImageInput, Init, OptimizerConfig, Schedule, Stage, StyleTransfer,
};
use impasto::vgg::VggLayer;
use impasto::{Backend, WeightsSource};

use crate::args::{
    BackendName, LineSearchName, LossWeightArgs, NetworkArgs, OptimizerName,
    ReconstructContentArgs, ReconstructStyleArgs, RunArgs, StyleArgs, TransferArgs,
};
use crate::error::CliError;

/// A run to make: the configured transfer and what the command does around it.
pub struct Job<'a> {
    /// The configured, validated transfer or reconstruction.
    pub transfer: StyleTransfer,
    /// The options about output, backend and display.
    pub run: &'a RunArgs,
    /// The input images, for the opening line.
    pub inputs: Vec<PathBuf>,
}

/// The job of `impasto transfer`.
pub fn transfer_job(args: &TransferArgs) -> Result<Job<'_>, CliError> {
    let styles = style_images(&args.styles);
    let mut transfer = with_styles(
        StyleTransfer::new(args.content.clone(), styles),
        &args.styles,
        colors(&args.styles)?,
    );
    if let Some(weights) = loss_weights(&args.weights)? {
        transfer = transfer.with_loss_weights(weights);
    }
    if let Some(names) = &args.content_layers {
        transfer = transfer.with_content_layers(layers(names)?);
    }
    if let Some(names) = &args.style_layers {
        transfer = transfer.with_style_layers(layers(names)?);
    }
    let transfer = transfer.with_style_layer_weights(args.style_layer_weights.clone());
    let mut inputs = vec![args.content.clone()];
    inputs.extend(args.styles.style.iter().cloned());
    inputs.extend(args.styles.style_mask.iter().cloned());
    finish(transfer, &args.run, inputs)
}

/// The style images of `--style`.
pub fn style_images(args: &StyleArgs) -> Vec<ImageInput> {
    args.style.iter().cloned().map(ImageInput::from).collect()
}

/// The colours `--colors`, `--color-match` and `--original-colors` ask for.
pub fn colors(args: &StyleArgs) -> Result<Colors, CliError> {
    Ok(match (args.colors.map(Colors::from), args.color_match) {
        (Some(Colors::Histogram(_)), Some(map)) => Colors::Histogram(map.into()),
        (_, Some(_)) => {
            return Err(CliError::new(
                "--color-match only applies with --colors histogram",
            ));
        }
        (Some(colors), None) => colors,
        (None, None) if args.original_colors => Colors::Photo,
        (None, None) => Colors::Style,
    })
}

/// `transfer` with how the styles are taken: blend, scale, and `colors` (from [`colors`]).
pub fn with_styles(transfer: StyleTransfer, args: &StyleArgs, colors: Colors) -> StyleTransfer {
    let transfer = transfer
        .with_style_scale(args.style_scale.style_scale)
        .with_style_blend(args.style_blend.clone())
        .with_colors(colors)
        .with_style_masks(
            args.style_mask
                .iter()
                .cloned()
                .map(ImageInput::from)
                .collect(),
        );
    match args.regions {
        Some(count) => transfer.with_regions(count),
        None => transfer,
    }
}

/// The loss weights the options ask for; `None` leaves the library's default balance.
/// A balance's ratio and a fixed weight together are an error: one or the other.
pub fn loss_weights(args: &LossWeightArgs) -> Result<Option<LossWeights>, CliError> {
    let fixed = [
        ("--content-weight", args.content_weight),
        ("--style-weight", args.style_weight),
        ("--tv-weight", args.tv_weight),
    ];
    let balance = [
        ("--style-strength", args.style_strength),
        ("--tv-strength", args.tv_strength),
    ];
    let given = |options: &[(&'static str, Option<f64>)]| {
        options
            .iter()
            .find(|(_, v)| v.is_some())
            .map(|(name, _)| *name)
    };
    match (given(&fixed), given(&balance)) {
        (Some(weight), Some(ratio)) => Err(CliError::new(format!(
            "{ratio} sets the balance of the terms and {weight} fixed weights; give one or the \
             other"
        ))),
        // The weights not given are the library's defaults, read from where they live.
        (Some(_), None) => Ok(Some(LossWeights::Fixed {
            content: args.content_weight.unwrap_or(DEFAULT_CONTENT_WEIGHT),
            style: args.style_weight.unwrap_or(DEFAULT_STYLE_WEIGHT),
            tv: args.tv_weight.unwrap_or(DEFAULT_TV_WEIGHT),
        })),
        (None, Some(_)) => Ok(Some(LossWeights::Balanced {
            style: args.style_strength.unwrap_or(DEFAULT_STYLE_STRENGTH),
            tv: args.tv_strength.unwrap_or(DEFAULT_TV_STRENGTH),
        })),
        (None, None) => Ok(None),
    }
}

/// What the network options set on a transfer: weights, architecture, input convention,
/// pooling, seed. Checked here; applied by the function returned.
pub fn network_settings(
    args: &NetworkArgs,
) -> Result<impl FnOnce(StyleTransfer) -> StyleTransfer + '_, CliError> {
    let weights = match &args.weights {
        Some(text) if text.trim().is_empty() => {
            return Err(CliError::new(
                "--weights is empty; give a weights file, or `random`",
            ));
        }
        Some(text) => text.parse::<WeightsSource>().unwrap_or_else(|e| match e {}),
        None => WeightsSource::Default,
    };
    Ok(move |transfer: StyleTransfer| {
        transfer
            .with_weights(weights)
            .with_seed(args.seed)
            .with_pooling(args.pooling.into())
            .with_architecture(args.architecture.map(Into::into))
            .with_input_convention(args.preprocess.map(Into::into))
    })
}

/// `transfer` with the fixed weights of a reconstruction, γ as `--tv-weight` says.
fn with_tv_weight(transfer: StyleTransfer, tv_weight: Option<f64>) -> StyleTransfer {
    match (transfer.loss_weights(), tv_weight) {
        (LossWeights::Fixed { content, style, .. }, Some(tv)) => {
            transfer.with_loss_weights(LossWeights::Fixed { content, style, tv })
        }
        _ => transfer,
    }
}

/// The job of `impasto reconstruct content`.
pub fn reconstruct_content_job(args: &ReconstructContentArgs) -> Result<Job<'_>, CliError> {
    let layer = layer(&args.layer)?;
    let transfer = StyleTransfer::reconstruct_content(args.image.clone(), layer);
    let transfer = with_tv_weight(transfer, args.tv_weight);
    finish(transfer, &args.run, vec![args.image.clone()])
}

/// The job of `impasto reconstruct style`.
pub fn reconstruct_style_job(args: &ReconstructStyleArgs) -> Result<Job<'_>, CliError> {
    let transfer = StyleTransfer::reconstruct_style(args.image.clone(), layers(&args.layers)?)
        .with_style_scale(args.style_scale.style_scale)
        .with_style_layer_weights(args.layer_weights.clone());
    let transfer = with_tv_weight(transfer, args.tv_weight);
    finish(transfer, &args.run, vec![args.image.clone()])
}

/// The schedule `--size`, `--scales` and `--iterations` ask for (sizes are checked by
/// [`StyleTransfer::validate`]); `None` when none of them was given, which leaves the
/// library's default. Without `--scales`, `--iterations N` is the whole run's length,
/// shared among the stages of the task's schedule.
fn schedule(run: &RunArgs, default: &Schedule) -> Result<Option<Schedule>, CliError> {
    let sizes = match (&run.scales, run.size) {
        (Some(scales), Some(size)) if scales.last() != Some(&size) => {
            return Err(CliError::new(format!(
                "--size {size} is not the last of --scales ({}); the last scale is the \
                 result's size, so give one or the other",
                list(scales)
            )));
        }
        (Some(scales), _) if scales.is_empty() => {
            return Err(CliError::new(
                "--scales is empty; give sizes such as 256,512",
            ));
        }
        (Some(scales), _) => scales.clone(),
        (None, size) => {
            let mut schedule = default.clone();
            if let Some(size) = size {
                schedule = schedule.with_size(size);
            }
            return match run.iterations.as_slice() {
                [] if size.is_none() => Ok(None),
                [] => Ok(Some(schedule)),
                [n] => Ok(Some(schedule.with_iterations(*n))),
                many => Err(CliError::new(format!(
                    "--iterations gives {} numbers without --scales; give one (the whole \
                     run's), or one per scale with --scales",
                    many.len()
                ))),
            };
        }
    };
    let iterations = match run.iterations.as_slice() {
        [] => return Ok(Some(Schedule::Stages(impasto::transfer::schedule(&sizes)))),
        [n] => vec![*n; sizes.len()],
        per_scale if per_scale.len() == sizes.len() => per_scale.to_vec(),
        per_scale => {
            return Err(CliError::new(format!(
                "--iterations gives {} numbers for {} scale{}; give one, or one per scale",
                per_scale.len(),
                sizes.len(),
                if sizes.len() == 1 { "" } else { "s" }
            )));
        }
    };
    Ok(Some(Schedule::Stages(
        sizes
            .into_iter()
            .zip(iterations)
            .map(|(size, iterations)| Stage::new(size, iterations))
            .collect(),
    )))
}

fn list(values: &[u32]) -> String {
    values
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The settings every task shares, then [`StyleTransfer::validate`].
fn finish(
    transfer: StyleTransfer,
    run: &RunArgs,
    inputs: Vec<PathBuf>,
) -> Result<Job<'_>, CliError> {
    let mut transfer = network_settings(&run.network)?(transfer).with_optimizer(optimizer(run)?);
    if let Some(bounds) = run.bounds.bounds {
        transfer = transfer.with_pixel_bounds(bounds.into());
    }
    if let Some(schedule) = schedule(run, transfer.schedule())? {
        transfer = transfer.with_schedule(schedule);
    }
    if let Some(init) = &run.init {
        transfer = transfer.with_init(init.parse::<Init>()?);
    }
    transfer = run.memory.apply(transfer);
    if run.save_every == Some(0) {
        return Err(CliError::new(
            "--save-every must be at least 1 (an image every N iterations)",
        ));
    }
    if run.print_every == 0 {
        return Err(CliError::new(
            "--print-every must be at least 1 (a line every N iterations)",
        ));
    }
    transfer.validate()?;
    Ok(Job {
        transfer,
        run,
        inputs,
    })
}

/// The optimizer the options describe; an option that does not apply to the chosen
/// optimizer is an error rather than ignored.
fn optimizer(run: &RunArgs) -> Result<OptimizerConfig, CliError> {
    let only_lbfgs = |option: &str| {
        CliError::new(format!(
            "{option} only applies to --optimizer lbfgs, not {}",
            run.optimizer.name()
        ))
    };
    Ok(match run.optimizer {
        OptimizerName::Lbfgs => {
            let mut config = LbfgsConfig::default();
            if let Some(m) = run.history {
                config = config.with_history(m)?;
            }
            let line_search = match (run.line_search, run.learning_rate) {
                (Some(LineSearchName::None), rate) => LineSearch::None {
                    learning_rate: rate.unwrap_or(1.0),
                },
                (_, Some(_)) => {
                    return Err(CliError::new(
                        "--learning-rate only applies to L-BFGS with --line-search none (or to \
                         --optimizer gd or adam); a line search chooses its own step",
                    ));
                }
                (Some(LineSearchName::Armijo), None) => LineSearch::Armijo { c1: 1e-4 },
                (Some(LineSearchName::StrongWolfe) | None, None) => LineSearch::default(),
            };
            OptimizerConfig::Lbfgs(config.with_line_search(line_search)?)
        }
        OptimizerName::Gd | OptimizerName::Adam => {
            if run.history.is_some() {
                return Err(only_lbfgs("--history"));
            }
            if run.line_search.is_some() {
                return Err(only_lbfgs("--line-search"));
            }
            if run.optimizer == OptimizerName::Gd {
                let mut config = GradientDescentConfig::default();
                if let Some(rate) = run.learning_rate {
                    config = config.with_learning_rate(rate)?;
                }
                OptimizerConfig::GradientDescent(config)
            } else {
                let mut config = AdamConfig::default();
                if let Some(rate) = run.learning_rate {
                    config = config.with_learning_rate(rate)?;
                }
                OptimizerConfig::Adam(config)
            }
        }
    })
}

/// One layer by its paper name.
fn layer(name: &str) -> Result<VggLayer, CliError> {
    Ok(name.parse::<VggLayer>()?)
}

/// A list of layers by their paper names.
fn layers(names: &[String]) -> Result<Vec<VggLayer>, CliError> {
    names.iter().map(|name| layer(name)).collect()
}

/// What `--backend auto` prints when it runs on the CPU of a machine that seems to have a
/// GPU this build cannot use (built without the `wgpu` feature); `None` otherwise.
pub fn cpu_only_note(name: BackendName) -> Option<&'static str> {
    (name == BackendName::Auto && Backend::gpu_not_compiled()).then_some(
        "this machine seems to have a GPU, but this build of impasto is CPU-only; running on \
         the CPU (build with `cargo build --release -p impasto-cli --features wgpu` to use the GPU)",
    )
}

/// The backend `--backend` names; `auto` looks for a GPU. `cuda` is named so that asking
/// for it gets a clear answer.
pub fn backend(name: BackendName) -> Result<Backend, CliError> {
    Ok(match name {
        BackendName::Auto => Backend::auto(),
        BackendName::Flex => Backend::Flex,
        BackendName::Ndarray => Backend::NdArray,
        BackendName::Wgpu => Backend::Wgpu,
        BackendName::Cuda => {
            return Err(CliError::new(
                "this build of impasto has no cuda backend, because burn 0.22's CUDA backend \
                 cannot be built offline (cubecl-llvm downloads LLVM at build time); use \
                 `--backend wgpu` to run on the GPU",
            ));
        }
    })
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
