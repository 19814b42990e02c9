//! Worked examples of the 2011 evaluation method, read from CSV text as a user would write it.

use ecociv_standards::water::evaluation::{self, PeriodKind, WaterReport};
use ecociv_standards::water::gb3838::{Param, WaterClass};
use ecociv_standards::water::reader::read_samples;
use proptest::prelude::*;

fn run(csv: &str, year: i32) -> WaterReport {
    let set = read_samples(csv.as_bytes(), "t.csv", year).unwrap();
    evaluation::evaluate(&set, None).unwrap()
}

const HEAD: &str = "section,water_body,type,drinking_source,date,pH,DO(mg/L),CODMn(mg/L),NH3-N(mg/L),TP(mg/L),TN(mg/L),Pb(mg/L),Fe(mg/L),FC(个/L)\n";

#[test]
fn annual_mean_exactly_at_a_limit_stays_in_the_class() {
    // TP 0.1, 0.2, 0.3 → mean exactly 0.2 = river class III limit (in f64 the mean is
    // 0.20000000000000004 and would be class IV).
    let csv = format!(
        "{HEAD}A,甲河,河流,否,2024-01-10,7,8,3,0.3,0.1,,,,\nA,甲河,河流,否,2024-02-10,7,8,3,0.3,0.2,,,,\nA,甲河,河流,否,2024-03-10,7,8,3,0.3,0.3,,,,\n"
    );
    let r = run(&csv, 2024);
    let s = &r.sections[0];
    assert_eq!(s.annual.assessment.class, Some(WaterClass::III));
    assert_eq!(s.annual.samples, 3);
    // Months: 0.1 → II, 0.2 → III, 0.3 → IV; first quarter = annual.
    let months: Vec<_> = s.months.iter().map(|p| p.assessment.class).collect();
    assert_eq!(
        months,
        vec![
            Some(WaterClass::II),
            Some(WaterClass::III),
            Some(WaterClass::IV)
        ]
    );
    assert_eq!(s.quarters.len(), 1);
    assert_eq!(s.quarters[0].kind, PeriodKind::Quarter(1));
    assert_eq!(s.quarters[0].period, "2024Q1");
    assert_eq!(s.months[1].period, "2024-02");
}

#[test]
fn main_pollutants_worst_class_first_then_exceedance_and_heavy_metals_first() {
    // CODMn 12 (V, ×1.0), NH3-N 1.8 (V, ×0.8), TP 0.25 (IV, ×0.25), Pb 0.06 (V, ×0.2), DO 2.5 (V).
    // Section class V. Pb is a priority pollutant and comes first; then the class V items by
    // exceedance CODMn (1.0), NH3-N (0.8); DO (no multiple) and TP (IV) are left out.
    let csv = format!("{HEAD}B,乙河,河流,否,2024-05-01,7,2.5,12,1.8,0.25,,0.06,,\n");
    let r = run(&csv, 2024);
    let a = &r.sections[0].annual.assessment;
    assert_eq!(a.class, Some(WaterClass::V));
    assert_eq!(a.status, Some("中度污染"));
    assert_eq!(a.colour, Some("橙色"));
    let main: Vec<String> = a.main_pollutants.iter().map(|m| m.label()).collect();
    assert_eq!(main, ["铅（0.20）", "高锰酸盐指数（1.00）", "氨氮（0.80）"]);
    // The heavy-metal priority is our reading of the method and is flagged as such.
    assert_eq!(r.unverified, [evaluation::UNVERIFIED_PRIORITY]);
}

#[test]
fn no_main_pollutants_at_class_three_or_better() {
    let csv = format!("{HEAD}C,丙河,河流,否,2024-05-01,7,6,5,0.9,0.15,,,,\n");
    let r = run(&csv, 2024);
    assert_eq!(r.sections[0].annual.assessment.class, Some(WaterClass::III));
    assert!(r.sections[0].annual.assessment.main_pollutants.is_empty());
}

