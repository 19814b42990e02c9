//! 修改密码: the signed-in user changes their own password (current password, new one twice).
//! Where a session whose password must be changed first is sent (`error::render_errors`). A
//! change ends every session of the account, this one too: the page then asks to sign in again.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use ecociv_app::AppError;
use ecociv_i18n::Msg;

use super::{Ctx, Layout, PageError, Section, render};
use crate::auth::clear_cookie;
use crate::error::ApiError;
use crate::state::AppState;

/// The page's path.
pub const PASSWORD_PATH: &str = "/account/password";

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage {
    page: Layout,
    /// Why the password must be changed now, when it must.
    required: Option<String>,
    problem: Option<String>,
    done: bool,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    problem: Option<String>,
    done: bool,
) -> Result<Response, PageError> {
    let required = (!done && ctx.caller().password_expired())
        .then(|| Msg::PasswordChangeRequired.text(ctx.lang));
    let page = Layout::new(state, ctx, Section::None, ctx.t().acc_title).await?;
    Ok(render(
        status,
        &PasswordPage {
            page,
            required,
            problem,
            done,
        },
    ))
}

pub async fn form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    if ctx.user().is_none() {
        return Err(ApiError::unauthorized());
    }
    page(&state, &ctx, StatusCode::OK, None, false).await
}

#[derive(Debug, serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    client: crate::auth::ClientAddr,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let Some(user) = ctx.user().cloned() else {
        return Err(ApiError::unauthorized());
    };
    if f.new_password != f.confirm_password {
        let m = Msg::PasswordsDiffer.text(ctx.lang);
        return page(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(m),
            false,
        )
        .await;
    }
    match state
        .app
        .set_password(
            &ctx.caller(),
            user.id,
            Some(&f.current_password),
            &f.new_password,
            &client.text(),
        )
        .await
    {
        Ok(_) => {
            // Every session of the account has ended, this one too.
            let signed_out = Ctx {
                session: None,
                ..ctx.clone()
            };
            let mut resp = page(&state, &signed_out, StatusCode::OK, None, true).await?;
            resp.headers_mut()
                .insert(SET_COOKIE, clear_cookie(state.config.secure_cookies));
            Ok(resp.into_response())
        }
        Err(e @ (AppError::Unauthenticated | AppError::Forbidden(_) | AppError::Internal(_))) => {
            Err(e.into())
        }
        Err(e) => {
            let m = e.message(ctx.lang);
            page(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(m),
                false,
            )
            .await
        }
    }
}
