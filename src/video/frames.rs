//! Numbered frame files: printf-style patterns (`in/%04d.png`) and the sequence of frames
//! one names on disk.

use core::fmt;
use std::path::{Path, PathBuf};

use crate::ImpastoError;

/// A file-name pattern with one frame-number placeholder, as ffmpeg writes and reads
/// them: `%d` (1, 2, …, 10) or `%0Nd` (zero-padded to N digits: `%04d` gives 0001); `%%`
/// is a literal `%`. The placeholder must be in the file name, not in a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramePattern {
    text: String,
    dir: PathBuf,
    prefix: String,
    suffix: String,
    /// `Some(N)` for `%0Nd`.
    width: Option<usize>,
}

impl FramePattern {
    /// Parses `pattern`.
    ///
    /// # Errors
    /// [`VideoError::FramePattern`](crate::error::VideoError::FramePattern) for an empty pattern, none or several placeholders,
    /// a placeholder in a directory, or another `%` directive.
    pub fn parse(pattern: &str) -> Result<Self, ImpastoError> {
        let invalid = |reason: &str| {
            ImpastoError::Video(crate::error::VideoError::FramePattern {
                pattern: pattern.to_owned(),
                reason: reason.to_owned(),
            })
        };
        if pattern.trim().is_empty() {
            return Err(invalid(
                "it is empty; give a numbered file name such as frames/%04d.png",
            ));
        }
        let path = Path::new(pattern);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|_| !pattern.ends_with('/'))
            .ok_or_else(|| invalid("it names no file; end it with a file name such as %04d.png"))?;
        let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        if dir.to_string_lossy().contains('%') {
            return Err(invalid(
                "the frame number must be in the file name, not in a directory",
            ));
        }
        let (mut prefix, mut suffix) = (String::new(), String::new());
        let mut width = None;
        let mut placeholders = 0;
        let mut chars = name.chars().peekable();
        while let Some(c) = chars.next() {
            let out = if placeholders == 0 {
                &mut prefix
            } else {
                &mut suffix
            };
            if c != '%' {
                out.push(c);
                continue;
            }
            let mut spec = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                spec.push(d);
                chars.next();
            }
            match chars.next() {
                Some('%') if spec.is_empty() => out.push('%'),
                Some('d') => {
                    placeholders += 1;
                    if placeholders > 1 {
                        return Err(invalid("it has more than one %d placeholder; give one"));
                    }
                    width = match spec.as_str() {
                        "" => None,
                        s if s.starts_with('0') && s.len() > 1 => {
                            let n: usize = s[1..]
                                .parse()
                                .map_err(|_| invalid("the placeholder's width is not a number"))?;
                            if n == 0 || n > 18 {
                                return Err(invalid("the placeholder's width must be 1 to 18"));
                            }
                            Some(n)
                        }
                        _ => {
                            return Err(invalid(
                                "pad the frame number with zeros (%04d), or not at all (%d)",
                            ));
                        }
                    }
                }
                _ => {
                    return Err(invalid(
                        "`%` must start the frame number (%d or %04d); write %% for a literal %",
                    ));
                }
            }
        }
        if placeholders == 0 {
            return Err(invalid(
                "it has no %d placeholder for the frame number (e.g. frames/%04d.png)",
            ));
        }
        Ok(Self {
            text: pattern.to_owned(),
            dir,
            prefix,
            suffix,
            width,
        })
    }

    /// The file of frame `index`.
    pub fn path(&self, index: u64) -> PathBuf {
        let number = match self.width {
            Some(width) => format!("{index:0width$}"),
            None => index.to_string(),
        };
        self.dir
            .join(format!("{}{number}{}", self.prefix, self.suffix))
    }

    /// The directory the frames are in (empty for the current directory).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The frame number a file name stands for, if the pattern would write that name.
    fn index_of(&self, name: &str) -> Option<u64> {
        let digits = name
            .strip_prefix(&self.prefix)?
            .strip_suffix(&self.suffix)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let index: u64 = digits.parse().ok()?;
        // Only the exact spelling the pattern gives: with %04d, `0001` but not `1` or
        // `00001`; with %d, `1` but not `01`.
        (self.path(index).file_name()?.to_str()? == name).then_some(index)
    }
}

impl fmt::Display for FramePattern {
    /// The pattern as given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The frames a [`FramePattern`] names on disk: consecutive numbers from the lowest one
/// present (0, 1, or any other), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameSequence {
    pattern: FramePattern,
    first: u64,
    len: usize,
}

