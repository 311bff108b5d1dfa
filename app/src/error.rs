//! The one error type of the app layer: what a server function can answer, never an internal detail.
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A rule the input broke; each has a translated message in every language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    EmailInvalid,
    EmailTaken,
    /// Another customer already has this external id.
    ExternalIdTaken,
    NameRequired,
    NameTooLong,
    PasswordTooShort,
    PasswordTooLong,
    RoleRequired,
    RoleNameTaken,
    BuiltinRole,
    RoleInUse,
    CannotDisableSelf,
    FieldRequired,
    FieldInvalid,
    TooLong,
    TooMany,
    ControlCharacters,
    DateInvalid,
    DobNotInPast,
    GenderInvalid,
    CountryInvalid,
    RegionRequired,
    TelephoneInvalid,
    /// Not one of the country's postcode formats.
    PostcodeInvalid,
    /// A city name of symbols rather than words.
    CityInvalid,
    WebsiteInvalid,
    GroupInvalid,
    GroupNotAssignable,
    GroupCodeTaken,
    GroupProtected,
    TaxClassInvalid,
    UnknownColumn,
    PageSizeInvalid,
    FilterInvalid,
    SearchTooLong,
    NothingSelected,
    ViewNameTaken,
    PasswordCommon,
    PasswordClasses,
    PasswordMismatch,
    PasswordLikeEmail,
    CurrentPasswordWrong,
    LinkInvalid,
    NotConfirmed,
    TooManyRequests,
    SharingConflict,
    /// Login as Customer is switched off in the settings.
    AssistDisabled,
    /// The customer has not allowed remote shopping assistance (and the settings require it).
    AssistNoConsent,
    AssistCustomerLocked,
    AssistCustomerMissing,
    /// Password, email and consent cannot be changed by staff assisting a customer.
    NotWhileAssisting,
    /// Changing a customer's assistance consent needs the Shopping Assistance permission.
    ConsentPermission,
    /// A negative amount, more than two decimals, or beyond the largest accepted.
    AmountInvalid,
    /// A quantity of zero or less, or beyond the largest accepted.
    QuantityInvalid,
    /// Not a three-letter ISO 4217 code.
    CurrencyInvalid,
    /// No customer has this id.
    CustomerUnknown,
    /// More refunded than the order's grand total.
    RefundTooLarge,
    /// No category has this code (send the categories first).
    CategoryUnknown,
    /// An end that is not after the start.
    EndsBeforeStart,
    /// A segment or audience named that does not exist.
    TargetUnknown,
    /// The coupon code is another cart price rule's.
    CouponTaken,
}

/// A rule one form field broke; `field` is the input's name (`email`, `addresses.0.city`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
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
    #[error("invalid fields: {0:?}")]
    InvalidFields(Vec<FieldError>),
    /// A segment's conditions do not read: where (line and column, or the node's path) and why.
    #[error("invalid conditions: {0}")]
    Conditions(SegmentError),
    /// Something failed on the server; the detail is in the server's log, not here.
    #[error("temporarily unavailable")]
    Unavailable,
    /// The server has just started and is still reading the customers into its read model (the
    /// grid, segments, counts): asked again in a few seconds, it answers.
    #[error("preparing the customer data")]
    Preparing,
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

impl AppError {
    /// One field's problem: 422 naming `field`.
    pub fn field(field: &str, problem: Problem) -> AppError {
        AppError::InvalidFields(vec![FieldError {
            field: field.to_owned(),
            problem,
        }])
    }

    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::InvalidCredentials => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Invalid(Problem::EmailTaken)
            | AppError::Invalid(Problem::GroupCodeTaken)
            | AppError::Invalid(Problem::ViewNameTaken) => 409,
            AppError::InvalidFields(errs)
                if errs.iter().all(|e| {
                    matches!(e.problem, Problem::EmailTaken | Problem::ExternalIdTaken)
                }) =>
            {
                409
            }
            AppError::Invalid(Problem::TooManyRequests) => 429,
            AppError::Invalid(Problem::NotWhileAssisting) => 403,
            AppError::Invalid(_) | AppError::InvalidFields(_) | AppError::Conditions(_) => 422,
            AppError::Unavailable | AppError::Preparing => 503,
            AppError::Transport(_) => 502,
        }
    }

    /// The problem a field has, if this error names it.
    pub fn field_problem(&self, field: &str) -> Option<Problem> {
        match self {
            AppError::InvalidFields(errs) => {
                errs.iter().find(|e| e.field == field).map(|e| e.problem)
            }
            _ => None,
        }
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(errs: Vec<FieldError>) -> Self {
        AppError::InvalidFields(errs)
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
impl AppError {
    /// Sets this error's status on the server function's response (call before returning it).
    pub fn with_status(self) -> AppError {
        // A plain form post (no scripts) is answered by a redirect back to the form, which shows
        // the error: a 4xx status there would stop the browser from following it.
        if plain_form_post() {
            return self;
        }
        if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
            && let Ok(code) = http::StatusCode::from_u16(self.status())
        {
            res.set_status(code);
        }
        self
    }
}

/// True when a server function was called by a plain HTML form (no scripts): the browser then
/// expects a redirect, not a JSON answer.
#[cfg(feature = "ssr")]
pub fn plain_form_post() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|p| {
        p.headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

#[cfg(feature = "ssr")]
impl From<surrealdb::Error> for AppError {
    #[track_caller]
    fn from(e: surrealdb::Error) -> Self {
        AppError::internal(e)
    }
}

/// Where in the input a problem is: a position in the text form or a node's path in the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Place {
    /// 1-based line and column (in characters).
    Text { line: u32, column: u32 },
    /// `children[2].children[0]`, or empty for the root.
    Node(String),
}

/// Why a segment's conditions were refused, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentError {
    pub at: Place,
    pub message: String,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Text { line, column } => write!(f, "line {line}, column {column}"),
            Place::Node(p) if p.is_empty() => write!(f, "the root group"),
            Place::Node(p) => write!(f, "{p}"),
        }
    }
}

impl fmt::Display for SegmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}
