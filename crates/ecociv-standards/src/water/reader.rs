//! Streaming readers for water monitoring CSV files. They take any `std::io::Read` the caller
//! opened and either return every row read and checked, or the first problem with its file, row
//! and column: nothing is half-read.

use std::collections::HashMap;
use std::io::Read;

use chrono::{Datelike, NaiveDate};

use super::decimal::{Dec, DecError};
use super::gb3838::{Param, WaterBodyType};
use super::sample::{PARAM_COUNT, Sample, SampleSet, Section};
use crate::input::InputError;

/// Below-detection-limit values (written `<0.01` or `＜0.01`) enter the mean as half the detection
/// limit. This is the usual practice of Chinese surface-water statistics; 环办〔2011〕22号 itself
/// does not state it. [C] 待核实.
pub const BELOW_DETECTION_FACTOR: &str = "1/2 检出限";

/// A header cell split into a name and an optional unit: `溶解氧(mg/L)`, `DO [mg/L]`, `pH`.
pub fn split_header(cell: &str) -> (&str, Option<&str>) {
    let cell = cell.trim().trim_start_matches('\u{feff}');
    for (open, close) in [("(", ")"), ("（", "）"), ("[", "]")] {
        if let Some(start) = cell.rfind(open)
            && let Some(rest) = cell[start + open.len()..].strip_suffix(close)
        {
            return (cell[..start].trim(), Some(rest.trim()));
        }
    }
    (cell, None)
}

fn is_one_of(name: &str, names: &[&str]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Parses a date written `2024-03-15`, `2024/3/15` or `20240315`, optionally followed by a time
/// of day (`2024-03-15 10:30`, `2024-03-15T10:30:00`), which is ignored.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let s = s.split([' ', 'T']).next().unwrap_or(s);
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Some(d);
        }
    }
    None
}

/// Fast path for `YYYY-MM-DD`, the form almost every file uses.
fn iso_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "否" | "no" | "n" | "false" | "0" => Some(false),
        "是" | "yes" | "y" | "true" | "1" => Some(true),
        _ => None,
    }
}

/// Describes a decimal parse error in Chinese with the offending text.
pub fn number_error(text: &str, e: DecError) -> String {
    format!("“{text}”{e}")
}

const SECTION: &[&str] = &[
    "section",
    "断面",
    "断面名称",
    "断面编码",
    "点位",
    "点位名称",
];
const WATER_BODY: &[&str] = &[
    "water_body",
    "水体",
    "水体名称",
    "河流",
    "所在水体",
    "河流湖库",
];
const BODY_TYPE: &[&str] = &["type", "水体类型", "类型"];
const DRINKING: &[&str] = &["drinking_source", "饮用水水源地", "是否饮用水水源地"];
const REGION: &[&str] = &["region", "行政区", "行政区划代码", "区县"];
const DATE: &[&str] = &["date", "日期", "采样日期", "监测日期"];

#[derive(Default)]
struct Columns {
    section: Option<usize>,
    water_body: Option<usize>,
    body_type: Option<usize>,
    drinking: Option<usize>,
    region: Option<usize>,
    date: Option<usize>,
    /// (column index, parameter, power of ten to the canonical unit)
    params: Vec<(usize, Param, i32)>,
}

