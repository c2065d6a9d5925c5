//! Linear regressors with scikit-learn's exact semantics (`skforecast_semantics.md` §B.3).
//!
//! - `LinearRegression(fit_intercept=True)`: centre X and y, solve the **minimum-norm** least
//!   squares on the centred data through the SVD with the relative singular-value cut-off
//!   `rcond` (scikit-learn ≥ 1.9: 1e-6), then `b0 = ȳ − x̄·β`. Rank-deficient designs (lags of
//!   a linear trend) get the same answer as scikit-learn.
//! - `Ridge(alpha)`: `β = (XcᵀXc + αI)⁻¹ Xcᵀ yc` by Cholesky, unpenalised intercept, no
//!   standardisation.

use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut, DVector, DVectorView, DVectorViewMut};
use serde::{Deserialize, Serialize};

use crate::matrix::TrainMatrix;
use crate::ModelError;

/// scikit-learn's relative singular-value cut-off for `LinearRegression` (≥ 1.9).
pub const SKLEARN_RCOND: f64 = 1e-6;

/// A fitted linear model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearFit {
    /// Coefficients, one per column.
    pub coef: Vec<f64>,
    /// Intercept.
    pub intercept: f64,
}

impl LinearFit {
    /// `x·coef + intercept`.
    pub fn predict_row(&self, x: &[f64]) -> f64 {
        self.intercept + x.iter().zip(&self.coef).map(|(a, b)| a * b).sum::<f64>()
    }
}

/// Centred design, centred target, column means, target mean.
struct Centred {
    x: DMatrix<f64>,
    y: DVector<f64>,
    means: Vec<f64>,
    ymean: f64,
}

fn centred(m: &TrainMatrix) -> Result<Centred, ModelError> {
    let (n, p) = (m.rows(), m.cols());
    if n == 0 {
        return Err(ModelError::TooShort { needed: 1, got: 0 });
    }
    let mut means = vec![0.0; p];
    for i in 0..n {
        for (j, v) in m.row(i).iter().enumerate() {
            means[j] += v;
        }
    }
    means.iter_mut().for_each(|v| *v /= n as f64);
    let ymean = m.y.iter().sum::<f64>() / n as f64;
    let cols = m.cols();
    let x = DMatrix::from_fn(n, p, |i, j| m.x[i * cols + j] - means[j]);
    let y = DVector::from_iterator(n, m.y.iter().map(|v| v - ymean));
    Ok(Centred { x, y, means, ymean })
}

/// Solves `a β = b` for a symmetric `a` by Cholesky; when `a` is singular (a penalty of 0 on a
/// collinear design), the minimum-norm solution.
fn solve_normal(a: DMatrix<f64>, b: &DVector<f64>) -> Result<DVector<f64>, ModelError> {
    match a.clone().cholesky() {
        Some(c) => Ok(c.solve(b)),
        None => a
            .svd(true, true)
            .solve(b, 1e-12)
            .map_err(|e| ModelError::Numerical(e.to_string())),
    }
}

fn finish(beta: DVector<f64>, means: &[f64], ymean: f64) -> Result<LinearFit, ModelError> {
    let coef: Vec<f64> = beta.iter().copied().collect();
    if coef.iter().any(|c| !c.is_finite()) {
        return Err(ModelError::Numerical("non-finite coefficients".into()));
    }
    let intercept = ymean - means.iter().zip(&coef).map(|(a, b)| a * b).sum::<f64>();
    Ok(LinearFit { coef, intercept })
}

/// Ordinary least squares, scikit-learn semantics (centred, minimum norm, relative cut-off).
pub fn ols(m: &TrainMatrix, rcond: f64) -> Result<LinearFit, ModelError> {
    let Centred { x, y, means, ymean } = centred(m)?;
    if m.cols() == 0 {
        return Ok(LinearFit {
            coef: vec![],
            intercept: ymean,
        });
    }
    let svd = x.svd(true, true);
    let smax = svd.singular_values.iter().copied().fold(0.0, f64::max);
    let cut = rcond * smax;
    let u = svd.u.as_ref().expect("computed");
    let vt = svd.v_t.as_ref().expect("computed");
    let uty = u.transpose() * &y;
    let mut beta = DVector::zeros(m.cols());
    for (k, s) in svd.singular_values.iter().enumerate() {
        if *s > cut && *s > 0.0 {
            let w = uty[k] / s;
            beta += vt.row(k).transpose() * w;
        }
    }
    finish(beta, &means, ymean)
}

