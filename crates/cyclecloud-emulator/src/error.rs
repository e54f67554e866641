//! The one error type of the emulated API, rendered as CycleCloud's error body
//! `{"Exception", "Message", "Detail"}`.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer of the emulated server.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Java-style exception class name, as the real server reports.
    pub exception: &'static str,
    /// Human-readable message.
    pub message: String,
}

impl ApiError {
    /// 404: an unknown cluster, node, array or operation.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            exception: "com.cyclecomputing.cloud.exceptions.NotFoundException",
            message: message.into(),
        }
    }

    /// 409: a repeated request id or input the server refuses.
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::CONFLICT,
            exception: "com.cyclecomputing.cloud.exceptions.InvalidAttributeException",
            message: message.into(),
        }
    }

    /// 400: a malformed body, query parameter or filter.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            exception: "com.cyclecomputing.cloud.exceptions.InvalidSpecificationException",
            message: message.into(),
        }
    }

    /// 401: missing or wrong credentials.
    pub fn unauthorized() -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            exception: "com.cyclecomputing.cloud.exceptions.AuthenticationException",
            message: "Authentication required: send HTTP Basic credentials of a configured user"
                .into(),
        }
    }

    /// 500: something failed inside the emulator (e.g. the state file could not be written).
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            exception: "com.cyclecomputing.cloud.exceptions.InternalException",
            message: message.into(),
        }
    }

    /// An injected server error with the given status.
    pub fn injected(status: StatusCode) -> Self {
        ApiError {
            status,
            exception: "com.cyclecomputing.cloud.exceptions.ServiceUnavailableException",
            message: format!("Injected fault: the emulator answered {status} as instructed"),
        }
    }
}

static REQUEST_TAG: AtomicU64 = AtomicU64::new(1);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let tag = REQUEST_TAG.fetch_add(1, Ordering::Relaxed);
        tracing::info!(request = tag, status = %self.status, "{}", self.message);
        let body = json!({
            "Exception": self.exception,
            "Message": self.message,
            "Detail": format!("See the emulator log for lines tagged with request-{tag} for details."),
        });
        let mut resp = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"CycleCloud\""),
            );
        }
        resp
    }
}
