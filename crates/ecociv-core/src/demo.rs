//! Demo data (示例数据): a deterministic, clearly labelled set of values and assigned targets for
//! the built-in plan, 2019–2025, for the city, its counties and the plan's statistical scopes.
//!
//! The numbers are invented to tell a story on the first screen: most indicators improve and meet
//! their targets, a few miss (中心城区污水集中处理率 stops short of 99.95%, 优良天数比例 falls short
//! of the provincial target, 封山育林 lags), a few have gaps (no 2025 满意度 survey yet). Every
//! value carries the source 「示例数据（非真实数据）」 so it can never be mistaken for real data.
//! Randomness is a fixed-seed hash of (indicator, region, year), so adding an indicator does not
//! change the others' values.

use crate::catalogue::Catalogue;
use crate::observation::{AssignedTarget, Observation, ValueState};
use crate::period::Period;
use crate::plan::Plan;
use crate::region::{RegionLevel, Terrain};
use crate::threshold::{BaseRef, Op, Threshold};

/// The label every demo value carries as its source.
pub const DEMO_SOURCE: &str = "示例数据（非真实数据）";

/// The years the demo covers.
pub const YEARS: std::ops::RangeInclusive<i32> = 2019..=2025;

const N: usize = 7;
const GAP: f64 = f64::NAN;

/// City series 2019..=2025 for the indicators that carry the story. `GAP` marks a missing year.
const CITY: &[(&str, [f64; N])] = &[
    (
        "air_good_days_ratio",
        [64.4, 67.8, 69.6, 70.4, 72.1, 73.0, 74.2],
    ),
    (
        "pm25_annual_mean",
        [57.0, 53.0, 50.0, 49.0, 47.0, 45.0, 43.0],
    ),
    (
        "surface_water_good_ratio",
        [68.8, 71.9, 75.0, 78.1, 78.1, 81.3, 84.4],
    ),
    (
        "surface_water_worse_v_ratio",
        [6.3, 3.1, 3.1, 0.0, 0.0, 0.0, 0.0],
    ),
    (
        "black_odorous_elimination_ratio",
        [83.3, 91.7, 100.0, 100.0, 100.0, 100.0, 100.0],
    ),
    (
        "drinking_water_source_ratio",
        [100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0],
    ),
    ("ei", [54.2, 54.6, 54.9, 55.3, 55.6, 55.8, 56.1]),
    ("eqi", [57.9, 58.1, 58.0, 58.3, 58.4, 58.5, 58.6]),
    (
        "forest_grass_coverage",
        [20.1, 20.3, 20.6, 20.9, 21.1, 21.3, 21.5],
    ),
    (
        "forest_coverage",
        [16.1, 16.3, 16.5, 16.7, 16.9, 17.0, 17.2],
    ),
    (
        "vegetation_cover_index",
        [72.0, 72.4, 72.3, 73.0, 73.4, 73.8, 74.1],
    ),
    ("greening_area", [GAP, GAP, 6.0, 12.5, 18.7, 24.8, 30.9]),
    ("afforestation_area", [GAP, GAP, 3.9, 7.9, 11.8, 15.7, 19.5]),
    ("closed_forest_area", [GAP, GAP, 1.6, 3.3, 5.0, 6.9, 9.0]),
    (
        "forest_improvement_area",
        [GAP, GAP, 0.4, 0.8, 1.2, 1.6, 2.1],
    ),
    (
        "construction_land_per_gdp",
        [60.0, 57.4, 55.1, 52.9, 50.8, 48.9, 46.9],
    ),
    (
        "water_use_per_gdp",
        [38.2, 37.0, 35.6, 34.5, 33.6, 32.8, 31.9],
    ),
    (
        "energy_intensity",
        [0.52, 0.504, 0.488, 0.473, 0.458, 0.444, 0.430],
    ),
    (
        "carbon_intensity",
        [1.21, 1.166, 1.123, 1.083, 1.044, 1.006, 0.969],
    ),
    (
        "clean_production_audit_rate",
        [96.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0],
    ),
    (
        "endemic_aquatic_species_retention",
        [100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0],
    ),
    (
        "non_fossil_energy_share",
        [6.5, 7.1, 7.8, 8.4, 9.1, 9.8, 10.4],
    ),
    ("natural_gas_share", [8.0, 8.6, 9.2, 9.9, 10.4, 10.8, 11.2]),
    (
        "urban_sewage_treatment_rate",
        [93.1, 94.0, 94.6, 95.3, 95.9, 96.4, 97.0],
    ),
    (
        "rural_sewage_treatment_rate",
        [24.0, 28.5, 33.0, 38.2, 43.0, 47.6, 52.3],
    ),
    (
        "park_green_area_per_capita",
        [14.9, 15.6, 16.3, 16.9, 17.4, 17.9, 18.3],
    ),
    (
        "public_transport_share",
        [50.2, 51.0, 52.4, 53.7, 55.0, 56.2, 57.5],
    ),
    (
        "energy_saving_appliance_share",
        [90.1, 91.3, 92.6, 94.1, 95.2, 95.9, 96.4],
    ),
    (
        "green_building_area",
        [GAP, GAP, 92.0, 191.0, 298.0, 405.0, 512.0],
    ),
    (
        "green_building_share",
        [60.0, 70.0, 80.0, 90.0, 95.0, 98.0, 100.0],
    ),
    (
        "green_material_share",
        [30.0, 34.0, 38.0, 42.0, 46.0, 49.0, 52.0],
    ),
    (
        "prefab_building_share",
        [3.0, 4.2, 5.5, 6.8, 8.1, 9.4, 10.6],
    ),
    (
        "public_satisfaction",
        [81.5, 82.7, 84.0, 85.2, 86.1, 87.3, GAP],
    ),
    (
        "public_participation",
        [76.2, 77.5, 79.1, 80.4, 81.8, 83.0, 84.1],
    ),
    (
        "disposable_goods_per_capita",
        [GAP, GAP, GAP, GAP, 12.1, 11.4, 10.8],
    ),
    (
        "urban_sewage_collection_rate",
        [61.5, 63.0, 64.8, 66.4, 68.0, 69.6, 71.2],
    ),
    (
        "urban_waste_recycling_rate",
        [27.5, 29.0, 30.6, 32.1, 33.8, 35.2, 36.9],
    ),
    (
        "noise_night_compliance_rate",
        [79.5, 80.8, 82.0, 83.3, 84.4, 85.6, 86.7],
    ),
    (
        "groundwater_v_ratio",
        [31.0, 30.0, 28.6, 27.8, 26.5, 25.4, 24.6],
    ),
    (
        "river_lake_shoreline_protection_rate",
        [80.3, 82.1, 84.0, 85.8, 87.5, 89.2, 91.0],
    ),
    (
        "green_procurement_share",
        [84.8, 86.2, 87.5, 88.9, 90.1, 91.4, 92.6],
    ),
    (
        "eco_performance_weight",
        [18.0, 20.0, 20.0, 22.0, 22.0, 22.0, 22.0],
    ),
    (
        "contaminated_sites_assessed",
        [GAP, GAP, 0.0, 1.0, 1.0, 1.0, 1.0],
    ),
];

