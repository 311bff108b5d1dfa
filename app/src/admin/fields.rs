//! Form pieces the back office's editors share: a text input bound to one field with its message,
//! checkboxes for a list of ids, and the browser's confirm dialog.
use crate::components::problem_text;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// A text input bound to one field of the form, with that field's message.
pub fn input(
    i18n: I18nContext<Locale>,
    error: Signal<Option<AppError>>,
    (name, label): (&'static str, String),
    kind: &'static str,
    get: impl Fn() -> String + Send + Sync + 'static,
    set: impl Fn(String) + Send + Sync + 'static,
) -> impl IntoView {
    let id = format!("b-{}", name.replace('.', "-"));
    let msg = format!("{id}-msg");
    let problem = move || error.get().and_then(|e| e.field_problem(name));
    view! {
        <div class="field" class:invalid=move || problem().is_some()>
            <label for=id.clone()>{label}</label>
            {if kind == "textarea" {
                view! { <textarea id=id.clone() rows="5" aria-describedby=msg.clone() prop:value=get
                    on:input=move |ev| set(event_target_value(&ev))></textarea> }.into_any()
            } else {
                view! { <input id=id.clone() type=kind aria-describedby=msg.clone() prop:value=get
                    aria-invalid=move || problem().is_some().then_some("true")
                    on:input=move |ev| set(event_target_value(&ev)) /> }.into_any()
            }}
            <p id=msg class="field-msg">{move || problem().map(|p| view! { <span class="error">{problem_text(i18n.get_locale(), p)}</span> })}</p>
        </div>
    }
}

/// A text input bound to the string `field` of the form held in `f`, with that field's message.
pub fn bound<T: Clone + Send + Sync + 'static>(
    (i18n, error): (I18nContext<Locale>, Signal<Option<AppError>>),
    f: RwSignal<T>,
    (name, label): (&'static str, String),
    kind: &'static str,
    field: fn(&mut T) -> &mut String,
) -> impl IntoView {
    input(
        i18n,
        error,
        (name, label),
        kind,
        move || {
            f.with(|b| {
                let mut b = b.clone();
                std::mem::take(field(&mut b))
            })
        },
        move |v| f.update(|b| *field(b) = v),
    )
}

/// Checkboxes for a list of ids (segments, groups) bound to `ids`.
pub fn choices<T: Clone + PartialEq + Send + Sync + 'static>(
    legend: String,
    options: Vec<(T, String)>,
    get: impl Fn() -> Vec<T> + Copy + Send + Sync + 'static,
    set: impl Fn(T, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <fieldset class="choices">
            <legend>{legend}</legend>
            {options.into_iter().map(|(id, name)| {
                let (mine, on) = (id.clone(), id);
                view! {
                <label class="check">
                    <input type="checkbox" prop:checked=move || get().contains(&mine)
                        on:change=move |ev| set(on.clone(), event_target_checked(&ev)) />
                    {name}
                </label>
            }}).collect_view()}
        </fieldset>
    }
}

pub fn toggle<T: Ord>(v: &mut Vec<T>, id: T, on: bool) {
    v.retain(|x| x != &id);
    if on {
        v.push(id);
        v.sort();
    }
}

/// Asks the browser's confirm dialog (no on the server).
pub fn confirm(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().is_some_and(|w| w.confirm_with_message(question).unwrap_or(false))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        false
    }
}
