//! Bad input, case by case: each gives one clear sentence on stderr, a non-zero exit, no
//! panic, and no output file (nor a temporary `.partial` one) left behind.

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use common::{files, images, png_header_only, scratch, stderr};

/// An image of noise (which compresses badly) encoded as `format`, then cut in half.
fn truncated(format: image::ImageFormat) -> Vec<u8> {
    let mut state = 12345u32;
    let noise = image::RgbImage::from_fn(64, 64, |_, _| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let [a, b, c, _] = state.to_le_bytes();
        image::Rgb([a, b, c])
    });
    let mut bytes = Vec::new();
    noise
        .write_to(&mut std::io::Cursor::new(&mut bytes), format)
        .unwrap();
    bytes.truncate(bytes.len() / 2);
    bytes
}

/// A safetensors file with torchvision's first key, of the wrong shape.
fn wrong_architecture_safetensors() -> Vec<u8> {
    let header =
        r#"{"features.0.weight":{"dtype":"F32","shape":[8,3,3,3],"data_offsets":[0,864]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend(header.as_bytes());
    bytes.extend(vec![0u8; 864]);
    bytes
}

struct Case {
    name: &'static str,
    /// Arguments after `transfer --content C --style S --output OUT`.
    extra: Vec<OsString>,
    /// Replaces the content image, if set.
    content: Option<PathBuf>,
    /// Replaces the output path, if set.
    output: Option<PathBuf>,
    /// Expected in stderr.
    expected: &'static str,
}

fn case(name: &'static str, extra: &[&str], expected: &'static str) -> Case {
    Case {
        name,
        extra: extra.iter().map(Into::into).collect(),
        content: None,
        output: None,
        expected,
    }
}

