//! The indicator completion table (指标完成情况表) as a workbook, laid out for printing: A4
//! landscape, one page wide, the header row repeated on every page, borders, 领域 and 序号
//! merged over their rows as in the printed standard, the status as symbol and word on a light
//! fill (never colour alone), and the CJK font declared.

use rust_xlsxwriter::{Color, DocProperties, Format, FormatAlign, Workbook, XlsxError};

use crate::completion::{CompletionTable, status_legend};
use crate::date::Date;
use crate::excel;
use ecociv_core::Status;

/// The sheet's name.
pub const SHEET: &str = "指标完成情况表";

const HEADERS: [&str; 11] = [
    "领域",
    "序号",
    "指标",
    "单位",
    "国家标准",
    "方案目标",
    "现状值",
    "达标情况",
    "指标属性",
    "牵头单位",
    "备注",
];
const WIDTHS: [f64; 11] = [9.0, 5.0, 30.0, 8.0, 22.0, 22.0, 13.0, 10.0, 8.0, 16.0, 21.0];
const HEADER_ROW: u32 = 3;

fn status_fill(s: Status) -> Color {
    Color::RGB(match s {
        Status::Met => 0xE2_EF_DA,
        Status::AtRisk => 0xFF_F2_CC,
        Status::NotMet => 0xF8_CB_AD,
        Status::NoData => 0xED_ED_ED,
        Status::Pending => 0xDD_EB_F7,
        Status::NotApplicable => 0xF7_F7_F7,
    })
}

/// Writes the table as .xlsx.
pub fn write(table: &CompletionTable, date: Date) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_default_format(&excel::base(), 20, 64)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(&table.title)
            .set_subject(&table.basis)
            .set_author("ecociv")
            .set_creation_datetime(&excel::creation_time(date)),
    );
    let last_col = HEADERS.len() as u16 - 1;
    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;

    let title = excel::base()
        .set_font_name("SimHei")
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let note = excel::base().set_font_size(10).set_text_wrap();
    let warn = excel::base()
        .set_bold()
        .set_font_color(Color::RGB(0xC0_00_00))
        .set_align(FormatAlign::Center);
    let header = excel::bordered()
        .set_font_name("SimHei")
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xD9_E1_F2));
    let cell = excel::bordered().set_font_size(10);
    let centre = cell.clone().set_align(FormatAlign::Center);

    ws.merge_range(0, 0, 0, last_col, &table.title, &title)?;
    ws.set_row_height(0, 28)?;
    ws.merge_range(
        1,
        0,
        1,
        last_col,
        &format!("{}　　达标情况：{}", table.basis, status_legend()),
        &note,
    )?;
    if table.demo {
        ws.merge_range(
            2,
            0,
            2,
            last_col,
            "本表使用示例数据（非真实数据），仅供演示，不得用于申报或公开",
            &warn,
        )?;
    }
    for (c, h) in HEADERS.iter().enumerate() {
        let h = if *h == "现状值" {
            format!("现状值（{}年）", table.year)
        } else {
            (*h).to_owned()
        };
        ws.write_string_with_format(HEADER_ROW, c as u16, h, &header)?;
    }
    ws.set_row_height(HEADER_ROW, 30)?;

    let first = HEADER_ROW + 1;
    for (i, r) in table.rows.iter().enumerate() {
        let row = first + i as u32;
        let status_fmt: Format = r.status.map_or(centre.clone(), |s| {
            centre.clone().set_background_color(status_fill(s))
        });
        let cells: [(&str, &Format); 11] = [
            (&r.area, &centre),
            (&r.number, &centre),
            (&r.name, &cell),
            (&r.unit, &centre),
            (&r.national, &cell),
            (&r.target, &cell),
            (&r.value, &centre),
            (&r.status_text(), &status_fmt),
            (&r.attribute, &centre),
            (&r.lead, &cell),
            (&r.note, &cell),
        ];
        for (c, (text, fmt)) in cells.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *text, fmt)?;
        }
        let wrapped: Vec<(&str, f64)> = [2usize, 4, 5, 9, 10]
            .iter()
            .map(|&c| (cells[c].0, WIDTHS[c]))
            .collect();
        ws.set_row_height(row, excel::row_height(&wrapped, 1))?;
    }
    // 领域 and 序号 span their rows, as in the printed standard.
    for col in [0u16, 1] {
        let key = |i: usize| {
            let r = &table.rows[i];
            if col == 0 {
                r.area.clone()
            } else {
                format!("{}\u{0}{}", r.area, r.number)
            }
        };
        let mut start = 0;
        while start < table.rows.len() {
            let mut end = start;
            while end + 1 < table.rows.len() && key(end + 1) == key(start) {
                end += 1;
            }
            if end > start {
                let text = if col == 0 {
                    &table.rows[start].area
                } else {
                    &table.rows[start].number
                };
                ws.merge_range(
                    first + start as u32,
                    col,
                    first + end as u32,
                    col,
                    text,
                    &centre,
                )?;
            }
            start = end + 1;
        }
    }
    let after = first + table.rows.len() as u32;
    ws.merge_range(
        after,
        0,
        after,
        last_col,
        &format!("评估结论：{}", table.summary),
        &note,
    )?;
    ws.set_row_height(
        after,
        excel::row_height(&[(&table.summary, WIDTHS.iter().sum::<f64>())], 2),
    )?;

    for (c, w) in WIDTHS.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(first, 0)?;
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_print_center_horizontally(true);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    ws.set_print_area(0, 0, after, last_col)?;
    ws.set_footer("&C第 &P 页，共 &N 页");
    wb.save_to_buffer()
}
