//! `ecociv serve [--addr HOST:PORT] [--database URL] [--demo] [--font-dir DIR]`: the web service.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result};
use ecociv_app::{AddressRange, StoreConfig};
use ecociv_report::chart::{DEFAULT_FONT_DIR, PngRenderer};
use ecociv_web::{AppState, WebConfig};

use crate::cmd::db::{self, DatabaseArg};
use crate::context::Common;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// 监听地址
    #[arg(
        long,
        value_name = "HOST:PORT",
        env = "ECOCIV_ADDR",
        default_value = "127.0.0.1:8080"
    )]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub db: DatabaseArg,
    /// 首次启动时载入示例数据（非真实数据）
    #[arg(long)]
    pub demo: bool,
    /// 会话 Cookie 加 Secure 标记（经 HTTPS 提供服务时开启）
    #[arg(long, env = "ECOCIV_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// 位于反向代理之后：按 X-Forwarded-For 中可信代理追加的地址（自右数）识别客户端地址
    #[arg(long, env = "ECOCIV_BEHIND_PROXY")]
    pub behind_proxy: bool,
    /// 依次追加 X-Forwarded-For 的可信代理层数（仅 nginx 一层时为 1），客户端地址取自右数第几项
    #[arg(long, value_name = "N", env = "ECOCIV_TRUSTED_PROXY_HOPS", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=16))]
    pub trusted_proxy_hops: u8,
    /// 额外信任的来源（反向代理改写 Host 时），可多次给出，如 https://ecociv.example.gov.cn
    #[arg(long = "trusted-origin", value_name = "ORIGIN")]
    pub trusted_origins: Vec<String>,
    /// JSON / CSV 请求体上限（字节）
    #[arg(long, env = "ECOCIV_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// 佐证材料文件上限（字节）
    #[arg(long, env = "ECOCIV_MAX_EVIDENCE_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub max_evidence_bytes: usize,
    /// 会话空闲超时（分钟）
    #[arg(long, env = "ECOCIV_SESSION_IDLE_MINUTES", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..=24 * 60))]
    pub session_idle_minutes: u64,
    /// 会话绝对超时（小时）
    #[arg(long, env = "ECOCIV_SESSION_HOURS", default_value_t = 12,
          value_parser = clap::value_parser!(u64).range(1..=24 * 30))]
    pub session_hours: u64,
    /// 密码有效期（天）：超过后须先修改密码才能继续使用，他人设置的密码（初始密码、重设）也须先修改；不设则不过期（等保建议 90）
    #[arg(long, value_name = "DAYS", env = "ECOCIV_PASSWORD_MAX_AGE_DAYS",
          value_parser = clap::value_parser!(u64).range(1..=3650))]
    pub password_max_age_days: Option<u64>,
    /// 管理地址白名单：系统管理员和审计管理员账户只能从这些地址或网段使用，如 10.8.0.0/16,192.168.1.20；不设则不限
    #[arg(long, value_name = "CIDR,…", env = "ECOCIV_ADMIN_ALLOW", value_delimiter = ',',
          value_parser = parse_address_range)]
    pub admin_allow: Vec<AddressRange>,
    /// 数据库连接池大小
    #[arg(long, env = "ECOCIV_DB_CONNECTIONS", default_value_t = 8)]
    pub db_connections: u32,
    /// 未登录请求的频率限制：每个客户端地址可连续发出的请求数
    #[arg(long, env = "ECOCIV_PUBLIC_BURST", default_value_t = WebConfig::default().public_burst)]
    pub public_burst: u32,
    /// 未登录请求的频率限制：每个客户端地址每分钟恢复的请求数（0 表示不限制）
    #[arg(long, env = "ECOCIV_PUBLIC_PER_MINUTE", default_value_t = WebConfig::default().public_per_minute)]
    pub public_per_minute: u32,
    /// 中文字体目录（自评估报告的图表用），如 Debian fonts-noto-cjk 的目录；缺少时其他功能照常，只有报告下载不可用
    #[arg(long, value_name = "DIR", env = "ECOCIV_FONT_DIR", default_value = DEFAULT_FONT_DIR)]
    pub font_dir: PathBuf,
}

pub fn run(args: ServeArgs, common: &Common) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ECOCIV_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        // Plain text when the log goes to a file or a journal (the access log is kept there).
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    db::runtime()?.block_on(async {
        let config = StoreConfig {
            max_evidence_bytes: args.max_evidence_bytes,
            session_idle: Duration::from_secs(args.session_idle_minutes * 60),
            session_absolute: Duration::from_secs(args.session_hours * 3600),
            password_max_age: args
                .password_max_age_days
                .map(|d| Duration::from_secs(d * 24 * 3600)),
            max_connections: args.db_connections,
            ..StoreConfig::default()
        };
        let app = db::open(&args.db, common, config).await?;
        if args.demo {
            db::load_demo(&app).await?;
        }
        let admin_password = db::ensure_admin(&app).await?;
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("无法监听 {}（端口被占用？可用 --addr 换一个）", args.addr))?;
        let addr = listener.local_addr()?;
        let web = WebConfig {
            secure_cookies: args.secure_cookies,
            max_body_bytes: args.max_body_bytes,
            behind_proxy: args.behind_proxy,
            trusted_proxy_hops: usize::from(args.trusted_proxy_hops),
            trusted_origins: args.trusted_origins.clone(),
            admin_allow: args.admin_allow.clone(),
            public_burst: args.public_burst,
            public_per_minute: args.public_per_minute,
            ..WebConfig::default()
        };
        let model = app.model().await?;
        eprintln!(
            "ecociv 已启动：http://{addr}/  （接口文档 http://{addr}/api/docs/ ；数据库 {}；方案“{}”）",
            ecociv_app::redact_url(&args.db.database),
            model.plan.name
        );
        if let Some(pw) = admin_password {
            db::print_admin(&pw);
        }
        eprintln!("按 Ctrl+C（或发送 SIGTERM）停止。");
        // The chart font is loaded once; without it the service runs and only the Word report
        // answers 503 with the reason.
        let renderer = PngRenderer::from_font_dir(&args.font_dir);
        if let Err(e) = &renderer {
            eprintln!("注意：{e}。自评估报告（Word）下载暂不可用，其他功能正常。");
        }
        let state = AppState::with_app(app.clone(), web).with_renderer(renderer);
        ecociv_web::serve(listener, state, shutdown_signal())
        .await
        .context("服务异常退出")?;
        app.close().await;
        eprintln!("已停止。");
        Ok(())
    })
}

/// One entry of `--admin-allow`.
fn parse_address_range(s: &str) -> Result<AddressRange, String> {
    s.parse().map_err(|m: ecociv_i18n::Msg| m.to_string())
}

/// Ctrl+C, or SIGTERM (what systemd and container runtimes send to stop a service).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
