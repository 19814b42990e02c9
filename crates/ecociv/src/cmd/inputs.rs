//! Where values and assigned targets come from for the commands that evaluate a year.
//!
//! * `evaluate` reads CSV files, defaulting to the demo data that `ecociv demo` writes.
//! * `report`, `export completion`, `export open-data` and `template` read the database
//!   ([`SourceArgs`]): `--database URL`, else `ECOCIV_DATABASE`, else `sqlite:ecociv.db`, which
//!   must exist. Given `--values FILE.csv` they read that file instead (and `--assigned`), with
//!   the plan of `--plan` or the built-in one; the database is then not opened at all.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use ecociv_core::evaluate::Options;
use ecociv_core::observation::{RowError, parse_assigned_csv, parse_values_csv};
use ecociv_core::{AssignedSet, AssignedTarget, Evaluation, Observation, ValueSet};

use crate::cmd::demo::DEFAULT_DIR;
use crate::context::{Loaded, read_text};

/// The data source of `report`, `export` and `template`: the database unless `--values` is
/// given.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SourceArgs {
    /// 数据库（默认的数据来源）：sqlite:文件路径 或 postgres://用户@主机:端口/库名；未给出时取环境变量 ECOCIV_DATABASE，再缺省为 sqlite:ecociv.db
    #[arg(long, value_name = "URL", conflicts_with = "values")]
    pub database: Option<String>,
    /// 改从 CSV 文件读取指标值（表头 indicator,region,period,value,source），不读数据库
    #[arg(long, value_name = "FILE.csv")]
    pub values: Option<PathBuf>,
    /// 上级下达目标 CSV（表头 indicator,region,year,threshold,document；仅与 --values 一起用），缺省时使用指标值文件旁的 assigned.csv（如有）
    #[arg(long, value_name = "FILE.csv", requires = "values")]
    pub assigned: Option<PathBuf>,
    /// 跳过 CSV 中的无效行继续（仅与 --values 一起用）
    #[arg(long, requires = "values")]
    pub skip_invalid: bool,
}

/// Where a command reads from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A database URL.
    Database(String),
    /// CSV files.
    Csv(ValueFiles),
}

impl SourceArgs {
    pub fn source(&self) -> Source {
        match &self.values {
            Some(v) => Source::Csv(ValueFiles {
                values: Some(v.clone()),
                assigned: self.assigned.clone(),
                skip_invalid: self.skip_invalid,
            }),
            None => Source::Database(
                self.database
                    .clone()
                    .or_else(|| {
                        std::env::var("ECOCIV_DATABASE")
                            .ok()
                            .filter(|s| !s.trim().is_empty())
                    })
                    .unwrap_or_else(|| crate::cmd::db::DEFAULT_DATABASE.to_owned()),
            ),
        }
    }
}

/// The value files a command was given.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ValueFiles {
    /// 指标值 CSV（表头 indicator,region,period,value,source）；缺省时使用 ecociv demo 生成的示例数据
    #[arg(long, value_name = "FILE.csv")]
    pub values: Option<PathBuf>,
    /// 上级下达目标 CSV（表头 indicator,region,year,threshold,document）；缺省时使用指标值文件旁的 assigned.csv（如有）
    #[arg(long, value_name = "FILE.csv")]
    pub assigned: Option<PathBuf>,
    /// 跳过无效行继续（默认：文件有错误则停止）
    #[arg(long)]
    pub skip_invalid: bool,
}

/// Values and assigned targets, read and checked.
#[derive(Debug)]
pub struct Inputs {
    pub observations: Vec<Observation>,
    pub assigned: Vec<AssignedTarget>,
}

impl Inputs {
    /// Evaluates a year with these inputs.
    pub fn evaluate(&self, loaded: &Loaded, opts: &Options) -> Result<Evaluation> {
        Ok(ecociv_core::evaluate(
            &loaded.plan,
            &loaded.catalogue,
            &ValueSet::for_plan(&loaded.plan, self.observations.iter().cloned()),
            &AssignedSet::new(self.assigned.iter().cloned()),
            opts,
        )?)
    }
}

/// The values file: the one given, or the demo's (with a note that it is not real data).
pub fn values_path(given: Option<&Path>) -> Result<PathBuf> {
    match given {
        Some(p) => Ok(p.to_owned()),
        None => {
            let p = Path::new(DEFAULT_DIR).join("values.csv");
            if !p.exists() {
                bail!("请用 --values 指定指标值文件，或先运行 `ecociv demo` 生成示例数据");
            }
            eprintln!(
                "未指定 --values，使用示例数据 {}（非真实数据）",
                p.display()
            );
            Ok(p)
        }
    }
}

/// Reads the values and assigned targets; stops on any bad row unless told to skip them.
pub fn read(files: &ValueFiles, loaded: &Loaded) -> Result<Inputs> {
    let plan = &loaded.plan;
    let values_path = values_path(files.values.as_deref())?;
    let assigned_path = files.assigned.clone().or_else(|| {
        let p = values_path
            .parent()
            .unwrap_or(Path::new("."))
            .join("assigned.csv");
        p.exists().then(|| {
            eprintln!("使用上级下达目标文件 {}", p.display());
            p
        })
    });
    let values = parse_values_csv(
        &values_path.display().to_string(),
        &read_text(&values_path)?,
        plan,
    );
    let (assigned, assigned_errors) = match &assigned_path {
        Some(p) => {
            let parsed = parse_assigned_csv(&p.display().to_string(), &read_text(p)?, plan);
            (parsed.rows, parsed.errors)
        }
        None => (Vec::new(), Vec::new()),
    };
    report_errors(&values.errors, &assigned_errors, files.skip_invalid)?;
    Ok(Inputs {
        observations: values.rows,
        assigned,
    })
}

fn report_errors(values: &[RowError], assigned: &[RowError], skip: bool) -> Result<()> {
    let total = values.len() + assigned.len();
    if total == 0 {
        return Ok(());
    }
    for e in values.iter().chain(assigned) {
        eprintln!("{e}");
    }
    if skip {
        eprintln!("已跳过 {total} 行无效数据。");
        Ok(())
    } else {
        bail!("输入文件有 {total} 处错误，未进行评估（可用 --skip-invalid 跳过无效行）")
    }
}
