//! Template → fill (by editing the generated workbook's cells) → import, and every malformed
//! workbook the issue names: each gives precise errors (sheet, cell, reason) and imports nothing.

mod support;

use std::collections::BTreeMap;

use ecociv_core::{Catalogue, Period, Plan, ValueKind, builtin, demo, explain};
use ecociv_report::Date;
use ecociv_report::xlsx_import::{self, CellError, Expect, ImportBatch, Rejected};
use ecociv_report::xlsx_template::{
    self, FIRST_DATA_ROW, Layout, Reporter, SHEET_INDICATORS, SHEET_META, SHEET_TASKS, Template,
    TemplateRequest,
};
use support::xlsx_edit::{Value, Xlsx};

const UNIT: &str = "市城市管理局";

struct Fixture {
    catalogue: Catalogue,
    plan: Plan,
    /// Demo values by (indicator, region, year).
    demo: BTreeMap<(String, String, i32), f64>,
}

fn fixture() -> Fixture {
    let catalogue = builtin::catalogue().unwrap();
    let plan = builtin::plan(&catalogue).unwrap();
    let d = demo::generate(&plan, &catalogue);
    let demo = d
        .observations
        .iter()
        .map(|o| {
            (
                (
                    plan.indicators[o.indicator].code.clone(),
                    plan.regions[o.region].code.clone(),
                    o.period.year(),
                ),
                o.value,
            )
        })
        .collect();
    Fixture {
        catalogue,
        plan,
        demo,
    }
}

impl Fixture {
    fn template(&self, reporter: Reporter, period: Period) -> Template {
        let previous: BTreeMap<(String, String), f64> = self
            .demo
            .iter()
            .filter(|((_, _, y), _)| *y == period.year() - 1)
            .map(|((i, r, _), v)| ((i.clone(), r.clone()), *v))
            .collect();
        xlsx_template::generate(&TemplateRequest {
            plan: &self.plan,
            catalogue_version: self.catalogue.version(&self.plan.catalogue_version),
            reporter,
            period,
            previous: &previous,
            date: Date::new(2026, 1, 15).unwrap(),
        })
        .unwrap()
    }

    fn unit_template(&self) -> Template {
        self.template(Reporter::Unit(UNIT.into()), Period::Year(2025))
    }

    /// A valid value for each line: the demo's, else the lower bound, or 是.
    fn value_for(&self, layout: &Layout, i: usize) -> f64 {
        let l = &layout.indicators[i];
        if l.kind == ValueKind::YesNo {
            return 1.0;
        }
        self.demo
            .get(&(l.indicator.clone(), l.region.clone(), 2025))
            .copied()
            .unwrap_or(l.min.unwrap_or(0.0) + 1.0)
    }

    /// Fills every value and task cell of a template, as a reporter would.
    fn fill(&self, t: &Template) -> Xlsx {
        let mut x = Xlsx::open(&t.bytes);
        for (i, l) in t.layout.indicators.iter().enumerate() {
            let cell = value_cell(i);
            if l.kind == ValueKind::YesNo {
                x.set(SHEET_INDICATORS, &cell, Value::Text("是"));
            } else {
                x.set(
                    SHEET_INDICATORS,
                    &cell,
                    Value::Number(self.value_for(&t.layout, i)),
                );
            }
        }
        x.set(
            SHEET_INDICATORS,
            &format!("H{}", FIRST_DATA_ROW + 1),
            Value::Text("市城市管理局2025年统计年报"),
        );
        for i in 0..t.layout.tasks.len() {
            let row = FIRST_DATA_ROW + 1 + i as u32;
            x.set(SHEET_TASKS, &format!("F{row}"), Value::Text("推进中"));
            x.set(SHEET_TASKS, &format!("G{row}"), Value::Number(60.0));
            x.set(
                SHEET_TASKS,
                &format!("H{row}"),
                Value::Text("已完成年度计划的六成，下半年集中推进。"),
            );
            x.set(
                SHEET_TASKS,
                &format!("I{row}"),
                Value::Text("年度工作方案.pdf\n现场照片.zip"),
            );
        }
        x
    }

