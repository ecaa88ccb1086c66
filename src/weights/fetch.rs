//! Downloading a weights file: resumable, checked against its SHA-256.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};
use ureq::http::{StatusCode, header};

use super::location::{default_weights_path, weights_cache_dir};
use super::published::{PublishedWeights, TORCHVISION_VGG16_SHA256_PREFIX, TORCHVISION_VGG16_URL};
use crate::ImpastoError;

/// How many bytes arrive between two calls of the progress callback.
const PROGRESS_EVERY: u64 = 256 * 1024;

/// How far a download has got, given to the progress callback of
/// [`WeightsDownload::fetch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadProgress {
    /// Bytes of the file on disk so far, counting those of a resumed partial download.
    pub downloaded: u64,
    /// The file's size, when the server said it.
    pub total: Option<u64>,
}

/// How [`WeightsDownload::fetch`] got the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetched {
    /// The file was already at the destination with the right checksum; nothing was
    /// downloaded.
    AlreadyPresent,
    /// Downloaded from the first byte.
    Downloaded,
    /// A partial download (`<destination>.part`) left by an interrupted fetch was
    /// completed, from byte `from` on.
    Resumed {
        /// The size of the partial file that was kept.
        from: u64,
    },
}

/// What a successful [`WeightsDownload::fetch`] did and what it checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOutcome {
    /// Already there, downloaded, or resumed.
    pub fetched: Fetched,
    /// The file, now at the destination.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Bytes received from the network by this call (0 if already present).
    pub transferred: u64,
    /// Its SHA-256, 64 lower-case hex digits, starting with the expected prefix.
    pub sha256: String,
}

/// A file to download to `destination`, and the checksum it must have.
///
/// ```no_run
/// use impasto::weights::WeightsDownload;
///
/// let download = WeightsDownload::torchvision_vgg16()?;
/// let outcome = download.fetch(&mut |p| eprint!("\r{} bytes", p.downloaded))?;
/// println!("{} (sha256 {})", outcome.path.display(), outcome.sha256);
/// # Ok::<(), impasto::ImpastoError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightsDownload {
    /// Where the file is, `http://` or `https://`.
    pub url: String,
    /// Where it goes. While downloading it is `<destination>.part`, renamed when complete
    /// and checked, so the destination is never a partial or corrupt file.
    pub destination: PathBuf,
    /// The first hex digits of the file's SHA-256 (any case); empty where no checksum is
    /// confirmed (then any file is kept, and [`FetchOutcome::sha256`] tells what it was).
    pub sha256_prefix: String,
}

impl WeightsDownload {
    /// torchvision's `vgg16-397923af.pth`, from [`TORCHVISION_VGG16_URL`] to
    /// [`default_weights_path`](crate::weights::default_weights_path).
    ///
    /// # Errors
    /// [`WeightsError::NoCacheDir`](crate::error::WeightsError::NoCacheDir) as in
    /// [`default_weights_path`](crate::weights::default_weights_path).
    pub fn torchvision_vgg16() -> Result<Self, ImpastoError> {
        Ok(WeightsDownload {
            url: TORCHVISION_VGG16_URL.to_owned(),
            destination: default_weights_path()?,
            sha256_prefix: TORCHVISION_VGG16_SHA256_PREFIX.to_owned(),
        })
    }

    /// A published file (see [`PublishedWeights`]) into [`weights_cache_dir`] under its
    /// published name; torchvision's VGG16 to [`default_weights_path`] as
    /// [`torchvision_vgg16`](Self::torchvision_vgg16).
    ///
    /// # Errors
    /// [`WeightsError::NoCacheDir`](crate::error::WeightsError::NoCacheDir) if the system has no cache directory for this user.
    pub fn published(file: PublishedWeights) -> Result<Self, ImpastoError> {
        if file == PublishedWeights::TorchvisionVgg16 {
            return Self::torchvision_vgg16();
        }
        Ok(WeightsDownload {
            url: file.url(),
            destination: weights_cache_dir()?.join(file.file_name()),
            sha256_prefix: file.sha256_prefix().to_owned(),
        })
    }

    /// Whether a checksum is checked: false for a file whose checksum is not confirmed.
    pub fn checks_checksum(&self) -> bool {
        !self.sha256_prefix.is_empty()
    }

