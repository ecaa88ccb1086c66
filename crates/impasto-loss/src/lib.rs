//! impasto-loss