    fn read(&self, bytes: &[u8]) -> Result<ImportBatch, Rejected> {
        xlsx_import::read(
            bytes,
            "填报.xlsx",
            &self.plan,
            &self.catalogue,
            &Expect {
                reporter: Some(Reporter::Unit(UNIT.into())),
                period: Some(Period::Year(2025)),
            },
        )
    }

    /// Reads a workbook that must be refused; returns its errors.
    fn refused(&self, bytes: &[u8]) -> Vec<CellError> {
        match self.read(bytes) {
            Ok(b) => panic!(
                "expected the workbook to be refused, got {} values",
                b.values.len()
            ),
            Err(r) => {
                assert!(!r.errors.is_empty());
                eprintln!("{}", r.report());
                r.errors
            }
        }
    }
}

/// The value cell of the i-th indicator line (column G).
fn value_cell(i: usize) -> String {
    format!("G{}", FIRST_DATA_ROW + 1 + i as u32)
}

/// Finds the error at a sheet and cell, asserting its code.
fn at<'a>(errors: &'a [CellError], sheet: &str, cell: &str, code: &str) -> &'a CellError {
    errors
        .iter()
        .find(|e| e.sheet == sheet && e.cell == cell && e.code == code)
        .unwrap_or_else(|| panic!("no {code} error at {sheet}!{cell} in {errors:#?}"))
}

fn first_line(t: &Template, pred: impl Fn(&xlsx_template::IndicatorLine) -> bool) -> usize {
    t.layout
        .indicators
        .iter()
        .position(pred)
        .expect("a line of that kind in the template")
}

#[test]
fn a_filled_template_round_trips_every_value_and_task() {
    let f = fixture();
    let t = f.unit_template();
    assert!(
        t.layout.indicators.len() >= 5,
        "{:?}",
        t.layout.indicators.len()
    );
    assert!(!t.layout.tasks.is_empty());
    support::keep("template.xlsx", &t.bytes);
    let filled = f.fill(&t).save();
    support::keep("template-filled.xlsx", &filled);
    let batch = f.read(&filled).unwrap();

    assert_eq!(batch.values.len(), t.layout.indicators.len());
    assert!(batch.blank.is_empty());
    assert!(batch.notices.is_empty());
    for (i, (v, l)) in batch.values.iter().zip(&t.layout.indicators).enumerate() {
        assert_eq!((&v.indicator, &v.region), (&l.indicator, &l.region));
        assert_eq!(v.period, Period::Year(2025));
        assert_eq!(v.value, f.value_for(&t.layout, i), "{}", l.indicator);
        assert_eq!(v.cell, value_cell(i));
    }
    assert_eq!(
        batch.values[0].comment.as_deref(),
        Some("市城市管理局2025年统计年报")
    );
    assert_eq!(batch.tasks.len(), t.layout.tasks.len());
    for (p, line) in batch.tasks.iter().zip(&t.layout.tasks) {
        assert_eq!(p.task, line.task);
        assert_eq!(p.unit, UNIT);
        assert_eq!(p.state, ecociv_report::TaskState::InProgress);
        assert_eq!(p.percent, Some(60.0));
        assert_eq!(p.evidence, ["年度工作方案.pdf", "现场照片.zip"]);
    }
    // The rows become pending observations the evaluation can use, with their provenance.
    let obs = batch.observations(&f.plan);
    assert_eq!(obs.len(), batch.values.len());
    assert!(
        obs[0]
            .source
            .as_deref()
            .unwrap()
            .contains("填报.xlsx 指标填报!G5")
    );
}

#[test]
fn an_untouched_template_imports_as_all_blank() {
    let f = fixture();
    let t = f.unit_template();
    let batch = f.read(&t.bytes).unwrap();
    assert!(batch.values.is_empty() && batch.tasks.is_empty());
    assert_eq!(
        batch.blank.len(),
        t.layout.indicators.len() + t.layout.tasks.len()
    );
}

