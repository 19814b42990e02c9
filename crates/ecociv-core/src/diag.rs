//! Diagnostics for data files: every problem names the file, the line and the field.
//!
//! Loaders collect all problems they find rather than stopping at the first, so a coordinator
//! who edits a plan sees every mistake in one run.

use std::fmt;
use std::ops::Range;

/// One problem in a data file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The file name as the user gave it (or a name for built-in data).
    pub file: String,
    /// 1-based line; 0 when the problem concerns the file as a whole.
    pub line: usize,
    /// 1-based column (in characters); 0 when unknown.
    pub column: usize,
    /// The field path, e.g. `task[12].target[0].indicator`.
    pub field: String,
    /// What is wrong, in Chinese, with the allowed values where that helps.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// All the problems found in one or more files. Its `Display` lists one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(transparent)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl Diagnostics {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

/// A source file being checked: turns byte spans into lines and columns and collects problems.
#[derive(Debug)]
pub struct SourceFile<'a> {
    name: String,
    text: &'a str,
    line_starts: Vec<usize>,
    problems: Vec<Diagnostic>,
}

impl<'a> SourceFile<'a> {
    pub fn new(name: impl Into<String>, text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name: name.into(),
            text,
            line_starts,
            problems: Vec::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// 1-based line and column of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    /// Records a problem at a span (pass `None` for the whole file).
    pub fn error(
        &mut self,
        span: Option<Range<usize>>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        let (line, column) = span.map_or((0, 0), |s| self.position(s.start));
        self.problems.push(Diagnostic {
            file: self.name.clone(),
            line,
            column,
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn has_errors(&self) -> bool {
        !self.problems.is_empty()
    }

    pub fn into_problems(self) -> Vec<Diagnostic> {
        self.problems
    }

    /// Parses TOML into `T`, turning a syntax or shape error into a located diagnostic.
    pub fn parse_toml<T: serde::de::DeserializeOwned>(&mut self) -> Option<T> {
        match toml::from_str::<T>(self.text) {
            Ok(value) => Some(value),
            Err(err) => {
                let message = err.message().trim().to_owned();
                self.error(err.span(), "", format!("TOML 格式错误: {message}"));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters_from_one() {
        let src = SourceFile::new("a.toml", "ab\n中文x\n\nz");
        assert_eq!(src.position(0), (1, 1));
        assert_eq!(src.position(1), (1, 2));
        assert_eq!(src.position(3), (2, 1));
        // "中文" is 6 bytes but 2 characters.
        assert_eq!(src.position(9), (2, 3));
        assert_eq!(src.position(11), (3, 1));
        assert_eq!(src.position(12), (4, 1));
    }

    #[test]
    fn diagnostics_display_file_line_column_field_message() {
        let mut src = SourceFile::new("p.toml", "x = 1\ny = 2\n");
        src.error(Some(6..7), "y", "不允许");
        let d = Diagnostics(src.into_problems());
        assert_eq!(d.to_string(), "p.toml:2:1: y: 不允许");
    }
}
