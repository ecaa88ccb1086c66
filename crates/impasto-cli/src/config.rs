//! From parsed arguments to a checked [`StyleTransfer`]: every value the user gave
//! replaces the library's default, and nothing the user gave is silently ignored.

use std::path::PathBuf;

use impasto::optim::{AdamConfig, GradientDescentConfig, LbfgsConfig, LineSearch};
use impasto::vgg::{InputConvention, Pooling, VggArchitecture, VggLayer};
use impasto::{Backend, ImageInput, Init, OptimizerConfig, Stage, StyleTransfer, WeightsSource};

use crate::CliError;
use crate::args::{
    ArchitectureName, BackendName, LineSearchName, OptimizerName, PoolingName, PreprocessName,
    ReconstructContentArgs, ReconstructStyleArgs, RunArgs, TransferArgs,
};

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
    let styles = args.style.iter().cloned().map(ImageInput::from).collect();
    let transfer = StyleTransfer::new(args.content.clone(), styles)
        .with_style_scale(args.style_scale.style_scale)
        .with_style_blend(args.style_blend.clone())
        .with_original_colors(args.original_colors);
    let mut loss = transfer.loss().clone();
    if let Some(alpha) = args.content_weight {
        loss = loss.with_content_weight(alpha);
    }
    if let Some(beta) = args.style_weight {
        loss = loss.with_style_weight(beta);
    }
    if let Some(names) = &args.content_layers {
        loss = loss.with_content_layers(layers(names)?);
    }
    if let Some(names) = &args.style_layers {
        loss = loss.with_style_layers(layers(names)?);
    }
    if let Some(weights) = &args.style_layer_weights {
        loss = loss.with_style_layer_weights(Some(weights.clone()));
    }
    let mut transfer = transfer.with_loss(loss);
    // Weights given explicitly are used as they are: the formulas of docs/maths.md.
    if args.content_weight.is_some() || args.style_weight.is_some() || args.run.tv_weight.is_some()
    {
        transfer = transfer.with_balance(None);
    }
    let mut inputs = vec![args.content.clone()];
    inputs.extend(args.style.iter().cloned());
    finish(transfer, &args.run, inputs)
}

/// The job of `impasto reconstruct content`.
pub fn reconstruct_content_job(args: &ReconstructContentArgs) -> Result<Job<'_>, CliError> {
    let layer = layer(&args.layer)?;
    let transfer = StyleTransfer::reconstruct_content(args.image.clone(), layer);
    finish(transfer, &args.run, vec![args.image.clone()])
}

/// The job of `impasto reconstruct style`.
pub fn reconstruct_style_job(args: &ReconstructStyleArgs) -> Result<Job<'_>, CliError> {
    let transfer = StyleTransfer::reconstruct_style(args.image.clone(), layers(&args.layers)?)
        .with_style_scale(args.style_scale.style_scale);
    let transfer = match &args.layer_weights {
        Some(weights) => {
            let loss = transfer
                .loss()
                .clone()
                .with_style_layer_weights(Some(weights.clone()));
            transfer.with_loss(loss)
        }
        None => transfer,
    };
    finish(transfer, &args.run, vec![args.image.clone()])
}

