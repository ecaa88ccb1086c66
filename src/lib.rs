//! impasto
