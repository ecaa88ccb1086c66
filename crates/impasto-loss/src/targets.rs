//! What the optimised image is compared with: content features and style Gram matrices,
//! computed once and reused for every evaluation.

use std::collections::BTreeMap;

use burn::tensor::Tensor;
use impasto_vgg::{Vgg, VggLayer};

use crate::checks::{check_layers, check_weight};
use crate::gram::gram_for_symmetric_loss;
use crate::region_targets::Region;
use crate::tile_features::{constant_features, grams_per_position_of};
use crate::tiles::LayerWindow;
use crate::{LossError, Term, style_layer_loss};

/// The content image's activations `P^l` at the content layers.
///
/// Held on the image's device without autodiff: they are constants of the loss, never
/// part of a gradient.
///
/// # Example
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_loss::ContentTargets;
/// use impasto_vgg::{VggConfig, VggLayer};
///
/// let device = Device::flex();
/// let vgg = VggConfig::new().with_seed(1).init(&device);
/// let photo = Tensor::<4>::ones([1, 3, 16, 16], &device).mul_scalar(0.5);
/// let targets = ContentTargets::new(&vgg, photo, &[VggLayer::Relu2_2])?;
/// assert_eq!(targets.get(VggLayer::Relu2_2).unwrap().dims(), [1, 128, 8, 8]);
/// # Ok::<(), impasto_loss::LossError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ContentTargets {
    features: BTreeMap<VggLayer, Tensor<4>>,
}

impl ContentTargets {
    /// Runs `vgg` once on `content` and keeps the activations of `layers`.
    ///
    /// `content` may be on the plain device while `vgg` lives on its autodiff device (as
    /// in style transfer, where only the optimised image needs autodiff): the targets are
    /// computed without autodiff either way.
    ///
    /// # Shapes
    /// - `content`: `[B, 3, H, W]`, pixels in `[0, 1]`; `B` is 1 for a photo (a target of
    ///   batch 1 is compared with every item of an optimised batch)
    ///
    /// # Errors
    /// [`LossError::EmptyLayers`] / [`LossError::DuplicateLayer`] for a bad layer list,
    /// [`LossError::Vgg`] if the network cannot compute the layers for this image.
    pub fn new(vgg: &Vgg, content: Tensor<4>, layers: &[VggLayer]) -> Result<Self, LossError> {
        Self::new_tiled(vgg, content, layers, None)
    }

    /// [`new`](Self::new), the network run tile by tile with cores of `core` pixels
    /// ([`TileGrid`](crate::TileGrid), the exact halo of `layers`) where `core` is given:
    /// the same targets, with the memory of one tile's forward pass instead of the whole
    /// image's. `None` runs it whole.
    ///
    /// # Errors
    /// Those of [`new`](Self::new); [`LossError::TileSize`] for a core that is not a
    /// multiple of the deepest layer's stride.
    pub fn new_tiled(
        vgg: &Vgg,
        content: Tensor<4>,
        layers: &[VggLayer],
        core: Option<usize>,
    ) -> Result<Self, LossError> {
        check_layers(Term::Content, layers)?;
        Self::from_features(constant_features(vgg, content, layers, core)?)
    }

    /// Targets given directly, e.g. activations computed elsewhere; they are detached.
    ///
    /// # Errors
    /// [`LossError::EmptyLayers`] if `features` is empty.
    pub fn from_features(features: BTreeMap<VggLayer, Tensor<4>>) -> Result<Self, LossError> {
        if features.is_empty() {
            return Err(LossError::EmptyLayers {
                term: Term::Content,
            });
        }
        let features = features
            .into_iter()
            .map(|(layer, f)| (layer, f.inner()))
            .collect();
        Ok(Self { features })
    }

    /// The target `P^l` of `layer`, `[B, N_l, H_l, W_l]`, if it was computed.
    pub fn get(&self, layer: VggLayer) -> Option<&Tensor<4>> {
        self.features.get(&layer)
    }

    /// The layers held, in network order.
    pub fn layers(&self) -> impl Iterator<Item = VggLayer> + '_ {
        self.features.keys().copied()
    }
}

