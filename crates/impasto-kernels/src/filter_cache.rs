//! Winograd's transformed filters, kept while their weights live.
//!
//! VGG's weights do not change between evaluations, but transforming them (`16/9` of the
//! weights, written with a stride) on every call was an eighth of an evaluation's time,
//! forward and input gradient together (docs/benchmarks.md). So each transform is kept beside a reference to the
//! weight tensor it came from. Holding that reference is what makes the cache sound:
//! flex shares a tensor's buffer by reference count and writes in place only into a
//! buffer nobody else holds (copy-on-write otherwise), so while an entry lives its
//! weights can be neither changed nor freed and their address reused; the same address and
//! length therefore mean the same values. An entry whose weights only the cache still
//! holds (the model was dropped or its weights replaced) is removed at the next miss.

use std::sync::{Arc, Mutex, MutexGuard};

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;

use crate::conv3x3::Conv3x3Shape;
use crate::flex::f32_slice;
use crate::winograd::{Filters, Tile, WinogradFilters, transform_filters};

/// One weight tensor's transform for one use.
struct Entry {
    /// Held so the buffer below stays alive and unchanged (see the module's note).
    weight: FloatTensor<Flex>,
    filters: Filters,
    shape: (usize, usize),
    transformed: Arc<WinogradFilters>,
}

impl Entry {
    fn matches(&self, values: &[f32], filters: Filters, shape: (usize, usize), tile: Tile) -> bool {
        let held = f32_slice(&self.weight);
        std::ptr::eq(held.as_ptr(), values.as_ptr())
            && held.len() == values.len()
            && self.filters == filters
            && self.shape == shape
            && self.transformed.tile == tile
    }
}

/// More than VGG16's 13 convolutions × 2 uses (× 2 tiles, where a multi-scale run's sizes
/// take both); past it the oldest entry goes.
const CAPACITY: usize = 64;

static CACHE: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

fn cache() -> MutexGuard<'static, Vec<Entry>> {
    // A panic elsewhere while the lock was held cannot leave an entry half-written (they
    // are pushed whole), so a poisoned lock is still good.
    CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// [`transform_filters`] of `weight` (a contiguous `f32` flex tensor) for the convolution
/// of `shape` by `tile`, from the cache or computed and kept.
pub(crate) fn transformed_filters(
    weight: &FloatTensor<Flex>,
    shape: Conv3x3Shape,
    filters: Filters,
    tile: Tile,
) -> Arc<WinogradFilters> {
    let values = f32_slice(weight);
    let key = (shape.channels_out, shape.channels_in);
    if let Some(entry) = cache()
        .iter()
        .find(|entry| entry.matches(values, filters, key, tile))
    {
        return Arc::clone(&entry.transformed);
    }
    // Computed outside the lock: it runs on every thread, and other convolutions may look
    // up their own filters meanwhile.
    let transformed = Arc::new(transform_filters(values, shape, filters, tile));
    let mut cache = cache();
    cache.retain(|entry| !entry.weight.is_unique());
    if let Some(entry) = cache
        .iter()
        .find(|entry| entry.matches(values, filters, key, tile))
    {
        return Arc::clone(&entry.transformed);
    }
    if cache.len() >= CAPACITY {
        cache.remove(0);
    }
    cache.push(Entry {
        weight: weight.clone(),
        filters,
        shape: key,
        transformed: Arc::clone(&transformed),
    });
    transformed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flex::flex_tensor;
    use crate::test_support::values;

    fn weight(seed: u64) -> FloatTensor<Flex> {
        flex_tensor(values(4 * 3 * 9, seed), [4, 3, 3, 3])
    }

    const SHAPE: Conv3x3Shape = Conv3x3Shape {
        batch: 1,
        channels_in: 3,
        channels_out: 4,
        height: 8,
        width: 8,
    };

    fn cached(weight: &FloatTensor<Flex>) -> bool {
        let values = f32_slice(weight);
        cache()
            .iter()
            .any(|entry| entry.matches(values, Filters::Forward, (4, 3), Tile::F2))
    }

    #[test]
    fn a_weight_tensor_is_transformed_once_and_matches_a_fresh_transform() {
        let weight = weight(1);
        let first = transformed_filters(&weight, SHAPE, Filters::Forward, Tile::F2);
        let again = transformed_filters(&weight.clone(), SHAPE, Filters::Forward, Tile::F2);
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second call hits the cache"
        );
        assert_eq!(
            *first,
            transform_filters(f32_slice(&weight), SHAPE, Filters::Forward, Tile::F2)
        );
        // Another use of the same weights is another transform.
        let backward = Conv3x3Shape {
            channels_in: 4,
            channels_out: 3,
            ..SHAPE
        };
        let gradient = transformed_filters(&weight, backward, Filters::InputGradient, Tile::F2);
        assert_ne!(*gradient, *first);
    }

    #[test]
    fn changed_weights_are_transformed_again_and_dropped_weights_leave() {
        let a = weight(2);
        let from_a = transformed_filters(&a, SHAPE, Filters::Forward, Tile::F2);
        assert!(cached(&a));
        // A write into `a` copies its buffer (the cache holds the old one), so the cache
        // cannot serve the new values from the old entry.
        let mut a = a;
        a.storage_mut::<f32>()[0] += 1.0;
        let updated = transformed_filters(&a, SHAPE, Filters::Forward, Tile::F2);
        assert_eq!(
            *updated,
            transform_filters(f32_slice(&a), SHAPE, Filters::Forward, Tile::F2)
        );
        assert_ne!(*updated, *from_a);
        // Weights of a shape no other test uses, dropped: only the cache holds them, so
        // the next miss removes their entry.
        let b = flex_tensor(values(7 * 5 * 9, 3), [7, 5, 3, 3]);
        let b_shape = Conv3x3Shape {
            channels_in: 5,
            channels_out: 7,
            ..SHAPE
        };
        transformed_filters(&b, b_shape, Filters::Forward, Tile::F2);
        let held = || cache().iter().any(|entry| entry.shape == (7, 5));
        assert!(held());
        drop(b);
        transformed_filters(&weight(4), SHAPE, Filters::Forward, Tile::F2);
        assert!(!held(), "the entry of a dropped weight tensor is gone");
    }
}