fn with_content(name: &'static str, content: PathBuf, expected: &'static str) -> Case {
    Case {
        content: Some(content),
        ..case(name, &[], expected)
    }
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn every_bad_input_gets_one_clear_sentence_and_leaves_no_file() {
    let dir = scratch("bad-input");
    let (content, style) = images(&dir);
    let inputs = dir.join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = inputs.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let text = write("notes.png", b"these are not pixels\n");
    let s0 = |p: &Path| p.display().to_string();
    let cut_png = write("cut.png", &truncated(image::ImageFormat::Png));
    let cut_jpeg = write("cut.jpg", &truncated(image::ImageFormat::Jpeg));
    let zero = write("zero.png", &png_header_only(0, 16));
    let huge = write("huge.png", &png_header_only(100_000, 100_000));
    let garbage = write(
        "garbage.pth",
        &(0..4096u32)
            .map(|i| (i * 7919 % 256) as u8)
            .collect::<Vec<_>>(),
    );
    let wrong = write("wrong.safetensors", &wrong_architecture_safetensors());
    let black = inputs.join("black.png");
    image::GrayImage::new(8, 8).save(&black).unwrap();
    let white = inputs.join("white.png");
    image::GrayImage::from_pixel(8, 8, image::Luma([255]))
        .save(&white)
        .unwrap();
    let (black, white, notes) = (s0(&black), s0(&white), s0(&text));
    let copy = inputs.join("copy.png");
    std::fs::copy(&content, &copy).unwrap();
    let s = |p: &Path| p.display().to_string();
    let (garbage, wrong) = (s(&garbage), s(&wrong));
    let missing_weights = s(&inputs.join("missing.pth"));

    let mut cases = vec![
        with_content(
            "missing content",
            inputs.join("nope.png"),
            "cannot read image",
        ),
        with_content("directory as content", inputs.clone(), "directory"),
        with_content("text file", text, "not a readable image"),
        with_content("truncated PNG", cut_png, "not a readable image"),
        with_content("truncated JPEG", cut_jpeg, "truncated"),
        with_content("zero-sized PNG", zero, "zero.png"),
        with_content("huge PNG", huge, "larger than 16384"),
        case(
            "unknown layer",
            &["--content-layers", "relu9_9"],
            "unknown VGG layer `relu9_9`",
        ),
        case("size 0", &["--size", "0"], "invalid size"),
        case("no memory", &["--max-memory", "0"], "no memory at all"),
        case(
            "memory unit",
            &["--max-memory", "8X"],
            "not a unit of memory",
        ),
        case(
            "memory not a number",
            &["--max-memory", "lots"],
            "not a size",
        ),
        case(
            "memory budget too small for any tile",
            &["--max-memory", "1M"],
            "more than the budget of 1 MiB",
        ),
        case(
            "shrinking scales",
            &["--scales", "64,32"],
            "sizes must grow from scale to scale; 32 follows 64",
        ),
        case(
            "scale 0",
            &["--scales", "0,32"],
            "invalid scales: 0 is not between",
        ),
        case(
            "scale above the limit",
            &["--scales", "20000,32"],
            "20000 is not between 1 and 16384",
        ),
        case(
            "size against scales",
            &["--size", "64", "--scales", "32,48"],
            "--size 64 is not the last of --scales (32,48)",
        ),
        case(
            "iterations per scale",
            // The harness gives `--iterations 2` first; a second list is appended.
            &["--scales", "16,32", "--iterations", "1,2"],
            "--iterations gives 3 numbers for 2 scales",
        ),
        case(
            "idle coarse scale",
            &["--scales", "8,16,32", "--iterations", "0,5"],
            "the scale 16 px has 0 iterations",
        ),
        case(
            "negative style weight",
            &["--style-weight", "-1"],
            "style_weight must not be negative",
        ),
        case("style scale 0", &["--style-scale", "0"], "style scale"),
        case("history 0", &["--history", "0"], "history"),
        case(
            "negative learning rate",
            &["--optimizer", "gd", "--learning-rate", "-1"],
            "learning_rate",
        ),
        case(
            "fixed-step rate",
            &["--line-search", "none", "--learning-rate", "-1"],
            "learning_rate",
        ),
        case(
            "rate without use",
            &["--learning-rate", "0.1"],
            "--learning-rate only applies",
        ),
        case("blend count", &["--style-blend", "0.7,0.3"], "style blend"),
        case("save every 0", &["--save-every", "0"], "--save-every"),
        case("too small", &["--size", "4"], "too small"),
        case("garbage weights", &["--weights", &garbage], "garbage.pth"),
        case(
            "wrong architecture",
            &["--weights", &wrong],
            "wrong.safetensors",
        ),
        case(
            "missing weights",
            &["--weights", &missing_weights],
            "no VGG16 weights",
        ),
        case("cuda", &["--backend", "cuda"], "cubecl-llvm"),
        case("unknown colours", &["--colors", "sepia"], "possible values"),
        case(
            "colour map without histogram",
            &["--color-match", "pca"],
            "--color-match only applies with --colors histogram",
        ),
        case(
            "two colour options",
            &["--colors", "luminance", "--original-colors"],
            "cannot be used with",
        ),
        case("unknown bounds", &["--bounds", "clamp"], "possible values"),
        case(
            "more masks than styles",
            &["--style-mask", &white, "--style-mask", &white],
            "2 masks given for 1 style images; give one mask per style",
        ),
        case(
            "black mask",
            &["--style-mask", &black],
            "is black everywhere: it covers no pixel",
        ),
        case(
            "mask not an image",
            &["--style-mask", &notes],
            "not a readable image",
        ),
        case(
            "regions 0",
            &["--regions", "0"],
            "0 regions; ask for at least 1",
        ),
        case(
            "masks and regions",
            &["--style-mask", &white, "--regions", "2"],
            "cannot be used with",
        ),
        case("unknown backend", &["--backend", "tpu"], "possible values"),
        case(
            "init image missing",
            &["--init", "nowhere.png"],
            "nowhere.png",
        ),
        case(
            "plot not png",
            &["--plot", "loss.svg"],
            "--plot must end in .png",
        ),
        Case {
            output: Some(dir.join("no-such-directory").join("out.png")),
            ..case("missing output directory", &[], "does not exist")
        },
        Case {
            output: Some(dir.join("out.gif")),
            ..case("gif output", &[], "must end in .png, .jpg or .jpeg")
        },
        Case {
            content: Some(copy.clone()),
            output: Some(copy.clone()),
            ..case("output over the input", &[], "also an input")
        },
    ];
    let read_only = dir.join("read-only");
    if is_root() {
        println!(
            "note: running as root, which ignores permissions: the read-only directory case is skipped"
        );
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(&read_only).unwrap();
        std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o555)).unwrap();
        cases.push(Case {
            output: Some(read_only.join("out.png")),
            ..case("read-only directory", &[], "ermission denied")
        });
    }

    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let work = dir.join(format!("case-{i}"));
        std::fs::create_dir_all(&work).unwrap();
        let out = case.output.clone().unwrap_or_else(|| work.join("out.png"));
        let mut args = common::args(&[
            &"transfer",
            &"--content",
            case.content.as_ref().unwrap_or(&content),
            &"--style",
            &style,
            &"--output",
            &out,
        ]);
        args.extend(
            [
                "--weights",
                "random",
                "--backend",
                "flex",
                "--size",
                "32",
                "--iterations",
                "2",
            ]
            .map(Into::into),
        );
        args.extend(case.extra.iter().cloned());
        let output = std::process::Command::new(common::BIN)
            .args(&args)
            .current_dir(&work)
            .output()
            .expect("run impasto");
        let err = stderr(&output);
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut problems = Vec::new();
        if output.status.success() {
            problems.push("exit status 0".to_owned());
        }
        if err.contains("panicked") {
            problems.push("a panic".to_owned());
        }
        if lines.len() != 1 || !lines[0].starts_with("error: ") {
            problems.push(format!("not one `error:` line: {lines:?}"));
        }
        if !err.contains(case.expected) {
            problems.push(format!("no {:?}", case.expected));
        }
        if out.exists() && case.output.as_ref() != Some(&copy) {
            problems.push(format!("{} exists", out.display()));
        }
        let leftovers: Vec<String> = files(&work)
            .into_iter()
            .chain(out.parent().map(files).unwrap_or_default())
            .filter(|n| n.ends_with(".partial") || n == "out.png")
            .collect();
        if !leftovers.is_empty() {
            problems.push(format!("files left: {leftovers:?}"));
        }
        println!(
            "{:<26} exit {:?}: {}",
            case.name,
            output.status.code(),
            err.trim()
        );
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {} (stderr: {err:?})",
                case.name,
                problems.join(", ")
            ));
        }
    }
    if read_only.exists() {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o755));
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
