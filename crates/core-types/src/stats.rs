//! Small numeric helpers shared by the forecaster and the simulator.

/// numpy's `_lerp(a, b, t)`: `a + (b − a)·t`, computed from the far end when `t ≥ 0.5`.
pub fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// `np.quantile(values, q, method='linear')` on already sorted, NaN-free values.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * q;
            let lo = (h.floor() as usize).min(n - 1);
            let hi = (lo + 1).min(n - 1);
            lerp(sorted[lo], sorted[hi], h - lo as f64)
        }
    }
}

/// Linear quantile of unsorted values (NaN dropped).
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    quantile_sorted(&v, q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_quantile_matches_numpy() {
        let v = [3.0, 1.0, 4.0, 1.5, 9.0, 2.6];
        // np.quantile([3, 1, 4, 1.5, 9, 2.6], [0, .1, .5, .8, .95, 1])
        let want = [1.0, 1.25, 2.8, 4.0, 7.75, 9.0];
        for (q, w) in [0.0, 0.1, 0.5, 0.8, 0.95, 1.0].iter().zip(want) {
            assert!((quantile(&v, *q) - w).abs() < 1e-12, "q={q}");
        }
        assert!(quantile(&[], 0.5).is_nan());
    }
}
