//! VGG16/VGG19 feature extractor (work in progress).
pub mod portable_rng;
