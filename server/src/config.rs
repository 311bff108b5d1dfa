//! Configuration: `clientele.toml` (optional) overlaid by `CLIENTELE_*` environment variables.
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server binds to.
    pub listen: SocketAddr,
    /// The public URL customers and staff use; links in emails are built from it, and cookies
    /// get `Secure` when it is https.
    pub base_url: String,
    /// Where the compiled site (wasm, js, css, assets) lives.
    pub site_root: PathBuf,
    pub database: DatabaseConfig,
    pub smtp: Option<SmtpConfig>,
    /// Without SMTP: write each email as a text file in this folder (development and tests).
    pub mail_dir: Option<PathBuf>,
    pub demo: DemoConfig,
    pub log: LogConfig,
    pub rate_limit: RateLimitConfig,
    pub online: OnlineConfig,
    #[serde(default)]
    pub audiences: AudiencesConfig,
}

/// CDP audiences.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudiencesConfig {
    /// The key shared with the CDP that signs headless membership tokens (HS256, at least 32
    /// bytes); none: the personalization API refuses tokens.
    pub token_key: Option<String>,
}

/// Now Online's activity tracking.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnlineConfig {
    /// Note storefront requests for Now Online (off: the page stays empty).
    pub tracking: bool,
    /// Seconds between two writes of the noted activity (1-60).
    pub flush_seconds: u64,
    /// Seconds between two updates pushed to an open Now Online page (1-60).
    pub push_seconds: u64,
}

/// Per-client-address limits on sign-in, registration, password reset and confirmation requests.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Requests per minute per address and per kind (sign-in, register, …); 0 turns the limit off.
    pub per_minute: u32,
    /// Take the client address from the last `X-Forwarded-For` entry (only behind your own proxy).
    pub trust_forwarded_for: bool,
    /// Public-API requests per minute per integration token, on each app server; 0 turns it off.
    #[serde(default = "default_api_per_minute")]
    pub api_per_minute: u32,
}

/// An integration's budget: ten calls a second, sustained (a batch call counts once).
pub const DEFAULT_API_PER_MINUTE: u32 = 600;

fn default_api_per_minute() -> u32 {
    DEFAULT_API_PER_MINUTE
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `rocksdb://PATH` (default, embedded), `mem://` (tests), or `ws://HOST:PORT` / `wss://…`.
    pub url: String,
    pub namespace: String,
    pub database: String,
    /// For `ws://`/`wss://` only: root user and password of the SurrealDB server.
    pub username: Option<String>,
    pub password: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `starttls` (default), `tls` or `none`.
    #[serde(default = "default_smtp_security")]
    pub security: SmtpSecurity,
    /// The sender, e.g. `Clientele Store <store@example.com>`.
    pub from: String,
}

fn default_smtp_port() -> u16 {
    587
}

fn default_smtp_security() -> SmtpSecurity {
    SmtpSecurity::Starttls
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    Starttls,
    Tls,
    None,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    /// On an empty database: create a demo admin and seed demo customers (`make run` turns it on).
    pub enabled: bool,
    pub customers: u64,
    pub admin_email: String,
    /// Printed at start-up; random when not set.
    pub admin_password: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `info,app=debug`.
    pub level: String,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:3000".parse().expect("valid"),
            base_url: "http://127.0.0.1:3000".into(),
            site_root: PathBuf::from("target/site"),
            database: DatabaseConfig {
                url: "rocksdb://data".into(),
                namespace: "clientele".into(),
                database: "main".into(),
                username: None,
                password: None,
            },
            smtp: None,
            mail_dir: None,
            demo: DemoConfig {
                enabled: false,
                customers: 10_000,
                admin_email: "admin@example.com".into(),
                admin_password: None,
            },
            log: LogConfig {
                format: LogFormat::Text,
                level: "info".into(),
            },
            rate_limit: RateLimitConfig {
                per_minute: 20,
                trust_forwarded_for: false,
                api_per_minute: DEFAULT_API_PER_MINUTE,
            },
            online: OnlineConfig {
                tracking: true,
                flush_seconds: 5,
                push_seconds: 2,
            },
            audiences: AudiencesConfig::default(),
        }
    }
}

/// A configuration problem, naming the key and where its value came from.
#[derive(Debug, thiserror::Error)]
#[error("configuration error in `{key}`{origin}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub origin: String,
    pub message: String,
}

impl ConfigError {
    fn new(key: &str, message: impl Into<String>) -> Self {
        ConfigError {
            key: key.into(),
            origin: String::new(),
            message: message.into(),
        }
    }
}