impl FrameSequence {
    /// The frames `pattern` names: its directory is listed, the lowest frame number
    /// present starts the sequence, and the sequence ends at the last number; a number
    /// missing in between is an error (a gap would make the flow skip a step).
    ///
    /// # Errors
    /// Those of [`FramePattern::parse`]; [`VideoError::NoFrames`](crate::error::VideoError::NoFrames) when no file matches
    /// (or the directory does not exist); [`VideoError::MissingFrame`](crate::error::VideoError::MissingFrame) for a gap;
    /// [`ImageError::Read`](crate::error::ImageError::Read) when the directory cannot be listed.
    pub fn from_pattern(pattern: &str) -> Result<Self, ImpastoError> {
        Self::find(FramePattern::parse(pattern)?)
    }

    /// [`from_pattern`](Self::from_pattern) with a parsed pattern.
    ///
    /// # Errors
    /// As [`from_pattern`](Self::from_pattern), less the parsing.
    pub fn find(pattern: FramePattern) -> Result<Self, ImpastoError> {
        let dir = if pattern.dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            pattern.dir.as_path()
        };
        let no_frames = || {
            ImpastoError::Video(crate::error::VideoError::NoFrames {
                pattern: pattern.text.clone(),
                example: pattern.path(1),
            })
        };
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(no_frames()),
            Err(source) => {
                return Err(ImpastoError::Image(crate::error::ImageError::Read {
                    path: dir.to_path_buf(),
                    source,
                }));
            }
        };
        let mut indices: Vec<u64> = entries
            .filter_map(Result::ok)
            .filter(|e| !e.path().is_dir())
            .filter_map(|e| pattern.index_of(e.file_name().to_str()?))
            .collect();
        indices.sort_unstable();
        let Some(&first) = indices.first() else {
            return Err(no_frames());
        };
        for (expected, &index) in (first..).zip(&indices) {
            if index != expected {
                return Err(ImpastoError::Video(
                    crate::error::VideoError::MissingFrame {
                        missing: pattern.path(expected),
                        next: pattern.path(index),
                    },
                ));
            }
        }
        Ok(Self {
            len: indices.len(),
            pattern,
            first,
        })
    }

    /// The pattern.
    pub fn pattern(&self) -> &FramePattern {
        &self.pattern
    }

    /// How many frames there are (at least one).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always `false`: a sequence has at least one frame.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The frame number of the `position`-th frame (from 0).
    pub fn index(&self, position: usize) -> u64 {
        self.first + position as u64
    }

    /// The file of the `position`-th frame (from 0).
    pub fn path(&self, position: usize) -> PathBuf {
        self.pattern.path(self.index(position))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_write_the_numbers_ffmpeg_writes() {
        let p = FramePattern::parse("in/frame_%04d.png").unwrap();
        assert_eq!(p.path(7), PathBuf::from("in/frame_0007.png"));
        assert_eq!(p.path(12345), PathBuf::from("in/frame_12345.png"));
        assert_eq!(p.index_of("frame_0007.png"), Some(7));
        assert_eq!(p.index_of("frame_7.png"), None);
        assert_eq!(p.index_of("frame_00007.png"), None);
        assert_eq!(p.index_of("frame_12345.png"), Some(12345));
        let p = FramePattern::parse("%d.jpg").unwrap();
        assert_eq!(p.path(10), PathBuf::from("10.jpg"));
        assert_eq!(p.index_of("01.jpg"), None);
        assert_eq!(p.index_of("0.jpg"), Some(0));
        let p = FramePattern::parse("a%%b%03d.png").unwrap();
        assert_eq!(p.path(5), PathBuf::from("a%b005.png"));
    }

    #[test]
    fn bad_patterns_are_refused_with_a_reason() {
        for (pattern, reason) in [
            ("", "empty"),
            ("frames/still.png", "no %d"),
            ("%d/%d.png", "directory"),
            ("%d_%d.png", "more than one"),
            ("%4d.png", "pad"),
            ("%s.png", "%%"),
            ("frames/", "names no file"),
        ] {
            match FramePattern::parse(pattern) {
                Err(ImpastoError::Video(crate::error::VideoError::FramePattern {
                    reason: r,
                    ..
                })) => {
                    assert!(r.contains(reason), "{pattern}: {r}")
                }
                other => panic!("{pattern}: {other:?}"),
            }
        }
    }
}
