//! `ecociv fixture city-decade|province --out DIR`: the scale fixtures of issue 13
//! (规模测试数据), values CSV files for `ecociv import values` (see `ecociv_core::scale`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, Result};
use ecociv_core::scale::{self, Monthly, Spec};
use ecociv_core::{Plan, builtin};
use ecociv_i18n::Msg;

use crate::context::{Common, read_text};

#[derive(Debug, clap::Subcommand)]
pub enum FixtureCommand {
    /// 一个城市十年：各地区 × 全部指标 × 120 个月 + 年度值，另附 5% 更正（corrections.csv）
    CityDecade {
        #[command(flatten)]
        args: FixtureArgs,
        /// 只取方案中前 N 个地区（默认全部，内置方案为 13 个）
        #[arg(long, value_name = "N")]
        regions: Option<usize>,
    },
    /// 一个省：内置方案加示例县至 N 个地区（plan.toml），10 年年度值 + 空气与水指标月度值
    Province {
        #[command(flatten)]
        args: FixtureArgs,
        /// 地区总数（含方案原有地区）
        #[arg(long, value_name = "N", default_value_t = 180)]
        regions: usize,
    },
}

#[derive(Debug, clap::Args)]
pub struct FixtureArgs {
    /// 输出目录 / output directory
    #[arg(long)]
    pub out: PathBuf,
    /// 随机种子：同一种子、同一规模生成同样的文件
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
    /// 年数，截至 2025 年（默认 10 年：2016–2025）
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=10))]
    pub years: u16,
}

impl FixtureArgs {
    fn years(&self) -> std::ops::RangeInclusive<i32> {
        let end = *scale::DEFAULT_YEARS.end();
        end + 1 - i32::from(self.years)..=end
    }
}

pub fn run(cmd: FixtureCommand, common: &Common) -> Result<()> {
    let started = Instant::now();
    let loaded = common.load()?;
    let (args, plan, spec, plan_text) = match cmd {
        FixtureCommand::CityDecade { args, regions } => {
            let spec = Spec {
                seed: args.seed,
                regions,
                years: args.years(),
                monthly: Monthly::All,
                corrections: true,
            };
            (args, loaded.plan, spec, None)
        }
        FixtureCommand::Province { args, regions } => {
            let base = match &common.plan {
                Some(path) => read_text(path)?,
                None => builtin::PLAN.1.to_owned(),
            };
            let text = scale::province_plan(&base, loaded.plan.regions.len(), regions);
            let plan = Plan::load("plan.toml", &text, &loaded.catalogue).map_err(|d| {
                anyhow::anyhow!("生成的省级方案有{}处错误（这是程序缺陷）:\n{d}", d.len())
            })?;
            let spec = Spec {
                seed: args.seed,
                regions: None,
                years: args.years(),
                monthly: Monthly::AirAndWaterThenQuarterly,
                corrections: false,
            };
            (args, plan, spec, Some(text))
        }
    };
    let f = scale::generate(&plan, &loaded.catalogue, &spec);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("无法创建目录 {}", args.out.display()))?;
    let write = |name: &str, text: &str| -> Result<()> {
        let path = args.out.join(name);
        std::fs::write(&path, text).with_context(|| format!("无法写入 {}", path.display()))
    };
    write("values.csv", &f.values)?;
    if spec.corrections {
        write("corrections.csv", &f.corrections)?;
    }
    if let Some(text) = &plan_text {
        write("plan.toml", text)?;
    }
    write(
        "README.txt",
        &readme(&args.out, &spec, &f, plan_text.is_some()),
    )?;
    let regions = spec
        .regions
        .map_or(plan.regions.len(), |n| n.min(plan.regions.len()));
    eprintln!(
        "{}（{:.1} 秒）",
        Msg::FixtureWritten {
            dir: args.out.display().to_string(),
            regions,
            rows: f.rows,
            corrected: f.corrected,
        },
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn readme(dir: &Path, spec: &Spec, f: &scale::Fixture, province: bool) -> String {
    let d = dir.display();
    let plan = if province {
        format!(" --plan {d}/plan.toml")
    } else {
        String::new()
    };
    let mut s = format!(
        "规模测试数据（非真实数据）\n\n本目录由 `ecociv fixture` 生成（种子 {}，{}–{} 年），数据为虚构，仅用于容量与性能测试，不得用于申报或公开。\n\nvalues.csv       指标值 {} 条\n",
        spec.seed,
        spec.years.start(),
        spec.years.end(),
        f.rows
    );
    if province {
        s.push_str("plan.toml        内置方案加示例县（49xxxx）的省级规模方案\n");
    }
    if spec.corrections {
        s.push_str(&format!(
            "corrections.csv  更正 {} 条（约 5%）：先导入 values.csv（草稿），再导入本文件，更新同一草稿\n",
            f.corrected
        ));
    }
    s.push_str(&format!(
        "\n导入：ecociv{plan} import values {d}/values.csv --database sqlite:scale.db\n"
    ));
    if spec.corrections {
        s.push_str(&format!(
            "      ecociv{plan} import values {d}/corrections.csv --database sqlite:scale.db\n"
        ));
    }
    s
}