/// The centred normal equations of a training matrix — `XcᵀXc`, `Xcᵀyc`, the column means and
/// the target mean — from two passes over the row-major rows (no copy of the design). Built
/// once, they solve Ridge for any penalty ([`NormalEquations::ridge`]): the competition fits
/// every alpha of one lag set from a single build.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalEquations {
    /// `XcᵀXc`, row-major `p × p`.
    gram: Vec<f64>,
    /// `Xcᵀyc`.
    xty: Vec<f64>,
    means: Vec<f64>,
    ymean: f64,
}

impl NormalEquations {
    /// Builds them from a training matrix.
    pub fn of(m: &TrainMatrix) -> Result<Self, ModelError> {
        Self::of_rows(&m.x, &m.y, m.cols())
    }

    /// Builds them from row-major rows `x` (`p` values each) and their targets `y`.
    pub fn of_rows(x: &[f64], y: &[f64], p: usize) -> Result<Self, ModelError> {
        Ok(GramAccumulator::start(x, y, p)?.equations())
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.means.len()
    }

    /// Ridge with penalty `alpha`: `(XcᵀXc + αI) β = Xcᵀyc` by Cholesky (the minimum-norm
    /// solution when `alpha = 0` on a singular design), unpenalised intercept.
    pub fn ridge(&self, alpha: f64) -> Result<LinearFit, ModelError> {
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(ModelError::InvalidSpec(format!(
                "ridge alpha must be >= 0, got {alpha}"
            )));
        }
        let p = self.cols();
        if p == 0 {
            return Ok(LinearFit {
                coef: vec![],
                intercept: self.ymean,
            });
        }
        let mut a = DMatrix::from_row_slice(p, p, &self.gram);
        for i in 0..p {
            a[(i, i)] += alpha;
        }
        let b = DVector::from_column_slice(&self.xty);
        finish(solve_normal(a, &b)?, &self.means, self.ymean)
    }
}

/// One group's rows in [`NormalEquations::ridge_with_groups`]: how many, the mean of each
/// of their columns, and the mean of their targets.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupMeans {
    /// Rows of the group.
    pub rows: usize,
    /// The mean of each column over the group's rows (empty when it has none).
    pub means: Vec<f64>,
    /// The mean of the group's targets.
    pub ymean: f64,
}

