//! `--plan`: what a run would take, printed, without running it or writing anything.

use std::time::Duration;

use impasto::transfer::{Forecast, format_bytes};

use crate::config::{self, Job};
use crate::error::CliError;

/// Prints the forecast of `job`'s run: a calibration of a few seconds, then a line per
/// scale and the totals.
pub fn print(job: &Job<'_>) -> Result<(), CliError> {
    let backend = config::backend(job.run.network.backend)?;
    let device = backend.device()?;
    let forecast = job.transfer.forecast(&device)?;
    let budget = match (job.run.memory.max_memory, forecast.budget) {
        (Some(bytes), _) => format!("{} (--max-memory)", format_bytes(bytes)),
        (None, Some(bytes)) => {
            format!("{} (a third of this machine's memory)", format_bytes(bytes))
        }
        (None, None) => "none (this machine's memory cannot be read)".to_owned(),
    };
    println!("{}", text(&forecast, &budget, &backend.to_string()));
    Ok(())
}

/// The plan as printed.
fn text(forecast: &Forecast, budget: &str, backend: &str) -> String {
    let calibration = &forecast.calibration;
    let measured: Vec<String> = calibration
        .evaluations
        .iter()
        .map(|(pixels, seconds)| format!("{seconds:.2} s at {:.2} Mpx", *pixels as f64 / 1e6))
        .collect();
    let mut lines = vec![
        format!("memory budget: {budget}"),
        format!(
            "calibrated on this machine ({backend}): one evaluation {}; a forward pass {:.0} % \
             of one; network loaded in {:.1} s",
            measured.join(", "),
            100.0 * calibration.forward_share,
            calibration.startup
        ),
        String::new(),
        format!(
            "{:<6} {:>11} {:>10}  {:<52} {:>7} {:>12} {:>11}",
            "scale", "image", "iterations", "evaluation", "history", "peak memory", "time"
        ),
    ];
    for (index, stage) in forecast.stages.iter().enumerate() {
        let memory = &stage.memory;
        let [width, height] = memory.image_size;
        let evaluation = match &memory.tiles {
            None => "whole".to_owned(),
            Some(tiles) => format!(
                "{} tiles of {} px (+{} px halo), {:.2}x the pixels",
                tiles.count,
                tiles.core,
                tiles.halo,
                tiles.input_pixels as f64 / (width as f64 * height as f64)
            ),
        };
        lines.push(format!(
            "{:<6} {:>11} {:>10}  {:<52} {:>7} {:>12} {:>11}",
            index + 1,
            format!("{width}x{height}"),
            stage.stage.iterations,
            evaluation,
            memory.history.map_or("-".to_owned(), |m| m.to_string()),
            format_bytes(memory.predicted_peak_bytes),
            duration(stage.time)
        ));
    }
    lines.push(String::new());
    lines.push(format!(
        "predicted: peak memory {}, time {} (with start-up); nothing was run or written",
        format_bytes(forecast.peak_bytes()),
        duration(forecast.time())
    ));
    lines.join("\n")
}

/// `42 s`, `12 min 5 s`, `2 h 3 min`.
fn duration(time: Duration) -> String {
    let seconds = time.as_secs_f64().round() as u64;
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}
