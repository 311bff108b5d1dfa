//! The outbox worker: delivers queued messages over SMTP (lettre) or into a drop folder (development),
//! with retries and backoff, making each message's action link as it sends (the outbox never holds
//! one); without a transport it marks them "not sent — no transport".
use crate::config::{SmtpConfig, SmtpSecurity};
use app::db::{Db, from_json, transact};
use app::mail::{QUEUED_FIELDS, Queued, body_to_send};
use futures::future::BoxFuture;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// Attempts before a message is given up as failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// How many due messages one pass takes.
const BATCH: usize = 20;

/// A message as the worker hands it to a transport (its body with the live link, if any).
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub id: String,
    pub recipient: String,
    /// The template's key (`reset_password` …), for transports that file messages by kind.
    pub template: String,
    pub subject: String,
    pub body: String,
}

/// Somewhere messages go: SMTP in production, a recorder in tests.
pub trait Transport: Send + Sync + 'static {
    fn send<'a>(&'a self, m: &'a Outgoing) -> BoxFuture<'a, Result<(), String>>;
}

pub struct Smtp {
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Smtp {
    pub fn new(config: &SmtpConfig) -> anyhow::Result<Smtp> {
        let builder = match config.security {
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)?,
            SmtpSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            }
        };
        let mut builder = builder
            .port(config.port)
            .timeout(Some(Duration::from_secs(20)));
        if let (Some(u), Some(p)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(Smtp {
            mailer: builder.build(),
            from: config.from.parse()?,
        })
    }
}

impl Transport for Smtp {
    fn send<'a>(&'a self, m: &'a Outgoing) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            // Typed headers: a name or address cannot smuggle in a header line.
            let to = m
                .recipient
                .parse::<lettre::message::Mailbox>()
                .map_err(|e| e.to_string())?;
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(m.subject.clone())
                .header(ContentType::TEXT_PLAIN)
                .body(m.body.clone())
                .map_err(|e| e.to_string())?;
            self.mailer
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }
}

/// Development mail: each message becomes a text file in a folder (`mail_dir`), named so that
/// they sort by time; nothing leaves the machine. The file holds the live link, like a real email.
pub struct DropFolder {
    dir: std::path::PathBuf,
}

impl DropFolder {
    pub fn new(dir: std::path::PathBuf) -> anyhow::Result<DropFolder> {
        std::fs::create_dir_all(&dir)?;
        Ok(DropFolder { dir })
    }
}

impl Transport for DropFolder {
    fn send<'a>(&'a self, m: &'a Outgoing) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let name = format!(
                "{}-{}-{}.txt",
                chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"),
                m.template,
                m.id
            );
            let text = format!(
                "To: {}\nSubject: {}\nTemplate: {}\n\n{}\n",
                m.recipient, m.subject, m.template, m.body
            );
            tokio::fs::write(self.dir.join(name), text)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// Minutes to wait after `attempts` failures: 2, 4, 8 … at most 60.
pub fn backoff_minutes(attempts: i64) -> i64 {
    (1i64 << attempts.clamp(0, 6)).min(60)
}

/// Marks every queued message "no transport" (no SMTP configured); returns how many.
pub async fn mark_no_transport(db: &Db) -> Result<usize, surrealdb::Error> {
    let mut res = db
        .query("UPDATE outbox SET status = 'no_transport' WHERE status = 'queued' RETURN VALUE id")
        .await?;
    let ids: Vec<surrealdb::types::RecordId> = res.take(0)?;
    Ok(ids.len())
}

/// Delivers the messages that are due (claiming each first, so two app servers never send one
/// twice), making action links against `base_url`; returns how many were sent.
pub async fn deliver_due(
    db: &Db,
    transport: &dyn Transport,
    base_url: &str,
) -> Result<usize, surrealdb::Error> {
    let mut res = db
        .query(
            "SELECT VALUE record::id(id) FROM outbox WHERE (status IN ['queued', 'retry'] AND next_attempt_at <= time::now()) \
               OR (status = 'sending' AND claimed_until < time::now()) LIMIT $n",
        )
        .bind(("n", BATCH as i64))
        .await?;
    let ids: Vec<String> = res.take(0)?;
    let mut sent = 0;
    let claim = format!(
        "UPDATE type::record('outbox', $id) SET status = 'sending', claimed_until = time::now() + 2m \
           WHERE (status IN ['queued', 'retry'] AND next_attempt_at <= time::now()) \
              OR (status = 'sending' AND claimed_until < time::now()) \
         RETURN {QUEUED_FIELDS}"
    );
    for id in ids {
        let (mut claimed, _) = transact(|| {
            db.query(claim.as_str())
                .bind(("id", id.clone()))
                .into_future()
        })
        .await?;
        let rows: Vec<serde_json::Value> = claimed.take(0)?;
        let Some(q) = rows
            .into_iter()
            .next()
            .and_then(|r| from_json::<Queued>(r).ok())
        else {
            continue;
        };
        let Some(body) = body_to_send(db, base_url, &q).await? else {
            db.query("UPDATE type::record('outbox', $id) SET status = 'failed', claimed_until = NONE, last_error = 'the link no longer applies' RETURN NONE")
                .bind(("id", q.id.clone()))
                .await?
                .check()?;
            tracing::info!(event = "mail_dropped", outbox.id = %q.id, "link no longer applies");
            continue;
        };
        let m = Outgoing {
            id: q.id.clone(),
            recipient: q.recipient.clone(),
            template: q.template.clone(),
            subject: q.subject.clone(),
            body,
        };
        match transport.send(&m).await {
            Ok(()) => {
                db.query("UPDATE type::record('outbox', $id) SET status = 'sent', sent_at = time::now(), attempts += 1, claimed_until = NONE, last_error = NONE RETURN NONE")
                    .bind(("id", m.id.clone()))
                    .await?
                    .check()?;
                tracing::info!(event = "mail_sent", outbox.id = %m.id, "message delivered");
                sent += 1;
            }
            Err(e) => {
                let attempts = q.attempts + 1;
                let status = if attempts >= MAX_ATTEMPTS {
                    "failed"
                } else {
                    "retry"
                };
                tracing::warn!(event = "mail_failed", outbox.id = %m.id, attempts, error = %e, "message not delivered");
                db.query(
                    "UPDATE type::record('outbox', $id) SET status = $status, attempts = $attempts, last_error = $error, \
                       claimed_until = NONE, next_attempt_at = time::now() + type::duration($wait) RETURN NONE",
                )
                .bind(("id", m.id.clone()))
                .bind(("status", status))
                .bind(("attempts", attempts))
                .bind(("error", e.chars().take(500).collect::<String>()))
                .bind(("wait", format!("{}m", backoff_minutes(attempts))))
                .await?
                .check()?;
            }
        }
    }
    Ok(sent)
}

/// Runs the worker for the life of the process: every two seconds, deliver what is due (or mark
/// it "no transport").
pub fn spawn_worker(db: Db, transport: Option<Arc<dyn Transport>>, base_url: String) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tick.tick().await;
            let outcome = match &transport {
                Some(t) => deliver_due(&db, t.as_ref(), &base_url).await.map(|_| ()),
                None => mark_no_transport(&db).await.map(|_| ()),
            };
            if let Err(e) = outcome {
                tracing::warn!(error = %e, "outbox worker pass failed");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::backoff_minutes;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let waits: Vec<i64> = (1..=8).map(backoff_minutes).collect();
        assert_eq!(waits, vec![2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
