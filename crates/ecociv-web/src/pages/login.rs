//! `GET /login`, `POST /login`, `POST /logout`: the same store calls as the JSON session API,
//! with a form and a cookie instead of JSON.

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use ecociv_app::AppError;

use super::{Ctx, Layout, PageError, Section, local_path, render, see_other};
use crate::api::session::client_of;
use crate::auth::{clear_cookie, session_cookie, session_token};
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
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let next = local_path(f.next.as_deref());
    let username = f.username.trim().to_owned();
    let client = client_of(&headers, peer.map(|c| c.0.0), state.config.behind_proxy);
    match state.app.login(&f.username, &f.password, &client).await {
        Ok(s) => {
            let max_age = state.app.session_seconds();
            let cookie = session_cookie(&s.token, state.config.secure_cookies, max_age);
            let mut resp = see_other(&next);
            resp.headers_mut().insert(SET_COOKIE, cookie);
            Ok(resp)
        }
        Err(e @ AppError::Internal(_)) => Err(e.into()),
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
