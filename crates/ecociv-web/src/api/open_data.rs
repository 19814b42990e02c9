//! Open data (环境信息公开), without sign-in, at stable URLs:
//!
//! * `GET /open-data`: the published years and the URL pattern;
//! * `GET /open-data/{year}/{file}`: one file of a published year's package
//!   (`datapackage.json`, `indicators.csv`, `values.csv`, `status.csv`, `data.json`);
//! * `GET /open-data/latest/{file}`: a redirect to the latest published year.
//!
//! Only what the public may see goes in: approved values of published indicators in published
//! periods, for a year whose annual period is published. The file names are those the
//! `datapackage.json` descriptor uses, so the files of one year saved side by side form a valid
//! Frictionless data package. Cross-origin reads are allowed: the data are public.

use axum::extract::{Path, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use ecociv_app::documents;
use ecociv_i18n::Msg;

use crate::api::reports::parse_year;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The files of every year's package, as `ecociv_report::open_data::package` names them.
pub const FILES: [&str; 5] = [
    "datapackage.json",
    "indicators.csv",
    "values.csv",
    "status.csv",
    "data.json",
];

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(index))
        .routes(routes!(file))
}

/// The published years and where their files are.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OpenDataIndex {
    /// Years whose data are published, oldest first.
    pub years: Vec<i32>,
    /// The latest published year (what `/open-data/latest/…` points to).
    pub latest: Option<i32>,
    /// The files of each year.
    pub files: Vec<&'static str>,
    /// `/open-data/{year}/{file}`.
    pub url_template: &'static str,
}

/// 公开数据索引：已公开的年份、最新年份和每年的文件（无需登录）。
#[utoipa::path(get, path = "/open-data", tag = "open-data",
    responses((status = 200, body = OpenDataIndex)))]
pub async fn index(State(state): State<AppState>) -> Result<Response, ApiError> {
    let years = state.app.published_years().await?;
    let body = OpenDataIndex {
        latest: years.last().copied(),
        years,
        files: FILES.to_vec(),
        url_template: "/open-data/{year}/{file}",
    };
    Ok((public_headers(), axum::Json(body)).into_response())
}

fn public_headers() -> [(axum::http::HeaderName, HeaderValue); 2] {
    [
        (ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        (
            CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ),
    ]
}

/// 公开数据文件（无需登录）：某一已公开年份的 datapackage.json（Frictionless 数据包描述）、
/// indicators.csv（指标及元数据）、values.csv（已审核数值及来源）、status.csv（当年评估）、data.json。
/// 年份写 latest 时重定向到最新的已公开年份。只含已公开指标在已公开报告期的已审核数据。
#[utoipa::path(get, path = "/open-data/{year}/{file}", tag = "open-data",
    params(("year" = String, Path, description = "已公开的年份，或 latest"),
        ("file" = String, Path, description = "datapackage.json、indicators.csv、values.csv、status.csv 或 data.json")),
    responses((status = 200, description = "文件（text/csv 或 application/json）"),
        (status = 307, description = "latest：重定向到最新的已公开年份"),
        (status = 404, description = "年份未公开或没有这个文件", body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    Path((year, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if !FILES.contains(&file.as_str()) {
        return Err(ApiError::not_found(Msg::NoOpenDataFile {
            file,
            available: FILES.join("、"),
        }));
    }
    if year == "latest" {
        let years = state.app.published_years().await?;
        let Some(latest) = years.last() else {
            return Err(ApiError::not_found(Msg::NothingPublished));
        };
        let location = HeaderValue::from_str(&format!("/open-data/{latest}/{file}"))
            .map_err(ApiError::internal)?;
        return Ok((
            StatusCode::TEMPORARY_REDIRECT,
            [
                (LOCATION, location),
                (ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
                (CACHE_CONTROL, HeaderValue::from_static("public, no-cache")),
            ],
        )
            .into_response());
    }
    let year = parse_year(&year)?;
    let package = state.app.open_data(year, None, documents::today()).await?;
    let f = package
        .into_iter()
        .find(|f| f.path == file)
        .ok_or_else(|| ApiError::internal(format!("open data package lacks {file}")))?;
    // Data files download; the descriptor and the JSON open in the browser.
    let disposition = if f.path.ends_with(".csv") {
        format!("attachment; filename=\"{}\"", f.path)
    } else {
        format!("inline; filename=\"{}\"", f.path)
    };
    Ok((
        public_headers(),
        [
            (CONTENT_TYPE, f.media_type.to_owned()),
            (CONTENT_DISPOSITION, disposition),
        ],
        f.bytes,
    )
        .into_response())
}
