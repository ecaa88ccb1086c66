//! Forward-mode dual numbers: f and ∇f of the small test problems from one formula, so
//! the gradients cannot disagree with the functions (the fixture script uses torch's
//! autograd on the same formulas).

use std::ops::{Add, Div, Mul, Neg, Sub};

/// A value with its gradient with respect to every input.
#[derive(Debug, Clone)]
pub struct Dual {
    pub v: f64,
    pub d: Vec<f64>,
}

impl Dual {
    pub fn constant(v: f64, n: usize) -> Self {
        Self { v, d: vec![0.0; n] }
    }

    /// The inputs x₁ … xₙ, each with its unit gradient.
    pub fn variables(x: &[f64]) -> Vec<Dual> {
        let n = x.len();
        x.iter()
            .enumerate()
            .map(|(i, &v)| {
                let mut d = vec![0.0; n];
                d[i] = 1.0;
                Dual { v, d }
            })
            .collect()
    }

    fn chain(&self, v: f64, derivative: f64) -> Dual {
        Dual {
            v,
            d: self.d.iter().map(|g| g * derivative).collect(),
        }
    }

    pub fn sq(&self) -> Dual {
        self.chain(self.v * self.v, 2.0 * self.v)
    }
    pub fn powi(&self, k: i32) -> Dual {
        self.chain(self.v.powi(k), k as f64 * self.v.powi(k - 1))
    }
    pub fn sqrt(&self) -> Dual {
        let r = self.v.sqrt();
        self.chain(r, 0.5 / r)
    }
    pub fn exp(&self) -> Dual {
        let e = self.v.exp();
        self.chain(e, e)
    }
    pub fn sin(&self) -> Dual {
        self.chain(self.v.sin(), self.v.cos())
    }
    pub fn cos(&self) -> Dual {
        self.chain(self.v.cos(), -self.v.sin())
    }
    pub fn atan(&self) -> Dual {
        self.chain(self.v.atan(), 1.0 / (1.0 + self.v * self.v))
    }
}

impl Add for Dual {
    type Output = Dual;
    fn add(self, o: Dual) -> Dual {
        Dual {
            v: self.v + o.v,
            d: self.d.iter().zip(&o.d).map(|(a, b)| a + b).collect(),
        }
    }
}
impl Sub for Dual {
    type Output = Dual;
    fn sub(self, o: Dual) -> Dual {
        self + (-o)
    }
}
impl Mul for Dual {
    type Output = Dual;
    // The product rule adds: (uv)′ = u′v + uv′.
    #[allow(clippy::suspicious_arithmetic_impl)]
    fn mul(self, o: Dual) -> Dual {
        Dual {
            v: self.v * o.v,
            d: self
                .d
                .iter()
                .zip(&o.d)
                .map(|(a, b)| a * o.v + b * self.v)
                .collect(),
        }
    }
}
impl Div for Dual {
    type Output = Dual;
    fn div(self, o: Dual) -> Dual {
        let inv = o.chain(1.0 / o.v, -1.0 / (o.v * o.v));
        self * inv
    }
}
impl Neg for Dual {
    type Output = Dual;
    fn neg(self) -> Dual {
        self.chain(-self.v, -1.0)
    }
}
impl Add<f64> for Dual {
    type Output = Dual;
    fn add(mut self, c: f64) -> Dual {
        self.v += c;
        self
    }
}
impl Sub<f64> for Dual {
    type Output = Dual;
    fn sub(mut self, c: f64) -> Dual {
        self.v -= c;
        self
    }
}
impl Mul<f64> for Dual {
    type Output = Dual;
    fn mul(self, c: f64) -> Dual {
        self.chain(self.v * c, c)
    }
}
impl Add<Dual> for f64 {
    type Output = Dual;
    fn add(self, x: Dual) -> Dual {
        x + self
    }
}
impl Sub<Dual> for f64 {
    type Output = Dual;
    fn sub(self, x: Dual) -> Dual {
        -x + self
    }
}
impl Mul<Dual> for f64 {
    type Output = Dual;
    fn mul(self, x: Dual) -> Dual {
        x * self
    }
}
