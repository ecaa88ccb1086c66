//! One network for many runs: what a batch of transfers with the same network settings
//! shares, instead of reading the weights file and building the network for each.

use burn::tensor::Device;
use impasto_vgg::{InputConvention, Pooling, Vgg, VggArchitecture, VggConfig, VggLayer};

use super::{Plan, StyleTransfer};
use crate::{ImpastoError, WeightsSource};

/// The network of the last run, kept for the next run that needs the same one.
///
/// Every [`StyleTransfer::run`] reads its weights file and builds VGG from it (and, on the
/// CPU, transforms the convolution filters at the first evaluation). A program that runs
/// many transfers with the same weights, architecture, input convention, pooling, deepest
/// layer and device (`impasto batch`, a service) passes one `NetworkCache` to
/// [`StyleTransfer::run_cached`] and pays that once. A run that needs another network
/// replaces the kept one; only one network is kept at a time.
///
/// ```no_run
/// # use impasto::transfer::NetworkCache;
/// # use impasto::{StyleTransfer, WeightsSource};
/// # fn main() -> Result<(), impasto::ImpastoError> {
/// let device = impasto::Backend::auto().device()?;
/// let mut cache = NetworkCache::new();
/// for photo in ["a.jpg", "b.jpg"] {
///     let transfer = StyleTransfer::new(photo, vec!["painting.jpg".into()])
///         .with_weights(WeightsSource::Default);
///     let output = transfer.run_cached(&device, &mut cache, &mut |_: &impasto::transfer::Progress<'_>| {
///         impasto::optim::Control::Continue
///     })?;
///     output.image.save(format!("styled-{photo}.png")).ok();
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Default)]
pub struct NetworkCache {
    kept: Option<Kept>,
    loads: usize,
}

struct Kept {
    key: NetworkKey,
    vgg: Vgg,
}

/// Everything a loaded network depends on.
#[derive(Debug, Clone, PartialEq)]
struct NetworkKey {
    weights: WeightsSource,
    architecture: VggArchitecture,
    input: InputConvention,
    pooling: Pooling,
    last_layer: Option<VggLayer>,
    /// The seed of random weights; 0 for a file (its weights do not depend on it).
    seed: u64,
    device: Device,
}

impl NetworkCache {
    /// An empty cache: the first run loads its network.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many times a network was loaded through this cache.
    pub fn loads(&self) -> usize {
        self.loads
    }

    /// The network `transfer` needs on `device`: the kept one when its settings match,
    /// otherwise loaded (and kept in place of the previous one).
    pub(crate) fn network(
        &mut self,
        transfer: &StyleTransfer,
        plan: &Plan,
        device: &Device,
    ) -> Result<&Vgg, ImpastoError> {
        let config = network_config(transfer, plan);
        let key = NetworkKey {
            weights: transfer.weights.clone(),
            architecture: config.architecture,
            input: config.input,
            pooling: config.pooling,
            last_layer: config.last_layer,
            seed: if transfer.weights.is_random() {
                config.seed
            } else {
                0
            },
            device: device.clone(),
        };
        if self.kept.as_ref().is_some_and(|kept| kept.key != key) {
            // Dropped first: two VGG16s need not be alive at once.
            self.kept = None;
        }
        let kept = match &mut self.kept {
            Some(kept) => kept,
            empty @ None => {
                let vgg = transfer.weights.load(&config, &device.clone().autodiff())?;
                self.loads += 1;
                empty.insert(Kept { key, vgg })
            }
        };
        Ok(&kept.vgg)
    }
}

impl std::fmt::Debug for NetworkCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkCache")
            .field("kept", &self.kept.as_ref().map(|kept| &kept.key))
            .field("loads", &self.loads)
            .finish()
    }
}

/// The network `transfer` needs by its `plan`: to the deepest layer the loss reads; its
/// weights never get gradients. One for every stage (it does not depend on the size), and
/// one for every frame of a video (whose frames share the loss's settings).
fn network_config(transfer: &StyleTransfer, plan: &Plan) -> VggConfig {
    let choice = &plan.network;
    let layers = plan
        .content_layers
        .iter()
        .chain(&plan.style_layers)
        .copied()
        .max();
    VggConfig::new()
        .with_architecture(choice.architecture)
        .with_input(choice.input)
        .with_pooling(transfer.pooling)
        .with_last_layer(layers)
        .with_seed(transfer.seed)
}
