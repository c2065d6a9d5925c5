//! The statistical family: MSTL (multiple seasonal-trend decomposition by LOESS, Bandara et al.
//! 2021, the `stlrs` implementation through `augurs-mstl`) with an AutoETS model of the
//! deseasonalised series (`augurs-ets`, as statsforecast's `MSTL(trend_forecaster=AutoETS)`).
//!
//! The series is transformed (e.g. log1p), split into one seasonal component per period plus
//! trend and remainder, the trend + remainder is forecast by the AutoETS model chosen by AICc
//! among the allowed trends, and each seasonal component's last cycle is repeated. The fitted
//! state is the forecast itself, kept for `steps` days from the end of the training data (like
//! a direct forecaster, the model predicts at most `steps` ahead and only from where its
//! history ends), so a fitted model is plain serialisable data.

use serde::{Deserialize, Serialize};

use crate::scale::{Scale, Transform};
use crate::ModelError;

/// Which trends the AutoETS model of the deseasonalised series may choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EtsTrend {
    /// None, additive or additive damped, by AICc (statsforecast `ZZN`).
    #[default]
    Auto,
    /// Damped only: the trend flattens over the horizon.
    Damped,
}

/// The fitted state of an MSTL model: its forecast in the model space for `steps` days after
/// the training data, the transform, and where the training data ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MstlState {
    /// The target transform fitted on the training data.
    pub scale: Scale,
    /// Forecast (model space) of the deseasonalised series plus the repeated seasonal cycles.
    pub path: Vec<f64>,
    /// The periods kept (those with at least two cycles in the training data).
    pub periods: Vec<usize>,
    /// The AutoETS search (statsforecast notation: `ZZN` any trend, `ZZdN` damped only).
    pub ets: String,
}

/// Fits the decomposition and the trend model on `y` (original scale, NaN allowed: they are
/// interpolated linearly) and keeps the forecast for `steps` days. Needs the `statistical`
/// feature (without it, an error says so: predicting with a fitted state never needs it).
#[cfg(not(feature = "statistical"))]
pub fn fit(
    _y: &[f64],
    _periods: &[usize],
    _transform: Transform,
    _trend: EtsTrend,
    _steps: usize,
) -> Result<MstlState, ModelError> {
    Err(ModelError::InvalidSpec(
        "this build fits no MSTL model: enable the `statistical` feature of the models crate"
            .into(),
    ))
}

/// Fits the decomposition and the trend model on `y` (original scale, NaN allowed: they are
/// interpolated linearly) and keeps the forecast for `steps` days.
#[cfg(feature = "statistical")]
pub fn fit(
    y: &[f64],
    periods: &[usize],
    transform: Transform,
    trend: EtsTrend,
    steps: usize,
) -> Result<MstlState, ModelError> {
    use augurs_core::{Fit, Predict};
    use augurs_ets::AutoETS;
    use augurs_mstl::MSTLModel;
    if steps == 0 {
        return Err(ModelError::InvalidSpec(
            "an MSTL model needs steps >= 1".into(),
        ));
    }
    let scale = Scale::fit(transform, y)?;
    let z = interpolate(&y.iter().map(|v| scale.forward(*v)).collect::<Vec<_>>())?;
    let mut kept: Vec<usize> = periods
        .iter()
        .copied()
        .filter(|p| *p >= 2 && 2 * p < z.len())
        .collect();
    kept.sort_unstable();
    kept.dedup();
    let ets = match trend {
        EtsTrend::Auto => AutoETS::non_seasonal(),
        EtsTrend::Damped => AutoETS::non_seasonal()
            .damped(true)
            .map_err(|e| ModelError::InvalidSpec(format!("AutoETS damped: {e}")))?,
    };
    let path = if kept.is_empty() {
        // Too short for any season: the ETS model of the series itself.
        let fitted = ets
            .fit(&z)
            .map_err(|e| ModelError::Numerical(format!("AutoETS: {e}")))?;
        let f = fitted
            .predict(steps, None)
            .map_err(|e| ModelError::Numerical(format!("AutoETS forecast: {e}")))?;
        f.point
    } else {
        let model = MSTLModel::new(kept.clone(), ets.into_trend_model());
        let fitted = model
            .fit(&z)
            .map_err(|e| ModelError::Numerical(format!("MSTL: {e}")))?;
        let f = fitted
            .predict(steps, None)
            .map_err(|e| ModelError::Numerical(format!("MSTL forecast: {e}")))?;
        f.point
    };
    if path.len() != steps || path.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::Numerical(
            "the MSTL forecast is not finite".into(),
        ));
    }
    Ok(MstlState {
        scale,
        path,
        periods: kept,
        ets: match trend {
            EtsTrend::Auto => "ZZN",
            EtsTrend::Damped => "ZZdN",
        }
        .into(),
    })
}