#[test]
fn tn_and_fecal_coliform_are_assessed_separately_and_tn_only_for_lakes() {
    // Lake: TN 1.8 (V) and FC 30000 (V) do not change the section class (II from TP 0.02).
    let csv = format!(
        "{HEAD}L,丁湖,湖泊,否,2024-05-01,7,7,3,0.4,0.02,1.8,,,30000\nR,戊河,河流,否,2024-05-01,7,7,3,0.4,0.02,1.8,,,30000\n"
    );
    let r = run(&csv, 2024);
    let lake = &r.sections[0].annual.assessment;
    assert_eq!(lake.class, Some(WaterClass::II));
    assert_eq!(lake.tn_class, Some(WaterClass::V));
    assert_eq!(lake.fecal_coliform_class, Some(WaterClass::V));
    let river = &r.sections[1].annual.assessment;
    assert_eq!(river.class, Some(WaterClass::II));
    assert_eq!(river.tn_class, None);
    let tn = river.params.iter().find(|p| p.param == Param::Tn).unwrap();
    assert_eq!(tn.role.label(), "不参评");
}

#[test]
fn regional_shares_and_drinking_sources() {
    // Four sections: II, III, IV, 劣Ⅴ → good 50 %, 劣Ⅴ 25 %. Two drinking sources: one class II
    // but Fe 0.5 > 0.3 (Table 2) → not compliant; one class III compliant → 50 %.
    let csv = format!(
        "{HEAD}S1,己河,河流,是,2024-03-01,7,7,3,0.4,0.05,,,0.5,\nS2,己河,河流,是,2024-03-01,7,6,5,0.9,0.15,,,0.1,\nS3,己河,河流,否,2024-03-01,7,4,8,1.2,0.25,,,,\nS4,己河,河流,否,2024-03-01,7,1,20,3,0.5,,,,\n"
    );
    let r = run(&csv, 2024);
    assert_eq!(r.shares.sections, 4);
    assert_eq!(r.shares.counts, [0, 1, 1, 1, 0, 1]);
    assert_eq!(r.shares.good_ratio, 50.0);
    assert_eq!(r.shares.worse_than_v_ratio, 25.0);
    let d = r.drinking.as_ref().unwrap();
    assert_eq!((d.sources, d.compliant), (2, 1));
    assert_eq!(d.non_compliant, ["S1"]);
    // 己河 has 4 < 5 sections: graded from its averaged concentrations.
    let b = &r.water_bodies[0];
    assert_eq!(b.method, "断面平均浓度法");
    // Means: DO (7+6+4+1)/4 = 4.5 → IV; CODMn 9 → IV; NH3-N 1.375 → IV; TP 0.2375 → IV.
    assert_eq!(b.class, Some(WaterClass::IV));
    assert_eq!(b.status, Some("轻度污染"));
}

#[test]
fn river_with_five_sections_uses_the_share_method() {
    let mut csv = HEAD.to_owned();
    // 3 class II, 1 class IV, 1 劣Ⅴ: good 60 %, 劣Ⅴ 20 % → 中度污染 (20 ≤ 劣Ⅴ < 40).
    for (s, codmn) in [
        ("R1", "3"),
        ("R2", "3"),
        ("R3", "3"),
        ("R4", "8"),
        ("R5", "20"),
    ] {
        csv.push_str(&format!(
            "{s},庚河,河流,否,2024-07-01,7,7,{codmn},0.4,0.05,,,,\n"
        ));
    }
    let r = run(&csv, 2024);
    let b = &r.water_bodies[0];
    assert_eq!(b.method, "断面水质类别比例法");
    assert_eq!(b.status, Some("中度污染"));
    assert!(r.unverified.contains(&evaluation::UNVERIFIED_SHARE_GRADES));
    assert_eq!(b.main_pollutants, ["高锰酸盐指数（断面超标率40.0%）"]);
}

