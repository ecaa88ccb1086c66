//! Middlebury `.flo` files (Baker et al. 2011): the magic number 202021.25 as a
//! little-endian `f32`, width and height as little-endian `i32`, then `u, v` pairs of
//! little-endian `f32`, row-major.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use crate::flo_header::{FLO_MAGIC, MAX_FLO_SIDE};
use crate::{FlowError, FlowField};

/// Reads a `.flo` stream. Errors: [`FlowError::BadMagic`], [`FlowError::AbsurdSize`]
/// (checked before anything is allocated), [`FlowError::Truncated`],
/// [`FlowError::Stream`]. Data after the last vector is ignored. Values are returned as
/// stored (Middlebury marks unknown flow with components above 1e9).
pub fn read_flo_from(mut reader: impl Read) -> Result<FlowField, FlowError> {
    let mut header = Vec::with_capacity(12);
    (&mut reader).take(12).read_to_end(&mut header)?;
    if header.len() < 4 {
        return Err(FlowError::Truncated {
            expected: 12,
            actual: header.len() as u64,
        });
    }
    let word = |i: usize| [header[i], header[i + 1], header[i + 2], header[i + 3]];
    let magic = f32::from_le_bytes(word(0));
    if magic != FLO_MAGIC {
        return Err(FlowError::BadMagic { found: magic });
    }
    if header.len() < 12 {
        return Err(FlowError::Truncated {
            expected: 12,
            actual: header.len() as u64,
        });
    }
    let (width, height) = (i32::from_le_bytes(word(4)), i32::from_le_bytes(word(8)));
    if !(1..=MAX_FLO_SIDE).contains(&width) || !(1..=MAX_FLO_SIDE).contains(&height) {
        return Err(FlowError::AbsurdSize { width, height });
    }
    let expected = width as u64 * height as u64 * 8;
    // `take` + `read_to_end` grows the buffer as bytes arrive: a header promising
    // gigabytes in a short file allocates only what the file holds.
    let mut body = Vec::new();
    reader.take(expected).read_to_end(&mut body)?;
    if (body.len() as u64) < expected {
        return Err(FlowError::Truncated {
            expected: 12 + expected,
            actual: 12 + body.len() as u64,
        });
    }
    let data = body
        .chunks_exact(8)
        .map(|c| {
            [
                f32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                f32::from_le_bytes([c[4], c[5], c[6], c[7]]),
            ]
        })
        .collect();
    FlowField::from_vec(width as u32, height as u32, data)
}

/// Writes `flow` as a `.flo` stream. [`FlowError::AbsurdSize`] for an empty field or a
/// side over [`MAX_FLO_SIDE`] (which no reader would accept), [`FlowError::Stream`] when
/// writing fails.
pub fn write_flo_to(flow: &FlowField, mut writer: impl Write) -> Result<(), FlowError> {
    let side = |s: u32| i32::try_from(s).unwrap_or(i32::MAX);
    let (width, height) = (side(flow.width()), side(flow.height()));
    if !(1..=MAX_FLO_SIDE).contains(&width) || !(1..=MAX_FLO_SIDE).contains(&height) {
        return Err(FlowError::AbsurdSize { width, height });
    }
    let mut bytes = Vec::with_capacity(12 + flow.as_slice().len() * 8);
    bytes.extend_from_slice(&FLO_MAGIC.to_le_bytes());
    bytes.extend_from_slice(&width.to_le_bytes());
    bytes.extend_from_slice(&height.to_le_bytes());
    for [u, v] in flow.as_slice() {
        bytes.extend_from_slice(&u.to_le_bytes());
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    writer.write_all(&bytes)?;
    writer.flush()?;
    Ok(())
}

/// Reads a `.flo` file; errors as [`read_flo_from`], [`FlowError::Io`] for the file.
pub fn read_flo(path: impl AsRef<Path>) -> Result<FlowField, FlowError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| FlowError::Io {
        path: path.into(),
        source,
    })?;
    read_flo_from(std::io::BufReader::new(file)).map_err(|e| match e {
        FlowError::Stream(source) => FlowError::Io {
            path: path.into(),
            source,
        },
        other => other,
    })
}

