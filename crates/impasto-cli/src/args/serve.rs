//! `impasto serve`: a local web page and JSON API that run transfers one at a time.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::BackendName;

/// `impasto serve`.
#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub struct ServeArgs {
    /// The address to listen on. Loopback by default, so only this machine can reach it;
    /// any other address needs --token. Port 0 picks a free port (the URL printed says
    /// which).
    #[arg(long, value_name = "ADDRESS:PORT", default_value = "127.0.0.1:8910")]
    pub listen: SocketAddr,
    /// The network's weights for every job: a file, or `random` (an untrained network, a
    /// demo only). [default: as `impasto transfer`: $IMPASTO_WEIGHTS, then the cache]
    #[arg(long, value_name = "PATH|random")]
    pub weights: Option<String>,
    /// Where the jobs run.
    #[arg(long, value_enum, default_value_t = BackendName::Auto)]
    pub backend: BackendName,
    /// The directory of the jobs: one folder per job with its inputs, settings, result and
    /// report. Jobs found there are listed again when the server starts.
    /// [default: $XDG_CACHE_HOME/impasto/results, else ~/.cache/impasto/results]
    #[arg(long, value_name = "DIR")]
    pub results: Option<PathBuf>,
    /// A secret every API request must carry (`Authorization: Bearer TOKEN`, or
    /// `?token=TOKEN` in a page's image and event addresses). Required to listen on
    /// anything but loopback.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
}
