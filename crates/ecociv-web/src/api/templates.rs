//! Excel reporting templates: `GET /templates/{period}` (the signed-in reporter's template, with
//! last period's approved values) and `POST /import/xlsx` (a filled one, multipart, checked cell
//! by cell and imported all or nothing as drafts or submissions).

use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use ecociv_app::documents::{self, Imported};
use ecociv_app::parse_period;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{CsrfPending, CurrentUser};
use crate::error::{ApiError, ErrorBody};
use crate::multipart;
use crate::state::AppState;

/// The media type of .xlsx workbooks.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(download_template))
        .routes(routes!(import_xlsx))
}

/// `Content-Disposition: attachment` with an ASCII fallback and the UTF-8 name (RFC 6266).
pub fn attachment(ascii: &str, utf8: &str) -> String {
    let encoded: String = utf8
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// 单位代码（创建办为某单位生成时填写；填报员只能取本单位的模板）
    pub unit: Option<String>,
    /// 县区代码（创建办为某县区生成时填写；县区填报员只能取本县区的模板）
    pub region: Option<String>,
}

/// 下载 Excel 填报模板（.xlsx）：本单位（县区）在该报告期应填报的指标和任务，附上期已审核的数值。
/// 填报员取本单位（县区）的模板；创建办须用 unit 或 region 指定。
#[utoipa::path(get, path = "/api/v1/templates/{period}", tag = "import",
    params(("period" = String, Path, description = "报告期：2025、2025Q3 或 2025-07"), TemplateQuery),
    responses((status = 200, description = "填报模板", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn download_template(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(period): Path<String>,
    Query(q): Query<TemplateQuery>,
) -> Result<Response, ApiError> {
    let period = parse_period(&period)?;
    let template = state
        .app
        .template(
            &user.caller(),
            period,
            q.unit.as_deref(),
            q.region.as_deref(),
            documents::today(),
        )
        .await?;
    let ascii = format!("template-{period}.xlsx");
    Ok((
        [
            (CONTENT_TYPE, XLSX.to_owned()),
            (
                CONTENT_DISPOSITION,
                attachment(&ascii, &template.layout.file_name()),
            ),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        template.bytes,
    )
        .into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportXlsxQuery {
    /// 导入后直接提交审核（也可用表单字段 submit=1）
    pub submit: Option<String>,
    /// 应为该报告期的模板（也可用表单字段 period）
    pub period: Option<String>,
}

/// 上传已填写的 Excel 填报模板（multipart/form-data，字段 file；可选字段 submit=1 直接提交审核、
/// period 指定报告期；网页表单另带 csrf_token）。逐格校验：全部通过才写入（草稿或待审核），
/// 否则一条也不写，返回 422 及每处错误的工作表、单元格和原因（details.errors）。
/// 填报员只能上传本单位（县区）的模板。
#[utoipa::path(post, path = "/api/v1/import/xlsx", tag = "import", params(ImportXlsxQuery),
    request_body(content_type = "multipart/form-data", description = "字段 file：.xlsx 填报模板"),
    responses((status = 200, body = Imported),
        (status = 422, description = "逐格错误报告 {file, errors: [{sheet, cell, code, message}]}，未导入任何数据", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn import_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    pending: Option<axum::Extension<CsrfPending>>,
    Query(q): Query<ImportXlsxQuery>,
    form: Multipart,
) -> Result<axum::Json<Imported>, ApiError> {
    let caller = user.caller();
    state
        .app
        .require(&caller, ecociv_app::Action::UseTemplates)?;
    let form = multipart::read(form, pending.as_deref(), state.config.max_body_bytes).await?;
    let file = form
        .file
        .as_ref()
        .ok_or_else(|| ApiError::invalid("file", ecociv_i18n::Msg::MissingFileField))?;
    let submit = form.field("submit").or(q.submit.as_deref());
    let period = form
        .field("period")
        .filter(|p| !p.trim().is_empty())
        .or(q.period.as_deref().filter(|p| !p.trim().is_empty()))
        .map(parse_period)
        .transpose()?;
    let done = state
        .app
        .import_workbook(
            &caller,
            &file.filename,
            &file.bytes,
            documents::Expect {
                reporter: None,
                period,
            },
            multipart::flag(submit),
        )
        .await?;
    Ok(axum::Json(done))
}
