//! Excel reporting templates: `GET /templates/{period}` (the signed-in reporter's template, with
//! last period's approved values) and `POST /import/xlsx` (a filled one, multipart, checked cell
//! by cell and imported all or nothing as drafts or submissions).

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use ecociv_core::Period;
use ecociv_report::xlsx_import::Expect;
use ecociv_store::{Actor, WorkbookOptions};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::evidence::over_limit;
use crate::auth::{CSRF_FIELD, CsrfPending, CurrentUser};
use crate::documents::{self, Imported};
use crate::error::{ApiError, ErrorBody};
use crate::policy::{self, Action};
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

fn parse_period(text: &str) -> Result<Period, ApiError> {
    text.parse().map_err(|e: ecociv_core::period::PeriodError| {
        ApiError::invalid("period", format!("报告期“{text}”无效：{e}"))
    })
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
    let u = policy::require(user.user(), Action::UseTemplates)?;
    let model = state.store.current_model().await?;
    let reporter = policy::workbook_reporter(u, &model, q.unit.as_deref(), q.region.as_deref())?
        .ok_or_else(|| {
            ApiError::invalid(
                "unit",
                "请用 unit（单位代码）或 region（县区代码）指定要生成模板的单位或县区",
            )
        })?;
    let period = parse_period(&period)?;
    let template = documents::template(&state.store, reporter, period, documents::today()).await?;
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

/// Whether a form or query flag is set (`1`, `true`, `on`).
fn flag(v: Option<&str>) -> bool {
    matches!(v.map(str::trim), Some("1" | "true" | "on" | "yes"))
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
    mut form: Multipart,
) -> Result<axum::Json<Imported>, ApiError> {
    let u = policy::require(user.user(), Action::UseTemplates)?.clone();
    let limit = state.config.max_body_bytes;
    let (mut file, mut csrf, mut submit, mut period) = (None, None, q.submit, q.period);
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
        match field.name().unwrap_or("") {
            "file" => {
                let name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE || over_limit(&e) {
                        ApiError::too_large(limit)
                    } else {
                        ApiError::invalid("file", format!("读取上传文件失败：{}", e.body_text()))
                    }
                })?;
                file = Some((name, bytes));
            }
            CSRF_FIELD => csrf = field.text().await.ok(),
            "submit" => submit = field.text().await.ok(),
            "period" => period = field.text().await.ok().filter(|p| !p.trim().is_empty()),
            _ => {}
        }
    }
    if let Some(p) = pending.as_deref() {
        p.check(csrf.as_deref())?;
    }
    let (name, bytes) = file.ok_or_else(|| ApiError::invalid("file", "缺少文件字段“file”"))?;
    let name = if name.trim().is_empty() {
        "上传的填报模板.xlsx".to_owned()
    } else {
        name
    };
    let model = state.store.current_model().await?;
    let expect = Expect {
        // A bound reporter may upload only its own template; a coordinator any.
        reporter: policy::workbook_reporter(&u, &model, None, None)?,
        period: period.as_deref().map(parse_period).transpose()?,
    };
    let scope = policy::ValueScope::of(&u, &model);
    let unit_user = u.clone();
    let opts = WorkbookOptions {
        submit: flag(submit.as_deref()),
        values: Box::new(move |ind, reg| scope.covers(ind, reg)),
        units: Box::new(move |unit| policy::covers_unit(&unit_user, unit)),
    };
    let done = documents::import_workbook(
        &state.store,
        &Actor::user(&u),
        &bytes,
        &name,
        &expect,
        &opts,
    )
    .await?;
    Ok(axum::Json(done))
}
