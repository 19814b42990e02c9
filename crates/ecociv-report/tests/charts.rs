//! Charts rasterised with the CJK font: labels must be drawn, not silently dropped.

mod support;

use ecociv_core::Status;
use ecociv_i18n::Lang;
use ecociv_report::chart::{
    HistoryChart, ReferenceLine, StatusChart, StatusGroup, history_svg, status_svg,
};

fn history() -> HistoryChart {
    HistoryChart {
        id: "sewage".into(),
        title: "城镇污水处理率".into(),
        unit: "%".into(),
        values: vec![
            (2019, 90.0),
            (2020, 91.5),
            (2021, 93.1),
            (2022, 93.4),
            (2023, 94.0),
        ],
        pending_years: vec![2023],
        target: Some(ReferenceLine {
            label: "2025年≥95%".into(),
            value: 95.0,
        }),
        national: Some(ReferenceLine {
            label: "≥95%".into(),
            value: 95.0,
        }),
        forecast: vec![(2024, 95.1), (2025, 96.0)],
        lang: Lang::Zh,
    }
}

/// Share of pixels in a band of rows that are not white: text and lines leave ink.
fn ink(png: &[u8], rows: std::ops::Range<u32>) -> f64 {
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(png).expect("a PNG");
    let w = pixmap.width();
    let mut dark = 0usize;
    let mut total = 0usize;
    for y in rows {
        for x in 0..w {
            let p = pixmap.pixel(x, y).expect("inside");
            total += 1;
            if u32::from(p.red()) + u32::from(p.green()) + u32::from(p.blue()) < 600 {
                dark += 1;
            }
        }
    }
    dark as f64 / total as f64
}

#[test]
fn history_chart_renders_to_png_with_its_chinese_title_drawn() {
    let Some(r) = support::renderer() else { return };
    let png = r.png(&history_svg(&history()).unwrap(), 2.0).unwrap();
    support::keep("history.png", &png.bytes);
    let (w, h) = ecociv_report::chart::HISTORY_SIZE;
    assert_eq!((png.width, png.height), (2 * w, 2 * h));
    // The title band (top 40 px at scale 2) holds only the Chinese title: it must have ink.
    let title_ink = ink(&png.bytes, 16..56);
    assert!(title_ink > 0.01, "title not drawn: {title_ink}");
}

#[test]
fn status_chart_renders_to_png() {
    let Some(r) = support::renderer() else { return };
    let c = StatusChart {
        id: "areas".into(),
        title: "各领域方案目标完成情况".into(),
        groups: ["生态制度", "生态安全", "生态空间"]
            .iter()
            .enumerate()
            .map(|(i, l)| StatusGroup {
                label: (*l).into(),
                counts: vec![
                    (Status::Met, 6 + i),
                    (Status::AtRisk, i),
                    (Status::NotMet, 1),
                    (Status::NoData, 1),
                ],
            })
            .collect(),
        lang: Lang::Zh,
    };
    let png = r.png(&status_svg(&c).unwrap(), 2.0).unwrap();
    support::keep("status.png", &png.bytes);
    assert!(ink(&png.bytes, 16..56) > 0.01, "title not drawn");
}

/// The reference lines the web pages and the Word report draw, from real evaluation results of
/// the built-in plan and the demo data.
#[test]
fn result_lines_follow_the_target_the_national_row_and_the_forecast() {
    use ecociv_core::evaluate::Options;
    use ecociv_core::{AssignedSet, Threshold, ValueSet, builtin, demo};
    use ecociv_report::chart::result_lines;

    let catalogue = builtin::catalogue().unwrap();
    let plan = builtin::plan(&catalogue).unwrap();
    let d = demo::generate(&plan, &catalogue);
    let e = ecociv_core::evaluate(
        &plan,
        &catalogue,
        &ValueSet::new(d.observations),
        &AssignedSet::new(d.assigned),
        &Options {
            year: 2025,
            ..Options::default()
        },
    )
    .unwrap();
    let (mut targets, mut nationals, mut forecasts) = (0, 0, 0);
    for r in e.results.iter().filter(|r| r.region == plan.city) {
        let ind = plan.indicator(&r.indicator).unwrap();
        let lines = result_lines(&plan, ind, r, 2000, Lang::Zh);
        if let (Some(t), Some(line)) = (&r.target, &lines.target) {
            targets += 1;
            assert!(line.label.starts_with(&format!("{}年", t.year)), "{line:?}");
            if let Some(level) = r
                .forecast
                .as_ref()
                .filter(|f| f.year == t.year)
                .and_then(|f| f.level)
            {
                assert_eq!(line.value, level, "{}: the forecast's level", r.indicator);
            }
        }
        if let (Some(n), Some(line)) = (&r.national, &lines.national) {
            nationals += 1;
            if let Ok(Threshold::Compare { value, .. }) = n.threshold.parse() {
                assert_eq!(line.value, value, "{}", r.indicator);
            }
        } else if let Some(n) = &r.national {
            // No line only for thresholds without a level (achieved, not-worse, assigned …).
            assert!(
                !matches!(n.threshold.parse(), Ok(Threshold::Compare { .. })),
                "{}: {}",
                r.indicator,
                n.threshold
            );
        }
        if let Some((year, value)) = r.forecast.as_ref().and_then(|f| Some((f.year, f.value?))) {
            forecasts += 1;
            assert_eq!(lines.forecast, vec![(year, value)]);
            assert!(
                result_lines(&plan, ind, r, year, Lang::Zh)
                    .forecast
                    .is_empty()
            );
        }
    }
    assert!(
        targets > 10 && nationals > 10 && forecasts > 10,
        "{targets} {nationals} {forecasts}"
    );
}