/// The stages `--size`, `--scales` and `--iterations` ask for (sizes are checked by
/// [`StyleTransfer::validate`]); `None` when neither `--scales` nor `--iterations` was
/// given, which leaves the library's default (for a transfer, its default schedule of
/// `--size`).
fn stages(run: &RunArgs) -> Result<Option<Vec<Stage>>, CliError> {
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
        (None, _) if run.iterations.is_empty() => return Ok(None),
        (None, size) => vec![size.unwrap_or(impasto::DEFAULT_SIZE)],
    };
    let iterations = match run.iterations.as_slice() {
        [] => return Ok(Some(impasto::schedule(&sizes))),
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
    Ok(Some(
        sizes
            .into_iter()
            .zip(iterations)
            .map(|(size, iterations)| Stage::new(size, iterations))
            .collect(),
    ))
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
    let weights = match &run.weights {
        Some(text) if text.trim().is_empty() => {
            return Err(CliError::new(
                "--weights is empty; give a weights file, or `random`",
            ));
        }
        Some(text) => text.parse::<WeightsSource>().unwrap_or_else(|e| match e {}),
        None => WeightsSource::Default,
    };
    let mut transfer = transfer
        .with_weights(weights)
        .with_seed(run.seed)
        .with_optimizer(optimizer(run)?)
        .with_pooling(match run.pooling {
            PoolingName::Max => Pooling::Max,
            PoolingName::Avg => Pooling::Avg,
        })
        .with_architecture(run.architecture.map(|name| match name {
            ArchitectureName::Vgg16 => VggArchitecture::Vgg16,
            ArchitectureName::Vgg19 => VggArchitecture::Vgg19,
        }))
        .with_input_convention(run.preprocess.map(|name| match name {
            PreprocessName::Torchvision => InputConvention::Torchvision,
            PreprocessName::Caffe => InputConvention::Caffe,
        }));
    transfer = match stages(run)? {
        Some(stages) => transfer.with_stages(stages),
        None => match run.size {
            Some(size) => transfer.with_size(size),
            None => transfer,
        },
    };
    if let Some(init) = &run.init {
        transfer = transfer.with_init(init.parse::<Init>()?);
    }
    if let Some(gamma) = run.tv_weight {
        let loss = transfer.loss().clone().with_tv_weight(gamma);
        transfer = transfer.with_loss(loss);
    }
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
            match run.optimizer {
                OptimizerName::Lbfgs => "lbfgs",
                OptimizerName::Gd => "gd",
                OptimizerName::Adam => "adam",
            }
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

/// The backend `--backend` names; `auto` looks for a GPU.
pub fn backend(name: BackendName) -> Backend {
    match name {
        BackendName::Auto => Backend::auto(),
        BackendName::Flex => Backend::Flex,
        BackendName::Ndarray => Backend::NdArray,
        BackendName::Wgpu => Backend::Wgpu,
        BackendName::Cuda => Backend::Cuda,
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use impasto::{DEFAULT_ITERATIONS, Stage, default_schedule};

    use crate::args::{BackendName, Cli, Command, Reconstruct};

    /// The stages of `impasto transfer … EXTRA` (random weights; the images are not read).
    fn transfer_stages(extra: &[&str]) -> Result<Vec<Stage>, String> {
        let mut argv = vec![
            "impasto",
            "transfer",
            "--content",
            "c.png",
            "--style",
            "s.png",
        ];
        argv.extend(["--output", "o.png", "--weights", "random"]);
        argv.extend(extra);
        let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
        let Command::Transfer(args) = &cli.command else {
            unreachable!("a transfer was parsed")
        };
        super::transfer_job(args)
            .map(|job| job.transfer.stages())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn only_auto_notes_a_gpu_the_build_cannot_use() {
        use BackendName::*;
        for chosen in [Flex, Ndarray, Wgpu, Cuda] {
            assert_eq!(super::cpu_only_note(chosen), None, "{chosen:?}");
        }
        assert_eq!(
            super::cpu_only_note(Auto).is_some(),
            impasto::Backend::gpu_not_compiled()
        );
    }

    #[test]
    fn without_scales_or_iterations_a_transfer_runs_the_default_schedule() {
        assert_eq!(transfer_stages(&[]).unwrap(), default_schedule(512));
        assert_eq!(
            transfer_stages(&["--size", "1024"]).unwrap(),
            default_schedule(1024)
        );
    }

    #[test]
    fn one_number_of_iterations_without_scales_is_one_scale() {
        assert_eq!(
            transfer_stages(&["--iterations", "300"]).unwrap(),
            [Stage::new(512, 300)]
        );
        assert_eq!(
            transfer_stages(&["--size", "1024", "--iterations", "20"]).unwrap(),
            [Stage::new(1024, 20)]
        );
        let error = transfer_stages(&["--iterations", "3,4"]).unwrap_err();
        assert!(error.contains("2 numbers for 1 scale"), "{error}");
    }

    #[test]
    fn scales_without_iterations_take_the_default_iterations() {
        assert_eq!(
            transfer_stages(&["--scales", "256,512,1024"]).unwrap(),
            default_schedule(1024)
        );
        assert_eq!(
            transfer_stages(&["--scales", "300,600", "--iterations", "9"]).unwrap(),
            [Stage::new(300, 9), Stage::new(600, 9)]
        );
    }

    #[test]
    fn a_reconstruction_keeps_one_scale() {
        let argv = ["impasto", "reconstruct", "content", "--image", "c.png"];
        let cli =
            Cli::try_parse_from(
                argv.iter()
                    .chain(&["--output", "o.png", "--weights", "random"]),
            )
            .expect("parses");
        let Command::Reconstruct(Reconstruct::Content(args)) = &cli.command else {
            unreachable!("a content reconstruction was parsed")
        };
        let job = super::reconstruct_content_job(args).expect("a valid job");
        assert_eq!(job.transfer.stages(), [Stage::new(512, DEFAULT_ITERATIONS)]);
    }
}
