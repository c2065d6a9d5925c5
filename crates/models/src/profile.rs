//! A seasonal profile: each position of the season (a weekday, with `period` 7) forecast by
//! the median of its observed values over the last `cycles` seasons. It is the robust reference of a short
//! history: with two to four months of sales there is no yearly cycle to learn and too little
//! backtest to choose among models, and a median per weekday over the whole history forecasts
//! the next months better than models that extrapolate the last weeks' level or a part of a
//! season.
//!
//! The fitted state is the profile itself (one value per position of the season), so a fitted
//! model is plain serialisable data and forecasts any number of days.
//!
//! ```
//! use models::profile::{fit, SeasonalMedian};
//! // Four weeks: weekdays at 10, weekends at 30; one Tuesday spiked to 500.
//! let mut y: Vec<f64> = (0..28).map(|t| if t % 7 >= 5 { 30.0 } else { 10.0 }).collect();
//! y[8] = 500.0;
//! let spec = SeasonalMedian { period: 7, cycles: 16 };
//! let st = fit(&y, None, &spec).unwrap();
//! assert_eq!(st.cycles, 4); // every week the history holds
//! assert_eq!(st.profile[1], 10.0); // the second forecast day: the median ignores the spike
//! assert_eq!(st.forecast(9), vec![10.0, 10.0, 10.0, 10.0, 10.0, 30.0, 30.0, 10.0, 10.0]);
//! ```

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// The settings of the model (`tipo: seasonal_median` in `train.candidates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeasonalMedian {
    /// Season length in days (7: the weekday).
    pub period: usize,
    /// Most seasons whose values are taken (the last ones; those the history holds).
    pub cycles: usize,
}

/// The fitted state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileState {
    /// The forecast of the days after the training data, one season: day `n + 1 + h` is
    /// `profile[h % period]`.
    pub profile: Vec<f64>,
    /// Seasons whose values were taken (the last may be partial).
    pub cycles: usize,
}

impl ProfileState {
    /// The forecast of the next `steps` days.
    pub fn forecast(&self, steps: usize) -> Vec<f64> {
        (0..steps)
            .map(|h| self.profile[h % self.profile.len()])
            .collect()
    }
}

/// Fits the profile on `y` (original scale). Days outside `fit_mask` (closed days, imputed
/// gaps) and NaN values are not evidence; a position of the season without any such day (a
/// weekday the business never opens, whose future days are closures anyway) takes the median
/// of its values in `y` as they are (whatever filled them), NaN when it has none. Needs a
/// whole season of history.
pub fn fit(
    y: &[f64],
    fit_mask: Option<&[bool]>,
    spec: &SeasonalMedian,
) -> Result<ProfileState, ModelError> {
    if spec.period == 0 || spec.cycles == 0 {
        return Err(ModelError::InvalidSpec(format!(
            "seasonal_median needs period and cycles of at least 1 ({spec:?})"
        )));
    }
    if let Some(m) = fit_mask.filter(|m| m.len() != y.len()) {
        return Err(ModelError::InvalidSpec(format!(
            "fit mask of {} values for a series of {}",
            m.len(),
            y.len()
        )));
    }
    let n = y.len();
    if n < spec.period {
        return Err(ModelError::TooShort {
            needed: spec.period,
            got: n,
        });
    }
    let span = (spec.period * spec.cycles).min(n);
    let start = n - span;
    let observed = |t: usize| fit_mask.is_none_or(|m| m[t]) && y[t].is_finite();
    let profile = (0..spec.period)
        .map(|h| {
            // The days of the history that fall on forecast step h + 1's position.
            let phase = (n + h) % spec.period;
            let days: Vec<usize> = (start..n).filter(|t| t % spec.period == phase).collect();
            let kept: Vec<f64> = days
                .iter()
                .filter(|t| observed(**t))
                .map(|t| y[*t])
                .collect();
            if kept.is_empty() {
                let as_is: Vec<f64> = days.iter().map(|t| y[*t]).collect();
                core_types::stats::quantile(&as_is, 0.5)
            } else {
                core_types::stats::quantile(&kept, 0.5)
            }
        })
        .collect();
    Ok(ProfileState {
        profile,
        cycles: span.div_ceil(spec.period),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: SeasonalMedian = SeasonalMedian {
        period: 7,
        cycles: 3,
    };

    #[test]
    fn each_weekday_is_the_median_of_its_last_cycles() {
        // 5 weeks; week k holds k times the position's number (1..=7).
        let y: Vec<f64> = (0..35)
            .map(|t| (t / 7) as f64 * (1 + t % 7) as f64)
            .collect();
        let st = fit(&y, None, &SPEC).unwrap();
        assert_eq!(st.cycles, 3);
        // Step 1 is position 35 % 7 = 0: weeks 2, 3, 4 hold 2, 3, 4 there.
        assert_eq!(st.profile[0], 3.0);
        // Step 7 is position 6: 14, 21, 28.
        assert_eq!(st.profile[6], 21.0);
        assert_eq!(st.forecast(8)[7], st.profile[0]);
    }

    #[test]
    fn the_phase_follows_the_end_of_the_history() {
        // A history ending mid-week: the first forecast day is the next weekday.
        let week = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let y: Vec<f64> = (0..24).map(|t| week[t % 7]).collect();
        let st = fit(&y, None, &SPEC).unwrap();
        assert_eq!(
            st.forecast(3),
            vec![week[24 % 7], week[25 % 7], week[26 % 7]]
        );
    }

    #[test]
    fn closed_and_missing_days_are_not_evidence() {
        // Two weeks taken; the last weekday is never open (outside the mask, filled with 7).
        let week = [10.0, 10.0, 10.0, 10.0, 10.0, 20.0, 7.0];
        let mut y: Vec<f64> = (0..28).map(|t| week[t % 7]).collect();
        // A gap filled at 0 on the first weekday, outside the mask (with it, the median of
        // the two weeks would be 5), and a NaN on the second (the median of 10 and NaN is
        // not NaN).
        y[21] = 0.0;
        y[22] = f64::NAN;
        let mask: Vec<bool> = (0..28).map(|t| t % 7 != 6 && t != 21).collect();
        let two = SeasonalMedian { cycles: 2, ..SPEC };
        let st = fit(&y, Some(&mask), &two).unwrap();
        assert_eq!(
            st.forecast(7),
            vec![10.0, 10.0, 10.0, 10.0, 10.0, 20.0, 7.0]
        );
        assert_eq!(fit(&y, None, &two).unwrap().profile[0], 5.0);
    }

    #[test]
    fn too_short_or_bad_settings_are_errors() {
        assert!(matches!(
            fit(&[1.0; 6], None, &SPEC),
            Err(ModelError::TooShort { needed: 7, got: 6 })
        ));
        let zero = SeasonalMedian { cycles: 0, ..SPEC };
        assert!(matches!(
            fit(&[1.0; 14], None, &zero),
            Err(ModelError::InvalidSpec(_))
        ));
        assert!(fit(&[1.0; 14], Some(&[true; 3]), &SPEC).is_err());
    }
}
