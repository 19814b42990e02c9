//! The application state shared by every handler, and the web settings.

use ecociv_store::Store;

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
    /// Behind a reverse proxy, take the client address from `X-Forwarded-For` / `Forwarded`.
    pub behind_proxy: bool,
    /// Origins besides the server's own that may send state-changing requests (a proxy that
    /// rewrites `Host`).
    pub trusted_origins: Vec<String>,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            secure_cookies: false,
            max_body_bytes: 1024 * 1024,
            login_burst: 10,
            login_refill_seconds: 6,
            behind_proxy: false,
            trusted_origins: Vec::new(),
        }
    }
}

/// What handlers share: the store and the settings.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub config: std::sync::Arc<WebConfig>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> AppState {
        AppState {
            store,
            config: std::sync::Arc::new(config),
        }
    }
}
