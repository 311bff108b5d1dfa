//! The one error type of the app layer: what a server function can answer, never an internal detail.
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A rule the input broke; each has a translated message in every language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    EmailInvalid,
    EmailTaken,
    NameRequired,
    NameTooLong,
    PasswordTooShort,
    PasswordTooLong,
    RoleRequired,
    RoleNameTaken,
    BuiltinRole,
    RoleInUse,
    CannotDisableSelf,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("sign-in required")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("invalid input: {0:?}")]
    Invalid(Problem),
    /// Something failed on the server; the detail is in the server's log, not here.
    #[error("temporarily unavailable")]
    Unavailable,
    /// The request did not reach the server or its answer could not be read.
    #[error("could not reach the server")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

impl From<Problem> for AppError {
    fn from(p: Problem) -> Self {
        AppError::Invalid(p)
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs an internal failure with its cause and returns the opaque error shown to users.
    #[track_caller]
    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        let at = std::panic::Location::caller();
        tracing::error!(%cause, location = %at, "internal error");
        AppError::Unavailable
    }
}

#[cfg(feature = "ssr")]
impl From<surrealdb::Error> for AppError {
    #[track_caller]
    fn from(e: surrealdb::Error) -> Self {
        AppError::internal(e)
    }
}
