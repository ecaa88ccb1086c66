//! From command lines to the library's settings: schedules, loss weights, and the help
//! texts' defaults checked against the plan a run resolves.

use clap::{CommandFactory, Parser};
use impasto::loss::LossWeights;
use impasto::transfer::{DEFAULT_ITERATIONS, Stage, default_schedule, scale_iterations};

use crate::args::{BackendName, Cli, Command, Reconstruct};

/// The job of `impasto transfer … EXTRA` (random weights; the images are not read).
fn transfer(extra: &[&str]) -> Result<impasto::StyleTransfer, String> {
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
        .map(|job| job.transfer)
        .map_err(|e| e.to_string())
}

fn transfer_stages(extra: &[&str]) -> Result<Vec<Stage>, String> {
    transfer(extra).map(|t| t.stages())
}

/// The `[default: …]` an option's help states.
fn stated_default(subcommand: &str, option: &str) -> String {
    let command = Cli::command();
    let sub = command.find_subcommand(subcommand).expect("the subcommand");
    let arg = sub
        .get_arguments()
        .find(|a| a.get_long() == Some(option))
        .expect("the option");
    let help = arg
        .get_long_help()
        .or(arg.get_help())
        .map(ToString::to_string)
        .unwrap_or_default();
    let start = help.find("[default: ").expect("a stated default") + "[default: ".len();
    help[start..start + help[start..].find(']').expect("closed")].to_owned()
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
fn the_help_states_the_defaults_a_run_uses() {
    // The plan of a run with no options, against what --help says.
    let plan = transfer(&[]).unwrap().plan().unwrap();
    let LossWeights::Balanced { style, tv } = plan.loss_weights else {
        panic!("a default run is balanced: {:?}", plan.loss_weights)
    };
    let number = |text: String| text.parse::<f64>().expect("a number");
    assert_eq!(number(stated_default("transfer", "style-strength")), style);
    assert_eq!(number(stated_default("transfer", "tv-strength")), tv);
    assert_eq!(number(stated_default("video", "style-strength")), style);
    assert_eq!(
        stated_default("transfer", "size").parse::<u32>().unwrap(),
        plan.size()
    );
    // Pixel bounds and colours: the library's defaults, by the names the options take.
    let run = transfer(&[]).unwrap();
    assert_eq!(
        stated_default("transfer", "bounds"),
        run.pixel_bounds().name()
    );
    assert_eq!(stated_default("video", "bounds"), run.pixel_bounds().name());
    assert_eq!(stated_default("transfer", "colors"), run.colors().name());
    assert_eq!(
        stated_default("transfer", "color-match"),
        impasto::transfer::ColorMatch::default().name()
    );
    // The fixed weights are not a default run's: their help says so.
    for option in ["content-weight", "style-weight", "tv-weight"] {
        assert!(
            stated_default("transfer", option).starts_with("unset"),
            "{option}"
        );
    }
}

#[test]
fn a_style_strength_is_a_balance_and_fixed_weights_are_used_as_given() {
    let weights = |extra: &[&str]| transfer(extra).map(|t| t.loss_weights());
    assert_eq!(weights(&[]).unwrap(), LossWeights::BALANCED);
    assert_eq!(
        weights(&["--style-strength", "90"]).unwrap(),
        LossWeights::balanced(90.0)
    );
    assert_eq!(
        weights(&["--style-weight", "1e5"]).unwrap(),
        LossWeights::Fixed {
            content: 1.0,
            style: 1e5,
            tv: 1e3
        }
    );
    assert_eq!(
        weights(&["--tv-weight", "0", "--content-weight", "2"]).unwrap(),
        LossWeights::Fixed {
            content: 2.0,
            style: 1e7,
            tv: 0.0
        }
    );
    let error = weights(&["--style-strength", "9", "--style-weight", "1"]).unwrap_err();
    assert!(error.contains("give one or the other"), "{error}");
    let error = weights(&["--style-strength", "-1"]).unwrap_err();
    assert!(error.contains("style_strength"), "{error}");
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
fn one_number_of_iterations_without_scales_is_the_whole_runs_length() {
    assert_eq!(
        transfer_stages(&["--iterations", "300"]).unwrap(),
        [Stage::new(256, 200), Stage::new(512, 100)]
    );
    assert_eq!(
        transfer_stages(&["--size", "1024", "--iterations", "120"]).unwrap(),
        scale_iterations(&default_schedule(1024), 120)
    );
    assert_eq!(
        transfer_stages(&["--size", "300", "--iterations", "20"]).unwrap(),
        [Stage::new(300, 20)]
    );
    let error = transfer_stages(&["--iterations", "3,4"]).unwrap_err();
    assert!(error.contains("2 numbers without --scales"), "{error}");
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
    assert_eq!(
        transfer_stages(&["--scales", "512", "--iterations", "100"]).unwrap(),
        [Stage::new(512, 100)]
    );
}

#[test]
fn a_reconstruction_keeps_one_scale() {
    let argv = ["impasto", "reconstruct", "content", "--image", "c.png"];
    let cli = Cli::try_parse_from(
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
