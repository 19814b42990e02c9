//! `POST /import/values`: a values CSV, all rows or none, with a per-row report.

use axum::extract::{Query, State};
use ecociv_store::{Actor, ImportOptions, ImportSummary, Provenance};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::policy::{self, Action};
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
    let u = policy::require(user.user(), Action::WriteValue)?.clone();
    let limit = state.config.max_body_bytes;
    let body = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::too_large(limit))?;
    let text = std::str::from_utf8(&body).map_err(|e| {
        ApiError::invalid(
            "file",
            format!(
                "文件不是 UTF-8 编码（第{}字节处无效；若为 GBK，请另存为 UTF-8）",
                e.valid_up_to() + 1
            ),
        )
    })?;
    let provenance = match q.provenance.as_deref() {
        None | Some("import") => Provenance::Import,
        Some("engine") => Provenance::Engine,
        Some(other) => {
            return Err(ApiError::invalid(
                "provenance",
                format!("来源“{other}”无效，可用: import、engine"),
            ));
        }
    };
    let model = state.store.current_model().await?;
    let scope = policy::ValueScope::of(&u, &model);
    let opts = ImportOptions {
        provenance,
        submit: q.submit,
        allowed: Box::new(move |ind, reg| scope.covers(ind, reg)),
    };
    let file = q.file.unwrap_or_else(|| "上传文件.csv".into());
    Ok(axum::Json(
        state
            .store
            .import_values_csv(&Actor::user(&u), &file, text, &opts)
            .await?,
    ))
}
