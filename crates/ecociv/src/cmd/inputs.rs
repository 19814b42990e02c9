//! Where values and assigned targets come from for the commands that evaluate a year
//! (`evaluate`, `report`, `export`): CSV files today, defaulting to the demo data that
//! `ecociv demo` writes. The database source replaces this module's callers' defaults later.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use ecociv_core::evaluate::Options;
use ecociv_core::observation::{RowError, parse_assigned_csv, parse_values_csv};
use ecociv_core::{AssignedSet, AssignedTarget, Evaluation, Observation, ValueSet};

use crate::cmd::demo::DEFAULT_DIR;
use crate::context::{Loaded, read_text};

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
            &ValueSet::new(self.observations.iter().cloned()),
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
