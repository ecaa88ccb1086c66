use image::{Rgb, Rgb32FImage};

use super::*;

/// Colours well inside [0, 1] with correlated channels, so that no clamp interferes.
fn image(width: u32, phase: f32, spread: f32, tint: [f32; 3]) -> Rgb32FImage {
    Rgb32FImage::from_fn(width, 24, |x, y| {
        let u = ((x as f32 * 0.37 + y as f32 * 0.11 + phase).sin()) * spread;
        let v = ((x as f32 * 0.05 - y as f32 * 0.29 + 2.0 * phase).cos()) * spread;
        Rgb([
            tint[0] + 0.8 * u + 0.1 * v,
            tint[1] + 0.3 * u - 0.5 * v,
            tint[2] - 0.2 * u + 0.4 * v,
        ])
    })
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

#[test]
fn every_method_gives_the_style_the_photos_mean_and_covariance() {
    let style = image(40, 0.3, 0.15, [0.6, 0.4, 0.3]);
    let photo = image(32, 1.7, 0.08, [0.35, 0.5, 0.55]);
    let (mean_c, cov_c) = color_statistics(&photo);
    let (_, cov_s) = color_statistics(&style);
    assert!(
        !close(cov_s[0][0], cov_c[0][0], 1e-3),
        "the two differ to begin with"
    );
    let mut results = Vec::new();
    for method in [ColorMatch::Cholesky, ColorMatch::Symmetric, ColorMatch::Pca] {
        let matched = match_colors(&style, &photo, method);
        let (mean, cov) = color_statistics(&matched);
        for i in 0..3 {
            assert!(close(mean[i], mean_c[i], 1e-5), "{method:?} mean {mean:?}");
            for j in 0..3 {
                assert!(
                    close(cov[i][j], cov_c[i][j], 1e-5),
                    "{method:?} cov {cov:?} against {cov_c:?}"
                );
            }
        }
        results.push(matched);
    }
    // Three different maps: the choice is a real one.
    assert_ne!(results[0], results[1]);
    assert_ne!(results[1], results[2]);
}

#[test]
fn the_decompositions_rebuild_their_matrix() {
    let m = [[0.5, 0.1, -0.2], [0.1, 0.3, 0.05], [-0.2, 0.05, 0.4]];
    let l = cholesky(m);
    let lt = [0, 1, 2].map(|i| [0, 1, 2].map(|j| l[j][i]));
    let rebuilt = multiply(l, lt);
    let identity = multiply(l, inverse_lower(l));
    let root = power(m, 0.5);
    let squared = multiply(root, root);
    let (values, q) = eigen(m);
    assert!(values[0] >= values[1] && values[1] >= values[2]);
    for i in 0..3 {
        for j in 0..3 {
            assert!(close(rebuilt[i][j], m[i][j], 1e-12));
            assert!(close(identity[i][j], f64::from(u8::from(i == j)), 1e-12));
            assert!(close(squared[i][j], m[i][j], 1e-12));
            let eigen_rebuilt: f64 = (0..3).map(|k| q[i][k] * values[k] * q[j][k]).sum();
            assert!(close(eigen_rebuilt, m[i][j], 1e-12));
        }
    }
}

#[test]
fn luminance_matching_gives_the_photos_mean_and_spread_in_grey() {
    let style = image(40, 0.3, 0.15, [0.6, 0.4, 0.3]);
    let photo = image(32, 1.7, 0.08, [0.35, 0.5, 0.55]);
    let grey = matched_luminance(&style, &photo);
    assert!(grey.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]));
    let stats = |image: &Rgb32FImage| {
        let v: Vec<f64> = image.pixels().map(|p| luma(p.0.map(f64::from))).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
        (mean, std)
    };
    let ((mean, std), (mean_c, std_c)) = (stats(&grey), stats(&photo));
    assert!(close(mean, mean_c, 1e-5) && close(std, std_c, 1e-5));
    assert_eq!(luminance(&photo).pixels().count(), photo.pixels().count());
}

#[test]
fn prepare_gives_the_run_the_images_its_colours_ask_for() {
    let style = image(40, 0.3, 0.15, [0.6, 0.4, 0.3]);
    let photo = image(32, 1.7, 0.08, [0.35, 0.5, 0.55]);
    let prepared = |colors: Colors| colors.prepare(Some(photo.clone()), vec![style.clone()]);
    for colors in [Colors::Style, Colors::Photo] {
        assert_eq!(prepared(colors), (Some(photo.clone()), vec![style.clone()]));
    }
    let (content, styles) = prepared(Colors::Luminance);
    assert_eq!(content, Some(luminance(&photo)));
    assert_eq!(styles, vec![matched_luminance(&style, &photo)]);
    let (content, styles) = prepared(Colors::Histogram(ColorMatch::Pca));
    assert_eq!(content, Some(photo.clone()));
    assert_eq!(styles, vec![match_colors(&style, &photo, ColorMatch::Pca)]);
    // No photo (a style reconstruction): nothing to match.
    assert_eq!(
        Colors::Luminance.prepare(None, vec![style.clone()]),
        (None, vec![style.clone()])
    );
}

#[test]
fn the_names_parse_back() {
    for colors in [
        Colors::Style,
        Colors::Photo,
        Colors::Luminance,
        Colors::Histogram(ColorMatch::Symmetric),
        Colors::Histogram(ColorMatch::Cholesky),
        Colors::Histogram(ColorMatch::Pca),
    ] {
        assert_eq!(colors.to_string().parse::<Colors>(), Ok(colors));
    }
    assert_eq!(
        "histogram".parse::<Colors>(),
        Ok(Colors::Histogram(ColorMatch::Cholesky))
    );
    assert!("sepia".parse::<Colors>().is_err());
}
