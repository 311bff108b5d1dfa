//! Transactional email: the templates (plain text, in the customer's language) and the outbox row a
//! change writes in its own transaction; the server's worker delivers what is queued.
use crate::components::fill;
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
}

impl Template {
    pub fn key(self) -> &'static str {
        match self {
            Template::Welcome => "welcome",
            Template::Confirm => "confirm_email",
            Template::ResetPassword => "reset_password",
            Template::PasswordChanged => "password_changed",
            Template::EmailChanged => "email_changed",
        }
    }
}

/// A rendered message, ready for the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct Mail {
    pub template: Template,
    pub recipient: String,
    pub locale: Locale,
    pub customer: Option<i64>,
    pub subject: String,
    pub body: String,
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
    }
}

/// The statement that queues the message bound as `$<param>` (see `bind`).
pub fn outbox_sql(param: &str) -> String {
    format!(
        "CREATE outbox CONTENT {{ recipient: ${param}.recipient, template: ${param}.template, locale: ${param}.locale, \
         customer: ${param}.customer, subject: ${param}.subject, body: ${param}.body }} RETURN NONE;"
    )
}

/// The parameter `outbox_sql(param)` reads.
pub fn bind(param: &str, mail: &Mail) -> (String, Value) {
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
    (param.to_owned(), Value::Object(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_in_every_language_with_data_kept_literal() {
        for l in [Locale::en, Locale::it, Locale::nl] {
            for t in [
                Template::Welcome,
                Template::Confirm,
                Template::ResetPassword,
                Template::PasswordChanged,
                Template::EmailChanged,
            ] {
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
        }
    }
}
