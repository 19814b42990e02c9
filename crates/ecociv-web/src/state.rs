//! The application state shared by every handler, and the web settings.

use ecociv_app::{App, Database};
use ecociv_report::chart::{ChartError, PngRenderer};

/// Web settings; [`WebConfig::default`] is what `ecociv serve` uses.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark the session cookie `Secure` (set when served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Largest JSON or CSV body accepted, in bytes (evidence uploads use the store's limit).
    pub max_body_bytes: usize,
    /// Login attempts per client address: a burst of this many, then one per
    /// `login_refill_seconds`.
    pub login_burst: u32,
    pub login_refill_seconds: u64,
    /// Behind a reverse proxy, take the client address from `X-Forwarded-For`: the entry the
    /// trusted proxy appended (see [`crate::auth::client_addr`]).
    pub behind_proxy: bool,
    /// How many proxies in a row append to `X-Forwarded-For` (nginx alone: 1); the client is
    /// that many entries from the right.
    pub trusted_proxy_hops: usize,
    /// Origins besides the server's own that may send state-changing requests (a proxy that
    /// rewrites `Host`).
    pub trusted_origins: Vec<String>,
    /// The management allow-list (`--admin-allow`): when not empty, the administrator's and the
    /// auditor's sessions are refused from any other address (the application's policy
    /// decides, [`ecociv_app::policy::require_management_address`]).
    pub admin_allow: Vec<ecociv_app::AddressRange>,
    /// Requests without sign-in per client address: a burst of `public_burst`, refilled at
    /// `public_per_minute` (0: no limit). See [`crate::public_reads`].
    pub public_burst: u32,
    pub public_per_minute: u32,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            secure_cookies: false,
            max_body_bytes: 1024 * 1024,
            login_burst: 10,
            login_refill_seconds: 6,
            behind_proxy: false,
            trusted_proxy_hops: 1,
            trusted_origins: Vec::new(),
            admin_allow: Vec::new(),
            public_burst: 300,
            public_per_minute: 1800,
        }
    }
}

/// What handlers share: the application, the settings and the chart renderer of the Word
/// report. Handlers call the application only.
#[derive(Debug, Clone)]
pub struct AppState {
    pub app: App,
    pub config: std::sync::Arc<WebConfig>,
    /// Rasterises the report's charts with a CJK font, loaded once at startup
    /// ([`AppState::with_renderer`]); `Err` says why there is none, and the report route answers
    /// 503 with it while everything else works.
    pub renderer: Result<PngRenderer, std::sync::Arc<str>>,
}

impl AppState {
    /// The state over a database (the application is made here; handlers never see the
    /// database itself).
    pub fn new(database: Database, config: WebConfig) -> AppState {
        AppState {
            app: App::new(database),
            config: std::sync::Arc::new(config),
            renderer: Err("服务启动时未加载中文字体".into()),
        }
    }

    /// The state over an application made by the caller (the command line's `serve`).
    pub fn with_app(app: App, config: WebConfig) -> AppState {
        AppState {
            app,
            config: std::sync::Arc::new(config),
            renderer: Err("服务启动时未加载中文字体".into()),
        }
    }

    /// Sets the chart renderer (or the reason there is none, e.g. the CJK font is missing).
    pub fn with_renderer(mut self, renderer: Result<PngRenderer, ChartError>) -> AppState {
        self.renderer = renderer.map_err(|e| e.to_string().into());
        self
    }
}