impl NormalEquations {
    /// Ridge with penalty `alpha > 0` on the design these equations were built from widened by
    /// one 0/1 column per group (each row in exactly one group: a one-hot series code), without
    /// building the widened equations: their group block is a diagonal less a rank-one term,
    /// eliminated by Sherman–Morrison, so the cost is `O(g·p² + p³)` for `g` groups instead of
    /// `O(rows·(p + g)²)`. The coefficients are the columns' then the groups', as
    /// [`NormalEquations::ridge`] on the widened design gives them (to rounding).
    pub fn ridge_with_groups(
        &self,
        alpha: f64,
        groups: &[GroupMeans],
    ) -> Result<LinearFit, ModelError> {
        let p = self.cols();
        let total: usize = groups.iter().map(|g| g.rows).sum();
        if !(alpha.is_finite() && alpha > 0.0)
            || total == 0
            || groups.iter().any(|g| g.rows > 0 && g.means.len() != p)
        {
            return Err(ModelError::InvalidSpec(format!(
                "grouped ridge needs alpha > 0 and groups of {p} column means with rows, got \
                 alpha {alpha} and {total} rows"
            )));
        }
        let n = total as f64;
        // The widened equations' blocks: B's column of group i is b_i = n_i (x̄_i − x̄), the
        // group block C + αI = D − u uᵀ/n with D = diag(n_i + α), u_i = n_i, and the group
        // rows of Xcᵀyc are r_i = n_i (ȳ_i − ȳ).
        let b: Vec<DVector<f64>> = groups
            .iter()
            .map(|g| match g.rows {
                0 => DVector::zeros(p),
                k => DVector::from_fn(p, |j, _| k as f64 * (g.means[j] - self.means[j])),
            })
            .collect();
        let r: Vec<f64> = groups
            .iter()
            .map(|g| match g.rows {
                0 => 0.0,
                k => k as f64 * (g.ymean - self.ymean),
            })
            .collect();
        let v: Vec<f64> = groups
            .iter()
            .map(|g| 1.0 / (g.rows as f64 + alpha))
            .collect();
        let u: Vec<f64> = groups.iter().map(|g| g.rows as f64).collect();
        // (C + αI)⁻¹ = D⁻¹ + c · D⁻¹u uᵀD⁻¹, c = 1 / (n − uᵀD⁻¹u), and n − uᵀD⁻¹u =
        // Σ nᵢ − nᵢ²/(nᵢ + α) = α · Σ nᵢ/(nᵢ + α): positive, written without the cancellation
        // that left 0 for α ≈ 1e-14.
        let c = 1.0 / (alpha * u.iter().zip(&v).map(|(u, v)| u * v).sum::<f64>());
        // w = B D⁻¹ u, and the Schur complement A + αI − B (C + αI)⁻¹ Bᵀ.
        let mut w = DVector::zeros(p);
        let mut a = DMatrix::from_row_slice(p, p, &self.gram);
        let mut rhs = DVector::from_column_slice(&self.xty);
        let mut vr_u = 0.0;
        for (i, bi) in b.iter().enumerate() {
            if u[i] == 0.0 {
                continue;
            }
            a.ger(-v[i], bi, bi, 1.0);
            rhs.axpy(-v[i] * r[i], bi, 1.0);
            w.axpy(v[i] * u[i], bi, 1.0);
            vr_u += v[i] * u[i] * r[i];
        }
        a.ger(-c, &w, &w, 1.0);
        rhs.axpy(-c * vr_u, &w, 1.0);
        for i in 0..p {
            a[(i, i)] += alpha;
        }
        let beta = solve_normal(a, &rhs)?;
        // γ = (C + αI)⁻¹ (r − Bᵀβ).
        let q: Vec<f64> = b
            .iter()
            .zip(&r)
            .map(|(bi, ri)| ri - bi.iter().zip(beta.iter()).map(|(x, y)| x * y).sum::<f64>())
            .collect();
        let s = c * q
            .iter()
            .zip(&v)
            .zip(&u)
            .map(|((q, v), u)| v * u * q)
            .sum::<f64>();
        let gamma = q
            .iter()
            .zip(&v)
            .zip(&u)
            .map(|((q, v), u)| v * q + s * v * u);
        let coef: Vec<f64> = beta.iter().copied().chain(gamma).collect();
        let means: Vec<f64> = self
            .means
            .iter()
            .copied()
            .chain(u.iter().map(|k| k / n))
            .collect();
        finish(DVector::from_vec(coef), &means, self.ymean)
    }
}

impl NormalEquations {
    /// Ridge with penalty `alpha` on every column plus an L1 penalty `l1[j]` on column `j`
    /// (0: ridge only), unpenalised intercept: minimises `½‖yc − Xcβ‖² + ½α‖β‖² +
    /// Σ l1[j]·|β[j]|` by cyclic coordinate descent on the normal equations (`O(p²)` per
    /// sweep, whatever the rows). It starts from the exact ridge fit of the unpenalised
    /// columns with the others at 0 and stops when no coefficient moves by more than `tol`
    /// times the largest, or after `max_iter` sweeps.
    pub fn ridge_l1(
        &self,
        alpha: f64,
        l1: &[f64],
        tol: f64,
        max_iter: usize,
    ) -> Result<LinearFit, ModelError> {
        let p = self.cols();
        if !(alpha.is_finite() && alpha > 0.0)
            || l1.len() != p
            || l1.iter().any(|v| !(v.is_finite() && *v >= 0.0))
        {
            return Err(ModelError::InvalidSpec(format!(
                "ridge_l1 needs alpha > 0 and one L1 penalty >= 0 per column ({p}), got {alpha}, {l1:?}"
            )));
        }
        let g = |i: usize, j: usize| self.gram[i * p + j];
        let free: Vec<usize> = (0..p).filter(|j| l1[*j] == 0.0).collect();
        let mut w = vec![0.0; p];
        if !free.is_empty() {
            let sub = NormalEquations {
                gram: free
                    .iter()
                    .flat_map(|i| free.iter().map(move |j| (*i, *j)))
                    .map(|(i, j)| g(i, j))
                    .collect(),
                xty: free.iter().map(|j| self.xty[*j]).collect(),
                means: vec![0.0; free.len()],
                ymean: 0.0,
            };
            for (j, c) in free.iter().zip(sub.ridge(alpha)?.coef) {
                w[*j] = c;
            }
        }
        // q = Gram · w, kept up to date coordinate by coordinate.
        let mut q: Vec<f64> = (0..p)
            .map(|i| (0..p).map(|j| g(i, j) * w[j]).sum())
            .collect();
        for _ in 0..max_iter {
            let (mut d_max, mut w_max) = (0.0f64, 0.0f64);
            for j in 0..p {
                let gjj = g(j, j);
                let t = self.xty[j] - (q[j] - gjj * w[j]);
                let new = t.signum() * (t.abs() - l1[j]).max(0.0) / (gjj + alpha);
                let d = new - w[j];
                if d != 0.0 {
                    for (i, qi) in q.iter_mut().enumerate() {
                        *qi += d * g(i, j);
                    }
                    w[j] = new;
                }
                d_max = d_max.max(d.abs());
                w_max = w_max.max(new.abs());
            }
            if d_max <= tol * w_max {
                break;
            }
        }
        finish(DVector::from_vec(w), &self.means, self.ymean)
    }
}

