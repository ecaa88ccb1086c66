//! `impasto weights fetch` and `impasto weights path`.

use std::io::IsTerminal;
use std::time::Duration;

use impasto::weights::{
    DownloadProgress, Fetched, WEIGHTS_ENV, WeightsDownload, default_weights_path,
};
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::FetchArgs;
use crate::error::CliError;

/// `impasto weights path`: where impasto looks for the weights, and whether they are there.
pub fn path() -> Result<(), CliError> {
    let path = default_weights_path()?;
    println!("{}", path.display());
    let from_env = std::env::var_os(WEIGHTS_ENV).is_some_and(|v| !v.is_empty());
    let origin = if from_env {
        format!("(from ${WEIGHTS_ENV})")
    } else {
        format!("(impasto's cache; set ${WEIGHTS_ENV} to use another file)")
    };
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_file() => {
            println!("present: {} {origin}", megabytes(meta.len()));
        }
        Ok(_) => println!("not a file: something else is at that path {origin}"),
        Err(_) => println!(
            "missing {origin}: run `impasto weights fetch` to download torchvision's VGG16 \
             weights (528 MB), or use `--weights random` for an untrained demo network"
        ),
    }
    Ok(())
}

/// `impasto weights fetch`: downloads (or resumes) and checks the weights file.
pub fn fetch(args: &FetchArgs) -> Result<(), CliError> {
    let mut download = WeightsDownload::published(args.file)?;
    if let Some(url) = &args.url {
        download.url = url.clone();
    }
    if let Some(prefix) = &args.sha256_prefix {
        download.sha256_prefix = prefix.clone();
    }
    let show = !args.quiet;
    if show {
        eprintln!(
            "downloading {} to {}",
            download.url,
            download.destination.display()
        );
    }
    let bar = (show && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::no_length();
        let style = ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let mut next_line = 0u64;
    let mut on_progress = |p: DownloadProgress| {
        if let Some(bar) = &bar {
            if let Some(total) = p.total {
                bar.set_length(total);
            }
            bar.set_position(p.downloaded);
        } else if show && p.downloaded >= next_line {
            // Without a terminal: a line every 10% (or every 50 MB of an unknown size).
            let step = p.total.map_or(50 << 20, |t| (t / 10).max(1));
            let of = p
                .total
                .map_or(String::new(), |t| format!(" of {}", megabytes(t)));
            eprintln!("downloaded {}{of}", megabytes(p.downloaded));
            next_line = p.downloaded + step;
        }
    };
    let result = download.fetch(&mut on_progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let outcome = result?;
    if !show {
        return Ok(());
    }
    let how = match outcome.fetched {
        Fetched::AlreadyPresent => "already present, nothing downloaded".to_owned(),
        Fetched::Downloaded => format!("downloaded {}", megabytes(outcome.transferred)),
        Fetched::Resumed { from } => format!(
            "resumed at {}, downloaded {}",
            megabytes(from),
            megabytes(outcome.transferred)
        ),
    };
    if download.checks_checksum() {
        eprintln!("{how}; checksum verified");
    } else {
        eprintln!(
            "{how}; no checksum is confirmed for this file (docs/weights.md): compare the \
             SHA-256 below with one you trust"
        );
    }
    println!(
        "saved {} ({})",
        outcome.path.display(),
        megabytes(outcome.bytes)
    );
    println!("sha256 {}", outcome.sha256);
    Ok(())
}

fn megabytes(bytes: u64) -> String {
    if bytes < 100_000 {
        format!("{bytes} bytes")
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}
