//! The access check in front of every route: the catalog says who may call it; a key comes as
//! `Authorization: Bearer KEY`. Also times each request for the API's metrics.

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sightline_schemas::Store;

use crate::{
    ApiError, App,
    catalog::{Access, ROUTES},
    keys::Scope,
};

pub async fn check<S: Store>(
    State(app): State<Arc<App<S>>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    // axum answers HEAD with the GET handler.
    let method = match request.method() {
        &Method::HEAD => Method::GET,
        other => other.clone(),
    };
    let index = path.as_deref().and_then(|path| {
        ROUTES
            .iter()
            .position(|r| r.method == method && r.path == path)
    });
    // A route served but missing from the catalog has no access rule: refuse rather than guess.
    let Some(index) = index else {
        return ApiError::internal("this route is not in the API's catalog").into_response();
    };
    let needed = match ROUTES[index].access {
        Access::Open => None,
        Access::Key(scope) => Some(scope),
        Access::Openable(part) if app.open.contains(&part) => None,
        Access::Openable(_) => Some(Scope::Read),
    };
    let started = Instant::now();
    let response = match needed.map(|scope| authorize(&app, &request, scope)) {
        Some(Err(refused)) => refused.into_response(),
        _ => next.run(request).await,
    };
    app.metrics.record(
        index,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

fn authorize<S>(app: &App<S>, request: &Request, scope: Scope) -> Result<(), ApiError> {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(presented) = presented else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "this route needs an API key: send `Authorization: Bearer KEY` (make one with `sightline api key create`)",
        ));
    };
    let Some(key) = app.keys.check(presented) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "the API key is not one this server knows, or it was revoked",
        ));
    };
    if !key.allows(scope) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "key {} ({}) lacks the {} scope this route needs",
                key.id,
                key.name,
                scope.name()
            ),
        ));
    }
    Ok(())
}