/// The style images' blended Gram matrices at the style layers.
///
/// For style images `s_i` with blend weights `k_i` (normalised to sum 1), the target of
/// layer `l` for an optimised image with `M_l` positions there is
///
/// `A^l = M_l · Σ_i k_i · F_{s_i}^l F_{s_i}^lᵀ / M_{s_i}^l`,
///
/// a blend of the Grams taken per position and rescaled to the optimised image's size.
/// When a style image has the optimised image's size this is exactly the paper's
/// `A^l = F_s F_sᵀ`; when it does not, the rescaling keeps `E_l` a comparison of
/// correlations rather than of image areas (an unnormalised Gram grows with `M`).
///
/// Held without autodiff, like [`ContentTargets`].
///
/// # Example
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_loss::StyleTargets;
/// use impasto_vgg::{VggConfig, VggLayer};
///
/// let device = Device::flex();
/// let vgg = VggConfig::new().with_seed(1).init(&device);
/// let wide = Tensor::<4>::ones([1, 3, 16, 24], &device).mul_scalar(0.3);
/// let small = Tensor::<4>::ones([1, 3, 8, 8], &device).mul_scalar(0.7);
/// // Blend 3:1; the weights are normalised to 0.75 and 0.25.
/// let targets = StyleTargets::new(&vgg, &[(wide, 3.0), (small, 1.0)], &[VggLayer::Relu1_1])?;
/// assert_eq!(targets.blend_weights(), &[0.75, 0.25]);
/// let a = targets.gram(VggLayer::Relu1_1, 16 * 16).unwrap();
/// assert_eq!(a.dims(), [1, 64, 64]);
/// # Ok::<(), impasto_loss::LossError>(())
/// ```
#[derive(Debug, Clone)]
pub struct StyleTargets {
    targets: Targets,
    blend_weights: Vec<f64>,
}

/// What the style loss compares with.
#[derive(Debug, Clone)]
enum Targets {
    /// `Σ_i k_i G_i / M_i` per layer, `[1, N_l, N_l]`: one Gram for the whole image.
    Blended(BTreeMap<VggLayer, Tensor<3>>),
    /// Each style on its own region ([`StyleTargets::with_regions`]).
    Regions(Vec<Region>),
}

impl StyleTargets {
    /// Runs `vgg` once on each style image (those of weight 0 are skipped) and blends the
    /// Gram matrices of `layers` with the weights given, normalised to sum 1.
    ///
    /// As with [`ContentTargets::new`], the images may be on the plain device while `vgg`
    /// lives on its autodiff device.
    ///
    /// # Shapes
    /// - each style image: `[1, 3, H_i, W_i]`, pixels in `[0, 1]`, any size the network
    ///   accepts (independent of the content image's)
    ///
    /// # Errors
    /// [`LossError::NoStyleImages`] if `styles` is empty, [`LossError::StyleImageShape`]
    /// for an image that is not `[1, 3, H, W]`, [`LossError::NegativeWeight`] /
    /// [`LossError::NonFiniteWeight`] / [`LossError::ZeroBlendWeights`] for bad blend
    /// weights, [`LossError::EmptyLayers`] / [`LossError::DuplicateLayer`] for a bad layer
    /// list, [`LossError::Vgg`] if the network cannot compute the layers for an image.
    pub fn new(
        vgg: &Vgg,
        styles: &[(Tensor<4>, f64)],
        layers: &[VggLayer],
    ) -> Result<Self, LossError> {
        Self::new_tiled(vgg, styles, layers, None)
    }

