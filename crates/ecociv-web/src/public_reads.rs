//! Reads without sign-in: a rate limit per client address, and public documents cached per data
//! generation with conditional requests.
//!
//! **Rate limit.** Every request nobody is signed in for (except the compiled-in assets and the
//! login form, which has its own limit) takes a token from its client address's bucket:
//! [`WebConfig::public_burst`] tokens, refilled at [`WebConfig::public_per_minute`]. An empty
//! bucket answers 429 with `Retry-After` and a message saying when to try again. Signed-in users
//! are never limited here. The client address is the one the login limit and the audit log use
//! (`X-Forwarded-For` only with `--behind-proxy`).
//!
//! **Caching.** The public documents (open data, the public portal and its CSV, and the JSON the
//! API gives the public) are a function of the data, the day and the language asked for. Their
//! answers to anonymous `GET`s carry an `ETag` made of the data generation (which every
//! committed write moves, [`ecociv_app::App::data_generation`]), the day and the language; a
//! request whose `If-None-Match` names the current one gets `304 Not Modified` without the
//! document being made, and a `200` is kept in memory and served again until the generation
//! moves. A document is kept only when the generation did not move while it was made, so what
//! is served under an ETag is what that generation gives. Streamed downloads are never kept;
//! they carry the ETag of the generation they started at.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, ETAG, IF_NONE_MATCH, RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::state::{AppState, WebConfig};

/// The most documents kept, the largest one kept and the most kept in all (bytes).
const MAX_ENTRIES: usize = 256;
const MAX_DOCUMENT_BYTES: u64 = 16 * 1024 * 1024;
const MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;

/// Paths whose anonymous answers are cached: exact paths, and prefixes ending in `/`.
const CACHED: &[&str] = &[
    "/open-data",
    "/open-data/",
    "/public",
    "/public/",
    "/api/v1/values",
    "/api/v1/periods",
    "/api/v1/indicators",
    "/api/v1/plan",
    "/api/v1/plan/findings",
    "/api/v1/tasks",
    "/api/v1/evaluation/",
];

fn is_cached_path(path: &str) -> bool {
    CACHED.iter().any(|p| {
        if p.ends_with('/') {
            path.starts_with(p)
        } else {
            path == *p
        }
    })
}

/// Whether a request is exempt from the public rate limit: the compiled-in assets (immutable,
/// served from memory), the load balancer's probes, the metrics (loopback only), and the login
/// form (limited on its own).
fn is_exempt(method: &Method, path: &str) -> bool {
    path.starts_with("/assets/")
        || crate::health::PATHS.contains(&path)
        || path == "/metrics"
        || (method == Method::POST && matches!(path, "/api/v1/session" | "/login"))
}

/// A kept document.
#[derive(Debug, Clone)]
struct Entry {
    etag: HeaderValue,
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Debug, Default)]
struct Cache {
    /// The generation the entries were made at; a newer one empties the cache.
    generation: i64,
    entries: HashMap<String, Entry>,
    /// The bodies' bytes in all.
    bytes: usize,
}

/// The shared state of the layer: the buckets and the cache.
#[derive(Debug)]
pub struct PublicReads {
    state: AppState,
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    cache: Mutex<Cache>,
}

impl PublicReads {
    pub fn new(state: AppState) -> PublicReads {
        let limiter = limiter(&state.config);
        PublicReads {
            state,
            limiter,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// `Err(seconds to wait)` when the address has no token left.
    fn take_token(&self, client: IpAddr) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        // Forget addresses whose bucket is full again, so the table stays small.
        if limiter.len() > 10_000 {
            limiter.retain_recent();
        }
        limiter.check_key(&client).map_err(|n| {
            use governor::clock::{Clock, DefaultClock};
            n.wait_time_from(DefaultClock::default().now()).as_secs() + 1
        })
    }

    fn cached(&self, key: &str, etag: &HeaderValue, generation: i64) -> Option<Entry> {
        self.cache.lock().ok()?.get(key, etag, generation)
    }

    fn keep(&self, key: String, entry: Entry, generation: i64) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.keep(key, entry, generation);
        }
    }
}

impl Cache {
    fn get(&self, key: &str, etag: &HeaderValue, generation: i64) -> Option<Entry> {
        (self.generation == generation)
            .then(|| self.entries.get(key))
            .flatten()
            .filter(|e| e.etag == *etag)
            .cloned()
    }