impl NormalEquations {
    /// The normal equations of the pure lag design of `z` — rows `t = k..n`, columns
    /// `z[t−1], …, z[t−k]`, target `z[t]`, nothing missing — from lagged products of the
    /// series instead of the `n × k` design: every entry of `XᵀX` is a sum of `z[s]·z[s−d]`
    /// over a range of `s`, read off one running sum per lag distance `d` (`O(n·k)` instead
    /// of `O(n·k²)`). Sums are taken about the target mean (no cancellation at high levels);
    /// the result agrees with [`NormalEquations::of`] on the same design to rounding.
    pub fn of_lags(z: &[f64], k: usize) -> Result<Self, ModelError> {
        let n = z.len();
        if k == 0 || n <= k {
            return Err(ModelError::TooShort {
                needed: k + 1,
                got: n,
            });
        }
        let rows = (n - k) as f64;
        let c = z[k..].iter().sum::<f64>() / rows;
        let u: Vec<f64> = z.iter().map(|v| v - c).collect();
        // pre[s] = Σ_{s' ≤ s} u[s']·u[s' − d] (s ≥ d), one distance at a time.
        let mut pre = vec![0.0; n];
        let at = |pre: &[f64], s: isize, d: usize| -> f64 {
            if s < d as isize {
                0.0
            } else {
                pre[s as usize]
            }
        };
        let mut gram = vec![0.0; k * k];
        let mut xty = vec![0.0; k];
        for d in 0..=k {
            let mut acc = 0.0;
            for s in d..n {
                acc += u[s] * u[s - d];
                pre[s] = acc;
            }
            let (n_, k_) = (n as isize, k as isize);
            // Columns i and j = i + d: Σ over s from k−1−i to n−2−i of u[s]·u[s−d].
            for i in 0..k.saturating_sub(d) {
                let i_ = i as isize;
                let v = at(&pre, n_ - 2 - i_, d) - at(&pre, k_ - 2 - i_, d);
                gram[(i + d) * k + i] = v;
                gram[i * k + i + d] = v;
            }
            // Column d − 1 against the target: Σ over s from k to n−1 of u[s]·u[s−d].
            if d >= 1 {
                xty[d - 1] = at(&pre, n_ - 1, d) - at(&pre, k_ - 1, d);
            }
        }
        // Column sums about the shift: column j covers u[k−1−j ..= n−2−j].
        let mut q = vec![0.0; n];
        let mut acc = 0.0;
        for (s, v) in u.iter().enumerate() {
            acc += v;
            q[s] = acc;
        }
        let prefix = |s: isize| if s < 0 { 0.0 } else { q[s as usize] };
        let (n_, k_) = (n as isize, k as isize);
        let sums: Vec<f64> = (0..k as isize)
            .map(|j| prefix(n_ - 2 - j) - prefix(k_ - 2 - j))
            .collect();
        let ysum = prefix(n_ - 1) - prefix(k_ - 1);
        for j in 0..k {
            for i in 0..k {
                gram[j * k + i] -= sums[i] * sums[j] / rows;
            }
            xty[j] -= sums[j] * ysum / rows;
        }
        Ok(Self {
            gram,
            xty,
            means: sums.iter().map(|v| c + v / rows).collect(),
            ymean: c + ysum / rows,
        })
    }
}