#[test]
fn a_county_template_round_trips_and_has_no_task_rows() {
    let f = fixture();
    let t = f.template(Reporter::Region("411727".into()), Period::Year(2025));
    assert!(t.layout.tasks.is_empty());
    let mut x = Xlsx::open(&t.bytes);
    for (i, l) in t.layout.indicators.iter().enumerate() {
        let v = if l.kind == ValueKind::YesNo {
            Value::Text("否")
        } else {
            Value::Number(f.value_for(&t.layout, i))
        };
        x.set(SHEET_INDICATORS, &value_cell(i), v);
    }
    let batch = xlsx_import::read(
        &x.save(),
        "汝南县.xlsx",
        &f.plan,
        &f.catalogue,
        &Expect {
            reporter: Some(Reporter::Region("411727".into())),
            period: Some(Period::Year(2025)),
        },
    )
    .unwrap();
    assert_eq!(batch.values.len(), t.layout.indicators.len());
    assert!(batch.values.iter().all(|v| v.region == "411727"));
}

#[test]
fn a_renamed_sheet_is_reported_with_the_sheets_found() {
    let f = fixture();
    let t = f.unit_template();
    let mut x = f.fill(&t);
    x.rename_sheet(SHEET_INDICATORS, "Sheet1");
    let errors = f.refused(&x.save());
    let missing = errors.iter().find(|e| e.code == "missing_sheet").unwrap();
    assert!(
        missing.message.contains("找不到工作表“指标填报”"),
        "{}",
        missing.message
    );
    assert!(missing.message.contains("Sheet1"), "{}", missing.message);
    at(&errors, "Sheet1", "", "unexpected_sheet");
}

#[test]
fn an_inserted_column_is_reported_once_where_the_columns_start_to_shift() {
    let f = fixture();
    let t = f.unit_template();
    let mut x = f.fill(&t);
    x.insert_column(SHEET_INDICATORS, 3); // before column C
    let errors = f.refused(&x.save());
    assert_eq!(
        errors.len(),
        1,
        "one error for the shift, rows not read: {errors:#?}"
    );
    let e = at(&errors, SHEET_INDICATORS, "C4", "columns_shifted");
    assert!(
        e.message
            .contains("表头应为“地区”，实为“”：从C列起各列右移了1列"),
        "{}",
        e.message
    );
}

#[test]
fn swapped_columns_are_reported_with_where_each_went() {
    let f = fixture();
    let t = f.unit_template();
    let mut x = f.fill(&t);
    x.set(SHEET_INDICATORS, "G4", Value::Text("数据来源及说明"));
    x.set(SHEET_INDICATORS, "H4", Value::Text("本期值（2025年）"));
    let errors = f.refused(&x.save());
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let e = at(&errors, SHEET_INDICATORS, "G4", "header");
    assert!(e.message.contains("该列现在位于H4"), "{}", e.message);
    at(&errors, SHEET_INDICATORS, "H4", "header");
}

#[test]
fn an_edited_header_is_reported_at_its_cell() {
    let f = fixture();
    let t = f.unit_template();
    let mut x = f.fill(&t);
    x.set(SHEET_INDICATORS, "G4", Value::Text("本期值"));
    let errors = f.refused(&x.save());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = at(&errors, SHEET_INDICATORS, "G4", "header");
    assert!(
        e.message
            .contains("表头应为“本期值（2025年）”，实为“本期值”"),
        "{}",
        e.message
    );
}

#[test]
fn text_in_a_number_cell_is_refused_with_the_text_found() {
    let f = fixture();
    let t = f.unit_template();
    let i = first_line(&t, |l| l.kind == ValueKind::Number);
    let mut x = f.fill(&t);
    x.set(SHEET_INDICATORS, &value_cell(i), Value::Text("约95"));
    let errors = f.refused(&x.save());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = at(&errors, SHEET_INDICATORS, &value_cell(i), "not_a_number");
    assert!(
        e.message.contains("应填数值，实为文本“约95”"),
        "{}",
        e.message
    );

    // A number stored as text gets a hint about the cell format.
    let mut x = f.fill(&t);
    x.set(SHEET_INDICATORS, &value_cell(i), Value::Text("95.5"));
    let errors = f.refused(&x.save());
    let e = at(&errors, SHEET_INDICATORS, &value_cell(i), "not_a_number");
    assert!(e.message.contains("单元格为文本格式"), "{}", e.message);
}

