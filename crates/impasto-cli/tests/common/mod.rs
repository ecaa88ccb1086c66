//! Helpers of the command's tests: the built binary, a scratch directory per test, the
//! project's demo images, and runs with random weights on the CPU.

#![allow(dead_code)] // each test binary uses some of the helpers

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `impasto` binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_impasto");

/// Options every test run uses: untrained seeded network, the CPU backend, no bar.
pub const FAST: &[&str] = &["--weights", "random", "--backend", "flex"];

/// A fresh, empty directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("impasto-cli")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    dir
}

/// The project's demo images (`assets/content.png`, `assets/style.png`), or, if they are
/// missing, small images drawn here into `dir`.
pub fn images(dir: &Path) -> (PathBuf, PathBuf) {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets");
    let (content, style) = (assets.join("content.png"), assets.join("style.png"));
    if content.is_file() && style.is_file() {
        return (content, style);
    }
    let content = dir.join("content.png");
    let style = dir.join("style.png");
    gradient(48, 36).save(&content).expect("write content.png");
    checkerboard(48).save(&style).expect("write style.png");
    (content, style)
}

/// A smooth colour gradient.
pub fn gradient(width: u32, height: u32) -> image::RgbImage {
    image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    })
}

/// A two-colour checkerboard of 4-pixel squares.
pub fn checkerboard(side: u32) -> image::RgbImage {
    image::RgbImage::from_fn(side, side, |x, y| {
        if (x / 4 + y / 4) % 2 == 0 {
            image::Rgb([230, 200, 30])
        } else {
            image::Rgb([20, 50, 150])
        }
    })
}

/// Runs the binary with `args`, stdin closed, stdout and stderr captured (so not
/// terminals: progress comes as plain lines).
pub fn impasto<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(BIN)
        .args(args)
        .env_remove("IMPASTO_WEIGHTS")
        .output()
        .expect("run impasto")
}

/// The process's stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The process's stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts that the run succeeded, showing its output if not.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "impasto failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        stdout(output),
        stderr(output)
    );
}

/// Strings as `OsString` arguments, for mixing with paths.
pub fn args(parts: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<std::ffi::OsString> {
    parts.iter().map(|p| p.as_ref().to_os_string()).collect()
}

/// `transfer --content C --style S --output OUT` with [`FAST`], then `extra`.
pub fn fast_transfer(
    content: &Path,
    style: &Path,
    out: &Path,
    extra: &[&dyn AsRef<std::ffi::OsStr>],
) -> Vec<std::ffi::OsString> {
    let mut all = args(&[
        &"transfer",
        &"--content",
        &content,
        &"--style",
        &style,
        &"--output",
        &out,
    ]);
    all.extend(FAST.iter().map(Into::into));
    all.extend(args(extra));
    all
}

/// The files in `dir` (names only), sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// CRC-32 (ISO-HDLC, as PNG uses) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG signature and an IHDR chunk declaring `width`×`height` RGB, then an empty IDAT
/// and IEND: a header that lies about the image, crafted byte by byte (the `image` crate
/// refuses to encode such sizes).
pub fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8; 4], data: &[u8]| {
        png.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        png.extend(&body);
        png.extend(crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    png
}