/// Scope series (中心城区, 县城) 2019..=2025.
const SCOPES: &[(&str, &str, [f64; N])] = &[
    (
        "411700-zxcq",
        "domestic_sewage_centralized_treatment_rate",
        [98.6, 98.8, 99.0, 99.1, 99.2, 99.4, 99.5],
    ),
    (
        "411700-xc",
        "domestic_sewage_centralized_treatment_rate",
        [90.2, 91.5, 92.6, 93.5, 94.2, 94.9, 95.4],
    ),
    (
        "411700-zxcq",
        "waste_incineration_rate",
        [58.0, 66.0, 75.0, 84.0, 93.0, 100.0, 100.0],
    ),
    // 中心城区生活垃圾处理监管体系: built in 2025 (0 = not yet, 1 = done).
    (
        "411700-zxcq",
        "urban_waste_supervision_system",
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
    ),
];

/// Yes/no indicators: the year they were achieved (0 before, 1 from then on); absent = never.
const ACHIEVED: &[(&str, i32)] = &[
    ("eco_plan", 2021),
    ("plan_implementation_scheme", 2021),
    ("party_gov_deployment", 2019),
    ("river_chief_system", 2019),
    ("natural_resource_balance_sheet", 2023),
    ("leader_natural_resource_audit", 2020),
    ("eco_accountability", 2021),
    ("grid_chief_system", 2022),
    ("forest_chief_system", 2021),
    ("alien_species_invasion", 2019),
    ("alien_species_prevention", 2022),
    ("biodiversity_survey", 2023),
    ("soil_pollution_list_system", 2019),
    ("emergency_response_mechanism", 2020),
    ("hazardous_waste_list_update", 2022),
    ("ecological_redline", 2019),
    ("redline_platform", 2022),
    ("construction_land_safe_use", 2019),
    ("industry_energy_assessment", 2022),
    ("carbon_peak_plan", 2022),
    ("livestock_processing_compliance", 2022),
    ("new_wwtp_class_a", 2024),
    ("urban_waste_sorting_action", 2020),
    ("rural_waste_collection", 2020),
    ("green_family_reward", 2022),
    ("green_family_campaign", 2021),
    ("item2024_02_mechanism", 2023),
];