    /// [`new`](Self::new), each style image run tile by tile with cores of `core` pixels
    /// where `core` is given ([`ContentTargets::new_tiled`]): the same targets in the
    /// memory of one tile.
    ///
    /// # Errors
    /// Those of [`new`](Self::new); [`LossError::TileSize`] for a bad core.
    pub fn new_tiled(
        vgg: &Vgg,
        styles: &[(Tensor<4>, f64)],
        layers: &[VggLayer],
        core: Option<usize>,
    ) -> Result<Self, LossError> {
        let blend_weights = check_styles(styles, layers)?;
        let mut grams_per_position: BTreeMap<VggLayer, Tensor<3>> = BTreeMap::new();
        for ((image, _), &k) in styles.iter().zip(&blend_weights) {
            if k == 0.0 {
                continue;
            }
            for (layer, scaled) in grams_per_position_of(vgg, image, layers, core)? {
                let scaled = scaled.mul_scalar(k);
                let blended = match grams_per_position.remove(&layer) {
                    Some(sum) => sum + scaled,
                    None => scaled,
                };
                grams_per_position.insert(layer, blended);
            }
        }
        Ok(Self {
            targets: Targets::Blended(grams_per_position),
            blend_weights,
        })
    }

    /// Style targets each confined to a region: style `i` paints where `masks[i]` is
    /// white, partly where it is grey, and not where it is black; a position no mask
    /// covers takes no style loss. Each region's Gram matrix is taken over its masked
    /// features and normalised by its mass `Σ m²`, and weighed by the fraction of the
    /// image it covers:
    ///
    /// `E_l = Σ_i r_i ‖G(F ⊙ m_il) − mass_il Â_il‖² / (4 N_l² mass_il M_l)`, `r_i = n k_i`,
    ///
    /// with `Â_il` style `i`'s Gram per position and `k_i` its blend weight (normalised;
    /// `n` styles). A position's gradient is then `m²` times what a plain run of its
    /// style gives there, whatever the region's size; equal blend weights give every
    /// region `r_i = 1`. With one style and an all-white mask this is [`new`](Self::new)'s
    /// loss to the bit. The mask is brought to each layer's size by averaging 2×2 blocks
    /// once per pooling before it, as the network's pooling shrinks the image.
    ///
    /// # Shapes
    /// - each style image: as for [`new`](Self::new)
    /// - each mask: `[1, 1, H, W]`, values in `[0, 1]`, at the **optimised image's** size
    ///   (it is brought to each layer's size here, once)
    ///
    /// # Errors
    /// Those of [`new`](Self::new); [`LossError::RegionCount`] unless there is one mask
    /// per style image; [`LossError::ShapeMismatch`] for a mask that is not one channel;
    /// [`LossError::EmptyRegion`] for a mask that covers no position at a style layer.
    pub fn with_regions(
        vgg: &Vgg,
        styles: &[(Tensor<4>, f64)],
        masks: &[Tensor<4>],
        layers: &[VggLayer],
    ) -> Result<Self, LossError> {
        Self::with_regions_tiled(vgg, styles, masks, layers, None)
    }

    /// [`with_regions`](Self::with_regions), each style image run tile by tile with cores
    /// of `core` pixels where `core` is given ([`ContentTargets::new_tiled`]).
    ///
    /// # Errors
    /// Those of [`with_regions`](Self::with_regions); [`LossError::TileSize`] for a bad
    /// core.
    pub fn with_regions_tiled(
        vgg: &Vgg,
        styles: &[(Tensor<4>, f64)],
        masks: &[Tensor<4>],
        layers: &[VggLayer],
        core: Option<usize>,
    ) -> Result<Self, LossError> {
        if masks.len() != styles.len() {
            return Err(LossError::RegionCount {
                styles: styles.len(),
                masks: masks.len(),
            });
        }
        let blend_weights = check_styles(styles, layers)?;
        let n = styles.len() as f64;
        let mut regions = Vec::with_capacity(styles.len());
        for (index, (((image, _), mask), &k)) in
            styles.iter().zip(masks).zip(&blend_weights).enumerate()
        {
            if k == 0.0 {
                continue;
            }
            let grams = grams_per_position_of(vgg, image, layers, core)?;
            regions.push(Region::new(index, (n * k, k), grams, mask.clone())?);
        }
        Ok(Self {
            targets: Targets::Regions(regions),
            blend_weights,
        })
    }