/// Linear interpolation of NaN values (the ends take the nearest value); an all-NaN series is
/// an error.
#[cfg_attr(not(feature = "statistical"), allow(dead_code))]
fn interpolate(z: &[f64]) -> Result<Vec<f64>, ModelError> {
    let known: Vec<usize> = (0..z.len()).filter(|i| z[*i].is_finite()).collect();
    let (Some(&first), Some(&last)) = (known.first(), known.last()) else {
        return Err(ModelError::TooShort { needed: 1, got: 0 });
    };
    let mut out = z.to_vec();
    out[..first].iter_mut().for_each(|v| *v = z[first]);
    out[last + 1..].iter_mut().for_each(|v| *v = z[last]);
    for w in known.windows(2) {
        let (a, b) = (w[0], w[1]);
        for (i, v) in out.iter_mut().enumerate().take(b).skip(a + 1) {
            let t = (i - a) as f64 / (b - a) as f64;
            *v = z[a] + t * (z[b] - z[a]);
        }
    }
    Ok(out)
}

#[cfg(all(test, feature = "statistical"))]
mod tests {
    use super::*;

    fn weekly_yearly(n: usize) -> Vec<f64> {
        (0..n)
            .map(|t| {
                let w = [0.0, 5.0, 8.0, 6.0, 4.0, 12.0, 20.0][t % 7];
                let yr = 10.0 * (2.0 * std::f64::consts::PI * t as f64 / 365.0).sin();
                // Deterministic noise in [-1, 1): an exactly smooth series has no likelihood.
                let noise = ((t as u64).wrapping_mul(2_654_435_761) % 1000) as f64 / 500.0 - 1.0;
                100.0 + w + yr + noise
            })
            .collect()
    }

    #[test]
    fn repeats_the_weekly_cycle_and_keeps_the_level() {
        let y = weekly_yearly(3 * 365);
        let st = fit(&y, &[7, 365], Transform::None, EtsTrend::Auto, 28).unwrap();
        let damped = fit(&y, &[7, 365], Transform::None, EtsTrend::Damped, 28).unwrap();
        assert_eq!(damped.ets, "ZZdN");
        assert_eq!(st.periods, vec![7, 365]);
        assert_eq!(st.path.len(), 28);
        // The truth continues the same pattern.
        let truth = weekly_yearly(3 * 365 + 28);
        let mae: f64 = st
            .path
            .iter()
            .zip(&truth[3 * 365..])
            .map(|(p, t)| (p - t).abs())
            .sum::<f64>()
            / 28.0;
        assert!(mae < 2.0, "MAE {mae}");
        // Saturday (t % 7 == 6) is above Monday (t % 7 == 0) in the forecast too.
        let sat = (0..28).find(|h| (3 * 365 + h) % 7 == 6).unwrap();
        let mon = (0..28).find(|h| (3 * 365 + h) % 7 == 0).unwrap();
        assert!(st.path[sat] > st.path[mon] + 10.0);
    }

    #[test]
    fn drops_periods_without_two_cycles_and_interpolates_gaps() {
        let mut y = weekly_yearly(400);
        y[100] = f64::NAN;
        y[101] = f64::NAN;
        let st = fit(&y, &[7, 365], Transform::Log1p, EtsTrend::Auto, 10).unwrap();
        assert_eq!(st.periods, vec![7]);
        assert!(st.path.iter().all(|v| v.is_finite()));
        assert!(fit(&[f64::NAN; 20], &[7], Transform::None, EtsTrend::Auto, 5).is_err());
        assert!(fit(&y, &[7], Transform::None, EtsTrend::Auto, 0).is_err());
    }

    #[test]
    fn interpolation_is_linear_between_known_values() {
        let z = interpolate(&[f64::NAN, 1.0, f64::NAN, f64::NAN, 4.0, f64::NAN]).unwrap();
        assert_eq!(z, vec![1.0, 1.0, 2.0, 3.0, 4.0, 4.0]);
    }
}
