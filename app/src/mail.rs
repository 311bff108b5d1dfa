//! Transactional email: the templates (plain text, in the customer's language), the outbox row a
//! change writes in its own transaction, and the action links (confirm, reset) that only the
//! delivery worker creates, at send time: a link's token is never stored, so neither the email log
//! nor a copy of the database can use one.
use crate::domain::text::fill;
use crate::i18n::{Locale, td_string};
use surrealdb::types::{Object, SurrealValue, Value};

/// The messages Clientele sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    Welcome,
    Confirm,
    ResetPassword,
    PasswordChanged,
    EmailChanged,
    /// To the new address after an email change: this is now the account's address.
    EmailNew,
}

impl Template {
    /// Every template Clientele sends.
    pub const ALL: [Template; 6] = [
        Template::Welcome,
        Template::Confirm,
        Template::ResetPassword,
        Template::PasswordChanged,
        Template::EmailChanged,
        Template::EmailNew,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Template::Welcome => "welcome",
            Template::Confirm => "confirm_email",
            Template::ResetPassword => "reset_password",
            Template::PasswordChanged => "password_changed",
            Template::EmailChanged => "email_changed",
            Template::EmailNew => "email_new",
        }
    }

    pub fn parse(key: &str) -> Option<Template> {
        Template::ALL.into_iter().find(|t| t.key() == key)
    }
}

/// A link that acts on an account: its token is made by the delivery worker when it sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Confirm,
    Reset,
}

impl Action {
    pub fn key(self) -> &'static str {
        match self {
            Action::Confirm => "confirm",
            Action::Reset => "reset",
        }
    }
    pub fn parse(key: &str) -> Option<Action> {
        [Action::Confirm, Action::Reset]
            .into_iter()
            .find(|a| a.key() == key)
    }
    /// The storefront path that takes `token`.
    fn path(self, token: &str) -> String {
        match self {
            Action::Confirm => format!("/customer/account/confirm?token={token}"),
            Action::Reset => format!("/customer/account/createpassword?token={token}"),
        }
    }
}

/// A rendered message, ready for the outbox. With an `action`, the body holds a "link withheld"
/// note in place of the link; `name` and `detail` let the worker render it again with the link.
#[derive(Clone, Debug, PartialEq)]
pub struct Mail {
    pub template: Template,
    pub recipient: String,
    pub locale: Locale,
    pub customer: Option<i64>,
    pub subject: String,
    pub body: String,
    pub name: String,
    pub detail: String,
    pub action: Option<Action>,
}

/// The language a customer's stored locale names (English when unknown).
pub fn locale(stored: &str) -> Locale {
    stored.parse().unwrap_or(Locale::en)
}

/// Renders `template` for `name` in `locale`; `link` is the action link (confirm, reset), `detail`
/// the new address for "email changed". User data is inserted once, never interpreted.
pub fn render(
    template: Template,
    locale: Locale,
    recipient: &str,
    customer: Option<i64>,
    name: &str,
    link: &str,
    detail: &str,
) -> Mail {
    let store = td_string!(locale, store.name).to_string();
    let (subject, body) = match template {
        Template::Welcome => (
            td_string!(locale, mail.welcome_subject),
            td_string!(locale, mail.welcome_body),
        ),
        Template::Confirm => (
            td_string!(locale, mail.confirm_subject),
            td_string!(locale, mail.confirm_body),
        ),
        Template::ResetPassword => (
            td_string!(locale, mail.reset_subject),
            td_string!(locale, mail.reset_body),
        ),
        Template::PasswordChanged => (
            td_string!(locale, mail.password_changed_subject),
            td_string!(locale, mail.password_changed_body),
        ),
        Template::EmailChanged => (
            td_string!(locale, mail.email_changed_subject),
            td_string!(locale, mail.email_changed_body),
        ),
        Template::EmailNew => (
            td_string!(locale, mail.email_new_subject),
            td_string!(locale, mail.email_new_body),
        ),
    };
    let values = [
        ("name", name),
        ("store", store.as_str()),
        ("link", link),
        ("detail", detail),
    ];
    Mail {
        template,
        recipient: recipient.to_owned(),
        locale,
        customer,
        subject: fill(subject, &values),
        body: fill(body, &values),
        name: name.to_owned(),
        detail: detail.to_owned(),
        action: None,
    }
}

/// A message to customer `customer` whose link (`action`) the worker makes when it sends; what
/// the outbox keeps says the link is withheld.
pub fn render_with_action(
    template: Template,
    locale: Locale,
    recipient: &str,
    customer: i64,
    name: &str,
    action: Action,
) -> Mail {
    let withheld = td_string!(locale, mail.link_withheld).to_string();
    let mut mail = render(
        template,
        locale,
        recipient,
        Some(customer),
        name,
        &withheld,
        "",
    );
    mail.action = Some(action);
    mail
}

/// A queued message as the worker claims it from the outbox.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Queued {
    pub id: String,
    pub recipient: String,
    pub template: String,
    pub locale: String,
    pub customer: Option<i64>,
    pub subject: String,
    pub body: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    pub attempts: i64,
}

/// The fields `Queued` reads from an outbox row.
pub const QUEUED_FIELDS: &str = "record::id(id) AS id, recipient, template, locale, customer, subject, body, name, detail, action, attempts";