    /// The target `A^l` of `layer` for an optimised image with `positions` (`M_l`)
    /// positions at that layer, `[1, N_l, N_l]`, if the layer was computed.
    ///
    /// `None` as well for targets [`with_regions`](Self::with_regions), which have one
    /// Gram per region rather than one for the image.
    pub fn gram(&self, layer: VggLayer, positions: usize) -> Option<Tensor<3>> {
        match &self.targets {
            Targets::Blended(grams) => grams
                .get(&layer)
                .map(|per_position| per_position.clone().mul_scalar(positions as f64)),
            Targets::Regions(_) => None,
        }
    }

    /// Whether each style paints a region of its own ([`with_regions`](Self::with_regions)).
    pub fn has_regions(&self) -> bool {
        matches!(self.targets, Targets::Regions(_))
    }

    /// `E_l` of the optimised image's `features` at `layer`, `[1]`: the plain layer loss
    /// against the blended Gram, or the regions' sum.
    ///
    /// # Errors
    /// [`LossError::MissingTarget`] if `layer` was not computed; those of
    /// [`style_layer_loss`](crate::style_layer_loss); [`LossError::ShapeMismatch`] for
    /// features of another size than the regions' masks.
    pub fn layer_loss(&self, layer: VggLayer, features: Tensor<4>) -> Result<Tensor<1>, LossError> {
        let [_, _, height, width] = features.dims();
        self.check_map_size(layer, [height, width])?;
        let grams = self
            .partial_grams(layer, features, &LayerWindow::whole([height, width]))?
            .into_iter()
            .map(|g| g.expect("a region has positions in the whole map"))
            .collect();
        self.loss_of_grams(layer, grams, height * width)
    }

    /// `Ok` if a map of `size` at `layer` is what the targets were made for: the regions'
    /// masks' size (any size serves blended targets).
    ///
    /// # Errors
    /// [`LossError::ShapeMismatch`] for a map of another size than the masks';
    /// [`LossError::MissingTarget`] for a layer not computed.
    pub(crate) fn check_map_size(
        &self,
        layer: VggLayer,
        size: [usize; 2],
    ) -> Result<(), LossError> {
        match &self.targets {
            Targets::Blended(grams) if grams.contains_key(&layer) => Ok(()),
            Targets::Blended(_) => Err(LossError::MissingTarget {
                term: Term::Style,
                layer,
            }),
            Targets::Regions(regions) => regions.iter().try_for_each(|r| r.check_size(layer, size)),
        }
    }

    /// The Grams `E_l` depends on, over the positions of `window` at `layer` (the whole
    /// map, or one tile's core): one for the blend, or one per region (`None` where the
    /// region has none of those positions). Over disjoint windows they add up to the
    /// whole map's, which is what a tiled evaluation relies on. `features` is the map
    /// that `window.local` indexes.
    pub(crate) fn partial_grams(
        &self,
        layer: VggLayer,
        features: Tensor<4>,
        window: &LayerWindow,
    ) -> Result<Vec<Option<Tensor<3>>>, LossError> {
        match &self.targets {
            Targets::Blended(grams) => {
                if !grams.contains_key(&layer) {
                    return Err(LossError::MissingTarget {
                        term: Term::Style,
                        layer,
                    });
                }
                let [batch, channels, height, width] = features.dims();
                let [rows, columns] = window.local.clone();
                if rows.is_empty() || columns.is_empty() {
                    return Ok(vec![None]);
                }
                let inside = if rows == (0..height) && columns == (0..width) {
                    features
                } else {
                    features.slice([0..batch, 0..channels, rows, columns])
                };
                // E_l is symmetric in G, so the one-product backward applies.
                Ok(vec![Some(gram_for_symmetric_loss(inside))])
            }
            Targets::Regions(regions) => regions
                .iter()
                .map(|region| region.partial_gram(layer, features.clone(), window))
                .collect(),
        }
    }

