//! VGG16 features of a photo: per-layer activation statistics and Gram matrix norms.
//!
//! ```text
//! cargo run --release --example vgg_features -- ../shared/images/tubingen.jpg [SIZE] [WEIGHTS]
//! ```
//!
//! Without a weights file the network has **random weights** (seeded), which says
//! nothing about the photo that a trained network would; with torchvision's
//! `vgg16-397923af.pth` it shows real features.

use std::error::Error;
use std::time::Instant;

use burn::tensor::{Tensor, TensorData};
use impasto::Backend;
use impasto::vgg::{VggConfig, VggLayer};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "../shared/images/tubingen.jpg".to_string());
    let size: u32 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(224);
    let weights = args.next();

    let photo = image::open(&path)?.to_rgb8();
    let scale = size as f32 / photo.width().max(photo.height()) as f32;
    let (width, height) = (
        ((photo.width() as f32 * scale).round() as u32).max(1),
        ((photo.height() as f32 * scale).round() as u32).max(1),
    );
    let photo = image::imageops::resize(
        &photo,
        width,
        height,
        image::imageops::FilterType::CatmullRom,
    );
    let (w, h) = (width as usize, height as usize);
    // HWC bytes to CHW floats in [0, 1].
    let mut pixels = vec![0f32; 3 * h * w];
    for (i, p) in photo.pixels().enumerate() {
        for c in 0..3 {
            pixels[c * h * w + i] = p[c] as f32 / 255.0;
        }
    }

    let device = Backend::Flex.device()?;
    let layers = [
        VggLayer::Relu1_1,
        VggLayer::Relu2_1,
        VggLayer::Relu3_1,
        VggLayer::Relu4_1,
        VggLayer::Relu4_2,
        VggLayer::Relu5_1,
    ];
    let config = VggConfig::new().with_last_layer(Some(VggLayer::Relu5_1));
    let vgg = match &weights {
        Some(file) => config.load(file, &device)?,
        None => {
            println!("VGG16 with RANDOM WEIGHTS (seed 0): not a trained network");
            config.init(&device)
        }
    };
    let image = Tensor::<4>::from_data(TensorData::new(pixels, [1, 3, h, w]), &device);

    let start = Instant::now();
    let features = vgg.features(image, &layers)?;
    println!(
        "{path}: {w}x{h} px, forward to relu5_1 in {:.0?}",
        start.elapsed()
    );
    println!(
        "{:<8} {:>18} {:>12} {:>12}",
        "layer", "shape", "mean", "‖G‖/(N·M)"
    );
    for (layer, f) in features {
        let [_, n, fh, fw] = f.dims();
        let m = fh * fw;
        let mean: f32 = f.clone().mean().into_scalar();
        let flat = f.reshape([n, m]);
        let gram = flat.clone().matmul(flat.transpose());
        let norm = gram.powi_scalar(2).sum().sqrt().into_scalar::<f32>() / (n * m) as f32;
        println!(
            "{:<8} {:>18} {mean:>12.4} {norm:>12.4}",
            layer.to_string(),
            format!("{n}x{fh}x{fw}")
        );
    }
    Ok(())
}
