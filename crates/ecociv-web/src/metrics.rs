//! Prometheus metrics at `GET /metrics`, for the operators and never for the public: answered
//! only on a loopback connection that no proxy forwarded (no `X-Forwarded-For`, no
//! `Forwarded`); anyone else gets the same 404 as an unknown path. Scrape it on the host (or
//! through an SSH tunnel), not through the public proxy.
//!
//! What it says (text exposition format 0.0.4):
//! - `ecociv_http_requests_total{method,route,status}` and
//!   `ecociv_http_request_duration_seconds{method,route}` (a histogram): per route *template*
//!   (`/api/v1/values/{id}`), so the label set stays bounded whatever paths clients send
//!   (requests no route matched are not counted).
//! - `ecociv_db_pool_connections{state="open"|"idle"}`, `ecociv_db_pool_max_connections`.
//! - `ecociv_evaluation_cache_hits_total`, `ecociv_evaluations_computed_total`,
//!   `ecociv_evaluations_spliced_total`, `ecociv_evaluation_cache_entries`.
//! - `ecociv_data_generation`: the counter every write bumps.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Observations at or below each bound (not cumulative; summed when written).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// The request counters of one process.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (method, route) → latency.
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
    /// (method, route, status) → count.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
}

impl Metrics {
    fn record(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        let key = (method.as_str().to_owned(), route.to_owned());
        self.latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.clone())
            .or_default()
            .observe(seconds);
        *self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((key.0, key.1, status))
            .or_default() += 1;
    }

    /// The exposition text of the request counters.
    fn write_requests(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP ecociv_http_requests_total Requests answered, per route template and status."
        );
        let _ = writeln!(out, "# TYPE ecociv_http_requests_total counter");
        for ((method, route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "ecociv_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                label(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP ecociv_http_request_duration_seconds Time to answer, per route template."
        );
        let _ = writeln!(out, "# TYPE ecociv_http_request_duration_seconds histogram");
        for ((method, route), h) in self
            .latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let labels = format!("method=\"{method}\",route=\"{}\"", label(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "ecociv_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "ecociv_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "ecociv_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "ecociv_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
    }
}

/// A label value escaped as the exposition format asks (backslash, quote, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Records every request under its route template, after the router matched it.
pub async fn record(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let start = Instant::now();
    let resp = next.run(req).await;
    metrics.record(
        &method,
        &route,
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}

/// Whether a request came straight from this host: a loopback peer, not forwarded by a proxy.
fn from_this_host(headers: &HeaderMap, peer: Option<SocketAddr>) -> bool {
    peer.is_some_and(|p| p.ip().to_canonical().is_loopback())
        && !headers.contains_key("x-forwarded-for")
        && !headers.contains_key("forwarded")
}

/// `GET /metrics`.
pub async fn metrics(
    State(state): State<AppState>,
    metrics: axum::Extension<Arc<Metrics>>,
    req: Request,
) -> Result<Response, ApiError> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    if !from_this_host(req.headers(), peer) {
        return Err(ApiError::NoSuchPath {
            path: "/metrics".to_owned(),
        });
    }
    let mut out = String::new();
    metrics.write_requests(&mut out);
    let s = state.app.stats().await;
    let gauge = |out: &mut String, name: &str, help: &str, kind: &str, lines: &[(&str, String)]| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (labels, v) in lines {
            let _ = writeln!(out, "{name}{labels} {v}");
        }
    };
    gauge(
        &mut out,
        "ecociv_db_pool_connections",
        "Database connections of the pool.",
        "gauge",
        &[
            ("{state=\"open\"}", s.pool_open.to_string()),
            ("{state=\"idle\"}", s.pool_idle.to_string()),
        ],
    );
    gauge(
        &mut out,
        "ecociv_db_pool_max_connections",
        "The pool's size limit.",
        "gauge",
        &[("", s.pool_max.to_string())],
    );
    gauge(
        &mut out,
        "ecociv_evaluation_cache_hits_total",
        "Evaluations served from the cache.",
        "counter",
        &[("", s.evaluations.hits.to_string())],
    );
    gauge(
        &mut out,
        "ecociv_evaluations_computed_total",
        "Evaluations computed.",
        "counter",
        &[("", s.evaluations.computed.to_string())],
    );
    gauge(
        &mut out,
        "ecociv_evaluations_spliced_total",
        "All-region evaluations made from a kept one with only the changed regions evaluated again.",
        "counter",
        &[("", s.evaluations.spliced.to_string())],
    );
    gauge(
        &mut out,
        "ecociv_evaluation_cache_entries",
        "Evaluations kept in the cache.",
        "gauge",
        &[("", s.evaluations.entries.to_string())],
    );
    if let Some(g) = s.generation {
        gauge(
            &mut out,
            "ecociv_data_generation",
            "The data generation (every write bumps it).",
            "gauge",
            &[("", g.to_string())],
        );
    }
    Ok((
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_labels_escaped() {
        let m = Metrics::default();
        m.record(&Method::GET, "/indicators/{code}", 200, 0.003);
        m.record(&Method::GET, "/indicators/{code}", 200, 0.3);
        m.record(&Method::GET, "a\"b", 404, 9.0);
        let mut out = String::new();
        m.write_requests(&mut out);
        assert!(out.contains(
            "ecociv_http_request_duration_seconds_bucket{method=\"GET\",route=\"/indicators/{code}\",le=\"0.005\"} 1"
        ));
        assert!(out.contains(
            "ecociv_http_request_duration_seconds_bucket{method=\"GET\",route=\"/indicators/{code}\",le=\"0.5\"} 2"
        ));
        assert!(out.contains(
            "ecociv_http_request_duration_seconds_bucket{method=\"GET\",route=\"a\\\"b\",le=\"+Inf\"} 1"
        ));
        assert!(out.contains(
            "ecociv_http_requests_total{method=\"GET\",route=\"/indicators/{code}\",status=\"200\"} 2"
        ));
    }

    #[test]
    fn only_unforwarded_loopback_requests_are_from_this_host() {
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let remote: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        let mut h = HeaderMap::new();
        assert!(from_this_host(&h, Some(local)));
        assert!(!from_this_host(&h, Some(remote)));
        assert!(!from_this_host(&h, None));
        h.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
        assert!(!from_this_host(&h, Some(local)));
    }
}
