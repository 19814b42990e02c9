//! The pages' own stylesheet, script and icon, compiled into the binary (government intranets
//! are offline: nothing is fetched from elsewhere).
//!
//! Each file is served under a name that carries a hash of its content (`app.3f2a….css`) with a
//! one-year `immutable` cache lifetime: a browser asks once per release, and a new release
//! changes the name, so nobody runs a stale script against new pages.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// `app.css`.
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
    /// The URL it is served at: `/assets/app.<hash>.css`.
    pub url: String,
}

const FILES: [(&str, &str, &[u8]); 3] = [
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/app.js"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../../assets/icon.svg"),
    ),
];

/// FNV-1a, 64 bits: enough to tell two releases of a file apart (not a security hash).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn hashed_name(name: &str, body: &[u8]) -> String {
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    format!("{stem}.{:012x}.{ext}", fnv1a(body) & 0xffff_ffff_ffff)
}

static ASSETS: LazyLock<Vec<(String, Asset)>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, content_type, body)| {
            let file = hashed_name(name, body);
            (
                file.clone(),
                Asset {
                    name,
                    content_type,
                    body,
                    url: format!("/assets/{file}"),
                },
            )
        })
        .collect()
});

/// The URL of an embedded file by its plain name (`app.css`).
pub fn url(name: &str) -> &'static str {
    ASSETS
        .iter()
        .find(|(_, a)| a.name == name)
        .map(|(_, a)| a.url.as_str())
        .unwrap_or("/assets/missing")
}

/// `GET /assets/{file}`.
pub async fn serve(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(f, _)| *f == file) {
        Some((_, a)) => (
            [
                (CONTENT_TYPE, HeaderValue::from_static(a.content_type)),
                (
                    CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            a.body,
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            "not found",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_names_change_with_their_content() {
        assert_ne!(hashed_name("app.css", b"a"), hashed_name("app.css", b"b"));
        assert!(hashed_name("app.css", b"a").starts_with("app."));
        assert!(hashed_name("app.css", b"a").ends_with(".css"));
        assert!(url("app.css").starts_with("/assets/app."));
        assert_eq!(url("nope.css"), "/assets/missing");
    }
}
