//! Errors for monitoring input files that name the file, the row and the column.

use std::fmt;

/// Where in an input file a problem was found. Rows are 1-based and count the header as row 1,
/// which is how spreadsheet programs number them, so a user can jump straight to the cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub row: Option<u64>,
    pub column: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(row) = self.row {
            write!(f, ", 第{row}行")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", 列“{column}”")?;
        }
        Ok(())
    }
}

/// A problem with an input file, located precisely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct InputError {
    pub location: Location,
    pub message: String,
}

impl InputError {
    pub fn new(
        file: impl Into<String>,
        row: Option<u64>,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        InputError {
            location: Location {
                file: file.into(),
                row,
                column: column.map(str::to_owned),
            },
            message: message.into(),
        }
    }
}
