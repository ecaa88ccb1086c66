//! impasto-optim
