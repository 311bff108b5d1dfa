//! Marketing > Cart Price Rules > Add/Edit: name and label, dates, websites, who it is for
//! (customer groups, segments, audiences), its coupon and limits, its action and the items it
//! takes, priority, stop further rules, free shipping; and a generated-coupon rule's codes.
use super::{CouponsView, RuleEditing, delete_rule, generate_coupons, rule_form, save_rule};
use crate::admin::fields::{bound, choices, confirm, toggle};
use crate::components::{ErrorMessage, loaded, problem_text};
use crate::domain::content::Match;
use crate::domain::promotion::input::{
    COUPON_GENERATED, COUPON_NONE, COUPON_SPECIFIC, KIND_BUY_X_GET_Y, KIND_FIXED_CART,
    KIND_FIXED_ITEM, KIND_PERCENT, RuleInput,
};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn RuleEditPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<u32>().ok());
    let data = Resource::new(id, rule_form);
    view! {
        {loaded(data, move |f: RuleEditing| view! { <Editor id=id() form=f /> })}
    }
}

/// A select bound to one text field of the form.
fn select(
    (id, label): (&'static str, String),
    options: Vec<(&'static str, String)>,
    get: impl Fn() -> String + Copy + Send + Sync + 'static,
    set: impl Fn(String) + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| set(event_target_value(&ev))>
                {options.into_iter().map(|(value, text)| view! {
                    <option value=value selected=move || get() == value>{text}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// A checkbox bound to one flag of the form.
fn flag(
    id: &'static str,
    label: String,
    get: impl Fn() -> bool + Send + Sync + 'static,
    set: impl Fn(bool) + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="field check">
            <input id=id type="checkbox" prop:checked=get on:change=move |ev| set(event_target_checked(&ev)) />
            <label for=id>{label}</label>
        </div>
    }
}

#[component]
fn Editor(id: Option<u32>, form: RuleEditing) -> impl IntoView {
    let i18n = use_i18n();
    let kept_coupon = form.input.coupon.clone();
    let f = RwSignal::new(form.input);
    let save = Action::new(move |input: &RuleInput| {
        let input = input.clone();
        async move { save_rule(id, input).await }
    });
    let remove = Action::new(move |id: &u32| {
        let id = *id;
        async move { delete_rule(id).await }
    });
    let navigate = use_navigate();
    Effect::new(move || {
        if save.value().get().is_some_and(|r| r.is_ok())
            || remove.value().get().is_some_and(|r| r.is_ok())
        {
            navigate("/admin/promotions", Default::default());
        }
    });
    let error = Signal::derive(move || {
        save.value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| remove.value().get().and_then(|r| r.err()))
    });
    let text = move |name: &'static str,
                     label: String,
                     kind: &'static str,
                     field: fn(&mut RuleInput) -> &mut String| {
        bound((i18n, error), f, (name, label), kind, field)
    };
    let t = |s: &str| s.to_owned();
    let title = if id.is_some() {
        t_string!(i18n, promotions.edit_title)
    } else {
        t_string!(i18n, promotions.new_title)
    };
    let kind = move || f.with(|r| r.action.clone());
    let coupon = move || f.with(|r| r.coupon.clone());
    view! {
        <Title text=title.to_string() />
        <h1>{title}</h1>
        <p><A href="/admin/promotions">{t!(i18n, promotions.title)}</A></p>
        <form class="form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save.dispatch(f.get_untracked()); }>
            {text("name", t(t_string!(i18n, promotions.name)), "text", |r| &mut r.name)}
            {text("label", t(t_string!(i18n, promotions.label)), "text", |r| &mut r.label)}
            {flag("r-active", t(t_string!(i18n, promotions.active)), move || f.with(|r| r.active), move |on| f.update(|r| r.active = on))}
            {text("starts", t(t_string!(i18n, promotions.starts)), "datetime-local", |r| &mut r.starts)}
            {text("ends", t(t_string!(i18n, promotions.ends)), "datetime-local", |r| &mut r.ends)}
            {text("websites", t(t_string!(i18n, promotions.websites)), "text", |r| &mut r.websites)}
            {text("priority", t(t_string!(i18n, promotions.priority)), "number", |r| &mut r.priority)}
            {flag("r-stop", t(t_string!(i18n, promotions.stop_further)), move || f.with(|r| r.stop_further), move |on| f.update(|r| r.stop_further = on))}
            {flag("r-ship", t(t_string!(i18n, promotions.free_shipping)), move || f.with(|r| r.free_shipping), move |on| f.update(|r| r.free_shipping = on))}

            <h2>{t!(i18n, promotions.conditions)}</h2>
            {choices(t(t_string!(i18n, content.groups)), form.groups,
                move || f.with(|r| r.groups.clone()), move |id, on| f.update(|r| toggle(&mut r.groups, id, on)))}
            {select(("r-mode", t(t_string!(i18n, promotions.mode))), vec![
                ("any", t(t_string!(i18n, content.mode_any))),
                ("all", t(t_string!(i18n, content.mode_all))),
                ("none", t(t_string!(i18n, content.mode_none))),
            ], move || f.with(|r| match r.mode { Match::Any => "any", Match::All => "all", Match::None => "none" }.to_owned()),
               move |v| f.update(|r| r.mode = match v.as_str() { "all" => Match::All, "none" => Match::None, _ => Match::Any }))}
            {choices(t(t_string!(i18n, content.segments)), form.segments,
                move || f.with(|r| r.segments.clone()), move |id, on| f.update(|r| toggle(&mut r.segments, id, on)))}
            {choices(t(t_string!(i18n, content.audiences)), form.audiences,
                move || f.with(|r| r.audiences.clone()), move |id, on| f.update(|r| toggle(&mut r.audiences, id, on)))}
            <p class="field-msg">{move || error.get().and_then(|e| e.field_problem("segments").or(e.field_problem("audiences")))
                .map(|p| view! { <span class="error">{problem_text(i18n.get_locale(), p)}</span> })}</p>

            <h2>{t!(i18n, promotions.coupon)}</h2>
            {select(("r-coupon", t(t_string!(i18n, promotions.coupon))), vec![
                (COUPON_NONE, t(t_string!(i18n, promotions.coupon_none))),
                (COUPON_SPECIFIC, t(t_string!(i18n, promotions.coupon_specific))),
                (COUPON_GENERATED, t(t_string!(i18n, promotions.coupon_generated))),
            ], coupon, move |v| f.update(|r| r.coupon = v))}
            <Show when=move || coupon() == COUPON_SPECIFIC>
                {text("coupon_code", t(t_string!(i18n, promotions.coupon_code)), "text", |r| &mut r.coupon_code)}
            </Show>
            <Show when=move || coupon() != COUPON_NONE>
                {text("uses_per_coupon", t(t_string!(i18n, promotions.uses_per_coupon)), "number", |r| &mut r.uses_per_coupon)}
                {text("uses_per_customer", t(t_string!(i18n, promotions.uses_per_customer)), "number", |r| &mut r.uses_per_customer)}
            </Show>

            <h2>{t!(i18n, promotions.action)}</h2>
            {select(("r-action", t(t_string!(i18n, promotions.action))), vec![
                (KIND_PERCENT, t(t_string!(i18n, promotions.action_percent))),
                (KIND_FIXED_ITEM, t(t_string!(i18n, promotions.action_fixed_item))),
                (KIND_FIXED_CART, t(t_string!(i18n, promotions.action_fixed_cart))),
                (KIND_BUY_X_GET_Y, t(t_string!(i18n, promotions.action_buy_x_get_y))),
            ], kind, move |v| f.update(|r| r.action = v))}
            <Show when=move || kind() != KIND_BUY_X_GET_Y fallback=move || view! {
                {text("buy", t(t_string!(i18n, promotions.buy)), "number", |r| &mut r.buy)}
                {text("get", t(t_string!(i18n, promotions.get)), "number", |r| &mut r.get)}
            }>
                {text("amount", t(t_string!(i18n, promotions.amount)), "text", |r| &mut r.amount)}
            </Show>
            {text("skus", t(t_string!(i18n, promotions.skus)), "text", |r| &mut r.skus)}
            {text("categories", t(t_string!(i18n, promotions.categories)), "text", |r| &mut r.categories)}
            <p class="hint">{t!(i18n, promotions.items_help)}</p>

            <ErrorMessage error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::InvalidFields(_)))) />
            <div class="actions">
                <button type="submit" disabled=move || save.pending().get()>{t!(i18n, common.save)}</button>
                {id.map(|rid| view! {
                    <button type="button" class="danger" on:click=move |_| {
                        if confirm(t_string!(i18n, promotions.delete_confirm)) { remove.dispatch(rid); }
                    }>{t!(i18n, common.delete)}</button>
                })}
            </div>
        </form>
        {id.filter(|_| kept_coupon != COUPON_NONE).map(|rid| view! {
            <Coupons id=rid coupons=form.coupons.clone() generated=kept_coupon == COUPON_GENERATED />
        })}
    }
}

/// A rule's coupons: counts, the first codes with their uses, and (generated) a form for more.
#[component]
fn Coupons(id: u32, coupons: CouponsView, generated: bool) -> impl IntoView {
    let i18n = use_i18n();
    let count = RwSignal::new("10".to_owned());
    let prefix = RwSignal::new(String::new());
    let length = RwSignal::new("8".to_owned());
    let generate = Action::new(move |(c, p, l): &(String, String, String)| {
        let (c, p, l) = (c.clone(), p.clone(), l.clone());
        async move { generate_coupons(id, c, p, l).await }
    });
    let error = Signal::derive(move || generate.value().get().and_then(|r| r.err()));
    let made = move || generate.value().get().and_then(|r| r.ok());
    let field = move |(fid, name, label): (&'static str, &'static str, String),
                      value: RwSignal<String>| {
        let problem = move || error.get().and_then(|e| e.field_problem(name));
        view! {
            <div class="field" class:invalid=move || problem().is_some()>
                <label for=fid>{label}</label>
                <input id=fid type="text" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
                <p class="field-msg">{move || problem().map(|p| view! { <span class="error">{problem_text(i18n.get_locale(), p)}</span> })}</p>
            </div>
        }
    };
    view! {
        <section aria-labelledby="r-coupons-h">
            <h2 id="r-coupons-h">{t!(i18n, promotions.coupons)}</h2>
            <p data-testid="coupon-counts">{format!("{}: {} · {}: {}", t_string!(i18n, promotions.coupons_total), coupons.total,
                t_string!(i18n, promotions.coupons_used), coupons.used)}</p>
            {generated.then(|| view! {
                <form class="form inline-form" novalidate aria-label=move || t_string!(i18n, promotions.generate)
                    on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        generate.dispatch((count.get_untracked(), prefix.get_untracked(), length.get_untracked()));
                    }>
                    {field(("g-count", "count", t_string!(i18n, promotions.generate_count).to_owned()), count)}
                    {field(("g-prefix", "prefix", t_string!(i18n, promotions.generate_prefix).to_owned()), prefix)}
                    {field(("g-length", "length", t_string!(i18n, promotions.generate_length).to_owned()), length)}
                    <button type="submit" class="secondary" disabled=move || generate.pending().get()>{t!(i18n, promotions.generate)}</button>
                </form>
                <p role="status">{move || made().map(|n| format!("{} {n}", t_string!(i18n, promotions.generated_n)))}</p>
            })}
            <table class="grid" aria-label=move || t_string!(i18n, promotions.coupons)>
                <thead><tr>
                    <th scope="col">{t!(i18n, promotions.coupon_code)}</th>
                    <th scope="col">{t!(i18n, promotions.uses)}</th>
                </tr></thead>
                <tbody>{coupons.listed.into_iter().map(|(code, uses)| view! {
                    <tr><td>{code}</td><td>{uses}</td></tr>
                }).collect_view()}</tbody>
            </table>
        </section>
    }
}
