//! `GET /evaluation/{year}`: the cached evaluation as JSON, with an ETag.

use axum::extract::{Path, Query, State};
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ecociv_i18n::Msg;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(evaluation))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvalQuery {
    /// 只评估这个行政区（代码或名称）
    pub region: Option<String>,
    /// 国家指标版本（2019、2021、2024），默认取创建办的设置
    pub catalogue_version: Option<String>,
}

/// 某一年的评估：每个指标 × 地区对照方案目标和国家标准的状态、预测和说明。
/// 登录用户看到已审核（达标判断）与待审核数据；未登录时只基于已公开的已审核数据。
/// 结果带 ETag，数据未变时可用 If-None-Match 得到 304。
#[utoipa::path(get, path = "/api/v1/evaluation/{year}", tag = "evaluation",
    params(("year" = i32, Path, description = "评估年份"), EvalQuery),
    responses((status = 200, description = "ecociv_core::Evaluation（year、plan、readiness、results）", body = Object),
        (status = 304, description = "未变化"), (status = 422, body = ErrorBody)))]
pub async fn evaluation(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(year): Path<String>,
    Query(q): Query<EvalQuery>,
) -> Result<Response, ApiError> {
    let year: i32 = year
        .parse()
        .map_err(|_| ApiError::invalid("year", Msg::NotAYear { text: year.clone() }))?;
    let caller = user.caller();
    let snap = state
        .app
        .evaluation(
            &caller,
            year,
            q.catalogue_version.as_deref(),
            q.region.as_deref(),
        )
        .await?;
    let public = caller.is_anonymous();
    // The audience is part of the tag (a unit's evaluation differs from the city's); its key may
    // hold a unit's Chinese name, so the tag carries a hash of it (header values are ASCII).
    let etag = format!(
        "\"e{}-{}-{:016x}\"",
        snap.generation,
        snap.catalogue_version,
        fnv1a(&[
            snap.selection.as_bytes(),
            q.region.as_deref().unwrap_or("").as_bytes()
        ])
    );
    let etag = HeaderValue::from_str(&etag).map_err(ApiError::internal)?;
    // Signed-in users must not get each other's cached copies from a shared cache.
    let cache = HeaderValue::from_static(if public {
        "public, no-cache"
    } else {
        "private, no-cache"
    });
    if headers.get(IF_NONE_MATCH) == Some(&etag) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(ETAG, etag), (CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    let gzip = headers
        .get(ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static("application/json")),
        (ETAG, etag),
        (CACHE_CONTROL, cache),
        (VARY, HeaderValue::from_static("accept-encoding, cookie")),
    ];
    if gzip {
        let body = snap.gzip();
        Ok((
            headers,
            [(CONTENT_ENCODING, HeaderValue::from_static("gzip"))],
            body,
        )
            .into_response())
    } else {
        Ok((headers, snap.json.clone()).into_response())
    }
}

/// FNV-1a over the parts, separated: stable across processes and versions, so every app server
/// behind a load balancer gives the same tag.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.iter().chain(std::iter::once(&0xff)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}
