//! The `ecociv` command line: one binary for the service, the CLI tools and the monitoring engines.
//!
//! Each subcommand lives in its own module under `cmd/`; this file only wires them together. The
//! binary holds no business logic of its own: it opens files, calls the library crates and prints.

use clap::{Parser, Subcommand};

mod cmd;
mod context;
mod table;

#[derive(Debug, Parser)]
#[command(
    name = "ecociv",
    version,
    about = "国家生态文明建设示范市创建管理平台 / ecological civilization demonstration city platform"
)]
struct Cli {
    #[command(flatten)]
    common: context::Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 启动网站与接口服务（首次启动时建库并创建管理员）
    #[cfg(feature = "serve")]
    Serve(cmd::serve::ServeArgs),
    /// 建库、载入方案，创建首个管理员（不启动服务）
    Init(cmd::init::InitArgs),
    /// 用户账户
    User {
        #[command(subcommand)]
        cmd: cmd::user::UserCommand,
    },
    /// 审计日志
    Audit {
        #[command(subcommand)]
        cmd: cmd::audit::AuditCommand,
    },
    /// 备份数据库（服务运行时也可执行，结果一致）
    Backup(cmd::backup::BackupArgs),
    /// 从备份恢复到新的空数据库
    Restore(cmd::backup::RestoreArgs),
    /// 导入数据（全部通过才写入）
    Import {
        #[command(subcommand)]
        cmd: cmd::import::ImportCommand,
    },
    /// 实施方案：检查与显示 (the implementation plan)
    Plan {
        #[command(subcommand)]
        cmd: cmd::plan::PlanCommand,
    },
    /// 未报送：各单位和县区某年应报而未报的指标及是否逾期 / who is late with a year's values
    Overdue(cmd::overdue::OverdueArgs),
    /// 按方案目标和国家标准评估某一年 (evaluate a year)
    Evaluate(cmd::evaluate::EvaluateArgs),
    /// 生成示例数据 (write labelled demo data)
    Demo(cmd::demo::DemoArgs),
    /// 规模测试数据：城市十年、省级规模的指标值文件（非真实数据）/ scale fixtures (issue 13)
    Fixture {
        #[command(subcommand)]
        cmd: cmd::fixture::FixtureCommand,
    },
    /// 年度自评估报告（Word）/ the annual self-assessment report (.docx)
    Report(cmd::report::ReportArgs),
    /// 生成单位或县区的 Excel 填报模板 / a reporting template (.xlsx) for a unit or county
    Template(cmd::template::TemplateArgs),
    /// 导出指标完成情况表、公开数据 / export the completion table and open data
    Export {
        #[command(subcommand)]
        cmd: cmd::export::ExportCommand,
    },
    /// 空气质量：HJ 633 AQI 与 HJ 663 年度评价 (air quality from monitoring data)
    Air {
        #[command(subcommand)]
        cmd: cmd::air::AirCommand,
    },
    /// 水环境质量：GB 3838 断面评价与黑臭水体 (water quality)
    Water {
        #[command(subcommand)]
        cmd: cmd::water::WaterCommand,
    },
    /// 生态环境状况指数 HJ 192 (ecological status index)
    Eco {
        #[command(subcommand)]
        cmd: cmd::eco::EcoCommand,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        #[cfg(feature = "serve")]
        Command::Serve(args) => cmd::serve::run(args, &cli.common),
        Command::Init(args) => cmd::init::run(args, &cli.common),
        Command::User { cmd } => cmd::user::run(cmd, &cli.common),
        Command::Audit { cmd } => cmd::audit::run(cmd, &cli.common),
        Command::Backup(args) => cmd::backup::backup(args, &cli.common),
        Command::Restore(args) => cmd::backup::restore(args, &cli.common),
        Command::Import { cmd } => cmd::import::run(cmd, &cli.common),
        Command::Plan { cmd } => cmd::plan::run(cmd, &cli.common),
        Command::Overdue(args) => cmd::overdue::run(args, &cli.common),
        Command::Evaluate(args) => cmd::evaluate::run(args, &cli.common),
        Command::Demo(args) => cmd::demo::run(args, &cli.common),
        Command::Fixture { cmd } => cmd::fixture::run(cmd, &cli.common),
        Command::Report(args) => cmd::report::run(args, &cli.common),
        Command::Template(args) => cmd::template::run(args, &cli.common),
        Command::Export { cmd } => cmd::export::run(cmd, &cli.common),
        Command::Air { cmd } => cmd::air::run(cmd),
        Command::Water { cmd } => cmd::water::run(cmd),
        Command::Eco { cmd } => cmd::eco::run(cmd),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("错误: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
