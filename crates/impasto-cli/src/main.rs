//! `impasto`: neural style transfer (Gatys, Ecker & Bethge) from the command line.
//!
//! The command optimises an image, pixel by pixel, so that a VGG16 network sees the
//! content of one photo and the style of one or more paintings in it. It also runs the
//! paper's two reconstruction experiments, and downloads the trained network:
//!
//! ```text
//! impasto weights fetch          # once: torchvision's VGG16 (528 MB) into the cache
//! impasto transfer --content photo.jpg --style painting.jpg --output out.png \
//!     --size 1024 --report run.json --plot loss.png   # 256, 512, then 1024 px
//! impasto video --frames 'in/%04d.png' --style painting.jpg --output 'out/%04d.png'
//! impasto batch jobs.jsonl --out-dir results --shard 0/4   # one shard of many jobs
//! impasto serve                  # a web page and JSON API on 127.0.0.1:8910
//! impasto reconstruct content --image photo.jpg --layer relu2_2 --output content.png
//! impasto reconstruct style --image painting.jpg --layers relu1_1,relu2_1 --output style.png
//! impasto weights path           # where the weights are looked for
//! ```
//!
//! `--weights random` runs an untrained network instead (a demo, announced as such).
//! On a terminal a progress bar shows the iteration, the loss and the rate; otherwise
//! the command prints lines like `iter = 12 loss = 5.225`. The first Ctrl-C stops after
//! the current iteration and still writes the best image so far, the report and the plot
//! (exit status 0); a second one quits at once (status 130) and leaves no partial file.
//! Errors are one sentence on stderr (`error: ...`) with exit status 1 (2 for a command
//! line clap cannot parse), and every output is checked to be writable before the run.
//!
//! The options, their defaults and valid ranges are in `impasto <command> --help`
//! ([`args`]); the command-line contract is the repository's `docs/cli.md`.

mod args;
mod batch_cmd;
mod config;
mod error;
mod interrupt;
mod outputs;
mod plan_cmd;
mod plot;
mod progress;
mod run;
mod serve;
mod video_cmd;
mod weights_cmd;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use crate::args::{Cli, Command, Reconstruct, WeightsCommand};
use crate::error::{CliError, clap_one_line, one_line};

fn main() -> ExitCode {
    // Freed activations and gradients are kept for the next evaluation instead of being
    // page-faulted in again (what it saves: docs/benchmarks.md).
    #[cfg(feature = "flex")]
    impasto::reuse_freed_memory();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    match dispatch(&cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", one_line(&error.to_string()));
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: &Cli) -> Result<ExitCode, CliError> {
    let done = match &cli.command {
        Command::Transfer(args) => run::run(config::transfer_job(args)?),
        Command::Video(args) => video_cmd::run(args),
        // The only command whose status says more than success or failure (130: stopped).
        Command::Batch(args) => return batch_cmd::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Reconstruct(Reconstruct::Content(args)) => {
            run::run(config::reconstruct_content_job(args)?)
        }
        Command::Reconstruct(Reconstruct::Style(args)) => {
            run::run(config::reconstruct_style_job(args)?)
        }
        Command::Weights(WeightsCommand::Fetch(args)) => weights_cmd::fetch(args),
        Command::Weights(WeightsCommand::Path) => weights_cmd::path(),
    };
    done.map(|()| ExitCode::SUCCESS)
}

/// Help and version go to stdout as clap writes them; a command line clap cannot parse
/// becomes one line on stderr, exit status 2.
fn usage_error(error: &clap::Error) -> ExitCode {
    let code = u8::try_from(error.exit_code()).unwrap_or(2);
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = error.print();
        return ExitCode::from(code);
    }
    eprintln!("{}", clap_one_line(&error.to_string()));
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn clap_errors_become_one_line() {
        let error = Cli::try_parse_from(["impasto", "transfer", "--style", "s.png"]).unwrap_err();
        let line = clap_one_line(&error.to_string());
        assert!(!line.contains('\n'), "{line}");
        assert!(line.starts_with("error: "), "{line}");
        assert!(line.contains("--content"), "{line}");
        let error = Cli::try_parse_from(["impasto", "transfer", "--backend", "tpu"]).unwrap_err();
        let line = clap_one_line(&error.to_string());
        assert!(line.contains("possible values"), "{line}");
        assert!(line.contains("wgpu"), "{line}");
    }

    #[test]
    fn help_states_the_library_defaults() {
        let help = Cli::command()
            .find_subcommand_mut("transfer")
            .expect("transfer exists")
            .render_long_help()
            .to_string();
        use impasto::loss::{DEFAULT_CONTENT_WEIGHT, DEFAULT_STYLE_WEIGHT, DEFAULT_TV_WEIGHT};
        assert_eq!(DEFAULT_CONTENT_WEIGHT, 1.0);
        assert_eq!(DEFAULT_STYLE_WEIGHT, 1e7);
        assert_eq!(DEFAULT_TV_WEIGHT, 1e3);
        // The balance's defaults are checked against a run's plan in config_tests.rs.
        for expected in ["α 1, β 1e7,", "[default: 30]", "[default: 512]"] {
            assert!(help.contains(expected), "{expected} missing from:\n{help}");
        }
    }
}
