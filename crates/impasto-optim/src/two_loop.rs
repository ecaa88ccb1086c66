//! The L-BFGS memory and the two-loop recursion (Nocedal 1980; Nocedal & Wright,
//! Algorithm 7.4).

use std::collections::VecDeque;

use burn::tensor::{Bool, Tensor, Transaction};

use crate::OptimError;
use crate::scalars::{dot, read_scalars};

/// A pair (s, y) is stored only if yᵀs exceeds this (docs/optim.md, as torch.optim.LBFGS):
/// below it, ρ = 1/yᵀs would blow up and the update would lose positive definiteness.
pub const CURVATURE_EPSILON: f64 = 1e-10;

/// One stored correction pair with ρ = 1/(yᵀs).
#[derive(Debug, Clone)]
struct Pair<const D: usize> {
    s: Tensor<D>,
    y: Tensor<D>,
    rho: f64,
}

/// The last m curvature pairs (s_i, y_i) of an L-BFGS run, oldest first.
///
/// s_k = x_{k+1} − x_k, y_k = g_{k+1} − g_k. A pair enters only if yᵀs > [`CURVATURE_EPSILON`];
/// past `capacity` pairs, the oldest is dropped.
///
/// ρ_i and γ are f64 on the host: they are read once per pair (one synchronisation for
/// yᵀs and yᵀy together); where the recursion's own scalars live is [`RecursionScalars`].
///
/// # Shapes
///
/// s and y: the point's shape, the same for every pair.
#[derive(Debug, Clone)]
pub struct History<const D: usize> {
    capacity: usize,
    pairs: VecDeque<Pair<D>>,
    gamma: f64,
}

impl<const D: usize> History<D> {
    /// An empty history holding at most `capacity` pairs (`capacity` ≥ 1 in L-BFGS; 0
    /// stores nothing and makes the recursion return g).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            pairs: VecDeque::with_capacity(capacity),
            gamma: 1.0,
        }
    }

    /// Offers the pair (s, y); returns whether it was stored.
    ///
    /// Reads yᵀs and yᵀy in one device synchronisation. Stored if yᵀs > [`CURVATURE_EPSILON`]
    /// (a NaN never is); then γ becomes sᵀy / yᵀy and, past the capacity, the oldest pair is
    /// dropped.
    ///
    /// # Errors
    ///
    /// [`OptimError::DeviceRead`] if the device fails to return the two scalars.
    pub fn push(&mut self, s: Tensor<D>, y: Tensor<D>) -> Result<bool, OptimError> {
        let [ys, yy] = read_scalars([dot(&y, &s), dot(&y, &y)])?;
        Ok(self.push_with(s, y, ys, yy))
    }

    /// [`push`](Self::push) with yᵀs and yᵀy already known on the host.
    pub(crate) fn push_with(&mut self, s: Tensor<D>, y: Tensor<D>, ys: f64, yy: f64) -> bool {
        // Written so that a NaN yᵀs is rejected too.
        let curvature = ys > CURVATURE_EPSILON;
        if self.capacity == 0 || !curvature {
            return false;
        }
        if self.pairs.len() == self.capacity {
            self.pairs.pop_front();
        }
        self.pairs.push_back(Pair {
            s,
            y,
            rho: 1.0 / ys,
        });
        self.gamma = ys / yy;
        true
    }

    /// Drops every pair (γ returns to 1).
    pub fn clear(&mut self) {
        self.pairs.clear();
        self.gamma = 1.0;
    }

    /// Pairs stored.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether no pair is stored.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The most pairs kept (m).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// γ_k = s_{k−1}ᵀ y_{k−1} / y_{k−1}ᵀ y_{k−1} of the newest stored pair, 1 if none is.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// The pairs restricted to the variables that `held` does not hold, for a recursion
    /// on the free variables alone (the BFGS matrix of the free variables, not the free
    /// block of the full one): each pair's y masked (Z y), its own ρ = 1/((Z s)ᵀ Z y) and
    /// γ from the newest kept. A pair whose restricted curvature is not positive is left
    /// out.
    ///
    /// s is kept whole (no copy): with a gradient already masked, the recursion's q stays
    /// on the free variables, so sᵀq = (Z s)ᵀq, and (Z y)ᵀz reads only z's free part; the
    /// held elements s puts into z are masked from the result by the caller. So only the
    /// y's are masked, and ρ needs sᵀ(Z y) = (Z s)ᵀ(Z y): m masked copies, m + 1 dot
    /// products, one read.
    pub(crate) fn restricted(&self, held: &Tensor<D, Bool>) -> Result<History<D>, OptimError> {
        let pairs: Vec<_> = self
            .pairs
            .iter()
            .map(|p| (p.s.clone(), p.y.clone().mask_fill(held.clone(), 0.0)))
            .collect();
        let mut transaction = Transaction::default();
        for (s, y) in &pairs {
            transaction = transaction.register(dot(y, s));
        }
        if let Some((_, y)) = pairs.last() {
            transaction = transaction.register(dot(y, y));
        }
        let scalars: Vec<f64> = transaction
            .try_execute()
            .map_err(|e| OptimError::DeviceRead(e.to_string()))?
            .iter()
            .map(|d| d.iter::<f64>().next().unwrap_or(f64::NAN))
            .collect();
        let newest = pairs.len().checked_sub(1);
        let mut restricted = History::new(self.capacity);
        for ((s, y), &ys) in pairs.into_iter().zip(&scalars) {
            // γ is set once below, from the newest pair kept; yᵀy is not needed here.
            restricted.push_with(s, y, ys, ys);
        }
        // γ = sᵀy / yᵀy of the newest pair kept: read with the others when it is the
        // newest pair, read now (rare) when that one was left out.
        let gamma = match (newest, restricted.pairs().next_back()) {
            (_, None) => 1.0,
            (Some(i), Some(_)) if scalars[i] > CURVATURE_EPSILON => scalars[i] / scalars[i + 1],
            (_, Some((s, y, _))) => {
                let [ys, yy] = read_scalars([dot(y, s), dot(y, y)])?;
                ys / yy
            }
        };
        restricted.gamma = gamma;
        Ok(restricted)
    }

    /// The stored pairs, oldest first, as (s, y, ρ).
    pub fn pairs(&self) -> impl DoubleEndedIterator<Item = (&Tensor<D>, &Tensor<D>, f64)> {
        self.pairs.iter().map(|p| (&p.s, &p.y, p.rho))
    }
}

