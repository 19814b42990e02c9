//! The national catalogue versions, plan versions, the active catalogue version, and targets
//! assigned by the superior authority: read by signed-in users, changed by the coordinator.

use axum::extract::{Path, State};
use ecociv_app::{AssignedInput, AssignedRecord, AssignedVersion, CatalogueFile, PlanVersion};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_catalogue))
        .routes(routes!(get_catalogue, put_catalogue))
        .routes(routes!(set_catalogue_version))
        .routes(routes!(list_plans, load_plan))
        .routes(routes!(list_assigned, put_assigned))
}

/// 国家指标文件（字典和各版本）。
#[utoipa::path(get, path = "/api/v1/catalogue", tag = "catalogue",
    responses((status = 200, body = Vec<CatalogueFile>), (status = 401, body = ErrorBody)))]
pub async fn list_catalogue(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<axum::Json<Vec<CatalogueFile>>, ApiError> {
    Ok(axum::Json(state.app.catalogue_files(&user.caller()).await?))
}

/// 一个国家指标版本文件的 TOML 原文。
#[utoipa::path(get, path = "/api/v1/catalogue/{name}", tag = "catalogue", params(("name" = String, Path)),
    responses((status = 200, description = "TOML", body = String), (status = 404, body = ErrorBody)))]
pub async fn get_catalogue(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
) -> Result<([(axum::http::HeaderName, &'static str); 1], String), ApiError> {
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        state.app.catalogue_text(&user.caller(), &name).await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueBody {
    /// 版本文件的 TOML 全文
    pub toml: String,
    /// 修改已有版本时读取到的 version；新增版本时省略
    pub version: Option<i64>,
}

/// 修改或新增一个国家指标版本（创建办）。整套国家指标和当前方案须仍能通过校验。
#[utoipa::path(put, path = "/api/v1/catalogue/{name}", tag = "catalogue", params(("name" = String, Path)),
    request_body = CatalogueBody,
    responses((status = 200, body = CatalogueFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_catalogue(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<CatalogueBody>,
) -> Result<axum::Json<CatalogueFile>, ApiError> {
    Ok(axum::Json(
        state
            .app
            .put_catalogue_version(&user.caller(), &name, &body.toml, body.version)
            .await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueVersionBody {
    /// 评估默认采用的国家指标版本
    pub catalogue_version: String,
}

/// 设置评估默认采用的国家指标版本（创建办）。
#[utoipa::path(put, path = "/api/v1/settings/catalogue-version", tag = "catalogue",
    request_body = CatalogueVersionBody,
    responses((status = 204, description = "已设置"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_catalogue_version(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<CatalogueVersionBody>,
) -> Result<axum::http::StatusCode, ApiError> {
    state
        .app
        .set_catalogue_version(&user.caller(), &body.catalogue_version)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// 实施方案的各个版本。
#[utoipa::path(get, path = "/api/v1/plan/versions", tag = "catalogue",
    responses((status = 200, body = Vec<PlanVersion>), (status = 401, body = ErrorBody)))]
pub async fn list_plans(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<axum::Json<Vec<PlanVersion>>, ApiError> {
    Ok(axum::Json(state.app.plan_versions(&user.caller()).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// 文件名（记录来源）
    pub name: String,
    /// 方案 TOML 全文
    pub toml: String,
    /// 是否立即启用
    #[serde(default)]
    pub activate: bool,
}

/// 载入新的方案版本（创建办）；校验失败时逐条列出文件中的错误（行、列、字段）。
#[utoipa::path(post, path = "/api/v1/plan/versions", tag = "catalogue", request_body = PlanBody,
    responses((status = 201, body = PlanVersion), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn load_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<PlanBody>,
) -> Result<(axum::http::StatusCode, axum::Json<PlanVersion>), ApiError> {
    let v = state
        .app
        .load_plan(
            &user.caller(),
            &body.name,
            body.toml.as_bytes(),
            body.activate,
        )
        .await?;
    Ok((axum::http::StatusCode::CREATED, axum::Json(v)))
}

/// 上级下达目标。
#[utoipa::path(get, path = "/api/v1/assigned-targets", tag = "catalogue",
    responses((status = 200, body = Vec<AssignedRecord>), (status = 401, body = ErrorBody)))]
pub async fn list_assigned(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<axum::Json<Vec<AssignedRecord>>, ApiError> {
    Ok(axum::Json(
        state.app.assigned_targets(&user.caller()).await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignedBody {
    pub indicator: String,
    pub region: String,
    pub year: i64,
    /// 比较或变化率，如 `<= 45`、`change >= 5%`
    pub threshold: String,
    /// 下达目标的文件（文号）
    pub document: String,
    /// 修改已有目标时读取到的 version
    pub version: Option<i64>,
}

/// 新增或修改一条上级下达目标（创建办）。
#[utoipa::path(put, path = "/api/v1/assigned-targets", tag = "catalogue", request_body = AssignedBody,
    responses((status = 200, body = AssignedRecord), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_assigned(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<AssignedBody>,
) -> Result<axum::Json<AssignedRecord>, ApiError> {
    let input = AssignedInput {
        indicator: body.indicator,
        region: body.region,
        year: body.year,
        threshold: body.threshold,
        document: body.document,
    };
    Ok(axum::Json(
        state
            .app
            .put_assigned(&user.caller(), input, AssignedVersion::Read(body.version))
            .await?,
    ))
}
