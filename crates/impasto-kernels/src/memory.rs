//! Keeping freed memory for reuse: the C allocator's settings for a process that frees and
//! allocates the same large buffers on every evaluation.
//!
//! Every activation and gradient of an evaluation is a fresh buffer (flex allocates each
//! op's output), up to 64 MiB each at 512 px. glibc's `malloc` serves a request that large
//! by `mmap` and returns it with `munmap` when freed, so every evaluation page-faults its
//! buffers in again and the kernel zeroes every page: about 15 % of an evaluation's time
//! at 512 px in `perf` (docs/benchmarks.md). Raising the `mmap` threshold and the trim
//! threshold keeps freed buffers in the heap, where the next evaluation finds them.

/// Largest request still served from the heap: 1 GiB, above any buffer of a 2048-px run.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 1 << 30;

/// Free memory kept at the top of the heap before it is returned: the most `mallopt`
/// takes (`int`), 2 GiB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = libc::c_int::MAX;

/// Extra memory asked of the system each time the heap grows, so it grows in few steps.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TOP_PAD: libc::c_int = 256 << 20;

/// Tells the C allocator to keep freed memory for reuse rather than return it to the
/// system, so an evaluation's large buffers are not page-faulted in again at every
/// evaluation (the time saved is in docs/benchmarks.md). Returns whether it took effect: `true` with glibc on Linux,
/// `false` elsewhere (other allocators have their own settings, or none needed).
///
/// It is process-wide, and memory the process frees is then not returned to the system
/// until it exits (its resident size stays at its peak, which the measurements above did
/// not raise), so it is for a binary to call once at its start, as the `impasto` command
/// does; a library should leave it to the binary that uses it.
pub fn reuse_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let settings = [
            (libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            (libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD),
            (libc::M_TOP_PAD, TOP_PAD),
        ];
        settings.into_iter().all(|(parameter, value)| {
            // SAFETY: `mallopt` takes two integers and reads or writes no memory of
            // ours; glibc takes its arena lock inside, so it is safe to call while other
            // threads allocate. Each parameter is one glibc defines, with a value in its
            // range (it returns 0 and changes nothing otherwise).
            #[allow(unsafe_code)]
            let accepted = unsafe { libc::mallopt(parameter, value) };
            accepted == 1
        })
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// `len` zeros, written by all of rayon's threads: `vec![0.0; len]` is `calloc`, which
/// zeroes reused heap memory (see [`reuse_freed_memory`]) on the calling thread alone while
/// the others wait; for the outputs of an evaluation at 224 px that serial `memset` was 1 %
/// of the samples in `perf`, all on the thread that runs autodiff.
pub(crate) fn zeros(len: usize) -> Vec<f32> {
    use rayon::prelude::*;
    let mut values = Vec::with_capacity(len);
    values.par_extend(rayon::iter::repeat_n(0.0f32, len));
    values
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn glibc_takes_the_settings() {
        assert!(super::reuse_freed_memory());
        // Large buffers still allocate, fill and free as before.
        let buffer = vec![1.0f32; 16 << 20];
        assert_eq!(buffer.iter().sum::<f32>(), (16 << 20) as f32);
    }
}