/// Where the two-loop recursion keeps its 2m scalars α_i and β_i.
///
/// Both were measured with `cargo bench -p impasto-optim --bench optim` (the figures are in
/// docs/optim.md, "Host or device scalars"): on flex the two are as fast (a CPU backend
/// computes eagerly, so a scalar read costs microseconds); on wgpu over Mesa's software
/// Vulkan the device variant is slower (the one-element tensors broadcast into the vector
/// updates cost more than the reads save). So the default is [`Host`](Self::Host). On a
/// discrete GPU each read drains the queue; measure with the same bench there
/// (`IMPASTO_BENCH_WGPU=1`) and pick [`Device`](Self::Device) if it wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RecursionScalars {
    /// Read each α_i and β_i back as f64: [`two_loop_direction`], 2m reads per direction.
    #[default]
    Host,
    /// Keep them on the device as one-element tensors broadcast into the vector updates:
    /// [`two_loop_direction_on_device`], no read.
    Device,
}

/// The two-loop recursion: returns z = H_k g, so that the L-BFGS direction is d = −z.
///
/// Exactly as docs/optim.md writes it (Nocedal & Wright, Algorithm 7.4):
///
/// ```text
/// q = g_k
/// for i = k−1 … k−m:   α_i = ρ_i s_iᵀ q ;  q = q − α_i y_i
/// γ_k = s_{k−1}ᵀ y_{k−1} / y_{k−1}ᵀ y_{k−1} ;  H_k⁰ = γ_k I ;  z = H_k⁰ q
/// for i = k−m … k−1:   β_i = ρ_i y_iᵀ z ;  z = z + s_i (α_i − β_i)
/// ```
///
/// H_k is the matrix m BFGS updates H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ of the stored
/// pairs make from H_k⁰; with an empty history z = g.
///
/// The α_i and β_i are f64 on the host, each read back from its dot product (2m reads);
/// [`two_loop_direction_on_device`] keeps them on the device instead, and
/// [`RecursionScalars`] gives the measurements behind the choice.
///
/// # Shapes
///
/// `gradient`: the shape of the history's vectors; the result has it too.
///
/// # Errors
///
/// [`OptimError::DeviceRead`] if the device fails to return a scalar.
///
/// # Example
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_optim::{History, two_loop_direction};
///
/// let device = Device::flex();
/// let mut history = History::new(10);
/// // f(x) = ½ xᵀ diag(2, 4) x: a step s gives y = diag(2, 4) s.
/// let s = Tensor::<1>::from_floats([1.0, 0.0], &device);
/// let y = Tensor::<1>::from_floats([2.0, 0.0], &device);
/// assert!(history.push(s, y)?);
/// let g = Tensor::<1>::from_floats([2.0, 8.0], &device);
/// let z = two_loop_direction(&g, &history)?;
/// // The pair fixes the curvature along e₁ (z₁ = g₁ / 2); γ = sᵀy / yᵀy = ½ scales the rest.
/// assert_eq!(z.into_data().iter::<f32>().collect::<Vec<_>>(), [1.0, 4.0]);
/// # Ok::<(), impasto_optim::OptimError>(())
/// ```
pub fn two_loop_direction<const D: usize>(
    gradient: &Tensor<D>,
    history: &History<D>,
) -> Result<Tensor<D>, OptimError> {
    let mut q = gradient.clone();
    // α_i, newest first.
    let mut alphas = Vec::with_capacity(history.len());
    for (s, y, rho) in history.pairs().rev() {
        let [sq] = read_scalars([dot(s, &q)])?;
        let alpha = rho * sq;
        q = q - y.clone().mul_scalar(alpha);
        alphas.push(alpha);
    }
    let mut z = q.mul_scalar(history.gamma());
    for ((s, y, rho), alpha) in history.pairs().zip(alphas.into_iter().rev()) {
        let [yz] = read_scalars([dot(y, &z)])?;
        let beta = rho * yz;
        z = z + s.clone().mul_scalar(alpha - beta);
    }
    Ok(z)
}