    /// The partial file of an unfinished download: `<destination>.part`.
    pub fn part_path(&self) -> PathBuf {
        let mut name = self.destination.clone().into_os_string();
        name.push(".part");
        PathBuf::from(name)
    }

    /// Makes sure the file is at the destination with the right checksum, downloading
    /// what is missing.
    ///
    /// A destination already there with the right checksum is left alone
    /// ([`Fetched::AlreadyPresent`], no request is made). Otherwise the file is
    /// downloaded into [`part_path`](Self::part_path), asking only for the bytes after
    /// those of a partial file left by an interrupted fetch (a server that cannot send a
    /// range sends the whole file, which replaces the partial one). When complete, the
    /// file's SHA-256 is checked and the file renamed to the destination.
    ///
    /// `progress` is called once at the start, every 256 KiB, and once at the end.
    ///
    /// # Errors
    /// - [`WeightsError::DownloadInterrupted`](crate::error::WeightsError::DownloadInterrupted) if the connection fails part way: the
    ///   partial file is kept, and fetching again resumes it;
    /// - [`WeightsError::Download`](crate::error::WeightsError::Download) if the server cannot be reached, and
    ///   [`WeightsError::DownloadStatus`](crate::error::WeightsError::DownloadStatus) if it answers with an error status;
    /// - [`WeightsError::Checksum`](crate::error::WeightsError::Checksum) if the downloaded file has the wrong SHA-256: it is
    ///   deleted;
    /// - [`WeightsError::ExistingMismatch`](crate::error::WeightsError::ExistingMismatch) if a different file is already at the
    ///   destination (it is left alone);
    /// - [`WeightsError::Io`](crate::error::WeightsError::Io) if a file cannot be read or written.
    pub fn fetch(
        &self,
        progress: &mut dyn FnMut(DownloadProgress),
    ) -> Result<FetchOutcome, ImpastoError> {
        if self.destination.exists() {
            let (bytes, sha256) = sha256_of(&self.destination)?;
            if !self.matches(&sha256) {
                return Err(ImpastoError::Weights(
                    crate::error::WeightsError::ExistingMismatch {
                        path: self.destination.clone(),
                        expected_prefix: self.sha256_prefix.clone(),
                        actual: sha256,
                    },
                ));
            }
            return Ok(self.outcome(Fetched::AlreadyPresent, bytes, 0, sha256));
        }
        let part = self.part_path();
        let kept = std::fs::metadata(&part).map_or(0, |m| m.len());
        let (fetched, transferred) = self.download(&part, kept, progress)?;
        let (bytes, sha256) = sha256_of(&part)?;
        if !self.matches(&sha256) {
            let _ = std::fs::remove_file(&part);
            return Err(ImpastoError::Weights(
                crate::error::WeightsError::Checksum {
                    path: self.destination.clone(),
                    expected_prefix: self.sha256_prefix.clone(),
                    actual: sha256,
                },
            ));
        }
        std::fs::rename(&part, &self.destination).map_err(io_error(&self.destination))?;
        Ok(self.outcome(fetched, bytes, transferred, sha256))
    }

    fn matches(&self, sha256: &str) -> bool {
        sha256.starts_with(&self.sha256_prefix.to_ascii_lowercase())
    }

    fn outcome(
        &self,
        fetched: Fetched,
        bytes: u64,
        transferred: u64,
        sha256: String,
    ) -> FetchOutcome {
        FetchOutcome {
            fetched,
            path: self.destination.clone(),
            bytes,
            transferred,
            sha256,
        }
    }

