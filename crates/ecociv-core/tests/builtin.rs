//! The built-in plan and catalogue load cleanly and encode the seed in full.

use ecociv_core::builtin;

#[test]
fn builtin_data_loads_without_problems() {
    let cat = builtin::catalogue().unwrap_or_else(|d| panic!("catalogue:\n{d}"));
    let plan = builtin::plan(&cat).unwrap_or_else(|d| panic!("plan:\n{d}"));
    assert_eq!(plan.tasks.len(), 31);
}

#[test]
fn every_indicator_has_a_plausible_upper_bound_and_refuses_1e20_naming_it() {
    let cat = builtin::catalogue().unwrap();
    let plan = builtin::plan(&cat).unwrap();
    for ind in &plan.indicators {
        let max = ind
            .max
            .unwrap_or_else(|| panic!("{} has no upper bound", ind.code));
        assert!(
            max <= ecociv_core::catalogue::MAX_MAGNITUDE,
            "{}: {max}",
            ind.code
        );
        if ind.unit.is_percent() {
            assert_eq!(max, 100.0, "{}", ind.code);
        }
        assert!(ind.parse_value("1e20").is_err(), "{}", ind.code);
        if ind.kind == ecociv_core::ValueKind::YesNo {
            continue;
        }
        let e = ind.check_value(1e20).unwrap_err().to_string();
        assert!(e.contains(&ind.name), "{e}");
        assert!(e.contains("100000000000000000000"), "{e}");
        assert!(
            e.contains(&format!("最大值{}", ecociv_core::explain::num(max))),
            "{e}"
        );
    }
    let pm = plan.indicator("pm25_annual_mean").unwrap();
    assert_eq!(pm.max, Some(1000.0));
    assert_eq!(
        pm.check_value(1001.0).unwrap_err().to_string(),
        "“PM2.5年均浓度”的值1001超过允许的最大值1000μg/m³"
    );
    assert!(pm.check_value(35.0).is_ok());
}

#[test]
fn a_bound_beyond_the_largest_magnitude_is_refused() {
    let text = format!(
        "{}\n[[indicator]]\ncode = \"huge\"\nname = \"大数\"\nunit = \"km\"\nmax = 1e12\n",
        builtin::INDICATORS.1
    );
    let e = ecociv_core::Catalogue::load((builtin::INDICATORS.0, &text), builtin::VERSIONS)
        .unwrap_err()
        .to_string();
    assert!(e.contains("max") && e.contains("超出允许的范围"), "{e}");
}

/// Units the coverage rule counts (issue: every number with a unit in the task text is a target
/// or listed as narrative). Longer units first so that 万平方米 is not read as 平方米.
const UNITS: &[&str] = &["万平方米", "平方米", "立方米", "万亩", "宗", "%"];

/// Byte ranges of every "number + unit" in a text.
fn numbers_with_units(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts_number = bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.'));
        if !starts_number {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b'.') {
            j += 1;
        }
        if let Some(unit) = UNITS.iter().find(|u| text[j..].starts_with(**u)) {
            out.push((i..j + unit.len(), text[i..j + unit.len()].to_owned()));
        }
        i = j;
    }
    out
}

#[test]
fn every_number_with_a_unit_in_the_task_text_is_a_target_or_narrative() {
    let cat = builtin::catalogue().unwrap();
    let plan = builtin::plan(&cat).unwrap();
    let mut checked = 0;
    for task in &plan.tasks {
        let covered: Vec<std::ops::Range<usize>> = task
            .targets
            .iter()
            .map(|t| t.quote.as_str())
            .chain(task.narrative.iter().map(|n| n.quote.as_str()))
            .flat_map(|q| {
                task.text
                    .match_indices(q)
                    .map(move |(s, _)| s..s + q.len())
                    .collect::<Vec<_>>()
            })
            .collect();
        for (range, found) in numbers_with_units(&task.text) {
            checked += 1;
            assert!(
                covered
                    .iter()
                    .any(|c| c.start <= range.start && range.end <= c.end),
                "task {}: “{found}” is neither a target nor narrative",
                task.number
            );
        }
    }
    assert_eq!(
        checked, 37,
        "the seed has 37 numbers with a unit in its task texts"
    );
}

#[test]
fn the_scan_finds_numbers_with_units_and_skips_others() {
    let found: Vec<String> = numbers_with_units(
        "PM2.5年均浓度下降,30.61万亩,500万平方米,17.65平方米,1宗,99.95%和2021年",
    )
    .into_iter()
    .map(|(_, s)| s)
    .collect();
    assert_eq!(
        found,
        ["30.61万亩", "500万平方米", "17.65平方米", "1宗", "99.95%"]
    );
}

