//! Running a transfer or reconstruction: checks, the device, progress, Ctrl-C, and the
//! files at the end.

use std::time::Instant;

use impasto::optim::Control;
use impasto::report::RunReport;
use impasto::transfer::{NetworkCache, Progress, StyleRegions, Task};

use crate::config::{self, Job};
use crate::error::CliError;
use crate::outputs::Outputs;
use crate::progress::{self, Display};
use crate::{interrupt, plot};

/// How a run is driven: on its own (`impasto transfer`, `reconstruct`), or as one job of
/// `impasto batch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Installs the Ctrl-C handler; the first Ctrl-C stops after the current iteration
    /// and writes the best image so far.
    Alone,
    /// The batch has installed the handler; Ctrl-C lets the job finish (a stopped job's
    /// image would look finished to a rerun, which skips existing outputs), and the
    /// image is written last, so that its existence means the job's other files exist.
    InBatch,
}

/// What a finished run prints.
pub fn run(job: Job<'_>) -> Result<(), CliError> {
    if job.run.plan {
        return crate::plan_cmd::print(&job);
    }
    execute(job, Mode::Alone, &mut NetworkCache::new()).map(drop)
}

/// Runs `job` with its network from `networks` (loaded there if the last job's differs),
/// writes its files and returns its report.
pub fn execute(
    job: Job<'_>,
    mode: Mode,
    networks: &mut NetworkCache,
) -> Result<RunReport, CliError> {
    execute_watched(job, mode, networks, &mut |_: &Progress<'_>| {
        Control::Continue
    })
}

