//! Evidence files: upload (multipart, field `file`) to a value or task update; download.

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use ecociv_app::{EvidenceLink, Upload};
use ecociv_i18n::Msg;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{CsrfPending, CurrentUser};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_value_evidence))
        .routes(routes!(upload_task_evidence))
        .routes(routes!(download))
}

/// The body limit of upload routes: the evidence limit plus room for the multipart framing.
pub fn upload_limit(state: &AppState) -> DefaultBodyLimit {
    DefaultBodyLimit::max(state.app.limits().max_evidence_bytes + 64 * 1024)
}

/// The file of an upload form.
async fn read_upload(
    form: Multipart,
    pending: Option<&CsrfPending>,
    limit: usize,
) -> Result<Upload, ApiError> {
    crate::multipart::read(form, pending, limit)
        .await?
        .file
        .ok_or_else(|| ApiError::invalid("file", Msg::MissingFileField))
}

/// 为一条数据上传佐证材料（multipart/form-data，字段 file；大小上限可配置）。
#[utoipa::path(post, path = "/api/v1/values/{id}/evidence", tag = "evidence", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "字段 file：文件"),
    responses((status = 201, body = EvidenceLink), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload_value_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    pending: Option<axum::Extension<CsrfPending>>,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<(StatusCode, axum::Json<EvidenceLink>), ApiError> {
    let caller = user.caller();
    state.app.may_attach_value_evidence(&caller, id).await?;
    let limit = state.app.limits().max_evidence_bytes;
    let up = read_upload(form, pending.as_deref(), limit).await?;
    let link = state.app.attach_value_evidence(&caller, id, &up).await?;
    Ok((StatusCode::CREATED, axum::Json(link)))
}

/// 为一条任务进展上传佐证材料。
#[utoipa::path(post, path = "/api/v1/task-updates/{id}/evidence", tag = "evidence", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "字段 file：文件"),
    responses((status = 201, body = EvidenceLink), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload_task_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    pending: Option<axum::Extension<CsrfPending>>,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<(StatusCode, axum::Json<EvidenceLink>), ApiError> {
    let caller = user.caller();
    state.app.may_attach_task_evidence(&caller, id).await?;
    let limit = state.app.limits().max_evidence_bytes;
    let up = read_upload(form, pending.as_deref(), limit).await?;
    let link = state.app.attach_task_evidence(&caller, id, &up).await?;
    Ok((StatusCode::CREATED, axum::Json(link)))
}

/// 下载佐证材料（须登录，且能查看其所属的数据或任务进展）。
#[utoipa::path(get, path = "/api/v1/evidence/{sha256}", tag = "evidence", params(("sha256" = String, Path)),
    responses((status = 200, description = "文件内容"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(sha256): Path<String>,
) -> Result<Response, ApiError> {
    let d = state.app.evidence_download(&user.caller(), &sha256).await?;
    let (meta, bytes, filename) = (d.meta, d.bytes, d.filename);
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}"))
        .map_err(ApiError::internal)?;
    let content_type = HeaderValue::from_str(&meta.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (CONTENT_DISPOSITION, disposition),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("sandbox"),
            ),
        ],
        bytes,
    )
        .into_response())
}
