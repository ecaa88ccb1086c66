//! Where each style goes: over the whole picture, in regions painted by hand (one mask
//! per style), or in regions found in the photo ([`crate::regions`]).

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use image::imageops::{self, FilterType};
use image::{Luma, Rgb32FImage};
use impasto_vgg::{Vgg, VggLayer};

use super::inputs::ImageInput;
use super::style_transfer::{StyleTransfer, Task};
use crate::error::Setting;
use crate::image_io::Mask;
use crate::regions::{FeatureMap, RegionSettings, find_regions};
use crate::{ImpastoError, image_to_tensor, resize_longest_side};

/// Where each style image paints.
#[derive(Debug, Clone, Default)]
pub enum StyleRegions {
    /// Every style over the whole picture, blended ([`StyleTransfer::with_style_blend`]).
    /// The default.
    #[default]
    Whole,
    /// One mask per style image, in the same order: greyscale images of any size
    /// (resized to the photo's), white where the style paints, grey partly, black not.
    /// Where no mask is white the picture keeps the photo.
    Masks(Vec<ImageInput>),
    /// The photo split into `count` regions ([`crate::regions::find_regions`]: k-means
    /// on the network's features, colour and position, as `settings` weigh them),
    /// largest first; style `i` paints region `i`, and regions beyond the last style keep
    /// the photo.
    Automatic {
        /// How many regions; ≥ 1 and ≥ the number of style images.
        count: usize,
        /// How the regions are found. Default [`RegionSettings::default`].
        settings: RegionSettings,
    },
}

impl StyleTransfer {
    /// Confines each style image to a region: `masks[i]` is where style `i` paints (see
    /// [`StyleRegions::Masks`]). Region masks use the guided Gram matrices of Gatys et al.
    /// 2017; blend weights then make one region's style stronger than another's. An
    /// empty list paints every style everywhere.
    pub fn with_style_masks(mut self, masks: Vec<ImageInput>) -> Self {
        self.regions = if masks.is_empty() {
            StyleRegions::Whole
        } else {
            StyleRegions::Masks(masks)
        };
        self
    }

    /// Splits the photo into `count` regions found automatically and gives style `i`
    /// region `i` (largest first); the run's output has the masks it used
    /// ([`TransferOutput::regions`](super::TransferOutput::regions)), to edit and pass
    /// back with [`with_style_masks`](Self::with_style_masks). `count` ≥ 1 and at least
    /// the number of style images.
    pub fn with_regions(self, count: usize) -> Self {
        self.with_automatic_regions(count, RegionSettings::default())
    }

    /// [`with_regions`](Self::with_regions), with the regions found as `settings` say
    /// (the weights of features, colour and position, the masks' softness); the run's
    /// seed replaces `settings.seed`.
    pub fn with_automatic_regions(mut self, count: usize, settings: RegionSettings) -> Self {
        self.regions = StyleRegions::Automatic { count, settings };
        self
    }

    /// Where each style paints. Default [`StyleRegions::Whole`].
    pub fn style_regions(&self) -> &StyleRegions {
        &self.regions
    }
}

fn invalid(setting: Setting, reason: String) -> ImpastoError {
    ImpastoError::InvalidSetting { setting, reason }
}

/// Checks the regions against the styles: one mask per style, a region per style.
pub(super) fn validate(transfer: &StyleTransfer) -> Result<(), ImpastoError> {
    let styles = transfer.styles.len();
    let setting = match &transfer.regions {
        StyleRegions::Whole => return Ok(()),
        StyleRegions::Masks(_) => Setting::StyleMask,
        StyleRegions::Automatic { .. } => Setting::Regions,
    };
    if transfer.task != Task::Transfer {
        return Err(invalid(
            setting,
            "regions apply to a transfer, not a reconstruction".into(),
        ));
    }
    match &transfer.regions {
        StyleRegions::Masks(masks) if masks.len() != styles => Err(invalid(
            setting,
            format!(
                "{} masks given for {styles} style images; give one mask per style, in the \
                 same order",
                masks.len()
            ),
        )),
        StyleRegions::Automatic { count: 0, .. } => {
            Err(invalid(setting, "0 regions; ask for at least 1".into()))
        }
        StyleRegions::Automatic { count, .. } if *count < styles => Err(invalid(
            setting,
            format!(
                "{styles} style images for {count} region{}; each style needs a region of its \
                 own",
                if *count == 1 { "" } else { "s" }
            ),
        )),
        _ => Ok(()),
    }
}

