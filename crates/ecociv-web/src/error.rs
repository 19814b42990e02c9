//! One error type for the whole API: `{"code", "message", "details"}`.
//!
//! 4xx carry a clear Chinese message naming the field; 5xx carry a generic message, and the cause
//! is logged once, here, with an id the user can quote.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ecociv_store::{LoginError, StoreError};

use crate::documents::DocumentError;
use serde_json::{Value, json};

/// The JSON body of every error response.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code: `unauthorized`, `forbidden`, `not_found`, `invalid`,
    /// `conflict`, `workflow`, `too_large`, `import_rejected`, `csrf`, `rate_limited`, `internal`.
    pub code: String,
    /// What went wrong, in Chinese, naming the field.
    pub message: String,
    /// More: the field (`{"field": "value"}`), the current state on a conflict
    /// (`{"current": {...}}`), the per-row report of a refused import.
    #[schema(value_type = Object)]
    pub details: Value,
}

/// An API error.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Value,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Value::Null,
        }
    }

    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = details;
        self
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "请先登录（POST /api/v1/session）",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// A bad field: 422 with the field named.
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
            .with_details(json!({ "field": field }))
    }

    pub fn too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("请求体过大：上限为 {} 字节（可由管理员配置）", limit),
        )
        .with_details(json!({ "limit": limit }))
    }

    /// A server-side failure: logged once with an id; the user gets a generic message.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        let id: u32 = rand_id();
        tracing::error!(error_id = id, "internal error: {cause}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("服务器内部错误，请稍后重试；如持续出现，请联系管理员并提供错误编号 {id:08x}"),
        )
    }
}

fn rand_id() -> u32 {
    // Not security relevant: only to correlate a report with the log line.
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
        .unwrap_or(0);
    t.wrapping_mul(2_654_435_761)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code.to_owned(),
            message: self.message,
            details: self.details,
        };
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound { .. } => ApiError::not_found(e.to_string()),
            StoreError::Conflict { message, current } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message)
                    .with_details(json!({ "current": current }))
            }
            StoreError::Invalid(f) => ApiError::invalid(&f.field, f.message),
            StoreError::State(m) => ApiError::new(StatusCode::CONFLICT, "workflow", m),
            StoreError::Import(report) => {
                let message = format!(
                    "导入文件有 {} 处错误，未导入任何数据：{}",
                    report.errors.len(),
                    report
                        .errors
                        .iter()
                        .take(3)
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("；")
                );
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "import_rejected", message)
                    .with_details(serde_json::to_value(report).unwrap_or_default())
            }
            StoreError::Workbook(report) => rejected(
                &report.file,
                report.errors.iter().map(ToString::to_string).collect(),
                serde_json::to_value(&report).unwrap_or_default(),
            ),
            StoreError::TooLarge { limit, .. } => ApiError::too_large(limit),
            StoreError::Model(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m),
            StoreError::Database(_)
            | StoreError::Migrate(_)
            | StoreError::Open(_)
            | StoreError::Io(_) => ApiError::internal(e),
        }
    }
}

/// 422 `import_rejected` for a refused workbook: the first problems in the message, all of them
/// in `details` (`{file, errors: [{sheet, cell, code, message}]}`).
fn rejected(file: &str, lines: Vec<String>, details: Value) -> ApiError {
    let mut message = format!("{file} 有 {} 处错误，未导入任何数据：", lines.len());
    message.push_str(&lines.iter().take(3).cloned().collect::<Vec<_>>().join("；"));
    if lines.len() > 3 {
        message.push_str("……");
    }
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "import_rejected", message)
        .with_details(details)
}

impl From<DocumentError> for ApiError {
    fn from(e: DocumentError) -> ApiError {
        match e {
            DocumentError::Store(s) => s.into(),
            DocumentError::Rejected(r) => rejected(
                &r.file,
                r.errors.iter().map(ToString::to_string).collect(),
                serde_json::to_value(&r).unwrap_or_default(),
            ),
            DocumentError::Template(t) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", t.to_string())
            }
            DocumentError::Version(v) => ApiError::invalid("catalogue_version", v.to_string()),
            DocumentError::NotPublished(m) => ApiError::not_found(m),
            DocumentError::Report(_) | DocumentError::OpenData(_) | DocumentError::Xlsx(_) => {
                ApiError::internal(e)
            }
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(e: LoginError) -> ApiError {
        match e {
            LoginError::InvalidCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", e.to_string())
            }
            LoginError::Locked { .. } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "locked", e.to_string())
            }
            LoginError::Disabled => ApiError::forbidden(e.to_string()),
            LoginError::Store(s) => s.into(),
        }
    }
}

/// Explains a JSON body error in Chinese, naming the field where serde says which.
pub(crate) fn json_error(text: &str) -> ApiError {
    // axum: "Failed to deserialize the JSON body into the target type: <path>: <serde message>"
    let detail = text
        .split_once("target type: ")
        .map(|(_, d)| d)
        .unwrap_or(text);
    let (path, msg) = match detail.split_once(": ") {
        Some((p, m)) if !p.contains(' ') => (p.to_owned(), m.to_owned()),
        _ => (String::new(), detail.to_owned()),
    };
    let quoted = |m: &str, prefix: &str| {
        m.strip_prefix(prefix)
            .and_then(|r| r.split('`').nth(1))
            .map(str::to_owned)
    };
    let (field, message) = if let Some(f) = quoted(&msg, "missing field") {
        (f.clone(), format!("缺少字段“{f}”"))
    } else if let Some(f) = quoted(&msg, "unknown field") {
        (f.clone(), format!("未知字段“{f}”"))
    } else if msg.starts_with("invalid type") || msg.starts_with("invalid value") {
        (
            path.clone(),
            format!("字段“{path}”的类型或取值不正确（{msg}）"),
        )
    } else {
        (path.clone(), format!("JSON 格式错误：{msg}"))
    };
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        format!("请求体有误：{message}"),
    )
    .with_details(json!({ "field": field }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_name_the_field_in_chinese() {
        let e = json_error(
            "Failed to deserialize the JSON body into the target type: missing field `version` at line 1 column 2",
        );
        assert_eq!(e.details["field"], "version");
        assert!(e.message.contains("缺少字段“version”"), "{}", e.message);
        let e = json_error(
            "Failed to deserialize the JSON body into the target type: version: invalid type: string \"x\", expected i64 at line 1 column 15",
        );
        assert_eq!(e.details["field"], "version");
    }
}
