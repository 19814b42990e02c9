//! `GET /login`, `POST /login`, `POST /logout`: the same store calls as the JSON session API,
//! with a form and a cookie instead of JSON.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ecociv_app::AppError;

use super::{Ctx, Layout, PageError, Section, local_path, render, see_other};
use crate::auth::{ClientAddr, clear_cookie, session_cookie, session_token};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Layout,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    let page = Layout::new(&state, &ctx, Section::None, ctx.t().login_title).await?;
    Ok(render(
        StatusCode::OK,
        &LoginPage {
            page,
            next: local_path(q.next.as_deref()),
            username: String::new(),
            error: None,
        },
    ))
}

#[derive(Debug, serde::Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    client: ClientAddr,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let next = local_path(f.next.as_deref());
    let username = f.username.trim().to_owned();
    match state
        .app
        .login(&f.username, &f.password, &client.text())
        .await
    {
        Ok(s) => {
            let max_age = state.app.session_seconds();
            let cookie = session_cookie(&s.token, state.config.secure_cookies, max_age);
            let mut resp = see_other(&next);
            resp.headers_mut().insert(SET_COOKIE, cookie);
            Ok(resp)
        }
        Err(e @ (AppError::Internal(_) | AppError::Busy { .. })) => Err(e.into()),
        Err(e) => {
            let status = crate::error::ApiError::from(e.clone()).status();
            let message = e.message(ctx.lang);
            refused(&state, &ctx, status, next, username, message).await
        }
    }
}

/// The login form again, with what went wrong.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    next: String,
    username: String,
    message: String,
) -> Result<Response, PageError> {
    let page = Layout::new(state, ctx, Section::None, ctx.t().login_title).await?;
    Ok(render(
        status,
        &LoginPage {
            page,
            next,
            username,
            error: Some(message),
        },
    ))
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if let Some(token) = session_token(&headers) {
        state.app.logout(&token).await?;
    }
    let mut resp = see_other("/login").into_response();
    resp.headers_mut()
        .insert(SET_COOKIE, clear_cookie(state.config.secure_cookies));
    Ok(resp)
}
