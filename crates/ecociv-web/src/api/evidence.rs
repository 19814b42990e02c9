//! Evidence files: upload (multipart, field `file`) to a value or task update; download.

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use ecociv_store::{Actor, EvidenceLink, EvidenceTarget, WorkflowStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{CSRF_FIELD, CsrfPending, CurrentUser};
use crate::error::{ApiError, ErrorBody};
use crate::policy::{self, Action};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_value_evidence))
        .routes(routes!(upload_task_evidence))
        .routes(routes!(download))
}

/// The body limit of upload routes: the evidence limit plus room for the multipart framing.
pub fn upload_limit(state: &AppState) -> DefaultBodyLimit {
    DefaultBodyLimit::max(state.store.config().max_evidence_bytes + 64 * 1024)
}

struct Upload {
    filename: String,
    media_type: String,
    bytes: bytes::Bytes,
}

/// Whether a multipart error comes from the body limit (a streamed body without a length).
fn over_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cur = err.source();
    }
    false
}

async fn read_upload(
    mut form: Multipart,
    pending: Option<&CsrfPending>,
    limit: usize,
) -> Result<Upload, ApiError> {
    let mut file = None;
    let mut csrf = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE || over_limit(&e) => {
                return Err(ApiError::too_large(limit));
            }
            Err(e) => {
                return Err(ApiError::invalid(
                    "file",
                    format!("上传格式有误：{}", e.body_text()),
                ));
            }
        };
        match field.name() {
            Some("file") => {
                let filename = field.file_name().unwrap_or("未命名文件").to_owned();
                let media_type = field.content_type().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE || over_limit(&e) {
                        ApiError::too_large(limit)
                    } else {
                        ApiError::invalid("file", format!("读取上传文件失败：{}", e.body_text()))
                    }
                })?;
                file = Some(Upload {
                    filename,
                    media_type,
                    bytes,
                });
            }
            Some(CSRF_FIELD) => csrf = field.text().await.ok(),
            _ => {}
        }
    }
    if let Some(p) = pending {
        p.check(csrf.as_deref())?;
    }
    file.ok_or_else(|| ApiError::invalid("file", "缺少文件字段“file”"))
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
    let model = state.store.current_model().await?;
    let u = policy::require(user.user(), Action::WriteValue)?;
    let v = state.store.value(id).await?;
    let u = policy::require_value(Some(u), Action::WriteValue, &model, &v.indicator, &v.region)?;
    let limit = state.store.config().max_evidence_bytes;
    let up = read_upload(form, pending.as_deref(), limit).await?;
    let link = state
        .store
        .attach_evidence(
            &Actor::user(u),
            EvidenceTarget::Value(id),
            &up.filename,
            &up.media_type,
            &up.bytes,
        )
        .await?;
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
    let u = policy::require(user.user(), Action::WriteTask)?;
    let t = state.store.task_update(id).await?;
    let u = policy::require_unit(Some(u), Action::WriteTask, &t.unit)?;
    let limit = state.store.config().max_evidence_bytes;
    let up = read_upload(form, pending.as_deref(), limit).await?;
    let link = state
        .store
        .attach_evidence(
            &Actor::user(u),
            EvidenceTarget::TaskUpdate(id),
            &up.filename,
            &up.media_type,
            &up.bytes,
        )
        .await?;
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
    let u = policy::require(user.user(), Action::ReadInternal)?;
    let model = state.store.current_model().await?;
    let uses = state.store.evidence_uses(&sha256).await?;
    let mut filename = None;
    for link in &uses {
        let ok = match link.entity_kind.as_str() {
            "value" => {
                let v = state.store.value(link.entity_id).await?;
                policy::can_see_value(u, &model, &v)
            }
            _ => {
                let t = state.store.task_update(link.entity_id).await?;
                t.status == WorkflowStatus::Approved || policy::covers_unit(u, &t.unit)
            }
        };
        if ok {
            filename = Some(link.filename.clone());
            break;
        }
    }
    let Some(filename) = filename else {
        return Err(if uses.is_empty() {
            ApiError::not_found(format!("佐证材料“{sha256}”不存在"))
        } else {
            ApiError::forbidden("该佐证材料所属的数据不在本单位（地区）范围内")
        });
    };
    let (meta, bytes) = state.store.evidence(&sha256).await?;
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