/// Reads a water sample file for `year`.
///
/// Header: `section`, `type` and `date` columns (Chinese names accepted), optional `water_body`,
/// `drinking_source` and `region`, then one column per parameter with its unit in brackets:
/// `DO(mg/L)`, `高锰酸盐指数（mg/L）`, `Hg[μg/L]`; pH may omit its unit. An empty cell is a value
/// not measured. Rejected: an unknown parameter, a missing or unknown unit, a duplicated column, a
/// negative value, pH outside 0–14, a date outside `year`, a malformed number, and a section whose
/// type, water body, drinking-source flag or region changes between rows.
pub fn read_samples(r: impl Read, file: &str, year: i32) -> Result<SampleSet, InputError> {
    // Rows are read as bytes and trimmed per cell: numbers are parsed straight from the bytes, and
    // only text cells are checked as UTF-8 (a third of the reading time otherwise).
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_reader(r);
    let headers = rdr
        .headers()
        .map_err(|e| csv_error(file, &e))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect::<Vec<_>>();
    let cols = header_columns(file, &headers)?;
    let section_col = cols.section.unwrap_or_default();
    let type_col = cols.body_type.unwrap_or_default();
    let date_col = cols.date.unwrap_or_default();

    let mut set = SampleSet {
        year,
        ..SampleSet::default()
    };
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut below_dl = 0u64;
    let mut record = csv::ByteRecord::new();
    let mut row: u64 = 1;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, &e)),
        }
        row += 1;
        let err =
            |col: usize, msg: String| InputError::new(file, Some(row), Some(&headers[col]), msg);
        let text = |c: usize| {
            std::str::from_utf8(record[c].trim_ascii())
                .map(str::trim)
                .map_err(|_| err(c, "不是有效的 UTF-8 文本".to_owned()))
        };
        let code = text(section_col)?;
        if code.is_empty() {
            return Err(err(section_col, "断面名称为空".into()));
        }
        let type_text = text(type_col)?;
        let body_type = WaterBodyType::from_name(type_text).ok_or_else(|| {
            err(
                type_col,
                format!("水体类型“{type_text}”无效，应为 河流、湖泊 或 水库"),
            )
        })?;
        let opt = |c: Option<usize>| -> Result<Option<&str>, InputError> {
            Ok(match c {
                Some(c) => Some(text(c)?).filter(|s| !s.is_empty()),
                None => None,
            })
        };
        let drinking = match cols.drinking {
            Some(c) => {
                let t = text(c)?;
                parse_bool(t).ok_or_else(|| err(c, format!("“{t}”应为 是 或 否")))?
            }
            None => false,
        };
        let (water_body, region) = (opt(cols.water_body)?, opt(cols.region)?);
        let idx = match index.get(code) {
            Some(&i) => {
                let known = &set.sections[i];
                let same = known.body_type == body_type
                    && known.drinking_source == drinking
                    && known.water_body.as_deref() == water_body
                    && known.region.as_deref() == region;
                if !same {
                    return Err(InputError::new(
                        file,
                        Some(row),
                        None,
                        format!(
                            "断面“{code}”的水体类型、所在水体、饮用水水源地或行政区与前面的行不一致"
                        ),
                    ));
                }
                i
            }
            None => {
                index.insert(code.to_owned(), set.sections.len());
                set.sections.push(Section {
                    code: code.to_owned(),
                    water_body: water_body.map(str::to_owned),
                    body_type,
                    drinking_source: drinking,
                    region: region.map(str::to_owned),
                });
                set.sections.len() - 1
            }
        };
        let date = match iso_date(record[date_col].trim_ascii()) {
            Some(d) => d,
            None => {
                let date_text = text(date_col)?;
                parse_date(date_text).ok_or_else(|| {
                    err(
                        date_col,
                        format!("日期“{date_text}”无法识别，应为 YYYY-MM-DD"),
                    )
                })?
            }
        };
        if date.year() != year {
            return Err(err(date_col, format!("日期{date}不在评价年份{year}年内")));
        }
        let mut values = [None; PARAM_COUNT];
        let mut any = false;
        for &(c, param, pow) in &cols.params {
            let raw = record[c].trim_ascii();
            if raw.is_empty() {
                continue;
            }
            let (below, num) = if let Some(rest) = raw.strip_prefix(b"<") {
                (true, rest)
            } else if let Some(rest) = raw.strip_prefix("＜".as_bytes()) {
                (true, rest)
            } else {
                (false, raw)
            };
            let text = || String::from_utf8_lossy(raw).into_owned();
            let v = Dec::parse_ascii(num).map_err(|e| {
                let t = text();
                let hint = if t.eq_ignore_ascii_case("ND") || t == "未检出" {
                    "（未检出请写作“<检出限”，如 <0.01）"
                } else {
                    ""
                };
                err(c, format!("{}{hint}", number_error(&t, e)))
            })?;
            if v.is_negative() {
                let msg = if param == Param::Ph {
                    format!("pH值{}超出0～14", text())
                } else {
                    format!("浓度不能为负数：{}", text())
                };
                return Err(err(c, msg));
            }
            let v = v.shift(pow).ok_or_else(|| {
                err(
                    c,
                    format!(
                        "“{}”换算为{}后超出可精确表示的小数位数",
                        text(),
                        param.unit()
                    ),
                )
            })?;
            let v = if below {
                below_dl += 1;
                v.half().ok_or_else(|| {
                    err(
                        c,
                        format!("检出限“{}”的一半超出可精确表示的小数位数", text()),
                    )
                })?
            } else {
                v
            };
            if param == Param::Ph && v > Dec::from_int(14) {
                return Err(err(c, format!("pH值{}超出0～14", text())));
            }
            values[param as usize] = Some(v);
            any = true;
        }
        if !any {
            set.warnings
                .push(format!("{file}, 第{row}行没有任何监测值，已跳过"));
            continue;
        }
        set.samples.push(Sample {
            section: idx,
            date,
            values,
        });
    }
    set.below_detection_limit = below_dl;
    if below_dl > 0 {
        set.warnings.push(format!(
            "{below_dl}个低于检出限的数值按{BELOW_DETECTION_FACTOR}参与计算（待核实）"
        ));
    }
    Ok(set)
}