#[test]
fn a_formula_is_refused_even_with_a_valid_result() {
    let f = fixture();
    let t = f.unit_template();
    let i = first_line(&t, |l| l.kind == ValueKind::Number);
    let mut x = f.fill(&t);
    let row = FIRST_DATA_ROW + 1 + i as u32;
    x.set(
        SHEET_INDICATORS,
        &value_cell(i),
        Value::Formula(&format!("F{row}*1.01"), f.value_for(&t.layout, i)),
    );
    let errors = f.refused(&x.save());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = at(&errors, SHEET_INDICATORS, &value_cell(i), "formula");
    assert!(e.message.contains(&format!("F{row}*1.01")), "{}", e.message);
}

#[test]
fn merged_cells_are_reported_with_their_range() {
    let f = fixture();
    let t = f.unit_template();
    let mut x = f.fill(&t);
    x.merge(SHEET_TASKS, "H5:I5");
    let errors = f.refused(&x.save());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    at(&errors, SHEET_TASKS, "H5:I5", "merged_cells");
}

#[test]
fn an_extra_row_below_the_table_is_refused() {
    let f = fixture();
    let t = f.unit_template();
    let n = t.layout.indicators.len() as u32;
    let extra = FIRST_DATA_ROW + n + 2; // one blank row, then the extra one (1-based)
    let mut x = f.fill(&t);
    x.set(
        SHEET_INDICATORS,
        &format!("B{extra}"),
        Value::Text("新增指标"),
    );
    x.set(SHEET_INDICATORS, &format!("G{extra}"), Value::Number(12.0));
    let errors = f.refused(&x.save());
    assert_eq!(errors.len(), 1, "one error per extra row: {errors:#?}");
    let e = at(&errors, SHEET_INDICATORS, &format!("B{extra}"), "extra_row");
    assert!(
        e.message.contains(&format!("第{extra}行是多余的行")),
        "{}",
        e.message
    );
}

#[test]
fn a_row_inserted_inside_the_table_is_reported_once_where_the_order_breaks() {
    let f = fixture();
    let t = f.unit_template();
    let mut x = f.fill(&t);
    x.insert_row(SHEET_INDICATORS, FIRST_DATA_ROW + 2); // before the second data row
    let errors = f.refused(&x.save());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let row = FIRST_DATA_ROW + 2;
    let e = at(&errors, SHEET_INDICATORS, &format!("K{row}"), "row_moved");
    assert!(
        e.message.contains(&format!(
            "第{row}行应为“{}”",
            t.layout.indicators[1].indicator
        )) && e.message.contains("实为空白"),
        "{}",
        e.message
    );
}

#[test]
fn content_right_of_the_table_is_refused() {
    let f = fixture();
    let t = f.unit_template();
    let mut x = f.fill(&t);
    x.set(SHEET_INDICATORS, "M6", Value::Number(3.0));
    let errors = f.refused(&x.save());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    at(&errors, SHEET_INDICATORS, "M6", "extra_column");
}

#[test]
fn a_value_out_of_range_names_the_allowed_range() {
    let f = fixture();
    let t = f.unit_template();
    let i = first_line(&t, |l| l.unit == "%");
    let mut x = f.fill(&t);
    x.set(SHEET_INDICATORS, &value_cell(i), Value::Number(120.0));
    let errors = f.refused(&x.save());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = at(&errors, SHEET_INDICATORS, &value_cell(i), "out_of_range");
    assert!(
        e.message.contains("120超过允许的最大值100%"),
        "{}",
        e.message
    );
    assert!(e.message.contains("允许范围：0–100"), "{}", e.message);
}

