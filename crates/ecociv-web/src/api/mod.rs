//! The JSON API under `/api/v1`, one module per resource, documented with utoipa; the OpenAPI
//! document is served at `/api/v1/openapi.json` and Swagger UI (bundled, no CDN) at `/api/docs`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use ecociv_i18n::Msg;

use crate::error::{ApiError, json_error};
use crate::state::AppState;

pub mod audit;
pub mod catalogue;
pub mod evaluation;
pub mod evidence;
pub mod imports;
pub mod indicators;
pub mod open_data;
pub mod periods;
pub mod reports;
pub mod session;
pub mod tasks;
pub mod templates;
pub mod users;
pub mod values;

/// The OpenAPI document's frame; the paths come from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "ecociv API",
        description = "国家生态文明建设示范市创建管理平台 JSON API。\n\n\
            登录：POST /api/v1/session（用户名、密码），返回 HttpOnly 会话 Cookie 与 csrf_token；\
            此后修改数据的请求须带请求头 X-CSRF-Token。错误统一为 {\"code\",\"message\",\"details\"}；\
            过期写入（version 不符）返回 409 及当前状态。",
        version = "1"
    ),
    tags(
        (name = "session", description = "登录与会话"),
        (name = "indicators", description = "指标、方案与应报事项"),
        (name = "values", description = "填报值与审核"),
        (name = "periods", description = "报告期与公开"),
        (name = "evaluation", description = "评估"),
        (name = "tasks", description = "重点任务与进展（督办）"),
        (name = "evidence", description = "佐证材料"),
        (name = "import", description = "批量导入与 Excel 填报模板"),
        (name = "reports", description = "自评估报告与指标完成情况表"),
        (name = "open-data", description = "公开数据（无需登录）"),
        (name = "catalogue", description = "国家指标版本、方案版本、上级下达目标"),
        (name = "audit", description = "审计日志"),
        (name = "users", description = "用户")
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

/// Every API route, with its OpenAPI description.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(session::routes())
        .merge(indicators::routes())
        .merge(values::routes())
        .merge(periods::routes())
        .merge(evaluation::routes())
        .merge(tasks::routes())
        .merge(evidence::routes())
        .merge(imports::routes())
        .merge(catalogue::routes())
        .merge(audit::routes())
        .merge(users::routes())
        .merge(templates::routes())
        .merge(reports::routes())
        .merge(open_data::routes())
}

/// `axum::Json` whose rejections are [`ApiError`]s: Chinese messages naming the field, 413 for
/// oversized bodies.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(json_error(&e.body_text())),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::Body {
                status: StatusCode::BAD_REQUEST,
                field: String::new(),
                message: Msg::JsonSyntax {
                    detail: e.body_text().rsplit(": ").next().unwrap_or("").to_owned(),
                },
            }),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::Body {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                field: String::new(),
                message: Msg::JsonContentType,
            }),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::too_large(state.config.max_body_bytes))
            }
            Err(e) => Err(ApiError::Body {
                status: StatusCode::BAD_REQUEST,
                field: String::new(),
                message: Msg::JsonUnreadable {
                    detail: e.body_text(),
                },
            }),
        }
    }
}

/// A body naming the version the caller read.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    /// The `version` of the record as the caller last read it.
    pub version: i64,
}

/// A body with a version and a reason (return, close, reopen).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub version: i64,
    /// Why; required, shown to the reporter and kept in the audit log.
    pub reason: String,
}