/// What the worker sends for `q`: the stored text, or with an action, the message rendered again
/// around a fresh link. `None` when the link no longer applies (the account is gone, already
/// confirmed, or its email changed since the message was queued): such a message is not sent.
pub async fn body_to_send(
    db: &crate::db::Db,
    base_url: &str,
    q: &Queued,
) -> Result<Option<String>, surrealdb::Error> {
    let Some(action) = q.action.as_deref().map(Action::parse) else {
        return Ok(Some(q.body.clone()));
    };
    let (Some(action), Some(customer), Some(template)) =
        (action, q.customer, Template::parse(&q.template))
    else {
        return Ok(None);
    };
    let token = crate::auth::cookie::new_token();
    // In one transaction with the check, so an email change (which clears tokens) cannot slip in.
    let sql = match action {
        Action::Confirm => {
            "LET $ok = (SELECT VALUE email = $to AND !confirmed FROM ONLY type::record('customer', $id)) = true;
             IF !$ok { THROW 'link_not_applicable' };
             UPSERT type::record('customer_secret', $id) SET confirm_hash = $hash, confirm_created_at = time::now() RETURN NONE;"
        }
        Action::Reset => {
            "LET $ok = (SELECT VALUE email = $to FROM ONLY type::record('customer', $id)) = true;
             IF !$ok { THROW 'link_not_applicable' };
             UPSERT type::record('customer_secret', $id) SET reset_hash = $hash, reset_created_at = time::now() RETURN NONE;"
        }
    };
    let errors = crate::db::tx::Tx::new()
        .stmt(sql)
        .shared("id", customer)
        .shared("to", q.recipient.clone())
        .shared("hash", crate::auth::cookie::token_hash(&token))
        .run(db)
        .await?;
    // The other statements of a failed transaction report "not executed": look for the THROW.
    if errors
        .iter()
        .any(|e| e.to_string().contains("link_not_applicable"))
    {
        return Ok(None);
    }
    if let Some(e) = errors.into_iter().next() {
        return Err(e);
    }
    let link = format!("{base_url}{}", action.path(&token));
    let mail = render(
        template,
        locale(&q.locale),
        &q.recipient,
        Some(customer),
        q.name.as_deref().unwrap_or(""),
        &link,
        q.detail.as_deref().unwrap_or(""),
    );
    Ok(Some(mail.body))
}

/// The statement that queues the message in `$mail` (see `param`); a transaction adds it once per
/// message (`db::tx::Tx::add` gives each its own parameter).
pub const OUTBOX_SQL: &str = "CREATE outbox CONTENT { recipient: $mail.recipient, template: $mail.template, \
     locale: $mail.locale, customer: $mail.customer, subject: $mail.subject, body: $mail.body, \
     name: $mail.name, detail: $mail.detail, action: $mail.action } RETURN NONE;";

/// The `$mail` parameter of `OUTBOX_SQL`.
pub fn param(mail: &Mail) -> (&'static str, Value) {
    let mut o = Object::default();
    o.insert("recipient".to_owned(), mail.recipient.clone().into_value());
    o.insert(
        "template".to_owned(),
        mail.template.key().to_owned().into_value(),
    );
    o.insert("locale".to_owned(), mail.locale.to_string().into_value());
    if let Some(c) = mail.customer {
        o.insert("customer".to_owned(), c.into_value());
    }
    o.insert("subject".to_owned(), mail.subject.clone().into_value());
    o.insert("body".to_owned(), mail.body.clone().into_value());
    o.insert("name".to_owned(), mail.name.clone().into_value());
    o.insert("detail".to_owned(), mail.detail.clone().into_value());
    if let Some(a) = mail.action {
        o.insert("action".to_owned(), a.key().to_owned().into_value());
    }
    ("mail", Value::Object(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_in_every_language_with_data_kept_literal() {
        for l in [Locale::en, Locale::it, Locale::nl] {
            for t in Template::ALL {
                let m = render(
                    t,
                    l,
                    "a@b.example",
                    Some(1),
                    "<b>{{7*7}}</b> %link",
                    "https://shop/x?token=T",
                    "new@b.example",
                );
                assert!(!m.subject.is_empty() && !m.body.is_empty(), "{t:?} {l}");
                assert!(
                    m.body.contains("<b>{{7*7}}</b> %link"),
                    "{t:?} {l}: {}",
                    m.body
                );
                assert!(
                    !m.body.contains("%name") && !m.body.contains("%store"),
                    "{t:?} {l}"
                );
            }
            let reset = render(
                Template::ResetPassword,
                l,
                "a@b.example",
                None,
                "A",
                "https://shop/x?token=T",
                "",
            );
            assert!(reset.body.contains("https://shop/x?token=T"));
            let pending = render_with_action(
                Template::ResetPassword,
                l,
                "a@b.example",
                1,
                "A",
                Action::Reset,
            );
            assert!(!pending.body.contains("token"), "{}", pending.body);
            assert_eq!(pending.action, Some(Action::Reset));
        }
    }

    #[test]
    fn templates_and_actions_parse_back_from_their_keys() {
        for t in [
            Template::Welcome,
            Template::Confirm,
            Template::ResetPassword,
        ] {
            assert_eq!(Template::parse(t.key()), Some(t));
        }
        for a in [Action::Confirm, Action::Reset] {
            assert_eq!(Action::parse(a.key()), Some(a));
        }
        assert_eq!(Action::parse("other"), None);
    }
}
