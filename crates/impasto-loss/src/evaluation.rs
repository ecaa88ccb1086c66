//! One evaluation of the total loss: the tensor to differentiate, and its terms read
//! back only on request.

use burn::tensor::Tensor;
use impasto_vgg::VggLayer;

use crate::LossError;

/// The result of [`TotalLoss::evaluate`](crate::TotalLoss::evaluate).
///
/// Holds the scalar loss tensor, still on the device and part of the autodiff graph, and
/// the unweighted terms detached from it. Nothing has been read back: [`value`](Self::value)
/// costs one scalar read, [`breakdown`](Self::breakdown) one read of all terms together,
/// and a loop that only differentiates pays neither.
///
/// # Example
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_loss::TotalLossConfig;
/// use impasto_vgg::{VggConfig, VggLayer};
///
/// let device = Device::flex().autodiff();
/// let vgg = VggConfig::new().with_last_layer(Some(VggLayer::Relu1_2)).init(&device);
/// let photo = Tensor::<4>::ones([1, 3, 4, 4], &device).mul_scalar(0.5);
/// let config = TotalLossConfig::new()
///     .with_content_layers(vec![VggLayer::Relu1_2])
///     .with_style_layers(vec![VggLayer::Relu1_1, VggLayer::Relu1_2]);
/// let loss = config.init(&vgg, photo.clone(), &[(photo.clone(), 1.0)])?;
///
/// let evaluation = loss.evaluate(&vgg, photo.add_scalar(0.1).require_grad())?;
/// let _gradients = evaluation.loss().backward(); // no host read so far
/// let terms = evaluation.breakdown()?; // one read for every term
/// let weighted = config.content_weight * terms.content
///     + config.style_weight * terms.style
///     + config.tv_weight * terms.tv;
/// assert!((terms.total - weighted).abs() <= 1e-5 * terms.total);
/// assert_eq!(terms.style_per_layer[1].0, VggLayer::Relu1_2);
/// # Ok::<(), impasto_loss::LossError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LossEvaluation {
    loss: Tensor<1>,
    /// `[L, L_c, L_s, L_tv, E_1, …, E_k]`, detached; absent terms are not held.
    terms: Vec<Tensor<1>>,
    has_content: bool,
    has_style: bool,
    style_layers: Vec<VggLayer>,
}

/// The loss and its unweighted terms, read back to the host by
/// [`LossEvaluation::breakdown`]. A term the loss does not have reads 0.
#[derive(Debug, Clone, PartialEq)]
pub struct LossBreakdown {
    /// The total `L = α L_c + β L_s + γ L_tv`.
    pub total: f64,
    /// The content loss `L_c` (unweighted).
    pub content: f64,
    /// The style loss `L_s = Σ w_l E_l` (without β).
    pub style: f64,
    /// Each style layer's `E_l` (without `w_l` or β), in the config's order.
    pub style_per_layer: Vec<(VggLayer, f64)>,
    /// The total variation `L_tv` (unweighted).
    pub tv: f64,
}

impl LossEvaluation {
    pub(crate) fn new(
        loss: Tensor<1>,
        content: Option<Tensor<1>>,
        style: Option<(Tensor<1>, Vec<(VggLayer, Tensor<1>)>)>,
        tv: Tensor<1>,
    ) -> Self {
        let has_content = content.is_some();
        let has_style = style.is_some();
        // Detached and off autodiff: these copies hold values only, never the graph.
        let mut terms = vec![loss.clone().inner()];
        terms.extend(content.map(Tensor::inner));
        let mut style_layers = Vec::new();
        let mut per_layer = Vec::new();
        if let Some((total, layers)) = style {
            terms.push(total.inner());
            for (layer, e) in layers {
                style_layers.push(layer);
                per_layer.push(e.inner());
            }
        }
        terms.push(tv.inner());
        terms.extend(per_layer);
        Self {
            loss,
            terms,
            has_content,
            has_style,
            style_layers,
        }
    }

    /// The scalar loss `L`, `[1]`, to call `backward()` on.
    pub fn loss(&self) -> &Tensor<1> {
        &self.loss
    }

    /// A copy that no longer holds the autodiff graph: its [`loss`](Self::loss) is
    /// detached, its terms are the same tensors. Keep this, not the original, when an
    /// evaluation must outlive its backward pass: the graph holds every activation.
    pub fn detached(&self) -> Self {
        Self {
            loss: self.loss.clone().detach(),
            ..self.clone()
        }
    }

    /// The scalar loss `L`, `[1]`, by value.
    pub fn into_loss(self) -> Tensor<1> {
        self.loss
    }

    /// `L` read back to the host: one scalar read (a device sync).
    ///
    /// # Errors
    /// [`LossError::Read`] if the device fails to produce it.
    pub fn value(&self) -> Result<f64, LossError> {
        let values = self.terms[0].clone().try_into_vec_as::<f64>()?;
        Ok(values[0])
    }

    /// Every term read back to the host in one read (a device sync).
    ///
    /// # Errors
    /// [`LossError::Read`] if the device fails to produce them.
    pub fn breakdown(&self) -> Result<LossBreakdown, LossError> {
        let values = Tensor::cat(self.terms.clone(), 0).try_into_vec_as::<f64>()?;
        let mut values = values.into_iter();
        let mut next = |present: bool| {
            if present {
                values.next().expect("one value per term held")
            } else {
                0.0
            }
        };
        let total = next(true);
        let content = next(self.has_content);
        let style = next(self.has_style);
        let tv = next(true);
        let style_per_layer = self.style_layers.iter().map(|&l| (l, next(true))).collect();
        Ok(LossBreakdown {
            total,
            content,
            style,
            style_per_layer,
            tv,
        })
    }
}
