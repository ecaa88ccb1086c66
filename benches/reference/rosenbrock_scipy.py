"""scipy's L-BFGS-B on the Rosenbrock problem of benches/optimizers.rs, for comparison.

Chained Rosenbrock in 1000 dimensions from (-1.2, 1, -1.2, 1, ...), history 10, stop when
the largest gradient component is <= 1e-4 (float64 here; impasto runs in f32).

    python3 benches/reference/rosenbrock_scipy.py
"""
import numpy as np
import scipy
from scipy.optimize import minimize, rosen, rosen_der

x0 = np.array([-1.2 if i % 2 == 0 else 1.0 for i in range(1000)])
options = dict(gtol=1e-4, maxiter=20000, maxfun=40000, maxcor=10, ftol=0)
r = minimize(rosen, x0, jac=rosen_der, method="L-BFGS-B", options=options)
print(
    f"| scipy {scipy.__version__} L-BFGS-B | {r.nit} | {r.nfev} | {r.fun:.3e} | "
    f"{np.abs(r.x - 1).max():.2e} | | {r.message} |"
)