/// Writes a `.flo` file atomically: to `<path>.tmp`, then renamed, so an interrupted
/// program never leaves half a file. Errors as [`write_flo_to`], [`FlowError::Io`].
pub fn write_flo(flow: &FlowField, path: impl AsRef<Path>) -> Result<(), FlowError> {
    let path = path.as_ref();
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = std::path::PathBuf::from(temporary);
    let io = |source| FlowError::Io {
        path: path.into(),
        source,
    };
    let file = File::create(&temporary).map_err(io)?;
    let written = write_flo_to(flow, BufWriter::new(file)).map_err(|e| match e {
        FlowError::Stream(source) => io(source),
        other => other,
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(e);
    }
    std::fs::rename(&temporary, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> FlowField {
        FlowField::from_fn(5, 3, |x, y| [x as f32 * 0.25 - 1.0, -(y as f32) * 1.5e3])
    }

    #[test]
    fn round_trip_in_memory_and_on_disk() {
        let flow = sample();
        let mut bytes = Vec::new();
        write_flo_to(&flow, &mut bytes).unwrap();
        assert_eq!(bytes.len(), 12 + 5 * 3 * 8);
        assert_eq!(&bytes[..4], b"PIEH");
        assert_eq!(read_flo_from(bytes.as_slice()).unwrap(), flow);

        let dir = std::env::temp_dir().join(format!("impasto-flow-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.flo");
        write_flo(&flow, &path).unwrap();
        assert_eq!(read_flo(&path).unwrap(), flow);
        assert!(!dir.join("a.flo.tmp").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_files_are_errors() {
        let mut good = Vec::new();
        write_flo_to(&sample(), &mut good).unwrap();

        let mut bad_magic = good.clone();
        bad_magic[0] ^= 1;
        assert!(matches!(
            read_flo_from(bad_magic.as_slice()),
            Err(FlowError::BadMagic { .. })
        ));
        assert!(matches!(
            read_flo_from(&good[..2]),
            Err(FlowError::Truncated { actual: 2, .. })
        ));
        assert!(matches!(
            read_flo_from(&good[..9]),
            Err(FlowError::Truncated { actual: 9, .. })
        ));
        assert!(matches!(
            read_flo_from(&good[..good.len() - 1]),
            Err(FlowError::Truncated {
                expected: 132,
                actual: 131
            })
        ));

        // Absurd sizes: refused from the header alone.
        for (w, h) in [(0, 3), (-5, 3), (5, i32::MAX), (100_000, 1)] {
            let mut header = FLO_MAGIC.to_le_bytes().to_vec();
            header.extend_from_slice(&i32::to_le_bytes(w));
            header.extend_from_slice(&i32::to_le_bytes(h));
            assert!(
                matches!(
                    read_flo_from(header.as_slice()),
                    Err(FlowError::AbsurdSize { .. })
                ),
                "{w}x{h}"
            );
        }
        // A large but legal header over a short body: truncated, and nothing near the
        // promised 80 GB is allocated.
        let mut big = FLO_MAGIC.to_le_bytes().to_vec();
        big.extend_from_slice(&99_999i32.to_le_bytes());
        big.extend_from_slice(&99_999i32.to_le_bytes());
        big.extend_from_slice(&[0; 64]);
        assert!(matches!(
            read_flo_from(big.as_slice()),
            Err(FlowError::Truncated { actual: 76, .. })
        ));

        assert!(matches!(
            read_flo("/nonexistent/dir/x.flo"),
            Err(FlowError::Io { .. })
        ));
        assert!(matches!(
            write_flo_to(&FlowField::zeros(0, 4), Vec::new()),
            Err(FlowError::AbsurdSize { .. })
        ));
    }
}
