//! `ecociv overdue [--year Y] [--format table|json]`: which units, counties and districts have
//! values of a year to report that are not submitted or approved, and whether they are past the
//! due date (31 March of the next year), from the database: the same list as the dashboard and
//! `GET /api/v1/overdue`, by the same rule.

use anyhow::Result;
use clap::ValueEnum;
use ecociv_app::{Reporter, StoreConfig};
use ecociv_i18n::Words;

use crate::cmd::db::{self, DatabaseArg};
use crate::context::Common;
use crate::table;

#[derive(Debug, clap::Args)]
pub struct OverdueArgs {
    /// 报告年份，缺省为当前报告年度（上一年）
    #[arg(long)]
    pub year: Option<i32>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub db: DatabaseArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

pub fn run(args: OverdueArgs, common: &Common) -> Result<()> {
    db::runtime()?.block_on(async {
        let app = db::open(&args.db, common, StoreConfig::default()).await?;
        let model = app.model().await?;
        let year = args.year.unwrap_or_else(|| app.reporting_year(&model.plan));
        let missing = app.missing_reports(&db::operator(), year).await;
        app.close().await;
        let missing = missing?;
        match args.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&missing)?),
            Format::Table => {
                let due = app.calendar().due_date(year);
                println!(
                    "{year}年数据截止日期 {due}{}；未报送的单位和县区 {} 个：",
                    if app.calendar().past_due(year, app.today()) {
                        "（已过期）"
                    } else {
                        ""
                    },
                    missing.len()
                );
                let rows: Vec<Vec<String>> = missing
                    .iter()
                    .map(|m| {
                        let kind = match &m.reporter {
                            Reporter::Unit { .. } => "单位",
                            Reporter::Region { .. } => "县区",
                        };
                        let names: Vec<String> = m
                            .missing
                            .iter()
                            .take(3)
                            .map(|d| {
                                model
                                    .plan
                                    .indicator(&d.indicator)
                                    .map_or_else(|| d.indicator.clone(), |i| i.name.clone())
                            })
                            .collect();
                        vec![
                            m.reporter.name().to_owned(),
                            kind.to_owned(),
                            m.owed.to_string(),
                            m.missing.len().to_string(),
                            format!(
                                "{}{}",
                                names.join("、"),
                                if m.missing.len() > 3 { "等" } else { "" }
                            ),
                            m.missing
                                .first()
                                .map(|d| d.responsibility.zh().to_owned())
                                .unwrap_or_default(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table::render(
                        &["单位/县区", "类别", "应报", "未报", "未报指标", "责任"],
                        &rows
                    )
                );
            }
        }
        Ok(())
    })
}