fn header_columns(file: &str, headers: &[String]) -> Result<Columns, InputError> {
    let mut cols = Columns::default();
    let herr = |h: &str, msg: String| InputError::new(file, Some(1), Some(h), msg);
    for (i, h) in headers.iter().enumerate() {
        let (name, unit) = split_header(h);
        let slot = if is_one_of(name, SECTION) {
            Some(&mut cols.section)
        } else if is_one_of(name, WATER_BODY) {
            Some(&mut cols.water_body)
        } else if is_one_of(name, BODY_TYPE) {
            Some(&mut cols.body_type)
        } else if is_one_of(name, DRINKING) {
            Some(&mut cols.drinking)
        } else if is_one_of(name, REGION) {
            Some(&mut cols.region)
        } else if is_one_of(name, DATE) {
            Some(&mut cols.date)
        } else {
            None
        };
        if let Some(slot) = slot {
            if slot.replace(i).is_some() {
                return Err(herr(h, format!("列“{name}”重复")));
            }
            continue;
        }
        let param = Param::from_name(name).ok_or_else(|| {
            herr(
                h,
                format!(
                    "未知监测项目“{name}”；可用项目见 README（如 DO、CODMn、NH3-N、TP 或其中文名）"
                ),
            )
        })?;
        let pow = match unit {
            None | Some("") if param.info().unit_optional => 0,
            None | Some("") => {
                return Err(herr(
                    h,
                    format!(
                        "监测项目“{name}”缺少单位，应写作 {}({})",
                        name,
                        param.unit()
                    ),
                ));
            }
            Some(u) => param.unit_pow10(u).ok_or_else(|| {
                herr(
                    h,
                    format!(
                        "监测项目“{name}”的单位“{u}”无效，可用：{}",
                        param.accepted_units().join("、")
                    ),
                )
            })?,
        };
        if cols.params.iter().any(|&(_, p, _)| p == param) {
            return Err(herr(h, format!("监测项目“{}”重复", param.name_cn())));
        }
        cols.params.push((i, param, pow));
    }
    for (col, name) in [
        (cols.section, "section（断面）"),
        (cols.body_type, "type（水体类型）"),
        (cols.date, "date（日期）"),
    ] {
        if col.is_none() {
            return Err(InputError::new(
                file,
                Some(1),
                None,
                format!("缺少必需的列 {name}"),
            ));
        }
    }
    if cols.params.is_empty() {
        return Err(InputError::new(file, Some(1), None, "没有任何监测项目列"));
    }
    Ok(cols)
}

