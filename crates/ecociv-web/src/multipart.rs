//! Reading a `multipart/form-data` body once, for every upload route of the pages and the API:
//! the file (name, type, bytes) and the text fields, within a size limit, with the session's
//! CSRF token checked from its form field (see [`crate::auth::MULTIPART_ROUTES_CHECKING_CSRF`]).

use axum::extract::Multipart;
use axum::http::StatusCode;
use ecociv_app::Upload;
use ecociv_i18n::Msg;

use crate::auth::{CSRF_FIELD, CsrfPending};
use crate::error::ApiError;

/// A multipart form as read.
#[derive(Debug, Default)]
pub struct UploadForm {
    /// The field `file`, when one was sent (with a name or content).
    pub file: Option<Upload>,
    pub fields: Vec<(String, String)>,
}

impl UploadForm {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a flag field is set (`1`, `true`, `on`, `yes`).
    pub fn flag(&self, name: &str) -> bool {
        flag(self.field(name))
    }
}

/// Whether a form or query flag is set (`1`, `true`, `on`, `yes`).
pub fn flag(v: Option<&str>) -> bool {
    matches!(v.map(str::trim), Some("1" | "true" | "on" | "yes"))
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

/// Reads the whole form; `limit` is the size stated in a refusal.
pub async fn read(
    mut form: Multipart,
    pending: Option<&CsrfPending>,
    limit: usize,
) -> Result<UploadForm, ApiError> {
    let mut out = UploadForm::default();
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
                    Msg::UploadMalformed {
                        detail: e.body_text(),
                    },
                ));
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let filename = field.file_name().unwrap_or("").to_owned();
            let media_type = field.content_type().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE || over_limit(&e) {
                    ApiError::too_large(limit)
                } else {
                    ApiError::invalid(
                        "file",
                        Msg::UploadUnreadable {
                            detail: e.body_text(),
                        },
                    )
                }
            })?;
            if !filename.is_empty() || !bytes.is_empty() {
                out.file = Some(Upload {
                    filename,
                    media_type,
                    bytes,
                });
            }
        } else {
            let text = field.text().await.unwrap_or_default();
            out.fields.push((name, text));
        }
    }
    if let Some(p) = pending {
        p.check(out.field(CSRF_FIELD))?;
    }
    Ok(out)
}