#[test]
fn the_seed_is_encoded_as_the_text_says() {
    let cat = builtin::catalogue().unwrap();
    let plan = builtin::plan(&cat).unwrap();
    let numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
    let expected: Vec<u32> = (1..=5).chain(7..=32).collect();
    assert_eq!(
        numbers, expected,
        "tasks 1–5 and 7–32; 6 is absent in the source"
    );
    assert!(plan.task(32).unwrap().truncated);
    assert!(
        plan.tasks
            .iter()
            .filter(|t| t.number != 32)
            .all(|t| !t.truncated)
    );
    assert_eq!(
        plan.goals.iter().map(|g| g.year).collect::<Vec<_>>(),
        [2022, 2025]
    );
    // No page markers or OCR noise left in any text.
    for t in &plan.tasks {
        for noise in ["IO0", "Io0", "%o", "(S)"] {
            assert!(
                !t.text.contains(noise),
                "task {} still contains {noise}",
                t.number
            );
        }
    }
    // Task 24: three structured targets with their scopes.
    let t24: Vec<(String, String, i32, String)> = plan
        .task(24)
        .unwrap()
        .targets
        .iter()
        .filter(|t| t.indicator.contains("sewage"))
        .map(|t| {
            (
                t.indicator.clone(),
                t.threshold.to_string(),
                t.year,
                plan.region(&t.region).unwrap().name.clone(),
            )
        })
        .collect();
    assert_eq!(
        t24,
        [
            (
                "urban_sewage_treatment_rate".into(),
                ">= 95".into(),
                2022,
                "驻马店市".into()
            ),
            (
                "domestic_sewage_centralized_treatment_rate".into(),
                ">= 99.95".into(),
                2025,
                "中心城区".into()
            ),
            (
                "domestic_sewage_centralized_treatment_rate".into(),
                ">= 95".into(),
                2025,
                "县城".into()
            ),
        ]
    );
    // Task 12: 绿化规模 with its three parts, EI ≥ 55, 林草覆盖率 不降低.
    let t12: Vec<String> = plan
        .task(12)
        .unwrap()
        .targets
        .iter()
        .map(|t| format!("{} {}", t.indicator, t.threshold))
        .collect();
    for expected in [
        "greening_area >= 30.61",
        "afforestation_area >= 19.23",
        "closed_forest_area >= 9.38",
        "forest_improvement_area >= 2",
        "ei >= 55",
        "forest_grass_coverage not_worse",
    ] {
        assert!(
            t12.contains(&expected.to_owned()),
            "task 12 lacks {expected}: {t12:?}"
        );
    }
    // Relative and superior targets.
    let kinds: Vec<String> = plan
        .targets()
        .map(|(_, t)| t.threshold.to_string())
        .collect();
    assert!(kinds.iter().any(|k| k == "superior"));
    assert!(kinds.iter().any(|k| k.starts_with("change")));
    // Shared responsibility where the text says 按职责分工负责.
    for n in [2, 22, 32] {
        assert!(plan.task(n).unwrap().shared, "task {n}");
    }
    assert!(
        plan.task(5).unwrap().participants_open,
        "task 5 ends its list with 等"
    );
    // Task 32 names a second responsibility for the water-saving target.
    let t32 = plan.task(32).unwrap();
    let water = t32
        .targets
        .iter()
        .find(|t| t.indicator == "water_saving_appliance_share")
        .unwrap();
    assert_eq!(water.lead, ["市水利局", "市市场监督管理局"]);
    // Deadlines.
    assert_eq!(
        plan.task(3).unwrap().targets[0].deadline.as_deref(),
        Some("2022-12-31")
    );
}

#[test]
fn every_catalogue_version_loads_and_2021_inherits_2019() {
    let cat = builtin::catalogue().unwrap();
    assert_eq!(cat.version_ids(), ["2019", "2021", "2024"]);
    assert_eq!(
        cat.version("2021").unwrap().rows,
        cat.version("2019").unwrap().rows
    );
    let v24 = cat.version("2024").unwrap();
    assert!(!v24.complete);
    assert!(!v24.has_attribute);
    assert_eq!(v24.rows.len(), 26, "items 1–13 in 26 sub-rows");
    // No row of any version is confirmed against an official copy yet.
    assert!(
        cat.versions
            .iter()
            .flat_map(|v| &v.rows)
            .all(|r| !r.verified())
    );
    let air = v24
        .rows
        .iter()
        .find(|r| r.indicator == "air_good_days_ratio")
        .unwrap();
    assert_eq!(air.threshold.to_string(), "superior & (>= 90 | improving)");
}

#[test]
fn plan_indicators_map_to_national_rows_where_they_correspond() {
    let cat = builtin::catalogue().unwrap();
    let plan = builtin::plan(&cat).unwrap();
    let v19 = cat.version("2019").unwrap();
    let mapped = plan
        .plan_indicators()
        .iter()
        .filter(|i| v19.rows.iter().any(|r| r.indicator == i.code))
        .count();
    assert!(
        mapped >= 25,
        "only {mapped} plan indicators map to 2019 rows"
    );
    let v24 = cat.version("2024").unwrap();
    for code in [
        "eco_performance_weight",
        "air_good_days_ratio",
        "contaminated_farmland_safe_use_rate",
        "non_fossil_energy_share",
    ] {
        assert!(
            v24.rows.iter().any(|r| r.indicator == code),
            "{code} in 2024"
        );
    }
}