/// Indicators reported by counties, with the spread of county values around the city's (or, for
/// county-only indicators, a base level).
const COUNTY: &[(&str, f64, f64)] = &[
    ("air_good_days_ratio", 0.0, 4.0),
    ("pm25_annual_mean", 0.0, 4.0),
    ("urban_sewage_treatment_rate", -6.0, 4.0),
    ("urban_waste_harmless_rate", -1.0, 1.0),
    ("forest_grass_coverage", 0.0, 3.0),
    ("ei", 0.0, 2.0),
    ("rural_sewage_treatment_rate", -4.0, 10.0),
    ("straw_utilization", 91.0, 3.0),
    ("livestock_manure_utilization", 84.0, 6.0),
    ("film_recycling_rate", 83.0, 4.0),
    ("village_drinking_water_rate", 99.6, 0.4),
    ("rural_sanitary_toilet_rate", 82.0, 6.0),
];

/// A deterministic pseudo-random number in [-1, 1) from a key (FNV-1a, then splitmix64).
fn noise(key: &str, region: &str, year: i32) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes().chain(region.bytes()).chain(year.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

fn round(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

/// The demo values and assigned targets.
#[derive(Debug, Clone)]
pub struct Demo {
    pub observations: Vec<Observation>,
    pub assigned: Vec<AssignedTarget>,
}

/// Generates the demo for the built-in plan (or any plan using the same indicator codes and the
/// scope codes above; unknown codes are skipped).
pub fn generate(plan: &Plan, catalogue: &Catalogue) -> Demo {
    let mut obs: Vec<Observation> = Vec::new();
    let Some(city) = plan.region_position(&plan.city) else {
        return Demo {
            observations: obs,
            assigned: Vec::new(),
        };
    };
    let years: Vec<i32> = YEARS.collect();
    let mut scripted = vec![false; plan.indicators.len()];

    for (code, series) in CITY {
        let Some(i) = plan.indicator_position(code) else {
            continue;
        };
        scripted[i] = true;
        for (k, &v) in series.iter().enumerate() {
            if !v.is_nan() {
                push(&mut obs, plan, i, city, years[k], v);
            }
        }
    }
    for (scope, code, series) in SCOPES {
        let (Some(i), Some(r)) = (plan.indicator_position(code), plan.region_position(scope))
        else {
            continue;
        };
        for (k, &v) in series.iter().enumerate() {
            push(&mut obs, plan, i, r, years[k], v);
        }
    }
    for (code, from) in ACHIEVED {
        let Some(i) = plan.indicator_position(code) else {
            continue;
        };
        scripted[i] = true;
        for &y in &years {
            push(
                &mut obs,
                plan,
                i,
                city,
                y,
                if y >= *from { 1.0 } else { 0.0 },
            );
        }
    }
    // The two pilot counties of task 27 start their pilots in 2021 and 2023.
    if let Some(i) = plan.indicator_position("rural_waste_sorting_pilot") {
        for (county, from) in [("411727", 2021), ("411728", 2023)] {
            if let Some(r) = plan.region_position(county) {
                for &y in &years {
                    push(&mut obs, plan, i, r, y, if y >= from { 1.0 } else { 0.0 });
                }
            }
        }
    }

    // Everything else the plan or the catalogue asks for at city level: a plain trajectory that
    // reaches its level around 2022, or 100% where the requirement is 100%.
    let mut wanted: Vec<usize> = plan
        .targets()
        .filter(|(_, t)| t.region == plan.city)
        .filter_map(|(_, t)| plan.indicator_position(&t.indicator))
        .collect();
    for v in &catalogue.versions {
        for row in &v.rows {
            if row.not_applicable_reason(&plan.regions[city]).is_none()
                && let Some(i) = plan.indicator_position(&row.indicator)
            {
                wanted.push(i);
            }
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    for i in wanted {
        if scripted[i] {
            continue;
        }
        scripted[i] = true;
        let ind = &plan.indicators[i];
        if ind.kind == crate::indicator::ValueKind::YesNo {
            for &y in &years {
                push(
                    &mut obs,
                    plan,
                    i,
                    city,
                    y,
                    if y >= 2021 { 1.0 } else { 0.0 },
                );
            }
            continue;
        }
        let level = plan
            .targets()
            .filter(|(_, t)| t.indicator == ind.code && t.region == plan.city)
            .find_map(|(_, t)| simple_level(&t.threshold))
            .or_else(|| {
                catalogue
                    .versions
                    .iter()
                    .flat_map(|v| &v.rows)
                    .filter(|r| r.indicator == ind.code)
                    .find_map(|r| simple_level(&r.threshold))
            })
            .unwrap_or(80.0);
        for &y in &years {
            let v = if level >= 100.0 && ind.unit.is_percent() {
                if y <= 2019 {
                    98.0 + noise(&ind.code, "c", y)
                } else {
                    100.0
                }
            } else {
                level
                    + f64::from(y - 2022) * level * 0.01
                    + noise(&ind.code, "c", y) * level * 0.004
            };
            push(&mut obs, plan, i, city, y, round(v, 1));
        }
    }

    // County values.
    let counties: Vec<usize> = (0..plan.regions.len())
        .filter(|&r| {
            matches!(
                plan.regions[r].level,
                RegionLevel::County | RegionLevel::District
            )
        })
        .collect();
    let city_series: std::collections::HashMap<usize, Vec<(i32, f64)>> = {
        let mut m: std::collections::HashMap<usize, Vec<(i32, f64)>> =
            std::collections::HashMap::new();
        for o in obs.iter().filter(|o| o.region == city) {
            m.entry(o.indicator)
                .or_default()
                .push((o.period.year(), o.value));
        }
        m
    };
    for (code, offset, spread) in COUNTY {
        let Some(i) = plan.indicator_position(code) else {
            continue;
        };
        let base = city_series.get(&i);
        for &r in &counties {
            let region = &plan.regions[r];
            // Hill counties are greener.
            let hill = region.terrain == Some(Terrain::Hill);
            let bonus = match *code {
                "forest_grass_coverage" if hill => 20.0,
                "ei" if hill => 6.0,
                _ => 0.0,
            };
            let county_offset = noise(code, &region.code, 0) * spread;
            for &y in &years {
                // One county is late: no 2025 report yet for two indicators.
                if y == 2025
                    && region.code == "411729"
                    && matches!(
                        *code,
                        "urban_sewage_treatment_rate" | "rural_sewage_treatment_rate"
                    )
                {
                    continue;
                }
                let city_value = base
                    .and_then(|s| s.iter().find(|(yy, _)| *yy == y))
                    .map(|(_, v)| *v);
                let trend = f64::from(y - 2022) * 0.8;
                let v = match city_value {
                    Some(cv) => {
                        cv + offset
                            + county_offset
                            + bonus
                            + noise(code, &region.code, y) * spread * 0.2
                    }
                    None => {
                        offset + county_offset + trend + noise(code, &region.code, y) * spread * 0.2
                    }
                };
                push(&mut obs, plan, i, r, y, round(v, 1));
            }
        }
    }

    Demo {
        observations: obs,
        assigned: assigned_targets(plan, city, &counties, &years),
    }
}

fn push(
    obs: &mut Vec<Observation>,
    plan: &Plan,
    indicator: usize,
    region: usize,
    year: i32,
    value: f64,
) {
    let ind = &plan.indicators[indicator];
    let value = ind.max.map_or(value, |m| value.min(m));
    let value = ind.min.map_or(value, |m| value.max(m));
    obs.push(Observation {
        indicator,
        region,
        period: Period::Year(year),
        value,
        source: Some(DEMO_SOURCE.to_owned()),
        state: ValueState::Approved,
    });
}

/// A single numeric level of a threshold, for building plausible trajectories.
pub(crate) fn simple_level(t: &Threshold) -> Option<f64> {
    match t {
        Threshold::Compare { value, .. } => Some(*value),
        Threshold::Variant { cases, .. } => cases
            .iter()
            .find(|(k, _)| k == "city" || k == "plain" || k == "large")
            .and_then(|(_, t)| simple_level(t)),
        Threshold::AllOf(v) | Threshold::AnyOf(v) => v.iter().find_map(simple_level),
        _ => None,
    }
}

fn assigned_targets(
    plan: &Plan,
    city: usize,
    counties: &[usize],
    years: &[i32],
) -> Vec<AssignedTarget> {
    let mut out = Vec::new();
    let mut add = |code: &str, region: usize, year: i32, threshold: Threshold, n: usize| {
        if let Some(i) = plan.indicator_position(code) {
            out.push(AssignedTarget {
                indicator: i,
                region,
                year,
                threshold,
                document: format!("豫环攻坚办〔{year}〕{n}号（示例）"),
            });
        }
    };
    let at_least = |v: f64| Threshold::Compare {
        op: Op::AtLeast,
        value: v,
    };
    let at_most = |v: f64| Threshold::Compare {
        op: Op::AtMost,
        value: v,
    };
    let decline = |pct: f64| Threshold::Change {
        base: BaseRef::YearsBefore(1),
        op: Op::AtLeast,
        amount: pct,
        relative: true,
    };
    for (k, &y) in years.iter().enumerate() {
        let k = k as f64;
        add(
            "air_good_days_ratio",
            city,
            y,
            at_least(round(64.0 + 1.9 * k, 1)),
            12,
        );
        add(
            "pm25_annual_mean",
            city,
            y,
            at_most(round(58.0 - 2.2 * k, 0)),
            12,
        );
        add(
            "surface_water_good_ratio",
            city,
            y,
            at_least(round(68.0 + 2.0 * k, 1)),
            15,
        );
        add(
            "surface_water_worse_v_ratio",
            city,
            y,
            at_most(if y <= 2020 { 8.0 } else { 0.0 }),
            15,
        );
        add(
            "black_odorous_elimination_ratio",
            city,
            y,
            at_least(if y <= 2020 { 80.0 } else { 100.0 }),
            15,
        );
        add("energy_intensity", city, y, decline(3.0), 21);
        add(
            "water_use_per_gdp",
            city,
            y,
            at_most(round(38.5 - 1.0 * k, 1)),
            22,
        );
        add("carbon_intensity", city, y, decline(3.5), 21);
        add("clean_production_audit_rate", city, y, at_least(100.0), 23);
        add(
            "river_lake_shoreline_protection_rate",
            city,
            y,
            at_least(round(80.0 + 1.7 * k, 1)),
            24,
        );
        add(
            "groundwater_v_ratio",
            city,
            y,
            at_most(round(31.0 - k, 0)),
            15,
        );
        for &c in counties {
            add(
                "air_good_days_ratio",
                c,
                y,
                at_least(round(64.0 + 1.9 * k, 1)),
                12,
            );
            add(
                "pm25_annual_mean",
                c,
                y,
                at_most(round(58.0 - 2.2 * k, 0)),
                12,
            );
            add(
                "rural_sanitary_toilet_rate",
                c,
                y,
                at_least(round(78.0 + 1.5 * k, 1)),
                31,
            );
        }
    }
    out
}

/// The values as a CSV file in the format `ecociv evaluate` reads.
pub fn values_csv(plan: &Plan, observations: &[Observation]) -> String {
    let mut s = String::from("indicator,region,period,value,source\n");
    for o in observations {
        let ind = &plan.indicators[o.indicator];
        let value = if ind.kind == crate::indicator::ValueKind::YesNo {
            if o.value >= 0.5 {
                "是".to_owned()
            } else {
                "否".to_owned()
            }
        } else {
            // Full precision: the file is data, not a display.
            format!("{}", o.value)
        };
        s.push_str(&format!(
            "{},{},{},{},{}\n",
            ind.code,
            plan.regions[o.region].code,
            o.period,
            value,
            csv_field(o.source.as_deref().unwrap_or(""))
        ));
    }
    s
}

/// The assigned targets as a CSV file in the format `ecociv evaluate --assigned` reads.
pub fn assigned_csv(plan: &Plan, targets: &[AssignedTarget]) -> String {
    let mut s = String::from("indicator,region,year,threshold,document\n");
    for t in targets {
        s.push_str(&format!(
            "{},{},{},{},{}\n",
            plan.indicators[t.indicator].code,
            plan.regions[t.region].code,
            t.year,
            csv_field(&t.threshold.to_string()),
            csv_field(&t.document)
        ));
    }
    s
}

/// A text cell: safe from formula injection ([`crate::csv_cell::safe`]), quoted when needed.
fn csv_field(s: &str) -> String {
    let s = crate::csv_cell::safe(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_deterministic_and_bounded() {
        let a = noise("x", "r", 2020);
        assert_eq!(a, noise("x", "r", 2020));
        assert_ne!(a, noise("x", "r", 2021));
        for y in 0..1000 {
            let n = noise("k", "r", y);
            assert!((-1.0..1.0).contains(&n));
        }
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("=1+1"), "'=1+1");
    }
}