/// Converts a CSV-level error (bad UTF-8, a row with the wrong number of fields) to an
/// [`InputError`] with the row.
pub fn csv_error(file: &str, e: &csv::Error) -> InputError {
    let row = e.position().map(|p| p.record() + 1);
    let msg = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("该行有{len}列，表头有{expected_len}列"),
        csv::ErrorKind::Utf8 { .. } => "不是有效的 UTF-8 文本".to_owned(),
        _ => format!("CSV 格式错误：{e}"),
    };
    InputError::new(file, row, None, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "section,water_body,type,date,pH,DO(mg/L),NH3-N(mg/L),Hg(μg/L)\n";

    fn read(body: &str) -> Result<SampleSet, InputError> {
        read_samples(format!("{HEAD}{body}").as_bytes(), "w.csv", 2024)
    }

    fn err(body: &str) -> (Option<u64>, Option<String>, String) {
        let e = read(body).unwrap_err();
        (e.location.row, e.location.column, e.message)
    }

    #[test]
    fn reads_values_in_canonical_units() {
        let s = read("A,沙河,河流,2024-01-05,7.5,8.1,0.52,0.05\n").unwrap();
        assert_eq!(s.sections.len(), 1);
        let v = &s.samples[0].values;
        assert_eq!(v[Param::Hg as usize], Some(Dec::lit("0.00005")));
        assert_eq!(v[Param::Nh3N as usize], Some(Dec::lit("0.52")));
        assert_eq!(v[Param::Cod as usize], None);
    }

    #[test]
    fn below_detection_limit_counts_as_half() {
        let s = read("A,沙河,河流,2024-01-05,7.5,8.1,<0.025,\n").unwrap();
        assert_eq!(
            s.samples[0].values[Param::Nh3N as usize],
            Some(Dec::lit("0.0125"))
        );
        assert!(s.warnings.iter().any(|w| w.contains("检出限")));
    }

    #[test]
    fn bad_cells_are_located_by_row_and_column() {
        let cases: [(&str, u64, &str, &str); 6] = [
            (
                "A,沙河,河流,2024-01-05,7.5,-1,0.5,\n",
                2,
                "DO(mg/L)",
                "负数",
            ),
            ("A,沙河,河流,2024-01-05,15,8,0.5,\n", 2, "pH", "0～14"),
            (
                "A,沙河,河流,2023-12-31,7,8,0.5,\n",
                2,
                "date",
                "不在评价年份",
            ),
            (
                "A,沙河,河流,2024-01-05,7,8,abc,\n",
                2,
                "NH3-N(mg/L)",
                "不是数值",
            ),
            ("A,沙河,海洋,2024-01-05,7,8,0.5,\n", 2, "type", "水体类型"),
            (
                "A,沙河,河流,2024-01-05,7,8,ND,\n",
                2,
                "NH3-N(mg/L)",
                "<检出限",
            ),
        ];
        for (body, row, col, msg) in cases {
            let (r, c, m) = err(body);
            assert_eq!(r, Some(row), "{body}");
            assert_eq!(c.as_deref(), Some(col), "{body}");
            assert!(m.contains(msg), "{m} should mention {msg}");
        }
        let (r, _, m) = err("A,沙河,河流,2024-01-05,7,8,0.5,\nA,沙河,水库,2024-02-05,7,8,0.5,\n");
        assert_eq!(r, Some(3));
        assert!(m.contains("不一致"));
    }

    #[test]
    fn header_problems_name_the_column() {
        let cases = [
            ("section,type,date,DO\n", "DO", "缺少单位"),
            ("section,type,date,DO(g/L)\n", "DO(g/L)", "单位"),
            (
                "section,type,date,turbidity(NTU)\n",
                "turbidity(NTU)",
                "未知监测项目",
            ),
            (
                "section,type,date,DO(mg/L),溶解氧(mg/L)\n",
                "溶解氧(mg/L)",
                "重复",
            ),
        ];
        for (head, col, msg) in cases {
            let e = read_samples(head.as_bytes(), "w.csv", 2024).unwrap_err();
            assert_eq!(e.location.row, Some(1));
            assert_eq!(e.location.column.as_deref(), Some(col));
            assert!(e.message.contains(msg), "{}", e.message);
        }
        let e = read_samples("section,date,DO(mg/L)\n".as_bytes(), "w.csv", 2024).unwrap_err();
        assert!(e.message.contains("type"));
    }

    #[test]
    fn ragged_rows_are_reported_with_their_row() {
        let e = read("A,沙河,河流,2024-01-05,7\n").unwrap_err();
        assert_eq!(e.location.row, Some(2));
    }

    #[test]
    fn dates_with_a_time_of_day_are_read() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        for t in [
            "2024-03-05",
            "2024/3/5",
            "20240305",
            "2024-03-05 10:30",
            "2024-03-05T10:30:00",
        ] {
            assert_eq!(parse_date(t), Some(d), "{t}");
        }
        assert_eq!(parse_date("2024-13-05"), None);
        let (_, c, m) = err("A,沙河,河流,2024-01-05,-1,8,0.5,\n");
        assert_eq!(c.as_deref(), Some("pH"));
        assert!(m.contains("0～14"));
    }

    #[test]
    fn header_splitting() {
        assert_eq!(split_header("溶解氧（mg/L）"), ("溶解氧", Some("mg/L")));
        assert_eq!(split_header("DO [mg/L]"), ("DO", Some("mg/L")));
        assert_eq!(split_header("\u{feff}section"), ("section", None));
        assert_eq!(
            split_header("铬（六价）(mg/L)"),
            ("铬（六价）", Some("mg/L"))
        );
    }
}