    /// `E_l` from the whole map's Grams ([`partial_grams`](Self::partial_grams) summed),
    /// for a map of `positions` positions at `layer`.
    pub(crate) fn loss_of_grams(
        &self,
        layer: VggLayer,
        grams: Vec<Tensor<3>>,
        positions: usize,
    ) -> Result<Tensor<1>, LossError> {
        let missing = || LossError::MissingTarget {
            term: Term::Style,
            layer,
        };
        match &self.targets {
            Targets::Blended(_) => {
                let target = self.gram(layer, positions).ok_or_else(missing)?;
                let g = grams.into_iter().next().ok_or_else(missing)?;
                style_layer_loss(g, target, positions)
            }
            Targets::Regions(regions) => {
                let mut sum: Option<Tensor<1>> = None;
                for (region, g) in regions.iter().zip(grams) {
                    let e = region.loss_of_gram(layer, g, positions)?;
                    sum = Some(match sum {
                        Some(s) => s + e,
                        None => e,
                    });
                }
                sum.ok_or_else(missing)
            }
        }
    }

    /// Weighs each region by `S_s / S_i` (its painting's own style scale `S_i = Σ_l w_l
    /// ‖Â_il‖² / (4 N_l²)` against `S_s = Σ_i k_i S_i`, the balance's), so that a balance
    /// gives every region the strength a plain run of its own painting has: the loss of
    /// region `i` becomes `n k_i (S_s / S_i) E_i`, and with β = strength · S_c / S_s its
    /// coefficient is `n k_i · strength · S_c / S_i`. Without it a painting of weak
    /// correlations (small `S_i`) would be painted faintly beside a strong one. For a
    /// balanced loss only: fixed weights keep the paper's sum. Targets without regions,
    /// or with one region, are returned as they are. One read of the scales.
    ///
    /// # Errors
    /// [`LossError::MissingTarget`] for a layer not computed, [`LossError::EmptyLayers`]
    /// for no layers, [`LossError::NoScale`] if a painting has no style scale (a black
    /// painting), [`LossError::Read`] if the device fails.
    pub fn with_regions_balanced(
        mut self,
        layer_weights: &[(VggLayer, f64)],
    ) -> Result<Self, LossError> {
        let Targets::Regions(regions) = &mut self.targets else {
            return Ok(self);
        };
        if regions.len() < 2 {
            return Ok(self);
        }
        let scales = regions
            .iter()
            .map(|r| r.own_scale(layer_weights))
            .collect::<Result<Vec<_>, _>>()?;
        let scales = Tensor::cat(scales, 0).try_into_vec_as::<f64>()?;
        if let Some(&value) = scales.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            return Err(LossError::NoScale {
                term: Term::Style,
                value,
            });
        }
        let mean: f64 = regions
            .iter()
            .zip(&scales)
            .map(|(r, s)| r.blend() * s)
            .sum();
        for (region, scale) in regions.iter_mut().zip(&scales) {
            region.scale_weight(mean / scale);
        }
        Ok(self)
    }

    /// `E_l` of an image with no features (`G = 0`) at `layer` and one position
    /// (`‖A‖² / (4 N_l²)`, the same for every size): the balance's style scale per layer.
    /// With regions, `Σ_i k_i` of each style's, as if every mask were white, so that the
    /// balance gives each region the strength a plain run of its style has.
    ///
    /// # Errors
    /// [`LossError::MissingTarget`] if `layer` was not computed.
    pub fn black_image_loss(&self, layer: VggLayer) -> Result<Tensor<1>, LossError> {
        let missing = || LossError::MissingTarget {
            term: Term::Style,
            layer,
        };
        match &self.targets {
            Targets::Blended(_) => {
                let target = self.gram(layer, 1).ok_or_else(missing)?;
                style_layer_loss(target.zeros_like(), target, 1)
            }
            Targets::Regions(regions) => {
                let mut sum: Option<Tensor<1>> = None;
                for region in regions {
                    let e = region.black_image_loss(layer).ok_or_else(missing)??;
                    sum = Some(match sum {
                        Some(s) => s + e,
                        None => e,
                    });
                }
                sum.ok_or_else(missing)
            }
        }
    }

    /// The blend weights `k_i`, normalised to sum 1, in the order the images were given.
    pub fn blend_weights(&self) -> &[f64] {
        &self.blend_weights
    }

    /// The layers held, in network order.
    pub fn layers(&self) -> Vec<VggLayer> {
        match &self.targets {
            Targets::Blended(grams) => grams.keys().copied().collect(),
            Targets::Regions(regions) => {
                regions.first().map_or(Vec::new(), |r| r.layers().collect())
            }
        }
    }
}