/// The normal equations of a design that grows by rows (an expanding training window),
/// kept as sums about a fixed shift — the column and target means of the first block — so
/// that adding rows costs only those rows: `S = Σ(x − s)(x − s)ᵀ`, `r = Σ(x − s)(y − t)`, and
/// the centred equations are `XcᵀXc = S − n·d·dᵀ`, `Xcᵀyc = r − n·d·(ȳ − t)` with `d = x̄ − s`.
/// For the first block `d = 0`: its equations are those of [`NormalEquations::of`] bit for
/// bit; later ones agree with a build from scratch to rounding (checked to 1e-9).
#[derive(Debug, Clone)]
pub struct GramAccumulator {
    p: usize,
    rows: usize,
    shift: Vec<f64>,
    yshift: f64,
    /// `S`, column-major `p × p` (symmetric).
    s: Vec<f64>,
    r: Vec<f64>,
    /// `Σ(x − s)`.
    dx: Vec<f64>,
    /// `Σ(y − t)`.
    dy: f64,
    /// Scratch rows of one chunk.
    buf: Vec<f64>,
}

/// Rows per block of [`GramAccumulator`]'s products (measured on W1 and W3: larger blocks
/// are slower, smaller ones pay the product's packing more often).
pub const GRAM_CHUNK: usize = 128;

impl GramAccumulator {
    /// Starts from the first block of rows (row-major, `p` values each); the shift is its
    /// means.
    pub fn start(x: &[f64], y: &[f64], p: usize) -> Result<Self, ModelError> {
        let n = y.len();
        if n == 0 || x.len() != n * p {
            return Err(ModelError::TooShort { needed: 1, got: 0 });
        }
        let mut shift = vec![0.0; p];
        if p > 0 {
            for row in x.chunks_exact(p) {
                for (s, v) in shift.iter_mut().zip(row) {
                    *s += v;
                }
            }
        }
        shift.iter_mut().for_each(|v| *v /= n as f64);
        let yshift = y.iter().sum::<f64>() / n as f64;
        let mut acc = Self {
            p,
            rows: 0,
            shift,
            yshift,
            s: vec![0.0; p * p],
            r: vec![0.0; p],
            dx: vec![0.0; p],
            dy: 0.0,
            buf: Vec::new(),
        };
        acc.add(x, y)?;
        // The shift is the block's mean: its deviations sum to zero (up to rounding), and
        // `d = 0` makes the first equations exactly the centred ones.
        acc.dx.iter_mut().for_each(|v| *v = 0.0);
        acc.dy = 0.0;
        Ok(acc)
    }

    /// Adds rows (row-major, `p` values each) and their targets.
    pub fn add(&mut self, x: &[f64], y: &[f64]) -> Result<(), ModelError> {
        let (n, p) = (y.len(), self.p);
        if x.len() != n * p {
            return Err(ModelError::Numerical(format!(
                "{} values for {n} rows of {p} columns",
                x.len()
            )));
        }
        self.accumulate(x, y, 1.0);
        self.rows += n;
        Ok(())
    }

    /// Takes back rows added earlier (a rolling window drops its oldest rows): the sums
    /// lose their terms, so the equations are those of the remaining rows (to rounding).
    pub fn remove(&mut self, x: &[f64], y: &[f64]) -> Result<(), ModelError> {
        let (n, p) = (y.len(), self.p);
        if x.len() != n * p || n >= self.rows {
            return Err(ModelError::Numerical(format!(
                "cannot take {n} rows back from {}",
                self.rows
            )));
        }
        self.accumulate(x, y, -1.0);
        self.rows -= n;
        Ok(())
    }

    /// Adds (`sign` 1) or subtracts (`sign` −1) the terms of rows already checked, in
    /// blocks of [`GRAM_CHUNK`] rows through one reused buffer (small blocks stay in cache
    /// and need no fresh memory).
    fn accumulate(&mut self, x: &[f64], y: &[f64], sign: f64) {
        let p = self.p;
        if p == 0 {
            self.dy += sign * y.iter().map(|v| v - self.yshift).sum::<f64>();
            return;
        }
        let mut buf = std::mem::take(&mut self.buf);
        let chunk = GRAM_CHUNK;
        let mut yc = Vec::with_capacity(chunk);
        let shift = &self.shift[..p];
        let mut dx = vec![0.0; p];
        for (xs, ys) in x.chunks(chunk * p).zip(y.chunks(chunk)) {
            let n = ys.len();
            buf.clear();
            buf.extend_from_slice(xs);
            for row in buf.chunks_exact_mut(p) {
                let row = &mut row[..p];
                for j in 0..p {
                    row[j] -= shift[j];
                    dx[j] += row[j];
                }
            }
            yc.clear();
            yc.extend(ys.iter().map(|v| v - self.yshift));
            self.dy += sign * yc.iter().sum::<f64>();
            // The row-major chunk is X (n × p) with row stride p and, read column-major,
            // Xᵀ (p × n): S += sign·XᵀX and r += sign·Xᵀy without a transposing copy, by
            // nalgebra's gemm (matrixmultiply's blocked kernels, SIMD chosen at run time).
            let xt = DMatrixView::from_slice(&buf, p, n);
            let xr = DMatrixView::from_slice_with_strides(&buf, n, p, p, 1);
            DMatrixViewMut::from_slice(&mut self.s, p, p).gemm(sign, &xt, &xr, 1.0);
            DVectorViewMut::from_slice(&mut self.r, p).gemv(
                sign,
                &xt,
                &DVectorView::from_slice(&yc, n),
                1.0,
            );
        }
        for (d, v) in self.dx.iter_mut().zip(&dx) {
            *d += sign * v;
        }
        self.buf = buf;
    }

