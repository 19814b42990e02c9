//! `ecociv demo --out DIR`: writes the labelled demo data (示例数据).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use ecociv_core::demo;

use crate::context::Common;

/// Where `ecociv demo` writes by default, and where `ecociv evaluate` looks when given no file.
pub const DEFAULT_DIR: &str = "ecociv-demo";

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// 输出目录 / output directory
    #[arg(long, default_value = DEFAULT_DIR)]
    pub out: PathBuf,
}

pub fn run(args: DemoArgs, common: &Common) -> Result<()> {
    let loaded = common.load()?;
    let d = demo::generate(&loaded.plan, &loaded.catalogue);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("无法创建目录 {}", args.out.display()))?;
    let write = |name: &str, text: String| -> Result<()> {
        let path = args.out.join(name);
        std::fs::write(&path, text).with_context(|| format!("无法写入 {}", path.display()))
    };
    write(
        "values.csv",
        demo::values_csv(&loaded.plan, &d.observations),
    )?;
    write(
        "assigned.csv",
        demo::assigned_csv(&loaded.plan, &d.assigned),
    )?;
    write(
        "README.txt",
        format!(
            "示例数据（非真实数据）\n\n本目录由 `ecociv demo` 生成，数据为虚构，仅用于演示 ecociv 的评估功能，\n不代表任何城市的真实情况，不得用于申报或公开。\n\nvalues.csv    指标值（{} 条，{}–{} 年，市、县区和统计范围）\nassigned.csv  上级下达目标（{} 条，文号均为示例）\n\n运行：ecociv evaluate --values {}/values.csv --year 2025\n",
            d.observations.len(),
            demo::YEARS.start(),
            demo::YEARS.end(),
            d.assigned.len(),
            args.out.display()
        ),
    )?;
    eprintln!(
        "已写入示例数据（非真实数据）到 {}：{} 条指标值，{} 条上级下达目标。",
        args.out.display(),
        d.observations.len(),
        d.assigned.len()
    );
    Ok(())
}