/// [`execute`], with `watch` seeing every iteration after the display does: `impasto
/// serve` publishes the progress and a preview through it, and stops a cancelled job
/// (its [`Control::Stop`] ends the run after this iteration, as Ctrl-C does).
pub fn execute_watched(
    job: Job<'_>,
    mode: Mode,
    networks: &mut NetworkCache,
    watch: &mut dyn FnMut(&Progress<'_>) -> Control,
) -> Result<RunReport, CliError> {
    let started = Instant::now();
    let Job {
        transfer,
        run,
        inputs,
    } = job;
    if run.plan {
        return Err(CliError::new(
            "--plan prints one run's plan; give it to `impasto transfer` or `impasto reconstruct`",
        ));
    }
    let regions = match transfer.style_regions() {
        StyleRegions::Automatic { count, .. } => *count,
        _ => 0,
    };
    let outputs = Outputs::new(run, regions);
    outputs.check(&inputs)?;
    let mut display = Display::new(run.quiet, run.print_every);

    let backend = config::backend(run.network.backend)?;
    let device = backend.device()?;
    if let Some(note) = config::cpu_only_note(run.network.backend) {
        display.note(note);
    }
    if matches!(run.network.weights.as_deref(), Some("random")) {
        display.warn(
            "--weights random: the network is untrained (random weights), so this is a demo of \
             the method, not real style transfer; run `impasto weights fetch` for the trained \
             VGG16",
        );
    }
    let network = transfer.network()?;
    if network.input_assumed() {
        display.note(
            "the weights file does not say how it expects its input; assuming torchvision's \
             convention (RGB in [0, 1], ImageNet mean and std). For a caffe-converted file \
             (e.g. vgg16-00b39a1b.pth), pass --preprocess caffe",
        );
    }
    let stages = transfer.stages();
    let scales = if stages.len() == 1 {
        format!("{} px, {} iterations", stages[0].size, stages[0].iterations)
    } else {
        let sizes: Vec<_> = stages.iter().map(|s| s.size.to_string()).collect();
        let iterations: Vec<_> = stages.iter().map(|s| s.iterations.to_string()).collect();
        format!(
            "scales {} px, {} iterations",
            sizes.join(" → "),
            iterations.join(" + ")
        )
    };
    display.note(&format!(
        "{}: {} -> {} ({scales}, backend {backend})",
        match transfer.task() {
            Task::Transfer => "transfer",
            Task::ReconstructContent => "reconstruct content",
            Task::ReconstructStyle => "reconstruct style",
        },
        inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" + "),
        outputs.image.display(),
    ));

    let print = Box::new(progress::print_line);
    let quiet = run.quiet;
    let notify: Box<dyn Fn(&str) + Send + Sync> = Box::new(move |message: &str| {
        if !quiet {
            print(message);
        }
    });
    if mode == Mode::Alone
        && let Err(why) =
            interrupt::install(outputs.paths(), notify, interrupt::STOP_AFTER_ITERATION)
    {
        display.warn(&format!(
            "Ctrl-C cannot stop the run gracefully ({why}); it will end the program"
        ));
    }

    display.start(transfer.total_iterations());
    let multi_scale = stages.len() > 1;
    let mut save_failed = false;
    let mut observer = |p: &Progress<'_>| {
        let record = p.record();
        let scale = multi_scale.then(|| stages[record.stage].size);
        display.iteration(record, scale);
        if let Some(every) = outputs.save_every
            && record.iteration > 0
            && record.iteration.is_multiple_of(every)
            && !save_failed
        {
            let path = outputs.intermediate(record.iteration, p.max_iterations(), scale);
            let image = p.image();
            if let Err(error) =
                interrupt::writing(&path, || impasto::image::save_image(&image, &path))
            {
                display.warn(&format!("{error}; no more intermediate images are saved"));
                save_failed = true;
            }
        }
        let watched = watch(p);
        if watched == Control::Stop || (mode == Mode::Alone && interrupt::stop_requested()) {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let result = transfer.run_cached(&device, networks, &mut observer);
    let output = match result {
        Ok(output) => output,
        Err(error) => {
            display.finish(None);
            return Err(error.into());
        }
    };
    display.finish(output.report.records.last());

    let image_path = &outputs.image;
    let write_image = || {
        interrupt::writing(image_path, || {
            impasto::image::save_image(&output.image, image_path)
        })
    };
    if mode == Mode::Alone {
        write_image()?;
    }
    let mut written = vec![image_path.display().to_string()];
    if let Some(path) = &outputs.report {
        interrupt::writing(path, || output.report.save(path))?;
        written.push(path.display().to_string());
    }
    // The masks before the image: in a batch the image's existence means the job's other
    // files exist.
    for (k, mask) in output.regions.iter().enumerate() {
        let path = crate::outputs::region_path(image_path, k + 1);
        interrupt::writing(&path, || impasto::image::save_mask(mask, &path))?;
        written.push(path.display().to_string());
    }
    if let Some(path) = &outputs.plot {
        if let Some(warning) = interrupt::writing(path, || plot::write(&output.report, path))? {
            display.warn(&warning);
        }
        written.push(path.display().to_string());
    }
    if mode == Mode::InBatch {
        write_image()?;
    }
    display.note(&summary(&output.report, started, &written));
    if output.report.config.random_weights {
        display.note("(made with random weights: an untrained network, not real style transfer)");
    }
    Ok(output.report)
}

/// `done: 120 iterations, 151 evaluations, 43.2 s, maximum iterations reached; wrote out.png`.
fn summary(report: &RunReport, started: Instant, written: &[String]) -> String {
    let iterations = report.records.last().map_or(0, |r| r.iteration);
    let how = if report.termination == "stopped" && interrupt::stop_requested() {
        "stopped by Ctrl-C".to_owned()
    } else {
        report.termination_message.clone()
    };
    // From the end: in a multi-scale run a stage's first record repeats the previous
    // stage's last iteration number, and the best is in the last stage.
    let best_loss = report.best_record().map_or(f64::NAN, |r| r.loss);
    let best = if report.best_iteration != iterations {
        format!(" (best at iteration {})", report.best_iteration)
    } else {
        String::new()
    };
    let plural = if iterations == 1 { "" } else { "s" };
    format!(
        "done: {iterations} iteration{plural}, {} evaluations, {}, {how}; loss {}{best}; wrote {}",
        report.evaluations,
        seconds(started.elapsed().as_secs_f64()),
        progress::number(best_loss),
        written.join(", ")
    )
}

fn seconds(s: f64) -> String {
    if s < 60.0 {
        format!("{s:.1} s")
    } else {
        format!("{}m {:04.1}s", (s / 60.0).floor(), s % 60.0)
    }
}