    /// Rows added so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The centred normal equations of every row added so far.
    pub fn equations(&self) -> NormalEquations {
        let (p, n) = (self.p, self.rows as f64);
        let d: Vec<f64> = self.dx.iter().map(|v| v / n).collect();
        let dy = self.dy / n;
        let mut gram = self.s.clone();
        let mut xty = self.r.clone();
        if d.iter().any(|v| *v != 0.0) || dy != 0.0 {
            for j in 0..p {
                for i in 0..p {
                    gram[j * p + i] -= n * d[i] * d[j];
                }
                xty[j] -= n * d[j] * dy;
            }
        }
        NormalEquations {
            gram,
            xty,
            means: self.shift.iter().zip(&d).map(|(s, d)| s + d).collect(),
            ymean: self.yshift + dy,
        }
    }
}

/// Ridge regression, scikit-learn semantics (Cholesky on the centred normal equations,
/// unpenalised intercept, no standardisation).
pub fn ridge(m: &TrainMatrix, alpha: f64) -> Result<LinearFit, ModelError> {
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(ModelError::InvalidSpec(format!(
            "ridge alpha must be >= 0, got {alpha}"
        )));
    }
    NormalEquations::of(m)?.ridge(alpha)
}

/// Stopping tolerance of our `Lasso`/`ElasticNet` (relative duality gap). Tighter than
/// scikit-learn's default 1e-4: scikit-learn 1.9 stops on its own schedule, so instead of
/// copying its stopping point we go to the optimum it approaches (checked against it in the
/// conformance tests to 1e-8 at tight tolerance, and within its own stopping error at its
/// defaults).
pub const CD_TOL: f64 = 1e-8;
/// Iteration cap of our `Lasso`/`ElasticNet`.
pub const CD_MAX_ITER: usize = 10_000;

