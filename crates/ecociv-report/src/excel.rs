//! What the workbooks this crate writes and reads share: cell references as people read them,
//! the declared fonts, and a checksum for template layouts.

use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder};

use crate::date::Date;

/// The East Asian font declared in every workbook: 宋体 by its English name, which Excel and
/// WPS resolve on any Chinese Windows and which LibreOffice's substitution maps to a serif CJK
/// face (Noto Serif CJK SC where installed; 「宋体」 itself would fall back to a sans face).
pub const FONT: &str = "SimSun";
/// GB2312, so that spreadsheet programs pick a Chinese font when 宋体 is missing.
pub const FONT_CHARSET: u8 = 134;

/// `C7` for row index 6, column index 2.
pub fn cell_ref(row: u32, col: u16) -> String {
    format!("{}{}", col_name(col), row + 1)
}

/// Column letters: 0 → A, 25 → Z, 26 → AA.
pub fn col_name(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        s.push(b'A' + r);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// The base format of every cell: the CJK font, vertically centred.
pub fn base() -> Format {
    Format::new()
        .set_font_name(FONT)
        .set_font_charset(FONT_CHARSET)
        .set_font_size(11)
        .set_align(FormatAlign::VerticalCenter)
}

pub fn bordered() -> Format {
    base().set_border(FormatBorder::Thin).set_text_wrap()
}

/// Width of text in Excel column units: a CJK character takes two, others one.
pub fn text_units(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) < 0x2E80 { 1.0 } else { 2.0 })
        .sum()
}

/// The height (points) of a row whose wrapped cells are `(text, column width)`: spreadsheets
/// do not grow rows written by a program, so the writer sizes them.
pub fn row_height(cells: &[(&str, f64)], min_lines: usize) -> f64 {
    let lines = cells
        .iter()
        .map(|(text, width)| {
            text.split('\n')
                .map(|part| (text_units(part) / (width - 1.0).max(1.0)).ceil().max(1.0) as usize)
                .sum::<usize>()
        })
        .max()
        .unwrap_or(1)
        .max(min_lines);
    lines as f64 * 14.5 + 4.0
}

/// The document creation time, from the caller's date rather than the clock.
pub fn creation_time(d: Date) -> ExcelDateTime {
    u16::try_from(d.year)
        .ok()
        .and_then(|y| ExcelDateTime::from_ymd(y, d.month, d.day).ok())
        .unwrap_or_else(|| ExcelDateTime::from_ymd(2000, 1, 1).expect("a valid constant date"))
}

/// FNV-1a (64 bit). Template checksums detect accidental change of a layout (a plan edited after
/// the template was downloaded, a template from another system); they are not a security
/// measure, which is why a simple, dependency-free hash is enough.
pub fn fnv1a(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_read_like_a_spreadsheet() {
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(6, 2), "C7");
        assert_eq!(col_name(25), "Z");
        assert_eq!(col_name(26), "AA");
        assert_eq!(col_name(701), "ZZ");
        assert_eq!(col_name(702), "AAA");
    }

    #[test]
    fn rows_grow_with_the_longest_wrapped_cell() {
        assert_eq!(row_height(&[("短", 10.0)], 1), 18.5);
        // 20 CJK characters = 40 units in a 21-unit column: two lines.
        assert_eq!(row_height(&[(&"字".repeat(20), 21.0), ("x", 5.0)], 1), 33.0);
        assert_eq!(row_height(&[("a\nb\nc", 30.0)], 1), 47.5);
        assert_eq!(row_height(&[("", 30.0)], 3), 47.5);
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a(""), "cbf29ce484222325");
        assert_eq!(fnv1a("a"), "af63dc4c8601ec8c");
        assert_eq!(fnv1a("foobar"), "85944171f73967e8");
    }
}
