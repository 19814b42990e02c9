//! Report downloads for signed-in users the policy allows (`Action::ReadReports`):
//! `GET /reports/{year}/self-assessment.docx` (年度自评估报告) and
//! `GET /reports/{year}/completion.xlsx` (指标完成情况表), made from the database on request.

use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use ecociv_app::AppError;
use ecociv_app::documents;
use ecociv_i18n::Msg;

use crate::api::templates::{XLSX, attachment};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The media type of .docx documents.
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// At most this many reports are rendered at once by one server.
static RENDERING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(self_assessment))
        .routes(routes!(completion))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// 国家指标版本（2019、2021、2024），默认取创建办的设置
    pub catalogue_version: Option<String>,
}

pub(crate) fn parse_year(year: &str) -> Result<i32, ApiError> {
    year.parse().map_err(|_| {
        ApiError::invalid(
            "year",
            Msg::NotAYear {
                text: year.to_owned(),
            },
        )
    })
}

/// 年度自评估报告（Word）：封面、总体情况、分领域指标完成情况（含图表）、未达标及有风险指标、
/// 重点任务推进情况、附件指标完成情况表。已审核数据判断达标，待审核数据标明“待审核”。
/// 服务器缺少中文字体时返回 503。
#[utoipa::path(get, path = "/reports/{year}/self-assessment.docx", tag = "reports",
    params(("year" = i32, Path, description = "报告年份"), ReportQuery),
    responses((status = 200, description = "Word 文档", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, description = "服务器缺少中文字体（fonts-noto-cjk）", body = ErrorBody)))]
pub async fn self_assessment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let caller = user.caller();
    state
        .app
        .require(&caller, ecociv_app::Action::ReadReports)?;
    let year = parse_year(&year)?;
    let renderer = state.renderer.clone().map_err(|why| {
        AppError::Unavailable(Msg::FontsMissing {
            reason: why.to_string(),
        })
    })?;
    // Rendering charts is seconds of CPU: a burst of downloads queues here instead of taking
    // every core from the rest of the service.
    let _turn = RENDERING
        .acquire()
        .await
        .map_err(|e| ApiError::internal(format!("report queue closed: {e}")))?;
    let report = state
        .app
        .self_assessment(
            &caller,
            year,
            q.catalogue_version.as_deref(),
            None,
            documents::today(),
            renderer,
        )
        .await?;
    Ok((
        [
            (CONTENT_TYPE, DOCX.to_owned()),
            (
                CONTENT_DISPOSITION,
                attachment(
                    &format!("self-assessment-{year}.docx"),
                    &format!("{}.docx", report.title),
                ),
            ),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        report.bytes,
    )
        .into_response())
}

/// 指标完成情况表（Excel，A4 横向打印）：领域、序号、指标、单位、国家标准、方案目标、现状值、
/// 达标情况、指标属性、牵头单位。
#[utoipa::path(get, path = "/reports/{year}/completion.xlsx", tag = "reports",
    params(("year" = i32, Path, description = "年份"), ReportQuery),
    responses((status = 200, description = "Excel 工作簿", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn completion(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let year = parse_year(&year)?;
    let table = state
        .app
        .completion(
            &user.caller(),
            year,
            q.catalogue_version.as_deref(),
            documents::today(),
        )
        .await?;
    Ok((
        [
            (CONTENT_TYPE, XLSX.to_owned()),
            (
                CONTENT_DISPOSITION,
                attachment(
                    &format!("completion-{year}.xlsx"),
                    &format!("{}.xlsx", table.title),
                ),
            ),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        table.bytes,
    )
        .into_response())
}