/// Checks the style images and their blend weights, and returns the weights normalised
/// to sum 1.
fn check_styles(styles: &[(Tensor<4>, f64)], layers: &[VggLayer]) -> Result<Vec<f64>, LossError> {
    check_layers(Term::Style, layers)?;
    if styles.is_empty() {
        return Err(LossError::NoStyleImages);
    }
    for (index, (image, weight)) in styles.iter().enumerate() {
        check_weight(|| format!("blend weight of style image {index}"), *weight)?;
        let [batch, channels, _, _] = image.dims();
        if batch != 1 || channels != 3 {
            return Err(LossError::StyleImageShape {
                index,
                shape: image.dims().to_vec(),
            });
        }
    }
    let sum: f64 = styles.iter().map(|(_, weight)| weight).sum();
    if sum <= 0.0 {
        return Err(LossError::ZeroBlendWeights);
    }
    Ok(styles.iter().map(|(_, weight)| weight / sum).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gram;
    use crate::testing::{assert_relative, device, random_image, small_vgg, tensor, values};
    use VggLayer::{Relu1_1, Relu1_2, Relu2_1};

    #[test]
    fn content_targets_are_the_features_without_autodiff() {
        let ad = device().autodiff();
        let vgg = small_vgg(&ad);
        let photo = random_image(1, 8, 8, &ad).require_grad();
        let targets = ContentTargets::new(&vgg, photo.clone(), &[Relu1_2, Relu1_1]).unwrap();
        assert_eq!(targets.layers().collect::<Vec<_>>(), vec![Relu1_1, Relu1_2]);
        let target = targets.get(Relu1_2).unwrap();
        assert!(!target.is_autodiff());
        let direct = vgg.features(photo, &[Relu1_2]).unwrap()[&Relu1_2].clone();
        assert_eq!(values(target.clone()), values(direct));
    }

    #[test]
    fn images_on_the_plain_device_serve_a_network_on_the_autodiff_device() {
        let vgg = small_vgg(&device().autodiff());
        let image = random_image(8, 8, 8, &device());
        let plain = ContentTargets::new(&vgg, image.clone(), &[Relu1_2]).unwrap();
        let lifted = ContentTargets::new(&vgg, image.clone().autodiff(), &[Relu1_2]).unwrap();
        let target = plain.get(Relu1_2).unwrap().clone();
        assert!(!target.is_autodiff());
        assert_eq!(values(target), values(lifted.get(Relu1_2).unwrap().clone()));
        let plain = StyleTargets::new(&vgg, &[(image.clone(), 1.0)], &[Relu2_1]).unwrap();
        let lifted = StyleTargets::new(&vgg, &[(image.autodiff(), 1.0)], &[Relu2_1]).unwrap();
        assert_eq!(
            values(plain.gram(Relu2_1, 16).unwrap()),
            values(lifted.gram(Relu2_1, 16).unwrap())
        );
    }

    #[test]
    fn one_style_image_of_the_same_size_gives_its_gram_matrix() {
        let vgg = small_vgg(&device());
        let style = random_image(2, 8, 8, &device());
        let targets = StyleTargets::new(&vgg, &[(style.clone(), 5.0)], &[Relu2_1]).unwrap();
        assert_eq!(targets.blend_weights(), &[1.0]);
        let features = vgg.features(style, &[Relu2_1]).unwrap()[&Relu2_1].clone();
        let expected = values(gram(features));
        let got = values(targets.gram(Relu2_1, 4 * 4).unwrap());
        for (g, e) in got.iter().zip(&expected) {
            assert!((g - e).abs() <= 1e-6 * e.abs().max(1e-3), "{g} vs {e}");
        }
    }

    #[test]
    fn blends_grams_per_position_rescaled_to_the_optimised_size() {
        let vgg = small_vgg(&device());
        let a = random_image(3, 8, 8, &device());
        let b = random_image(4, 6, 12, &device());
        let targets =
            StyleTargets::new(&vgg, &[(a.clone(), 1.0), (b.clone(), 3.0)], &[Relu1_1]).unwrap();
        assert_eq!(targets.blend_weights(), &[0.25, 0.75]);
        let per_position = |image: Tensor<4>, positions: f64| {
            let f = vgg.features(image, &[Relu1_1]).unwrap()[&Relu1_1].clone();
            values(gram(f)).into_iter().map(move |g| g / positions)
        };
        // For an optimised image of 10×10 positions at relu1_1.
        let expected: Vec<f64> = per_position(a, 64.0)
            .zip(per_position(b, 72.0))
            .map(|(ga, gb)| 100.0 * (0.25 * ga + 0.75 * gb))
            .collect();
        let got = values(targets.gram(Relu1_1, 100).unwrap());
        let scale = expected.iter().fold(0.0_f64, |m, e| m.max(e.abs()));
        for (g, e) in got.iter().zip(&expected) {
            assert!((g - e).abs() <= 1e-6 * scale, "{g} vs {e}");
        }
        assert_relative(got[0], expected[0], 1e-6);
    }

    #[test]
    fn a_style_image_of_weight_zero_is_not_run() {
        // 1×1 is too small for relu2_1, but with weight 0 the network never sees it.
        let vgg = small_vgg(&device());
        let tiny = tensor(&[0.5; 3], [1, 3, 1, 1]);
        let styles = [(random_image(5, 8, 8, &device()), 1.0), (tiny.clone(), 0.0)];
        assert!(StyleTargets::new(&vgg, &styles, &[Relu2_1]).is_ok());
        let err = StyleTargets::new(&vgg, &[(tiny, 1.0)], &[Relu2_1]).unwrap_err();
        assert!(matches!(err, LossError::Vgg(_)), "{err}");
    }

    #[test]
    fn rejects_bad_style_inputs() {
        let vgg = small_vgg(&device());
        let image = random_image(6, 8, 8, &device());
        let new = |styles: &[(Tensor<4>, f64)], layers: &[VggLayer]| {
            StyleTargets::new(&vgg, styles, layers).unwrap_err()
        };
        assert!(matches!(new(&[], &[Relu1_1]), LossError::NoStyleImages));
        assert!(matches!(
            new(&[(image.clone(), 1.0)], &[]),
            LossError::EmptyLayers { .. }
        ));
        assert!(matches!(
            new(&[(image.clone(), 1.0)], &[Relu1_1, Relu1_1]),
            LossError::DuplicateLayer { layer: Relu1_1, .. }
        ));
        assert!(matches!(
            new(&[(image.clone(), 0.0)], &[Relu1_1]),
            LossError::ZeroBlendWeights
        ));
        assert!(matches!(
            new(&[(image.clone(), 1.0), (image.clone(), -0.5)], &[Relu1_1]),
            LossError::NegativeWeight { .. }
        ));
        assert!(matches!(
            new(&[(image.clone(), f64::INFINITY)], &[Relu1_1]),
            LossError::NonFiniteWeight { .. }
        ));
        let batch = Tensor::cat(vec![image.clone(), image], 0);
        assert!(matches!(
            new(&[(batch, 1.0)], &[Relu1_1]),
            LossError::StyleImageShape { index: 0, .. }
        ));
    }

    #[test]
    fn rejects_bad_content_inputs() {
        let vgg = small_vgg(&device());
        let image = random_image(7, 8, 8, &device());
        assert!(matches!(
            ContentTargets::new(&vgg, image.clone(), &[]),
            Err(LossError::EmptyLayers {
                term: Term::Content
            })
        ));
        // relu3_1 is beyond this network's last layer.
        assert!(matches!(
            ContentTargets::new(&vgg, image, &[VggLayer::Relu3_1]),
            Err(LossError::Vgg(_))
        ));
        assert!(matches!(
            ContentTargets::from_features(BTreeMap::new()),
            Err(LossError::EmptyLayers { .. })
        ));
    }
}
