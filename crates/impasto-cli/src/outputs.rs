//! The files a run writes: checked before the run (so a long run is never lost to a
//! typo in a path), named (numbered intermediates), and written atomically.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use impasto::ImpastoError;
use impasto::image::partial_file_path;

use crate::args::RunArgs;
use crate::error::CliError;

/// The files a run will write.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// The result image.
    pub image: PathBuf,
    /// The JSON report, if asked for.
    pub report: Option<PathBuf>,
    /// The loss plot, if asked for.
    pub plot: Option<PathBuf>,
    /// Save the image every this many iterations, if asked for.
    pub save_every: Option<usize>,
    /// How many automatic regions' masks the run writes (`--regions`), else 0.
    pub regions: usize,
}

impl Outputs {
    /// The outputs `run` asks for, with the masks of `regions` automatic regions.
    pub fn new(run: &RunArgs, regions: usize) -> Self {
        Outputs {
            image: run.output().to_path_buf(),
            report: run.report.clone(),
            plot: run.plot.clone(),
            save_every: run.save_every,
            regions,
        }
    }

    /// Every final output path (not the intermediates).
    pub fn paths(&self) -> Vec<PathBuf> {
        let mut paths = vec![self.image.clone()];
        paths.extend(self.report.iter().cloned());
        paths.extend(self.plot.iter().cloned());
        paths.extend((1..=self.regions).map(|k| region_path(&self.image, k)));
        paths
    }

    /// Checks, before any work, that every output can be written: a known image
    /// extension, no two outputs at the same path, no directory in the way, and a
    /// directory that exists and takes a new file (a probe file is created and removed,
    /// the same temporary file the atomic write will use).
    pub fn check(&self, inputs: &[PathBuf]) -> Result<(), CliError> {
        check_image_extension(&self.image)?;
        if let Some(plot) = &self.plot
            && !has_extension(plot, &["png"])
        {
            return Err(CliError::new(format!(
                "cannot write the plot to {}: --plot must end in .png",
                plot.display()
            )));
        }
        let paths = self.paths();
        for (i, path) in paths.iter().enumerate() {
            if paths[..i].iter().any(|p| same_file(p, path)) {
                return Err(CliError::new(format!(
                    "{} is given for two outputs; give each output its own file",
                    path.display()
                )));
            }
            if let Some(input) = inputs.iter().find(|input| same_file(input, path)) {
                return Err(CliError::new(format!(
                    "the output {} is also an input; write the result to another file",
                    input.display()
                )));
            }
            probe(path)?;
        }
        Ok(())
    }

    /// The path of the intermediate image at `iteration`: `out-0010.png` beside
    /// `out.png`, with at least as many digits as the iteration limit has; in a
    /// multi-scale run, with the scale's longest side: `out-256px-0010.png`.
    pub fn intermediate(
        &self,
        iteration: usize,
        max_iterations: usize,
        scale: Option<u32>,
    ) -> PathBuf {
        let width = max_iterations.to_string().len().max(4);
        let stem = self
            .image
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let extension = self
            .image
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        let scale = scale.map_or(String::new(), |px| format!("{px}px-"));
        self.image
            .with_file_name(format!("{stem}-{scale}{iteration:0width$}.{extension}"))
    }
}

/// Where automatic region `k` (from 1) of the result `image` is written:
/// `out-region-1.png` beside `out.jpg` (a mask is always a PNG).
pub fn region_path(image: &Path, k: usize) -> PathBuf {
    let stem = image
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    image.with_file_name(format!("{stem}-region-{k}.png"))
}

/// `.png`, `.jpg` or `.jpeg`, or the library's own error for the output.
fn check_image_extension(path: &Path) -> Result<(), CliError> {
    if has_extension(path, &["png", "jpg", "jpeg"]) {
        Ok(())
    } else {
        Err(
            ImpastoError::Image(impasto::error::ImageError::OutputFormat {
                path: path.to_path_buf(),
            })
            .into(),
        )
    }
}

fn has_extension(path: &Path, allowed: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| allowed.contains(&e.to_ascii_lowercase().as_str()))
}

/// Whether two paths name the same file (as given, or once both exist, canonically).
pub fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    let canonical = |p: &Path| {
        let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
        let dir = parent.unwrap_or(Path::new(".")).canonicalize().ok()?;
        Some(dir.join(p.file_name()?))
    };
    matches!((canonical(a), canonical(b)), (Some(x), Some(y)) if x == y)
}

/// Creates and removes the temporary file an atomic write of `path` will use.
pub fn probe(path: &Path) -> Result<(), CliError> {
    let cannot = |source: std::io::Error| -> CliError {
        ImpastoError::Image(impasto::error::ImageError::Write {
            path: path.to_path_buf(),
            source,
        })
        .into()
    };
    if path.is_dir() {
        return Err(cannot(std::io::Error::other("it is a directory")));
    }
    if path.file_name().is_none() {
        return Err(cannot(std::io::Error::other("it names no file")));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        let reason = if parent.exists() {
            format!("{} is not a directory", parent.display())
        } else {
            format!("the directory {} does not exist", parent.display())
        };
        return Err(cannot(std::io::Error::other(reason)));
    }
    let temporary = partial_file_path(path);
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&temporary)
        .map_err(cannot)?;
    std::fs::remove_file(&temporary).map_err(cannot)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(image: &str) -> Outputs {
        Outputs {
            image: image.into(),
            report: None,
            plot: None,
            save_every: Some(10),
            regions: 0,
        }
    }

    #[test]
    fn intermediates_are_numbered_beside_the_output() {
        let o = outputs("dir/out.png");
        assert_eq!(
            o.intermediate(10, 500, None),
            PathBuf::from("dir/out-0010.png")
        );
        assert_eq!(
            o.intermediate(7, 20000, None),
            PathBuf::from("dir/out-00007.png")
        );
        assert_eq!(
            o.intermediate(250, 600, Some(512)),
            PathBuf::from("dir/out-512px-0250.png")
        );
        assert_eq!(
            outputs("a.b.jpg").intermediate(3, 9, None),
            PathBuf::from("a.b-0003.jpg")
        );
    }

    #[test]
    fn extensions_are_checked_case_insensitively() {
        assert!(check_image_extension(Path::new("x.PNG")).is_ok());
        assert!(check_image_extension(Path::new("x.jpeg")).is_ok());
        let error = check_image_extension(Path::new("x.gif")).unwrap_err();
        assert!(error.to_string().contains(".png"), "{error}");
        assert!(check_image_extension(Path::new("x")).is_err());
    }
}