#[test]
fn yes_no_cells_take_only_yes_or_no() {
    let f = fixture();
    let t = f.unit_template();
    let i = first_line(&t, |l| l.kind == ValueKind::YesNo);
    let mut x = f.fill(&t);
    x.set(SHEET_INDICATORS, &value_cell(i), Value::Text("基本完成"));
    let errors = f.refused(&x.save());
    let e = at(&errors, SHEET_INDICATORS, &value_cell(i), "not_yes_no");
    assert!(
        e.message.contains("应填“是”或“否”，实为“基本完成”"),
        "{}",
        e.message
    );
}

#[test]
fn a_percent_formatted_cell_is_read_as_shown_for_percent_indicators_only() {
    let f = fixture();
    let t = f.unit_template();
    let i = first_line(&t, |l| l.unit == "%");
    let mut x = f.fill(&t);
    x.set(SHEET_INDICATORS, &value_cell(i), Value::Number(0.955));
    x.percent_format(SHEET_INDICATORS, &value_cell(i));
    let batch = f.read(&x.save()).unwrap();
    assert_eq!(batch.values[i].value, 95.5);
    assert_eq!(batch.notices.len(), 1);
    assert_eq!(batch.notices[0].cell, value_cell(i));

    let Some(j) = t
        .layout
        .indicators
        .iter()
        .position(|l| l.kind == ValueKind::Number && l.unit != "%")
    else {
        return; // this unit owes no non-percent number
    };
    let mut x = f.fill(&t);
    x.set(SHEET_INDICATORS, &value_cell(j), Value::Number(0.5));
    x.percent_format(SHEET_INDICATORS, &value_cell(j));
    let errors = f.refused(&x.save());
    at(&errors, SHEET_INDICATORS, &value_cell(j), "percent_format");
}

#[test]
fn task_cells_are_checked_state_percent_and_consistency() {
    let f = fixture();
    let t = f.unit_template();
    assert!(t.layout.tasks.len() >= 2, "the unit leads several tasks");
    let mut x = f.fill(&t);
    x.set(SHEET_TASKS, "F5", Value::Text("快完成了"));
    x.set(SHEET_TASKS, "G6", Value::Number(150.0));
    let errors = f.refused(&x.save());
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let e = at(&errors, SHEET_TASKS, "F5", "invalid_state");
    assert!(
        e.message.contains("未启动、推进中、已完成、滞后"),
        "{}",
        e.message
    );
    at(&errors, SHEET_TASKS, "G6", "out_of_range");

    let mut x = f.fill(&t);
    x.set(SHEET_TASKS, "F5", Value::Text("已完成"));
    let errors = f.refused(&x.save());
    let e = at(&errors, SHEET_TASKS, "G5", "inconsistent");
    assert!(e.message.contains("已完成"), "{}", e.message);

    let mut x = f.fill(&t);
    x.set(SHEET_TASKS, "F5", Value::Text(""));
    let errors = f.refused(&x.save());
    at(&errors, SHEET_TASKS, "F5", "missing_state");
}

#[test]
fn every_problem_is_reported_at_once() {
    let f = fixture();
    let t = f.unit_template();
    let nums: Vec<usize> = (0..t.layout.indicators.len())
        .filter(|&i| t.layout.indicators[i].unit == "%")
        .take(3)
        .collect();
    assert_eq!(nums.len(), 3, "three percent indicators");
    let mut x = f.fill(&t);
    x.set(SHEET_INDICATORS, &value_cell(nums[0]), Value::Text("暂无"));
    x.set(
        SHEET_INDICATORS,
        &value_cell(nums[1]),
        Value::Formula("1+1", 2.0),
    );
    x.set(SHEET_INDICATORS, &value_cell(nums[2]), Value::Number(-3.0));
    x.set(SHEET_TASKS, "G5", Value::Bool(true));
    let errors = f.refused(&x.save());
    let codes: Vec<(&str, &str)> = errors.iter().map(|e| (e.cell.as_str(), e.code)).collect();
    let c0 = value_cell(nums[0]);
    let c1 = value_cell(nums[1]);
    let c2 = value_cell(nums[2]);
    assert_eq!(
        codes,
        [
            (c1.as_str(), "formula"),
            (c0.as_str(), "not_a_number"),
            (c2.as_str(), "out_of_range"),
            ("G5", "not_a_number"),
        ],
        "{errors:#?}"
    );
}