/// [`two_loop_direction`] with α_i and β_i kept on the device: one-element tensors
/// broadcast into the vector updates, so the recursion never waits for the device.
///
/// # Shapes
///
/// `gradient`: the shape of the history's vectors; the result has it too.
///
/// # Example
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_optim::{History, two_loop_direction_on_device};
///
/// let device = Device::flex();
/// let mut history = History::new(10);
/// let s = Tensor::<1>::from_floats([1.0, 0.0], &device);
/// history.push(s.clone(), s * 2.0)?;
/// let g = Tensor::<1>::from_floats([2.0, 8.0], &device);
/// let z = two_loop_direction_on_device(&g, &history);
/// assert_eq!(z.into_data().iter::<f32>().collect::<Vec<_>>(), [1.0, 4.0]);
/// # Ok::<(), impasto_optim::OptimError>(())
/// ```
pub fn two_loop_direction_on_device<const D: usize>(
    gradient: &Tensor<D>,
    history: &History<D>,
) -> Tensor<D> {
    let ones = [1usize; D];
    let mut q = gradient.clone();
    // α_i, newest first, as [1, …, 1] tensors ready to broadcast.
    let mut alphas = Vec::with_capacity(history.len());
    for (s, y, rho) in history.pairs().rev() {
        let alpha = dot(s, &q).mul_scalar(rho).reshape(ones);
        q = q - y.clone() * alpha.clone();
        alphas.push(alpha);
    }
    let mut z = q.mul_scalar(history.gamma());
    for ((s, y, rho), alpha) in history.pairs().zip(alphas.into_iter().rev()) {
        let beta = dot(y, &z).mul_scalar(rho).reshape(ones);
        z = z + s.clone() * (alpha - beta);
    }
    z
}
