//! Each thread's scratch buffer, for the im2col tiles and Winograd's transformed bands.

thread_local! {
    /// Each thread's buffer, kept between tiles and calls: allocating and zeroing a fresh
    /// one per tile cost 5–6 % of an evaluation (`memset` in `perf`). It grows to the
    /// largest request seen (an im2col tile is `9 · channels · tile pixels` floats, about
    /// 12 MB per thread for VGG's 512-channel layers) and is kept for the thread's life.
    static SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` on `len` floats of this thread's scratch buffer (initialised, but holding
/// whatever an earlier call left), or on a fresh zeroed buffer if the scratch is in use (a
/// nested call through rayon work-stealing).
pub(crate) fn with_scratch<T>(len: usize, f: impl FnOnce(&mut [f32]) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            if scratch.len() < len {
                scratch.resize(len, 0.0);
            }
            f(&mut scratch[..len])
        }
        Err(_) => f(&mut vec![0.0; len]),
    })
}
