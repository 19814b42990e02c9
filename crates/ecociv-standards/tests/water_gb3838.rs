//! GB 3838-2002 classification: the engine's table against an independent transcription, every
//! limit boundary of every parameter and class (driven by `TABLE_1`, never re-typed), and
//! property tests for monotonicity.

use ecociv_standards::water::decimal::{Dec, Ratio};
use ecociv_standards::water::gb3838::{
    Applies, Comparison, Param, TABLE_1, Table1Row, WaterBodyType, WaterClass, classify,
};
use proptest::prelude::*;

/// `d` moved by `raw` units of 10⁻¹⁰, the smallest step a value can take.
fn plus(d: Dec, raw: i64) -> Dec {
    Dec::from_raw(d.raw() + raw)
}

fn class_of(row: &Table1Row, v: Dec) -> WaterClass {
    row.classify(&Ratio::from_dec(v))
}

const CLASSES: [WaterClass; 5] = [
    WaterClass::I,
    WaterClass::II,
    WaterClass::III,
    WaterClass::IV,
    WaterClass::V,
];

#[test]
fn table_1_matches_the_reference_transcription() {
    let text = include_str!("data/gb3838_limits.csv");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut checked = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let item: u8 = rec[0].parse().unwrap();
        if item == 1 {
            continue; // water temperature: no class scale
        }
        let applies = match &rec[10] {
            "all" => Applies::All,
            "river" => Applies::River,
            "lake_reservoir" => Applies::LakeReservoir,
            other => panic!("unknown applies_to {other}"),
        };
        let row = TABLE_1
            .iter()
            .find(|r| r.item == item && r.applies == applies)
            .unwrap_or_else(|| panic!("item {item} {applies:?} missing from TABLE_1"));
        let evaluated = &rec[11] == "yes";
        assert_eq!(
            row.role == ecociv_standards::water::gb3838::Role::Evaluated,
            evaluated,
            "item {item}"
        );
        match &rec[4] {
            "range" => {
                assert_eq!(row.comparison, Comparison::Range);
                assert_eq!(&rec[5], "6-9");
                assert_eq!(row.limits[0], Dec::lit("6"));
                assert_eq!(row.limits[1], Dec::lit("9"));
            }
            cmp => {
                let want = if cmp == "<=" {
                    Comparison::AtMost
                } else {
                    Comparison::AtLeast
                };
                assert_eq!(row.comparison, want, "item {item}");
                for k in 0..5 {
                    assert_eq!(
                        row.limits[k],
                        Dec::parse(&rec[5 + k]).unwrap(),
                        "item {item} class {}",
                        k + 1
                    );
                }
            }
        }
        checked += 1;
    }
    assert_eq!(checked, TABLE_1.len());
}

/// For "≤" items: a value equal to the class-k limit is in the best class sharing that limit, and
/// one step above it is worse than class k. For DO the same, one step below.
#[test]
fn every_limit_boundary_of_every_parameter_and_class() {
    let mut cases = 0;
    for row in &TABLE_1 {
        if row.comparison == Comparison::Range {
            continue;
        }
        for (k, class_k) in CLASSES.iter().enumerate() {
            let limit = row.limits[k];
            let best_sharing = CLASSES[row.limits.iter().position(|l| *l == limit).unwrap()];
            assert_eq!(
                class_of(row, limit),
                best_sharing,
                "{} at {} class {}",
                row.param.code(),
                limit,
                class_k
            );
            let beyond = match row.comparison {
                Comparison::AtMost => plus(limit, 1),
                _ => plus(limit, -1),
            };
            let got = class_of(row, beyond);
            assert!(
                got > *class_k,
                "{} just beyond the class {} limit {} gave {}",
                row.param.code(),
                class_k,
                limit,
                got
            );
            // Just beyond the class-k limit lands in the next class whose limit differs, or 劣Ⅴ.
            let next = (k + 1..5).find(|&j| row.limits[j] != limit);
            assert_eq!(
                got,
                next.map_or(WaterClass::WorseThanV, |j| CLASSES[j]),
                "{}",
                row.param.code()
            );
            cases += 2;
        }
    }
    assert_eq!(cases, 23 * 5 * 2);
}

