//! `impasto serve`: a web page and a JSON API on this machine. Uploaded jobs run one at a
//! time on a worker thread that keeps the network loaded; each job's files live in its
//! own folder of the results directory (docs/serve.md).

mod api;
mod state;
mod upload;
mod worker;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::ValueEnum;
use impasto::WeightsSource;

use self::api::App;
use self::state::Shared;
use self::upload::Network;
use crate::args::ServeArgs;
use crate::config;
use crate::error::CliError;

/// Runs `impasto serve` until the process is stopped.
pub fn run(args: &ServeArgs) -> Result<(), CliError> {
    let loopback = args.listen.ip().is_loopback();
    if !loopback && args.token.is_none() {
        return Err(CliError::new(format!(
            "listening on {} lets other machines run jobs here; give --token SECRET too, or \
             listen on 127.0.0.1",
            args.listen
        )));
    }
    if let Some(token) = &args.token
        && (token.is_empty()
            || !token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b)))
    {
        return Err(CliError::new(
            "--token takes letters, digits, '-', '_', '.' and '~' only (it travels in URLs)",
        ));
    }
    let dir = results_dir(args)?;
    std::fs::create_dir_all(&dir).map_err(|e| {
        CliError::new(format!(
            "cannot create the results directory {}: {e}",
            dir.display()
        ))
    })?;
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    // A job's relative paths start at its folder: the weights file's must not.
    let weights = match args.weights.as_deref() {
        None => None,
        Some("random") => Some("random".to_owned()),
        Some(path) => Some(
            std::path::absolute(path)
                .map_err(|e| CliError::new(format!("cannot resolve --weights {path}: {e}")))?
                .display()
                .to_string(),
        ),
    };
    // Fail now, not at the first job, if the weights are missing or the backend is not
    // in this build.
    let source = match &weights {
        Some(text) => text
            .parse::<WeightsSource>()
            .unwrap_or_else(|never| match never {}),
        None => WeightsSource::Default,
    };
    source.resolve()?;
    config::backend(args.backend)?.device()?;
    let backend = args
        .backend
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_else(|| "auto".to_owned());

    let shared = Arc::new(Shared::new(dir.clone()));
    shared.restore();
    worker::spawn(shared.clone())
        .map_err(|e| CliError::new(format!("cannot start the worker thread: {e}")))?;
    let app = App {
        shared,
        network: Arc::new(Network { weights, backend }),
        token: args.token.as_deref().map(Arc::from),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the server's runtime: {e}")))?;
    runtime.block_on(serve(args, app, &dir, loopback))
}

async fn serve(
    args: &ServeArgs,
    app: App,
    dir: &std::path::Path,
    loopback: bool,
) -> Result<(), CliError> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| CliError::new(format!("cannot listen on {}: {e}", args.listen)))?;
    let address: SocketAddr = listener.local_addr().unwrap_or(args.listen);
    let token = args
        .token
        .as_deref()
        .map(|t| format!("?token={t}"))
        .unwrap_or_default();
    if !loopback {
        eprintln!(
            "warning: listening on {address}, not only this machine: anyone who can reach it \
             and has the token can run jobs, and plain HTTP is not encrypted"
        );
    }
    if args.weights.as_deref() == Some("random") {
        eprintln!(
            "warning: --weights random: the network is untrained, so jobs are a demo of the \
             method, not real style transfer"
        );
    }
    println!(
        "impasto serve: open http://{address}/{token} (jobs in {})",
        dir.display()
    );
    axum::serve(listener, api::router(app))
        .await
        .map_err(|e| CliError::new(format!("the server stopped: {e}")))
}

/// `--results`, or the user's cache: `$XDG_CACHE_HOME/impasto/results`, else
/// `~/.cache/impasto/results`.
fn results_dir(args: &ServeArgs) -> Result<PathBuf, CliError> {
    if let Some(dir) = &args.results {
        return Ok(dir.clone());
    }
    if let Some(cache) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(cache).join("impasto").join("results"));
    }
    dirs::home_dir()
        .map(|home| home.join(".cache").join("impasto").join("results"))
        .ok_or_else(|| {
            CliError::new("cannot find your home directory for the results; give --results DIR")
        })
}