#[test]
fn the_uncovered_sixty_forty_combination_is_graded_heavy_with_a_note() {
    let mut csv = HEAD.to_owned();
    for (s, codmn) in [
        ("R1", "3"),
        ("R2", "3"),
        ("R3", "3"),
        ("R4", "20"),
        ("R5", "20"),
    ] {
        csv.push_str(&format!(
            "{s},辛河,河流,否,2024-07-01,7,7,{codmn},0.4,0.05,,,,\n"
        ));
    }
    let r = run(&csv, 2024);
    let b = &r.water_bodies[0];
    assert_eq!(
        (b.shares.good_ratio, b.shares.worse_than_v_ratio),
        (60.0, 40.0)
    );
    assert_eq!(b.status, Some("重度污染"));
    assert!(b.note.is_some_and(|n| n.contains("表2未覆盖")));
}

#[test]
fn year_on_year_change_from_a_baseline() {
    let now = format!(
        "{HEAD}A,甲河,河流,否,2024-01-10,7,8,3,0.3,0.1,,,,\nB,甲河,河流,否,2024-01-10,7,8,3,0.3,0.1,,,,\n"
    );
    let before = format!(
        "{HEAD}A,甲河,河流,否,2023-01-10,7,8,3,0.3,0.35,,,,\nB,甲河,河流,否,2023-01-10,7,8,3,0.3,0.1,,,,\n"
    );
    let set = read_samples(now.as_bytes(), "n.csv", 2024).unwrap();
    let base = read_samples(before.as_bytes(), "b.csv", 2023).unwrap();
    let r = evaluation::evaluate(&set, Some(&base)).unwrap();
    let c = r.change.unwrap();
    // ΔG = 100 − 50 = +50, ΔD = 0 → 明显好转. Section A: V (中度污染) → II (优): 明显好转.
    assert_eq!(c.delta_good, 50.0);
    assert_eq!(c.change, "明显好转");
    assert_eq!(c.sections[0].change, "明显好转");
    assert_eq!(c.sections[1].change, "无明显变化");
}

#[test]
fn lake_trophic_state_from_period_means() {
    let head = "section,type,date,CODMn(mg/L),TP(mg/L),TN(mg/L),Chla(μg/L),SD(cm)\n";
    let csv = format!("{head}H,水库,2024-06-01,4,0.05,1.0,10,100\n");
    let r = run(&csv, 2024);
    let t = r.sections[0].annual.assessment.trophic.as_ref().unwrap();
    // Hand-computed in trophic.rs: 48.02, 中营养.
    assert_eq!(t.tli, 48.02);
    assert_eq!(t.grade_label, "中营养");
}

proptest! {
    /// The section class does not depend on the order of the samples.
    #[test]
    fn order_of_samples_does_not_matter(vals in proptest::collection::vec(1u32..5000, 1..24), rot in 0usize..24) {
        let row = |i: usize, v: u32| format!("A,甲河,河流,否,2024-{:02}-01,7,8,3,0.3,{}.{:03},,,,\n", i % 12 + 1, v / 1000, v % 1000);
        let mut a = HEAD.to_owned();
        let mut b = HEAD.to_owned();
        let n = vals.len();
        for (i, v) in vals.iter().enumerate() {
            a.push_str(&row(i, *v));
        }
        for k in 0..n {
            let i = (k + rot) % n;
            b.push_str(&row(i, vals[i]));
        }
        let ra = run(&a, 2024);
        let rb = run(&b, 2024);
        prop_assert_eq!(ra.sections[0].annual.assessment.class, rb.sections[0].annual.assessment.class);
    }

    /// Raising one sample's NH3-N never improves the annual section class.
    #[test]
    fn raising_a_sample_never_improves_the_section(vals in proptest::collection::vec(0u32..3000, 1..12), which in 0usize..12, up in 0u32..3000) {
        let mk = |vs: &[u32]| {
            let mut s = HEAD.to_owned();
            for (i, v) in vs.iter().enumerate() {
                s.push_str(&format!("A,甲河,河流,否,2024-{:02}-01,7,8,3,{}.{:03},0.1,,,,\n", i + 1, v / 1000, v % 1000));
            }
            s
        };
        let mut raised = vals.clone();
        let i = which % raised.len();
        raised[i] += up;
        let before = run(&mk(&vals), 2024).sections[0].annual.assessment.class;
        let after = run(&mk(&raised), 2024).sections[0].annual.assessment.class;
        prop_assert!(after >= before);
    }
}
