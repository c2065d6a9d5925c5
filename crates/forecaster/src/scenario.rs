//! The champion behind the simulator's [`ScenarioForecaster`] abstraction: a scenario's
//! changes are applied to the plan and calendar settings (and to the extra columns' known
//! future values), the future rows are rebuilt by the features crate's one projection
//! function (`features::future_table`, exactly as phase 04), and the champion forecasts them
//! with the run's seed — so every scenario's bootstrap paths are paired with the baseline's.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use core_types::scenario::{FutureChanges, PathForecast, ScenarioError, ScenarioForecaster};
use features::{DayInputs, FeatureConfig, FuturePlan, PlannedPromo};

use crate::{ForecastError, Forecaster, FutureInputs, IntervalConfig, IntervalMethod};

/// The champion with everything needed to rebuild the future under a scenario.
#[derive(Debug, Clone)]
pub struct PlanForecaster {
    /// The loaded champion.
    pub service: Forecaster,
    /// Calendar rules.
    pub calendar: calendar::CalendarConfig,
    /// Feature settings the champion was trained with.
    pub features: FeatureConfig,
    /// The plan (promotions, closures).
    pub plan: FuturePlan,
    /// First history date (trend origin).
    pub origin: NaiveDate,
    /// First forecast date.
    pub start: NaiveDate,
    /// Days.
    pub days: usize,
    /// Interval settings (bootstrapping is used whatever the method: scenarios need paths).
    pub intervals: IntervalConfig,
    /// Bootstrap seed (the same for every scenario).
    pub seed: u64,
    /// The extra columns' future values phase 04 used (from the source after the cutoff or
    /// the plan), by date, in `features.exogenas` order; scenarios change them from there.
    pub known: BTreeMap<NaiveDate, DayInputs>,
}

impl PlanForecaster {
    fn apply(
        &self,
        c: &FutureChanges,
    ) -> (
        calendar::CalendarConfig,
        FuturePlan,
        BTreeMap<NaiveDate, DayInputs>,
    ) {
        let mut cal = self.calendar.clone();
        let mut plan = self.plan.clone();
        cal.festivos.agregar.extend(c.festivos_add.iter().copied());
        cal.festivos
            .quitar
            .extend(c.festivos_remove.iter().copied());
        if let Some(d) = c.quincena_primer_dia {
            cal.quincena.primer_dia = d;
        }
        for (mes, dia) in &c.prima_deadlines {
            cal.prima.limites.retain(|l| l.mes != *mes);
            cal.prima.limites.push(calendar::PrimaDeadline {
                mes: *mes,
                dia: *dia,
            });
        }
        plan.cierres_planeados.extend(c.closures.iter().copied());
        if !c.promotions_off.is_empty() || !c.promotions.is_empty() {
            // Planned promotions as single days, minus the cancelled ones, plus the new ones.
            let end = self.start + Days::new(self.days.saturating_sub(1) as u64);
            let span = core_types::DateSpan::new(self.start, end).expect("ordered");
            let (mut days, _) = plan.promotions(span).unwrap_or_default();
            for d in &c.promotions_off {
                days.remove(d);
            }
            for (d, disc) in &c.promotions {
                days.insert(*d, *disc);
            }
            plan.promociones_planeadas = days
                .into_iter()
                .map(|(d, disc)| PlannedPromo {
                    fecha: Some(d),
                    desde: None,
                    hasta: None,
                    descuento_pct: Some(disc),
                })
                .collect();
        }
        // Extra columns: known future values, read by the projection like a source's own.
        let mut known: BTreeMap<NaiveDate, DayInputs> = self.known.clone();
        for (col, d, v) in &c.exog {
            if let Some(k) = self.features.exogenas.iter().position(|e| &e.nombre == col) {
                let entry = known.entry(*d).or_insert_with(|| DayInputs {
                    promo: false,
                    discount_pct: 0.0,
                    closed: false,
                    pandemic: false,
                    extras: vec![f64::NAN; self.features.exogenas.len()],
                });
                entry.extras[k] = *v;
            }
        }
        (cal, plan, known)
    }
}

impl ScenarioForecaster for PlanForecaster {
    fn horizon(&self) -> Vec<NaiveDate> {
        (0..self.days as u64)
            .map(|i| self.start + Days::new(i))
            .collect()
    }

    fn model_inputs(&self) -> Vec<String> {
        self.service.artifact().feature_names.clone()
    }

    fn forecast(&self, changes: &FutureChanges) -> Result<PathForecast, ScenarioError> {
        for (col, _, _) in &changes.exog {
            if !self.features.exogenas.iter().any(|e| &e.nombre == col) {
                return Err(Box::new(ForecastError::UnknownExog {
                    column: col.clone(),
                }));
            }
        }
        let (cal, plan, known) = self.apply(changes);
        let (table, open) = features::future_table(
            &cal,
            &self.features,
            &plan,
            self.origin,
            self.start,
            self.days,
            &known,
        )?;
        let names = &self.service.artifact().feature_names;
        let exog = if names.is_empty() {
            None
        } else {
            let cols = names
                .iter()
                .map(|n| {
                    table
                        .column(n)
                        .map(<[f64]>::to_vec)
                        .ok_or_else(|| ForecastError::MissingFeature { column: n.clone() })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Some(models::Exog::new(names.clone(), cols)?)
        };
        let future = FutureInputs {
            dates: table.dates,
            open,
            exog,
        };
        let cfg = IntervalConfig {
            method: IntervalMethod::Bootstrapping,
            ..self.intervals.clone()
        };
        let fc = self.service.forecast(&future, &cfg, self.seed)?;
        Ok(PathForecast {
            dates: fc.daily.iter().map(|d| d.fecha).collect(),
            point: fc.daily.iter().map(|d| d.point).collect(),
            paths: fc.paths,
        })
    }
}