impl From<figment::Error> for ConfigError {
    fn from(e: figment::Error) -> Self {
        let mut path = e.path.clone();
        let message = match &e.kind {
            figment::error::Kind::UnknownField(field, _) => {
                if path.last() != Some(field) {
                    path.push(field.clone());
                }
                "unknown key".to_owned()
            }
            figment::error::Kind::MissingField(field) => {
                if path.last().map(String::as_str) != Some(field.as_ref()) {
                    path.push(field.to_string());
                }
                "is required".to_owned()
            }
            kind => kind.to_string(),
        };
        let key = if path.is_empty() {
            "(top level)".to_owned()
        } else {
            path.join(".")
        };
        let origin = e
            .metadata
            .as_ref()
            .map(|m| {
                if m.name.contains("environment variable") {
                    // Name the variable itself, e.g. CLIENTELE_DATABASE__URL.
                    format!(" (from the {} environment variable)", env_var_name(&e.path))
                } else {
                    match &m.source {
                        Some(src) => format!(" (from {src})"),
                        None => format!(" (from {})", m.name),
                    }
                }
            })
            .unwrap_or_default();
        ConfigError {
            key,
            origin,
            message,
        }
    }
}

/// The environment variable that sets a configuration key.
pub fn env_var_name(path: &[String]) -> String {
    format!("CLIENTELE_{}", path.join("__").to_uppercase())
}

impl Config {
    /// Defaults, then `file` if it exists, then `CLIENTELE_*` variables (`__` separates levels:
    /// `CLIENTELE_DATABASE__URL` sets `database.url`).
    pub fn load(file: &Path) -> Result<Config, ConfigError> {
        Self::from_figment(
            Figment::from(Serialized::defaults(Config::default()))
                .merge(Toml::file(file))
                .merge(Env::prefixed("CLIENTELE_").split("__")),
        )
    }

    pub fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        let config: Config = figment.extract()?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        for (key, v) in [
            ("online.flush_seconds", self.online.flush_seconds),
            ("online.push_seconds", self.online.push_seconds),
        ] {
            if !(1..=60).contains(&v) {
                return Err(ConfigError::new(key, "must be between 1 and 60"));
            }
        }
        match url::Url::parse(&self.base_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => {
                return Err(ConfigError::new(
                    "base_url",
                    "must be an absolute http:// or https:// URL",
                ));
            }
        }
        let url = self.database.url.as_str();
        let scheme = url.split_once("://").map(|(s, _)| s).unwrap_or("");
        match scheme {
            "mem" => {}
            "rocksdb" => {
                if url["rocksdb://".len()..].is_empty() {
                    return Err(ConfigError::new(
                        "database.url",
                        "rocksdb:// needs a directory, e.g. rocksdb://data",
                    ));
                }
            }
            "ws" | "wss" => {
                if self.database.username.is_none() {
                    return Err(ConfigError::new(
                        "database.username",
                        "is required with a ws:// or wss:// database",
                    ));
                }
                if self.database.password.is_none() {
                    return Err(ConfigError::new(
                        "database.password",
                        "is required with a ws:// or wss:// database",
                    ));
                }
            }
            _ => {
                return Err(ConfigError::new(
                    "database.url",
                    format!(
                        "`{url}` is not supported: use mem://, rocksdb://PATH or ws://HOST:PORT"
                    ),
                ));
            }
        }
        if self.database.namespace.trim().is_empty() {
            return Err(ConfigError::new("database.namespace", "must not be empty"));
        }
        if self.database.database.trim().is_empty() {
            return Err(ConfigError::new("database.database", "must not be empty"));
        }
        if let Some(key) = &self.audiences.token_key
            && key.len() < app::audiences::token::KEY_MIN_BYTES
        {
            return Err(ConfigError::new(
                "audiences.token_key",
                "must be at least 32 bytes (share a random 256-bit key with your CDP)",
            ));
        }
        if let Some(smtp) = &self.smtp {
            if smtp.host.trim().is_empty() {
                return Err(ConfigError::new(
                    "smtp.host",
                    "must not be empty when SMTP is configured",
                ));
            }
            if app::domain::Email::parse(
                smtp.from
                    .rsplit('<')
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('>'),
            )
            .is_err()
            {
                return Err(ConfigError::new(
                    "smtp.from",
                    "must be an address like `Store <store@example.com>`",
                ));
            }
        }
        if self.demo.enabled && app::domain::Email::parse(&self.demo.admin_email).is_err() {
            return Err(ConfigError::new(
                "demo.admin_email",
                "must be an email address",
            ));
        }
        if let Some(p) = &self.demo.admin_password
            && p.chars().count() < app::admin::users::MIN_PASSWORD_CHARS
        {
            return Err(ConfigError::new(
                "demo.admin_password",
                "must have at least 12 characters",
            ));
        }
        if self.log.level.trim().is_empty() {
            return Err(ConfigError::new("log.level", "must not be empty"));
        }
        Ok(())
    }

    /// The public base URL, parsed (checked at load time).
    pub fn base_url(&self) -> url::Url {
        url::Url::parse(&self.base_url)
            .expect("base_url was checked when the configuration was loaded")
    }

    pub fn secure_cookies(&self) -> bool {
        self.base_url().scheme() == "https"
    }

    pub fn db_target(&self) -> app::db::DbTarget {
        let credentials = match (&self.database.username, &self.database.password) {
            (Some(u), Some(p)) if self.database.url.starts_with("ws") => {
                Some((u.clone(), p.clone()))
            }
            _ => None,
        };
        app::db::DbTarget {
            url: self.database.url.clone(),
            namespace: self.database.namespace.clone(),
            database: self.database.database.clone(),
            credentials,
        }
    }
}
