//! One module per subcommand.

pub mod air;
pub mod audit;
pub mod backup;
pub mod db;
pub mod demo;
pub mod eco;
pub mod evaluate;
pub mod export;
pub mod fixture;
pub mod import;
pub mod import_xlsx;
pub mod init;
pub mod inputs;
pub mod overdue;
pub mod plan;
pub mod report;
#[cfg(feature = "serve")]
pub mod serve;
pub mod template;
pub mod user;
pub mod water;

/// A date from the command line (YYYY-MM-DD), or today: the report crate reads no clock, so the
/// binary decides what date is printed.
pub fn date_arg(given: Option<&str>) -> anyhow::Result<ecociv_report::Date> {
    match given {
        Some(s) => Ok(s.parse()?),
        None => {
            let today = chrono::Local::now().date_naive();
            Ok(today.format("%Y-%m-%d").to_string().parse()?)
        }
    }
}
