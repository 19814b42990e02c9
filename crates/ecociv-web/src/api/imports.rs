//! `POST /import/values`: a values CSV, all rows or none, with a per-row report.

use axum::extract::{Query, State};
use ecociv_app::{ImportSummary, Provenance};
use ecociv_i18n::Msg;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import_values))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// 文件名（写入来源记录）
    pub file: Option<String>,
    /// 导入后直接提交审核
    #[serde(default)]
    pub submit: bool,
    /// import（人工上传）或 engine（监测计算引擎输出）
    pub provenance: Option<String>,
}

/// 批量导入数据：请求体为 CSV（UTF-8，表头 `indicator,region,period,value[,source]`）。
/// 全部行通过校验才写入，否则一行也不写，并返回逐行错误报告（details.errors）。
/// 填报员只能导入本单位（地区）范围内的数据。
#[utoipa::path(post, path = "/api/v1/import/values", tag = "import", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportSummary),
        (status = 422, description = "逐行错误报告，未导入任何数据", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn import_values(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ImportQuery>,
    body: axum::body::Body,
) -> Result<axum::Json<ImportSummary>, ApiError> {
    let caller = user.caller();
    state.app.require(&caller, ecociv_app::Action::WriteValue)?;
    let provenance = match q.provenance.as_deref() {
        None | Some("import") => Provenance::Import,
        Some("engine") => Provenance::Engine,
        Some(other) => {
            return Err(ApiError::invalid(
                "provenance",
                Msg::UnknownProvenance {
                    provenance: other.to_owned(),
                },
            ));
        }
    };
    let limit = state.config.max_body_bytes;
    let body = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::too_large(limit))?;
    let file = q.file.unwrap_or_default();
    Ok(axum::Json(
        state
            .app
            .import_values_csv(&caller, &file, &body, q.submit, provenance)
            .await?,
    ))
}