    fn keep(&mut self, key: String, entry: Entry, generation: i64) {
        if generation > self.generation {
            self.generation = generation;
            self.entries.clear();
            self.bytes = 0;
        }
        if generation < self.generation || entry.body.len() > MAX_TOTAL_BYTES {
            return;
        }
        if let Some(old) = self.entries.remove(&key) {
            self.bytes -= old.body.len();
        }
        // Make room by dropping any others (a full cache within one generation is rare: the
        // public documents are few).
        while self.entries.len() >= MAX_ENTRIES || self.bytes + entry.body.len() > MAX_TOTAL_BYTES {
            let Some(k) = self.entries.keys().next().cloned() else {
                break;
            };
            if let Some(old) = self.entries.remove(&k) {
                self.bytes -= old.body.len();
            }
        }
        self.bytes += entry.body.len();
        self.entries.insert(key, entry);
    }
}

fn limiter(config: &WebConfig) -> Option<DefaultKeyedRateLimiter<IpAddr>> {
    let per_minute = NonZeroU32::new(config.public_per_minute)?;
    let burst = NonZeroU32::new(config.public_burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Some(DefaultKeyedRateLimiter::keyed(
        Quota::per_minute(per_minute).allow_burst(burst),
    ))
}

/// Where the inner layer leaves the seconds to wait of a refused request, for the outer layer
/// to send as `Retry-After` (the error renderers in between build new responses).
#[derive(Debug, Clone, Default)]
struct RetrySlot(Arc<Mutex<Option<u64>>>);

/// The outer half, outside the error renderers: gives every request a [`RetrySlot`] and adds
/// `Retry-After` to the answer when the inner half refused it.
pub async fn retry_after(mut req: Request, next: Next) -> Response {
    let slot = RetrySlot::default();
    req.extensions_mut().insert(slot.clone());
    let mut resp = next.run(req).await;
    let wait = slot.0.lock().ok().and_then(|s| *s);
    if let Some(seconds) = wait
        && resp.status() == StatusCode::TOO_MANY_REQUESTS
    {
        resp.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    resp
}

/// The inner half, after the session is known: the rate limit, then the cache, for requests
/// nobody is signed in for.
pub async fn public_reads(
    State(reads): State<Arc<PublicReads>>,
    req: Request,
    next: Next,
) -> Response {
    let anonymous = req
        .extensions()
        .get::<CurrentUser>()
        .is_none_or(|u| u.0.is_none());
    if !anonymous || is_exempt(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let client = client_key(&req, &reads.state.config);
    if let Some(Err(seconds)) = client.map(|c| reads.take_token(c)) {
        if let Some(slot) = req.extensions().get::<RetrySlot>()
            && let Ok(mut s) = slot.0.lock()
        {
            *s = Some(seconds);
        }
        return ApiError::TooManyPublicRequests { seconds }.into_response();
    }
    if req.method() != Method::GET || !is_cached_path(req.uri().path()) {
        return next.run(req).await;
    }
    cached_get(&reads, req, next).await
}

/// The address a request's bucket is kept under: the client address as the login limit and the
/// audit log take it. Without one (an app served without connection info) nothing is limited.
fn client_key(req: &Request, config: &WebConfig) -> Option<IpAddr> {
    crate::auth::client_addr_of(req, config).map(crate::auth::rate_limit_key)
}

/// An anonymous `GET` of a public document: 304 when the client holds the current one, the
/// kept copy when there is one, else the handler's answer, kept when it is a plain 200.
async fn cached_get(reads: &PublicReads, req: Request, next: Next) -> Response {
    let app = &reads.state.app;
    // The database is down when this fails; the handler would fail the same way, and answering
    // with this error keeps one logged error number per failed request.
    let generation = match app.data_generation().await {
        Ok(g) => g,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let page_lang = crate::pages::lang_from(req.uri().query(), req.headers()).unwrap_or_default();
    let api_lang = req
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(ecociv_i18n::Lang::from_accept_language)
        .unwrap_or_default();
    let day = format!("{}.{}", app.today(), ecociv_app::documents::today());
    let key = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    let Ok(etag) = HeaderValue::from_str(&format!(
        "\"{generation}-{}-{}{}-{:016x}\"",
        day.replace('-', ""),
        page_lang.code(),
        api_lang.code(),
        fnv1a(key.as_bytes())
    )) else {
        return next.run(req).await;
    };
    if if_none_match(req.headers(), &etag) {
        return (StatusCode::NOT_MODIFIED, [(ETAG, etag)]).into_response();
    }
    if let Some(e) = reads.cached(&key, &etag, generation) {
        let mut resp = Response::new(Body::from(e.body));
        *resp.headers_mut() = e.headers;
        resp.headers_mut().insert(ETAG, e.etag);
        return resp;
    }

    let mut resp = next.run(req).await;
    let size = resp.body().size_hint().exact();
    if resp.status() != StatusCode::OK || resp.headers().contains_key(SET_COOKIE) {
        return resp;
    }
    if size.is_none() {
        // A streamed download (`/public/data.csv`) is not kept, but carries the ETag of the
        // generation it started at, so the next request with it is answered 304 until a write.
        // A write committed while it streams may show in it; it moves the generation, so that
        // ETag is not answered 304 again.
        resp.headers_mut().insert(ETAG, etag);
        return resp;
    }
    if size.is_some_and(|n| n > MAX_DOCUMENT_BYTES) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_DOCUMENT_BYTES as usize).await else {
        return ApiError::internal("a public document could not be read back").into_response();
    };
    // Keep it only if no write committed while it was made: then it is this generation's.
    if app.data_generation().await.ok() == Some(generation) {
        reads.keep(
            key,
            Entry {
                etag: etag.clone(),
                headers: parts.headers.clone(),
                body: bytes.clone(),
            },
            generation,
        );
        parts.headers.insert(ETAG, etag);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// FNV-1a (64 bits): tells one URL's ETag from another's; not a security measure.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether `If-None-Match` names `etag` (or `*`); weak comparison, as RFC 9110 asks for it.
fn if_none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(ours) = etag.to_str() else {
        return false;
    };
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_documents_are_the_cached_paths() {
        for p in [
            "/open-data",
            "/open-data/2024/values.csv",
            "/public",
            "/public/data.csv",
            "/public/indicators/ei",
            "/api/v1/values",
            "/api/v1/evaluation/2024",
        ] {
            assert!(is_cached_path(p), "{p}");
        }
        for p in [
            "/",
            "/login",
            "/publicity",
            "/api/v1/values/3",
            "/api/v1/session",
        ] {
            assert!(!is_cached_path(p), "{p}");
        }
    }

    #[test]
    fn the_cache_holds_one_generation_within_its_bounds() {
        let entry = |etag: &'static str, n: usize| Entry {
            etag: HeaderValue::from_static(etag),
            headers: HeaderMap::new(),
            body: Bytes::from(vec![b'x'; n]),
        };
        let e1 = HeaderValue::from_static("\"1\"");
        let mut c = Cache::default();
        c.keep("/a".into(), entry("\"1\"", 10), 1);
        assert!(c.get("/a", &e1, 1).is_some());
        assert!(c.get("/a", &HeaderValue::from_static("\"2\""), 1).is_none());
        assert!(c.get("/a", &e1, 2).is_none(), "another generation");
        // A newer generation empties it; an older one is not kept.
        c.keep("/b".into(), entry("\"2\"", 10), 2);
        assert!(c.get("/a", &e1, 1).is_none());
        c.keep("/a".into(), entry("\"1\"", 10), 1);
        assert_eq!(c.entries.len(), 1);
        // Never more than the bounds.
        for i in 0..MAX_ENTRIES + 10 {
            c.keep(format!("/{i}"), entry("\"2\"", 1024), 2);
        }
        assert_eq!(c.entries.len(), MAX_ENTRIES);
        for i in 0..10 {
            c.keep(format!("/big{i}"), entry("\"2\"", MAX_TOTAL_BYTES / 4), 2);
        }
        assert!(c.bytes <= MAX_TOTAL_BYTES, "{}", c.bytes);
        assert_eq!(
            c.bytes,
            c.entries.values().map(|e| e.body.len()).sum::<usize>()
        );
    }

    #[test]
    fn if_none_match_is_compared_weakly_and_in_lists() {
        let etag = HeaderValue::from_static("\"7-20250101-zhzh\"");
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(IF_NONE_MATCH, HeaderValue::from_static(v));
            h
        };
        assert!(if_none_match(&with("\"7-20250101-zhzh\""), &etag));
        assert!(if_none_match(&with("W/\"7-20250101-zhzh\""), &etag));
        assert!(if_none_match(&with("\"1\", \"7-20250101-zhzh\""), &etag));
        assert!(if_none_match(&with("*"), &etag));
        assert!(!if_none_match(&with("\"6-20250101-zhzh\""), &etag));
        assert!(!if_none_match(&HeaderMap::new(), &etag));
    }
}