#[test]
fn ph_is_class_one_inside_six_to_nine_and_worse_than_v_outside() {
    let row = TABLE_1.iter().find(|r| r.param == Param::Ph).unwrap();
    for (v, want) in [
        (Dec::lit("6"), WaterClass::I),
        (Dec::lit("9"), WaterClass::I),
        (Dec::lit("7.5"), WaterClass::I),
        (plus(Dec::lit("6"), -1), WaterClass::WorseThanV),
        (plus(Dec::lit("9"), 1), WaterClass::WorseThanV),
        (Dec::lit("0"), WaterClass::WorseThanV),
        (Dec::lit("14"), WaterClass::WorseThanV),
    ] {
        assert_eq!(class_of(row, v), want, "pH {v}");
    }
}

#[test]
fn equal_limits_give_the_better_class() {
    let b = WaterBodyType::River;
    assert_eq!(classify(Param::Cod, b, Dec::lit("15")), Some(WaterClass::I));
    assert_eq!(classify(Param::Bod5, b, Dec::lit("3")), Some(WaterClass::I));
    assert_eq!(
        classify(Param::Hg, b, Dec::lit("0.00005")),
        Some(WaterClass::I)
    );
    assert_eq!(
        classify(Param::Cu, b, Dec::lit("1.0")),
        Some(WaterClass::II)
    );
    assert_eq!(
        classify(Param::Cyanide, b, Dec::lit("0.2")),
        Some(WaterClass::III)
    );
    assert_eq!(
        classify(Param::Las, b, Dec::lit("0.2")),
        Some(WaterClass::I)
    );
    assert_eq!(
        classify(Param::Se, b, Dec::lit("0.02")),
        Some(WaterClass::IV)
    );
    assert_eq!(
        classify(Param::Cyanide, b, plus(Dec::lit("0.2"), 1)),
        Some(WaterClass::WorseThanV)
    );
}

#[test]
fn dissolved_oxygen_is_reversed() {
    let b = WaterBodyType::Lake;
    let cases = [
        ("7.5", WaterClass::I),
        ("7.4999", WaterClass::II),
        ("6", WaterClass::II),
        ("5", WaterClass::III),
        ("3", WaterClass::IV),
        ("2", WaterClass::V),
        ("1.99", WaterClass::WorseThanV),
        ("12", WaterClass::I),
    ];
    for (v, want) in cases {
        assert_eq!(classify(Param::Do, b, Dec::lit(v)), Some(want), "DO {v}");
    }
}

fn at_most_rows() -> Vec<&'static Table1Row> {
    TABLE_1
        .iter()
        .filter(|r| r.comparison == Comparison::AtMost)
        .collect()
}

proptest! {
    /// Raising a "≤" parameter never improves its class.
    #[test]
    fn class_never_improves_when_an_at_most_parameter_rises(
        idx in 0usize..22,
        a in 0i64..2_000_000_000_000_000,
        delta in 0i64..1_000_000_000_000,
    ) {
        let rows = at_most_rows();
        let row = rows[idx % rows.len()];
        let lo = Dec::from_raw(a / 1000);
        let hi = Dec::from_raw(a / 1000 + delta);
        prop_assert!(class_of(row, hi) >= class_of(row, lo));
    }

    /// Lowering dissolved oxygen never improves its class.
    #[test]
    fn class_never_improves_when_dissolved_oxygen_falls(
        a in 0i64..200_000_000_000,
        delta in 0i64..100_000_000_000,
    ) {
        let row = TABLE_1.iter().find(|r| r.param == Param::Do).unwrap();
        let hi = Dec::from_raw(a + delta);
        let lo = Dec::from_raw(a);
        prop_assert!(class_of(row, lo) >= class_of(row, hi));
    }

    /// pH is class I exactly inside [6, 9] and 劣Ⅴ elsewhere on 0–14.
    #[test]
    fn ph_class_is_one_exactly_inside_the_range(raw in 0i64..=140_000_000_000) {
        let row = TABLE_1.iter().find(|r| r.param == Param::Ph).unwrap();
        let v = Dec::from_raw(raw);
        let inside = v >= Dec::lit("6") && v <= Dec::lit("9");
        prop_assert_eq!(class_of(row, v) == WaterClass::I, inside);
        prop_assert!(matches!(class_of(row, v), WaterClass::I | WaterClass::WorseThanV));
    }

    /// The mean of n copies of one value has that value's class, however it is reached.
    #[test]
    fn mean_of_identical_samples_keeps_the_class(idx in 0usize..22, raw in 0i64..10_000_000_000_000, n in 1u64..400) {
        let rows = at_most_rows();
        let row = rows[idx % rows.len()];
        let one = row.classify(&Ratio::from_dec(Dec::from_raw(raw)));
        let mean = row.classify(&Ratio::mean(raw as i128 * n as i128, n));
        prop_assert_eq!(one, mean);
    }
}