/// `ElasticNet(alpha, l1_ratio)` with scikit-learn's objective
/// `1/(2n)·‖y − Xw − b‖² + α·ρ·‖w‖₁ + ½·α·(1 − ρ)·‖w‖²` (`Lasso` is ρ = 1): cyclic coordinate
/// descent on centred data from w = 0, stopped when the duality gap falls below
/// `tol·‖yc‖²` (checked when the largest coordinate update is small), unpenalised intercept.
pub fn elastic_net(
    m: &TrainMatrix,
    alpha: f64,
    l1_ratio: f64,
    tol: f64,
    max_iter: usize,
) -> Result<LinearFit, ModelError> {
    if !(alpha.is_finite() && alpha >= 0.0 && (0.0..=1.0).contains(&l1_ratio)) {
        return Err(ModelError::InvalidSpec(format!(
            "elastic net needs alpha >= 0 and 0 <= l1_ratio <= 1, got {alpha}, {l1_ratio}"
        )));
    }
    let Centred { x, y, means, ymean } = centred(m)?;
    let (n, p) = (x.nrows(), x.ncols());
    let l1 = alpha * l1_ratio * n as f64;
    let l2 = alpha * (1.0 - l1_ratio) * n as f64;
    let norms: Vec<f64> = (0..p).map(|j| x.column(j).norm_squared()).collect();
    let mut w = DVector::<f64>::zeros(p);
    let mut r = y.clone();
    let tol = tol * y.norm_squared();
    for iter in 0..max_iter {
        let (mut w_max, mut d_max) = (0.0f64, 0.0f64);
        for j in 0..p {
            if norms[j] == 0.0 {
                continue;
            }
            let old = w[j];
            if old != 0.0 {
                r.axpy(old, &x.column(j), 1.0);
            }
            let t = x.column(j).dot(&r);
            let new = t.signum() * (t.abs() - l1).max(0.0) / (norms[j] + l2);
            w[j] = new;
            if new != 0.0 {
                r.axpy(-new, &x.column(j), 1.0);
            }
            d_max = d_max.max((new - old).abs());
            w_max = w_max.max(new.abs());
        }
        if w_max == 0.0 || d_max / w_max < tol || iter == max_iter - 1 {
            // Duality gap of the current point.
            let xta = x.tr_mul(&r) - &w * l2;
            let dual_norm = xta.amax();
            let r2 = r.norm_squared();
            let (scale, mut gap) = if dual_norm > l1 {
                let c = l1 / dual_norm;
                (c, 0.5 * (r2 + r2 * c * c))
            } else {
                (1.0, r2)
            };
            gap += l1 * w.lp_norm(1) - scale * r.dot(&y)
                + 0.5 * l2 * (1.0 + scale * scale) * w.norm_squared();
            if gap < tol {
                break;
            }
        }
    }
    finish(w, &means, ymean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(x: &[[f64; 2]], y: &[f64]) -> TrainMatrix {
        TrainMatrix {
            names: vec!["a".into(), "b".into()],
            x: x.iter().flatten().copied().collect(),
            y: y.to_vec(),
            positions: (0..y.len()).collect(),
        }
    }

    #[test]
    fn ols_recovers_an_exact_plane() {
        let x = [[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [4.0, 3.0], [0.0, 1.0]];
        let y: Vec<f64> = x.iter().map(|r| 1.5 + 2.0 * r[0] - 0.5 * r[1]).collect();
        let f = ols(&matrix(&x, &y), SKLEARN_RCOND).unwrap();
        assert!((f.coef[0] - 2.0).abs() < 1e-12 && (f.coef[1] + 0.5).abs() < 1e-12);
        assert!((f.intercept - 1.5).abs() < 1e-12);
    }

    #[test]
    fn collinear_columns_get_the_minimum_norm_split() {
        // b = 2a: the minimum-norm solution splits the effect as (1/5, 2/5) of 3a... exactly
        // beta ∝ (1, 2) with beta·(1, 2) = slope.
        let x = [[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0]];
        let y = [3.0, 6.0, 9.0, 12.0];
        let f = ols(&matrix(&x, &y), SKLEARN_RCOND).unwrap();
        assert!(
            (f.coef[0] - 0.6).abs() < 1e-10 && (f.coef[1] - 1.2).abs() < 1e-10,
            "{f:?}"
        );
        assert!(f.intercept.abs() < 1e-10);
    }

    #[test]
    fn ridge_shrinks_and_zero_alpha_matches_ols() {
        let x = [[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [4.0, 3.0], [0.0, 1.0]];
        let y = [3.0, 4.5, 5.0, 9.0, 1.0];
        let o = ols(&matrix(&x, &y), SKLEARN_RCOND).unwrap();
        let r0 = ridge(&matrix(&x, &y), 0.0).unwrap();
        for (a, b) in o.coef.iter().zip(&r0.coef) {
            assert!((a - b).abs() < 1e-9);
        }
        let r = ridge(&matrix(&x, &y), 10.0).unwrap();
        let norm = |c: &[f64]| c.iter().map(|v| v * v).sum::<f64>();
        assert!(norm(&r.coef) < norm(&o.coef));
        assert!(ridge(&matrix(&x, &y), -1.0).is_err());
    }

    /// The dense path the normal equations replaced: centred copy of the design, `XᵀX` by
    /// matrix product, Cholesky.
    fn ridge_dense(m: &TrainMatrix, alpha: f64) -> LinearFit {
        let Centred { x, y, means, ymean } = centred(m).unwrap();
        let mut a = x.transpose() * &x;
        for i in 0..a.nrows() {
            a[(i, i)] += alpha;
        }
        let beta = a.cholesky().unwrap().solve(&(x.transpose() * y));
        finish(beta, &means, ymean).unwrap()
    }

    /// A uniform draw in [0, 1) from a seeded linear congruential stream.
    fn uniform(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Coefficients and intercept within 1e-9 (relative, absolute below 1).
    fn close_fits(
        a: &LinearFit,
        b: &LinearFit,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let tol = |v: f64| 1e-9 * v.abs().max(1.0);
        for (x, y) in a.coef.iter().zip(&b.coef) {
            proptest::prop_assert!((x - y).abs() <= tol(*y), "coef {x} vs {y}");
        }
        proptest::prop_assert!((a.intercept - b.intercept).abs() <= tol(b.intercept));
        Ok(())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(40))]

        /// One build of the normal equations gives, for every alpha, the dense path's
        /// coefficients and intercept to 1e-9 (relative), on lag-like designs with levels
        /// far from zero (where centring matters).
        #[test]
        fn normal_equations_match_the_dense_path(
            seed in 0u64..10_000,
            n in 20usize..400,
            p in 1usize..30,
            level in 0.0f64..5_000.0,
        ) {
            let mut draw = uniform(seed);
            let series: Vec<f64> = (0..n + p).map(|_| level + 100.0 * draw()).collect();
            let m = TrainMatrix {
                names: (0..p).map(|j| format!("lag_{j}")).collect(),
                x: (0..n).flat_map(|i| (0..p).map(move |j| (i, j))).map(|(i, j)| series[i + p - 1 - j]).collect(),
                y: (0..n).map(|i| series[i + p]).collect(),
                positions: (0..n).collect(),
            };
            let ne = NormalEquations::of(&m).unwrap();
            for alpha in [0.1, 1.0, 10.0, 100.0] {
                let (a, b) = (ne.ridge(alpha).unwrap(), ridge_dense(&m, alpha));
                close_fits(&a, &b)?;
                proptest::prop_assert_eq!(&a, &ridge(&m, alpha).unwrap());
            }
        }

        /// The lag design's equations from lagged products solve Ridge like a build from
        /// its matrix (1e-9 relative), at levels far from zero.
        #[test]
        fn lag_products_match_the_design_matrix(
            seed in 0u64..10_000,
            n in 30usize..600,
            k in 1usize..20,
            level in 0.0f64..5_000.0,
        ) {
            let mut draw = uniform(seed);
            let z: Vec<f64> = (0..n).map(|t| level + 30.0 * (t as f64 / 7.0).sin() + 100.0 * draw()).collect();
            proptest::prop_assume!(n > k + 2);
            let m = crate::matrix::train_matrix(
                &z,
                &crate::matrix::Autoregressive { lags: (1..=k).collect(), windows: vec![] },
                None,
            ).unwrap();
            let (a, b) = (NormalEquations::of_lags(&z, k).unwrap(), NormalEquations::of(&m).unwrap());
            for alpha in [0.1, 1.0, 100.0] {
                let (u, v) = (a.ridge(alpha).unwrap(), b.ridge(alpha).unwrap());
                close_fits(&u, &v)?;
            }
        }

        /// Normal equations grown block by block solve Ridge like a build from scratch on
        /// all the rows (1e-9 relative), and the first block's are that build bit for bit.
        #[test]
        fn grown_normal_equations_match_a_build_from_scratch(
            seed in 0u64..10_000,
            blocks in proptest::collection::vec(1usize..120, 1..5),
            p in 1usize..20,
            level in 0.0f64..5_000.0,
        ) {
            let mut draw = uniform(seed);
            let n: usize = blocks.iter().sum::<usize>() + p;
            let series: Vec<f64> = (0..n + p).map(|_| level + 100.0 * draw()).collect();
            let x: Vec<f64> = (0..n).flat_map(|i| (0..p).map(move |j| (i, j))).map(|(i, j)| series[i + p - 1 - j]).collect();
            let y: Vec<f64> = (0..n).map(|i| series[i + p]).collect();
            let first = blocks[0] + p;
            let mut acc = GramAccumulator::start(&x[..first * p], &y[..first], p).unwrap();
            proptest::prop_assert_eq!(acc.equations(), NormalEquations::of_rows(&x[..first * p], &y[..first], p).unwrap());
            let mut end = first;
            for b in &blocks[1..] {
                acc.add(&x[end * p..(end + b) * p], &y[end..end + b]).unwrap();
                end += b;
                proptest::prop_assert_eq!(acc.rows(), end);
                let scratch = NormalEquations::of_rows(&x[..end * p], &y[..end], p).unwrap();
                let grown = acc.equations();
                for alpha in [0.1, 10.0] {
                    close_fits(&grown.ridge(alpha).unwrap(), &scratch.ridge(alpha).unwrap())?;
                }
            }
        }
    }
}
