//! The dense flow field and its end-point error.

use crate::FlowError;

/// A dense 2-D flow field: one displacement `[u, v]` (pixels; `u` to the right, `v`
/// down) per pixel, row-major. The flow from frame A to frame B at pixel `x` says where
/// the content of A at `x` is found in B: at `x + w(x)`.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowField {
    width: u32,
    height: u32,
    data: Vec<[f32; 2]>,
}

impl FlowField {
    /// A zero field of the given size (zero width or height gives an empty field).
    pub fn zeros(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            data: vec![[0.0; 2]; width as usize * height as usize],
        }
    }

    /// A field whose vector at `(x, y)` is `f(x, y)`.
    pub fn from_fn(width: u32, height: u32, mut f: impl FnMut(u32, u32) -> [f32; 2]) -> Self {
        let mut data = Vec::with_capacity(width as usize * height as usize);
        for y in 0..height {
            for x in 0..width {
                data.push(f(x, y));
            }
        }
        Self {
            width,
            height,
            data,
        }
    }

    /// A field from row-major vectors; [`FlowError::SizeMismatch`] unless
    /// `data.len() == width × height`.
    pub fn from_vec(width: u32, height: u32, data: Vec<[f32; 2]>) -> Result<Self, FlowError> {
        if data.len() != width as usize * height as usize {
            return Err(FlowError::SizeMismatch {
                what: "flow data",
                expected: (width, height),
                actual: (data.len() as u32, 1),
            });
        }
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// `(width, height)`.
    pub fn dimensions(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The vector at `(x, y)`; `None` outside the field.
    pub fn get(&self, x: u32, y: u32) -> Option<[f32; 2]> {
        (x < self.width && y < self.height)
            .then(|| self.data[y as usize * self.width as usize + x as usize])
    }

    /// The vectors, row-major.
    pub fn as_slice(&self) -> &[[f32; 2]] {
        &self.data
    }

    /// The vectors, row-major, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [[f32; 2]] {
        &mut self.data
    }

    /// The vectors, row-major, by value.
    pub fn into_vec(self) -> Vec<[f32; 2]> {
        self.data
    }

    /// The average end-point error `mean |w(x) − w_ref(x)|` over the pixels where
    /// `include(x, y)` is true (every pixel: `|_, _| true`). `Ok(None)` when no pixel is
    /// included; [`FlowError::SizeMismatch`] when the fields' sizes differ.
    pub fn average_endpoint_error(
        &self,
        reference: &FlowField,
        mut include: impl FnMut(u32, u32) -> bool,
    ) -> Result<Option<f64>, FlowError> {
        if self.dimensions() != reference.dimensions() {
            return Err(FlowError::SizeMismatch {
                what: "reference flow",
                expected: self.dimensions(),
                actual: reference.dimensions(),
            });
        }
        let (mut sum, mut count) = (0.0f64, 0usize);
        let rows = self.data.chunks_exact(self.width.max(1) as usize);
        for (y, (row, reference_row)) in rows
            .zip(reference.data.chunks_exact(self.width.max(1) as usize))
            .enumerate()
        {
            for (x, (a, b)) in row.iter().zip(reference_row).enumerate() {
                if include(x as u32, y as u32) {
                    let (du, dv) = (f64::from(a[0] - b[0]), f64::from(a[1] - b[1]));
                    sum += (du * du + dv * dv).sqrt();
                    count += 1;
                }
            }
        }
        Ok((count > 0).then(|| sum / count as f64))
    }

    /// [`FlowError::NonFinite`] at the first NaN or infinite component.
    pub(crate) fn check_finite(&self, what: &'static str) -> Result<(), FlowError> {
        match self
            .data
            .iter()
            .position(|w| !(w[0].is_finite() && w[1].is_finite()))
        {
            None => Ok(()),
            Some(i) => Err(FlowError::NonFinite {
                what,
                x: (i % self.width as usize) as u32,
                y: (i / self.width as usize) as u32,
            }),
        }
    }

    /// The vector at real coordinates `(x, y)`, bilinear, coordinates clamped to the field.
    pub(crate) fn sample(&self, x: f32, y: f32) -> [f32; 2] {
        let (w, h) = (self.width as usize, self.height as usize);
        let x = x.clamp(0.0, (w - 1) as f32);
        let y = y.clamp(0.0, (h - 1) as f32);
        let (x0, y0) = (x as usize, y as usize);
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let at = |xx: usize, yy: usize| self.data[yy * w + xx];
        let (a, b, c, d) = (at(x0, y0), at(x1, y0), at(x0, y1), at(x1, y1));
        let mut out = [0.0; 2];
        for k in 0..2 {
            let top = a[k] + fx * (b[k] - a[k]);
            let bottom = c[k] + fx * (d[k] - c[k]);
            out[k] = top + fy * (bottom - top);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_error_of_a_constant_offset() {
        let a = FlowField::from_fn(4, 3, |x, y| [x as f32, y as f32]);
        let b = FlowField::from_fn(4, 3, |x, y| [x as f32 + 3.0, y as f32 + 4.0]);
        let epe = a.average_endpoint_error(&b, |_, _| true).unwrap().unwrap();
        assert!((epe - 5.0).abs() < 1e-12);
        assert_eq!(a.average_endpoint_error(&b, |_, _| false).unwrap(), None);
        let c = FlowField::zeros(3, 4);
        assert!(matches!(
            a.average_endpoint_error(&c, |_, _| true),
            Err(FlowError::SizeMismatch { .. })
        ));
    }

    #[test]
    fn sampling_is_bilinear_and_clamped() {
        let f = FlowField::from_fn(3, 2, |x, y| [x as f32, 10.0 * y as f32]);
        assert_eq!(f.sample(0.5, 0.25), [0.5, 2.5]);
        assert_eq!(f.sample(-4.0, 9.0), [0.0, 10.0]);
        assert_eq!(f.get(2, 1), Some([2.0, 10.0]));
        assert_eq!(f.get(3, 0), None);
    }

    #[test]
    fn from_vec_checks_the_length() {
        assert!(FlowField::from_vec(2, 2, vec![[0.0; 2]; 3]).is_err());
        assert!(FlowField::from_vec(2, 2, vec![[0.0; 2]; 4]).is_ok());
    }
}
