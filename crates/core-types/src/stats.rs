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

/// A sum of `f64` values whose result does not depend on the order they are added in, nor on
/// how they were grouped into partial sums: each value is rounded to a multiple of 2⁻⁶⁴ and
/// summed exactly, as an `i128` that wraps around plus a count of the wraps (arithmetic modulo
/// 2¹²⁸ is associative, so partial sums may leave the integer's range as long as the whole
/// does not); [`ExactSum::value`] rounds the exact sum to the nearest `f64` once. A
/// many-series total summed series by series, by shards merged later, or in any thread's order
/// gives the same bits. A value that is not finite, or of magnitude 2⁶² or more, makes the sum
/// NaN, as does a whole sum of magnitude 2⁶³ or more; values under 2⁻⁶⁵ count as 0.
///
/// ```
/// use core_types::stats::ExactSum;
/// let (mut a, mut b) = (ExactSum::default(), ExactSum::default());
/// for v in [0.1, 1e15, -1e15, 0.2] { a.add(v); }
/// for v in [0.2, -1e15, 0.1, 1e15] { b.add(v); }
/// assert_eq!(a, b);
/// // 0.1 + 0.2 to the nearest f64, the large values cancelled exactly.
/// assert_eq!(a.value(), 0.1 + 0.2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExactSum(Option<(i128, i64)>);

impl Default for ExactSum {
    fn default() -> Self {
        Self(Some((0, 0)))
    }
}

/// 2⁶⁴: the grid values are rounded to, as a factor.
const EXACT_SCALE: f64 = 18_446_744_073_709_551_616.0;

/// `(a, wraps) + b` modulo 2¹²⁸, the wraps counted.
fn wrapping(a: (i128, i64), b: i128) -> (i128, i64) {
    let (sum, wrapped) = a.0.overflowing_add(b);
    // Adding b wraps only across the end b points to.
    let wraps = a.1 + i64::from(wrapped) * if b > 0 { 1 } else { -1 };
    (sum, wraps)
}

impl ExactSum {
    /// Adds `v`.
    pub fn add(&mut self, v: f64) {
        let term = (v.is_finite() && v.abs() < 4_611_686_018_427_387_904.0)
            .then(|| (v * EXACT_SCALE).round() as i128);
        self.0 = self.0.zip(term).map(|(a, b)| wrapping(a, b));
    }

    /// Adds another sum (a partial sum of other values).
    pub fn merge(&mut self, other: ExactSum) {
        self.0 = self
            .0
            .zip(other.0)
            .map(|(a, (b, w))| wrapping((a.0, a.1 + w), b));
    }

    /// The sum, rounded to the nearest `f64` (NaN when a value was not finite or too large, or
    /// the sum leaves ±2⁶³).
    pub fn value(&self) -> f64 {
        match self.0 {
            Some((x, 0)) => x as f64 / EXACT_SCALE,
            _ => f64::NAN,
        }
    }
}

/// Written as the exact integer in decimal text (multiples of 2⁻⁶⁴; `"<integer>:<wraps>"` for
/// a partial sum that wrapped around), `null` for NaN: JSON readers of other languages keep
/// every digit.
impl serde::Serialize for ExactSum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some((x, 0)) => s.serialize_some(&x.to_string()),
            Some((x, w)) => s.serialize_some(&format!("{x}:{w}")),
            None => s.serialize_none(),
        }
    }
}

impl<'de> serde::Deserialize<'de> for ExactSum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text: Option<String> = serde::Deserialize::deserialize(d)?;
        let Some(t) = text else {
            return Ok(Self(None));
        };
        let (x, w) = t.split_once(':').unwrap_or((t.as_str(), "0"));
        match (x.parse::<i128>(), w.parse::<i64>()) {
            (Ok(x), Ok(w)) => Ok(Self(Some((x, w)))),
            _ => Err(serde::de::Error::custom(format!(
                "not an exact sum (an integer, and its wraps after a colon): {t:?}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any order and any grouping into partial sums give the same bits, within the
        /// rounding of each value to 2⁻⁶⁴ of the plain sum.
        #[test]
        fn exact_sums_do_not_depend_on_order_or_grouping(
            values in proptest::collection::vec(
                proptest::prop_oneof![-1e12f64..1e12, -4e18f64..4e18],
                0..60,
            ),
            cut in 0usize..60,
            seed in 0u64..1000,
        ) {
            let mut whole = ExactSum::default();
            values.iter().for_each(|v| whole.add(*v));
            let mut shuffled = values.clone();
            // A seeded permutation, without a random-number crate.
            let n = shuffled.len();
            for i in (1..n).rev() {
                let j = ((seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64)) >> 33) as usize % (i + 1);
                shuffled.swap(i, j);
            }
            let cut = cut.min(n);
            let (mut a, mut b) = (ExactSum::default(), ExactSum::default());
            shuffled[..cut].iter().for_each(|v| a.add(*v));
            shuffled[cut..].iter().for_each(|v| b.add(*v));
            b.merge(a);
            proptest::prop_assert_eq!(whole, b);
            proptest::prop_assert_eq!(whole.value().to_bits(), b.value().to_bits());
            let plain: f64 = values.iter().sum();
            let scale: f64 = values.iter().map(|v| v.abs()).sum::<f64>().max(1.0);
            if plain.abs() < 9e18 {
                proptest::prop_assert!((whole.value() - plain).abs() <= 1e-12 * scale);
            }
        }
    }

    #[test]
    fn exact_sums_poison_on_what_they_cannot_hold_and_round_trip_as_text() {
        let mut s = ExactSum::default();
        s.add(1.5);
        s.add(2.0f64.powi(-70));
        assert_eq!(s.value(), 1.5);
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(text, format!("\"{}\"", 3i128 << 63));
        assert_eq!(serde_json::from_str::<ExactSum>(&text).unwrap(), s);
        assert!(serde_json::from_str::<ExactSum>("\"1.5\"").is_err());
        for bad in [f64::NAN, f64::INFINITY, 2.0f64.powi(62)] {
            let mut t = s;
            t.add(bad);
            assert!(t.value().is_nan(), "{bad}");
            assert_eq!(serde_json::to_string(&t).unwrap(), "null");
            assert!(serde_json::from_str::<ExactSum>("null")
                .unwrap()
                .value()
                .is_nan());
            let mut u = ExactSum::default();
            u.merge(t);
            assert!(u.value().is_nan());
        }
        // Partial sums beyond the integer's range wrap and count it: the whole is exact in
        // any order, NaN only when it is itself out of range.
        let v = 4e18;
        let (mut up, mut mixed) = (ExactSum::default(), ExactSum::default());
        for x in [v, v, v, -v, -v] {
            up.add(x);
        }
        for x in [v, -v, v, -v, v] {
            mixed.add(x);
        }
        assert_eq!(up, mixed);
        assert_eq!(up.value(), v);
        let mut wrapped = ExactSum::default();
        for x in [v, v, v] {
            wrapped.add(x);
        }
        let text = serde_json::to_string(&wrapped).unwrap();
        assert!(text.ends_with(":1\""), "{text}");
        let back: ExactSum = serde_json::from_str(&text).unwrap();
        assert_eq!(back, wrapped);
        assert!(back.value().is_nan(), "12e18 is beyond the range");
        let mut down = ExactSum::default();
        down.add(-v);
        down.add(-v);
        let mut both = back;
        both.merge(down);
        assert_eq!(both.value(), v);
        assert_eq!(ExactSum::default().value(), 0.0);
    }

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