    /// Completes `part`, of which `kept` bytes are on disk, from the server. Returns how
    /// and the bytes received.
    fn download(
        &self,
        part: &Path,
        kept: u64,
        progress: &mut dyn FnMut(DownloadProgress),
    ) -> Result<(Fetched, u64), ImpastoError> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .timeout_per_read(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut request = agent.get(&self.url);
        if kept > 0 {
            request = request.header(header::RANGE, format!("bytes={kept}-"));
        }
        let mut response = request.call().map_err(|error| {
            ImpastoError::Weights(crate::error::WeightsError::Download {
                url: self.url.clone(),
                reason: error.to_string(),
            })
        })?;
        let headers = response.headers();
        let header_u64 = |name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let length = header_u64(header::CONTENT_LENGTH);
        let content_range = headers
            .get(header::CONTENT_RANGE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let range = content_range.as_deref().and_then(parse_content_range);
        let (start, total) = match response.status() {
            StatusCode::OK => (0, length),
            StatusCode::PARTIAL_CONTENT if kept > 0 => {
                let Some((Some(start), total)) = range.filter(|r| r.0 == Some(kept)) else {
                    let _ = std::fs::remove_file(part);
                    return Err(ImpastoError::Weights(
                        crate::error::WeightsError::Download {
                            url: self.url.clone(),
                            reason: format!(
                                "asked for bytes {kept}-, the server sent Content-Range `{}`; the \
                             partial download was deleted, run the same command again to start \
                             over",
                                content_range.as_deref().unwrap_or("")
                            ),
                        },
                    ));
                };
                (start, total.or(length.map(|length| start + length)))
            }
            // The partial file is already complete (or longer than the file): it is
            // checked as it is, and deleted if wrong.
            StatusCode::RANGE_NOT_SATISFIABLE if kept > 0 => {
                let total = Some(kept);
                progress(DownloadProgress {
                    downloaded: kept,
                    total,
                });
                return Ok((Fetched::Resumed { from: kept }, 0));
            }
            status => {
                return Err(ImpastoError::Weights(
                    crate::error::WeightsError::DownloadStatus {
                        url: self.url.clone(),
                        status: status.as_u16(),
                    },
                ));
            }
        };
        if let Some(parent) = part.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .append(start > 0)
            .truncate(start == 0)
            .open(part)
            .map_err(io_error(part))?;
        let mut downloaded = start;
        let mut reported = start;
        progress(DownloadProgress { downloaded, total });
        let mut body = response.body_mut().as_reader();
        let mut buffer = vec![0u8; 64 * 1024];
        let interrupted = |downloaded, reason: String| {
            ImpastoError::Weights(crate::error::WeightsError::DownloadInterrupted {
                url: self.url.clone(),
                part: part.to_path_buf(),
                downloaded,
                total,
                reason,
            })
        };
        loop {
            let n = match body.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    file.flush().map_err(io_error(part))?;
                    return Err(interrupted(downloaded, error.to_string()));
                }
            };
            file.write_all(&buffer[..n]).map_err(io_error(part))?;
            downloaded += n as u64;
            if downloaded - reported >= PROGRESS_EVERY {
                reported = downloaded;
                progress(DownloadProgress { downloaded, total });
            }
        }
        file.sync_all().map_err(io_error(part))?;
        if let Some(total) = total.filter(|&total| downloaded < total) {
            return Err(interrupted(
                downloaded,
                format!("the connection closed {} bytes early", total - downloaded),
            ));
        }
        progress(DownloadProgress { downloaded, total });
        let fetched = if start > 0 {
            Fetched::Resumed { from: start }
        } else {
            Fetched::Downloaded
        };
        Ok((fetched, downloaded - start))
    }
}

/// `Content-Range: bytes START-END/TOTAL` (or `bytes */TOTAL`) as (START, TOTAL), each
/// `None` where it is `*` or unreadable.
fn parse_content_range(value: &str) -> Option<(Option<u64>, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let start = range
        .split_once('-')
        .and_then(|(start, _)| start.trim().parse().ok());
    Some((start, total.trim().parse().ok()))
}

/// The size and SHA-256 (lower-case hex) of a file.
fn sha256_of(path: &Path) -> Result<(u64, String), ImpastoError> {
    let mut file = File::open(path).map_err(io_error(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    let mut bytes = 0;
    loop {
        let n = file.read(&mut buffer).map_err(io_error(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((bytes, hex))
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ImpastoError + '_ {
    move |source| {
        ImpastoError::Weights(crate::error::WeightsError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_range_start_and_total() {
        assert_eq!(
            parse_content_range("bytes 100-999/1000"),
            Some((Some(100), Some(1000)))
        );
        assert_eq!(
            parse_content_range("bytes 100-999/*"),
            Some((Some(100), None))
        );
        assert_eq!(
            parse_content_range("bytes */1000"),
            Some((None, Some(1000)))
        );
        assert_eq!(parse_content_range("items 1-2/3"), None);
    }
}
