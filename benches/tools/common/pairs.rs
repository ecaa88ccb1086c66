//! The photo × painting pairs the tools run on, from the shared images beside the
//! checkout (`../shared/images/`), and the arguments they read alike.

use std::error::Error;
use std::path::{Path, PathBuf};

/// Photo and painting of each pair: files in [`images`].
pub const PAIRS: [(&str, &str); 3] = [
    ("tubingen.jpg", "starry_night.jpg"),
    ("golden_gate.jpg", "the_scream.jpg"),
    ("hoovertowernight.jpg", "shipwreck.jpg"),
];

/// The shared images' folder, or `None` where it is absent (after a line that says so:
/// the tool then skips its work).
pub fn images() -> Option<PathBuf> {
    let images = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/images");
    if images.is_dir() {
        Some(images)
    } else {
        println!("skipped: {} is absent", images.display());
        None
    }
}

/// A file name without its extension: `tubingen` for `tubingen.jpg`.
pub fn stem(file: &str) -> &str {
    file.split('.').next().unwrap_or(file)
}

/// Sizes in pixels from a comma-separated list (`256,512`), `default` where there is no
/// argument.
pub fn sizes(argument: Option<String>, default: &str) -> Result<Vec<u32>, Box<dyn Error>> {
    let list = argument.unwrap_or_else(|| default.into());
    Ok(list.split(',').map(str::parse).collect::<Result<_, _>>()?)
}