/// What the report says of style `index`'s region, if it has one.
pub(super) fn describe(regions: &StyleRegions, index: usize) -> Option<String> {
    match regions {
        StyleRegions::Whole => None,
        StyleRegions::Masks(masks) => masks.get(index).map(ToString::to_string),
        StyleRegions::Automatic { count, .. } => Some(format!("region {} of {count}", index + 1)),
    }
}

/// The masks of a run, at the photo's size: each style's, and every region found (for
/// the output). `None` when every style paints everywhere.
pub(super) struct RunMasks {
    /// One per style image.
    pub styles: Vec<Mask>,
    /// Every region found automatically, largest first (empty for masks given).
    pub found: Vec<Mask>,
}

/// Loads the masks, or finds the regions in `photo` with `vgg`.
pub(super) fn run_masks(
    transfer: &StyleTransfer,
    photo: Option<&Rgb32FImage>,
    vgg: &Vgg,
    device: &Device,
) -> Result<Option<RunMasks>, ImpastoError> {
    match &transfer.regions {
        StyleRegions::Whole => Ok(None),
        StyleRegions::Masks(inputs) => {
            let mut styles = Vec::with_capacity(inputs.len());
            for (index, input) in inputs.iter().enumerate() {
                let mask = grey(&input.load()?);
                if mask.pixels().all(|p| p.0[0] <= 0.0) {
                    return Err(invalid(
                        Setting::StyleMask,
                        format!(
                            "the mask of style {} ({input}) is black everywhere: it covers no \
                             pixel",
                            index + 1
                        ),
                    ));
                }
                styles.push(mask);
            }
            Ok(Some(RunMasks {
                styles,
                found: Vec::new(),
            }))
        }
        StyleRegions::Automatic { count, settings } => {
            let photo = photo.expect("validated: a transfer has a photo");
            let settings = RegionSettings {
                seed: transfer.seed,
                ..*settings
            };
            let found = automatic_regions(photo, (*count, &settings), vgg, device)?;
            let styles = found.iter().take(transfer.styles.len()).cloned().collect();
            Ok(Some(RunMasks { styles, found }))
        }
    }
}

/// The longest side the photo is analysed at: large enough for relu4_1 (1/8 of it) to
/// see objects, small enough to take a fraction of one evaluation.
const ANALYSIS_SIDE: u32 = 512;

/// The layers whose features describe what is where: relu3_1 (textures, at 1/4) and
/// relu4_1 (parts of objects, at 1/8), those the network has.
const REGION_LAYERS: [VggLayer; 2] = [VggLayer::Relu3_1, VggLayer::Relu4_1];

fn automatic_regions(
    photo: &Rgb32FImage,
    (count, settings): (usize, &RegionSettings),
    vgg: &Vgg,
    device: &Device,
) -> Result<Vec<Mask>, ImpastoError> {
    let photo = resize_longest_side(photo.clone(), ANALYSIS_SIDE);
    let layers: Vec<VggLayer> = REGION_LAYERS
        .into_iter()
        .filter(|l| *l <= vgg.last_layer())
        .collect();
    let mut maps = Vec::new();
    if !layers.is_empty() {
        let features = vgg
            .valid()
            .features(image_to_tensor(&photo, device), &layers)?;
        for layer in &layers {
            let f = &features[layer];
            let [_, channels, height, width] = f.dims();
            let data = f
                .clone()
                .try_into_vec_as::<f32>()
                .map_err(impasto_loss::LossError::from)?;
            maps.push(FeatureMap {
                channels,
                height,
                width,
                data,
            });
        }
    }
    find_regions(&photo, &maps, count, settings)
}

/// The luminance of `image`, one channel.
fn grey(image: &Rgb32FImage) -> Mask {
    let luminance = crate::color_match::luminance(image);
    Mask::from_fn(image.width(), image.height(), |x, y| {
        Luma([luminance.get_pixel(x, y).0[0].clamp(0.0, 1.0)])
    })
}

/// `mask` resized to `(width, height)`.
pub(crate) fn resize_mask(mask: &Mask, (width, height): (u32, u32)) -> Mask {
    if mask.dimensions() == (width, height) {
        return mask.clone();
    }
    imageops::resize(mask, width, height, FilterType::Triangle)
}

/// `mask` resized to `(width, height)`, as a `[1, 1, H, W]` tensor.
pub(super) fn mask_tensor(mask: &Mask, dimensions: (u32, u32), device: &Device) -> Tensor<4> {
    let resized = resize_mask(mask, dimensions);
    let shape = [1, 1, dimensions.1 as usize, dimensions.0 as usize];
    let values: Vec<f32> = resized
        .into_raw()
        .into_iter()
        .map(|v| v.clamp(0.0, 1.0))
        .collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}