#[test]
fn a_template_of_another_unit_or_period_is_refused() {
    let f = fixture();
    let water = f.template(Reporter::Unit("市水利局".into()), Period::Year(2025));
    let errors = f.refused(&f.fill(&water).save());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, "wrong_reporter");
    assert_eq!(
        errors[0].message,
        "这是市水利局的模板，当前应上传市城市管理局的模板"
    );

    let last_year = f.template(Reporter::Unit(UNIT.into()), Period::Year(2024));
    let errors = f.refused(&f.fill(&last_year).save());
    assert_eq!(errors[0].code, "wrong_period");
    assert_eq!(
        errors[0].message,
        "这是2024年的模板，当前应上传2025年的模板"
    );
}

#[test]
fn a_workbook_that_is_not_ours_is_refused() {
    let f = fixture();
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet()
        .set_name(SHEET_INDICATORS)
        .unwrap()
        .write(0, 0, "指标")
        .unwrap();
    let errors = f.refused(&wb.save_to_buffer().unwrap());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, "not_a_template");
    assert!(errors[0].message.contains("不是本系统生成的填报模板"));

    let errors = f.refused(b"indicator,region,period,value\n");
    assert_eq!(errors[0].code, "not_a_workbook");
    assert!(
        errors[0].message.contains("另存为 .xlsx"),
        "{}",
        errors[0].message
    );
}

#[test]
fn a_workbook_that_unpacks_too_large_is_refused_before_parsing() {
    let f = fixture();
    let t = f.unit_template();
    let mut x = f.fill(&t);
    // 65 MiB of zeros deflate to about 64 KB: a small upload that inflates past the limit.
    x.add_part(
        "xl/media/padding.bin",
        vec![0; (xlsx_import::MAX_UNPACKED_BYTES + 1024 * 1024) as usize],
    );
    let bytes = x.save();
    assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
    let errors = f.refused(&bytes);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, "workbook_too_large");
    assert!(
        errors[0].message.contains("超过上限 64 MB"),
        "{}",
        errors[0].message
    );

    let mut x = f.fill(&t);
    for i in 0..xlsx_import::MAX_PARTS {
        x.add_part(&format!("xl/media/p{i}.bin"), vec![1]);
    }
    let errors = f.refused(&x.save());
    assert_eq!(errors[0].code, "workbook_too_large");
    assert!(
        errors[0].message.contains("内部部件"),
        "{}",
        errors[0].message
    );

    // The same filled workbook without the extra parts imports.
    assert!(f.read(&f.fill(&t).save()).is_ok());
}

#[test]
fn a_template_made_before_the_plan_changed_is_refused() {
    let f = fixture();
    let t = f.unit_template();
    let mut x = f.fill(&t);
    x.set(SHEET_META, "B10", Value::Text("0123456789abcdef"));
    let errors = f.refused(&x.save());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, "plan_changed");
    assert!(errors[0].message.contains("请重新下载模板"));
}

#[test]
fn the_rejection_report_names_file_sheet_cell_and_reason() {
    let f = fixture();
    let t = f.unit_template();
    let i = first_line(&t, |l| l.unit == "%");
    let mut x = f.fill(&t);
    x.set(SHEET_INDICATORS, &value_cell(i), Value::Number(101.0));
    let rejected = f.read(&x.save()).unwrap_err();
    let report = rejected.report();
    let name = &t.layout.indicators[i].name;
    assert!(
        report.starts_with("填报.xlsx 有1处错误，未导入任何数据：\n"),
        "{report}"
    );
    assert!(
        report.contains(&format!("工作表“指标填报” {}：“{name}”", value_cell(i))),
        "{report}"
    );
    assert!(report.contains(&format!("{}超过允许的最大值100%", explain::num(101.0))));
}

#[test]
fn the_same_request_gives_the_same_template() {
    let f = fixture();
    assert!(f.unit_template().bytes == f.unit_template().bytes);
}
