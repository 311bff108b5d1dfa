//! Marketing > Cart Price Rules > Price a cart: staff creating an order for a customer see what
//! the rules take off it and why each other rule did not apply (the same answer the customer's
//! storefront and the shop's API get).
use super::{StaffCart, price_cart};
use crate::admin::fields::bound;
use crate::components::ErrorMessage;
use crate::domain::promotion::request::{CartLineInput, NotApplied, Priced};
use crate::error::{AppError, FieldError, Problem};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::Title;
use leptos_router::components::A;

/// The cart as typed: one line per item, `SKU, quantity, price`.
#[derive(Clone, Debug, Default, PartialEq)]
struct Typed {
    customer: String,
    website: String,
    coupon: String,
    lines: String,
}

/// Reads the typed lines; a line that does not read is named (`items`).
fn lines(text: &str) -> Result<Vec<CartLineInput>, AppError> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let parts: Vec<&str> = l.split(',').map(str::trim).collect();
            let line = match parts.as_slice() {
                [sku, qty, price] => {
                    qty.parse()
                        .ok()
                        .zip(price.parse().ok())
                        .map(|(qty, price)| CartLineInput {
                            sku: (*sku).to_owned(),
                            qty,
                            price,
                            categories: vec![],
                        })
                }
                _ => None,
            };
            line.ok_or_else(|| {
                AppError::InvalidFields(vec![FieldError {
                    field: "items".into(),
                    problem: Problem::FieldInvalid,
                }])
            })
        })
        .collect()
}

pub fn reason_label(i18n: I18nContext<Locale>, n: &NotApplied) -> String {
    let base = match n.reason.as_str() {
        "inactive" => t_string!(i18n, promotions.reasons.inactive),
        "not_started" => t_string!(i18n, promotions.reasons.not_started),
        "ended" => t_string!(i18n, promotions.reasons.ended),
        "other_website" => t_string!(i18n, promotions.reasons.other_website),
        "other_group" => t_string!(i18n, promotions.reasons.other_group),
        "not_targeted" => t_string!(i18n, promotions.reasons.not_targeted),
        "targets_gone" => t_string!(i18n, promotions.reasons.targets_gone),
        "needs_coupon" => t_string!(i18n, promotions.reasons.needs_coupon),
        "coupon_refused" => t_string!(i18n, promotions.reasons.coupon_refused),
        "no_items" => t_string!(i18n, promotions.reasons.no_items),
        "nothing_left" => t_string!(i18n, promotions.reasons.nothing_left),
        _ => t_string!(i18n, promotions.reasons.stopped_by),
    };
    match (&n.refused, n.stopped_by) {
        (Some(r), _) => format!(
            "{base} ({})",
            serde_json::to_string(r)
                .unwrap_or_default()
                .trim_matches('"')
        ),
        (None, Some(rule)) => format!("{base} #{rule}"),
        _ => base.to_owned(),
    }
}

#[component]
pub fn PriceCartPage() -> impl IntoView {
    let i18n = use_i18n();
    let f = RwSignal::new(Typed {
        website: crate::domain::WebsiteId::STOREFRONT.to_owned(),
        ..Typed::default()
    });
    let price = Action::new(move |typed: &Typed| {
        let typed = typed.clone();
        async move {
            let items = lines(&typed.lines)?;
            price_cart(StaffCart {
                customer: typed.customer,
                website: typed.website,
                coupon: typed.coupon,
                items,
            })
            .await
        }
    });
    let error = Signal::derive(move || price.value().get().and_then(|r| r.err()));
    let text = move |name: &'static str, label: String, field: fn(&mut Typed) -> &mut String| {
        let kind = if name == "items" { "textarea" } else { "text" };
        bound((i18n, error), f, (name, label), kind, field)
    };
    let t = |s: &str| s.to_owned();
    view! {
        <Title text=move || t_string!(i18n, promotions.price_title).to_string() />
        <h1>{t!(i18n, promotions.price_title)}</h1>
        <p><A href="/admin/promotions">{t!(i18n, promotions.title)}</A></p>
        <p class="muted">{t!(i18n, promotions.price_help)}</p>
        <form class="form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); price.dispatch(f.get_untracked()); }>
            {text("customer", t(t_string!(i18n, promotions.price_customer)), |t| &mut t.customer)}
            {text("website", t(t_string!(i18n, promotions.websites)), |t| &mut t.website)}
            {text("coupon", t(t_string!(i18n, promotions.coupon_code)), |t| &mut t.coupon)}
            {text("items", t(t_string!(i18n, promotions.price_lines)), |t| &mut t.lines)}
            <ErrorMessage error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::InvalidFields(_)))) />
            <button type="submit" disabled=move || price.pending().get()>{t!(i18n, promotions.price_run)}</button>
        </form>
        {move || price.value().get().and_then(|r| r.ok()).map(|p| result(i18n, p))}
    }
}

fn result(i18n: I18nContext<Locale>, p: Priced) -> impl IntoView {
    view! {
        <section aria-labelledby="priced-h">
            <h2 id="priced-h">{t!(i18n, promotions.priced)}</h2>
            <dl class="totals">
                <dt>{t!(i18n, promotions.subtotal)}</dt><dd>{p.subtotal.to_string()}</dd>
                <dt>{t!(i18n, promotions.discount)}</dt><dd data-testid="priced-discount">{p.discount.to_string()}</dd>
                <dt>{t!(i18n, promotions.total)}</dt><dd>{p.total.to_string()}</dd>
                <dt>{t!(i18n, promotions.free_shipping)}</dt><dd>{if p.free_shipping { "✓" } else { "—" }}</dd>
            </dl>
            <table class="grid" aria-label=move || t_string!(i18n, promotions.why)>
                <thead><tr>
                    <th scope="col">{t!(i18n, promotions.name)}</th>
                    <th scope="col">{t!(i18n, promotions.why)}</th>
                </tr></thead>
                <tbody>
                    {p.applied.into_iter().map(|a| view! {
                        <tr><td>{a.name}</td><td>{format!("{} −{}", t_string!(i18n, promotions.applied), a.discount)}</td></tr>
                    }).collect_view()}
                    {p.not_applied.into_iter().map(|n| {
                        let why = reason_label(i18n, &n);
                        view! { <tr><td>{n.name}</td><td>{why}</td></tr> }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
