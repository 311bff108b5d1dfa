//! Form widgets shared by storefront and back office: a labelled input with its field message.
use super::problem_text;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// The problem an action's last answer reported for `field`.
pub fn field_error(
    value: Signal<Option<Result<(), AppError>>>,
    field: &'static str,
) -> Signal<Option<crate::error::Problem>> {
    Signal::derive(move || match value.get() {
        Some(Err(e)) => e.field_problem(field),
        _ => None,
    })
}

/// The action's last error when it is not about one field (those show beside their inputs).
pub fn form_error(value: Signal<Option<Result<(), AppError>>>) -> Signal<Option<AppError>> {
    Signal::derive(move || match value.get() {
        Some(Err(AppError::InvalidFields(_))) | None | Some(Ok(())) => None,
        Some(Err(e)) => Some(e),
    })
}

/// Whether the date input `id` holds something the browser cannot read as a date (30 February):
/// its value is then empty, as if no date were typed, and only its validity tells them apart.
pub fn date_unreadable(id: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            .is_some_and(|i| i.validity().bad_input())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = id;
        false
    }
}

/// A labelled text input; its message (if any) is linked with `aria-describedby`.
#[component]
pub fn TextField(
    name: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: Signal<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional, into)] error: Signal<Option<crate::error::Problem>>,
    #[prop(optional, into)] hint: Option<Signal<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = format!("f-{name}");
    let msg_id = format!("f-{name}-msg");
    let described = msg_id.clone();
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{move || label.get()}{required.then_some(" *")}</label>
            <input id=id name=name type=kind prop:value=move || value.get() value=move || value.get()
                required=required autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described />
            <p id=msg_id class="field-msg">
                {move || match error.get() {
                    Some(p) => view! { <span class="error">{problem_text(i18n.get_locale(), p)}</span> }.into_any(),
                    None => view! { <span class="hint">{hint.map(|h| h.get())}</span> }.into_any(),
                }}
            </p>
        </div>
    }
}

/// A checkbox with its label; submits `on` when ticked (plain forms and server functions alike).
#[component]
pub fn CheckField(
    name: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(optional, into)] checked: Signal<bool>,
) -> impl IntoView {
    let id = format!("f-{name}");
    view! {
        <div class="field check">
            <input id=id.clone() name=name type="checkbox" value="on" prop:checked=move || checked.get()
                checked=move || checked.get() />
            <label for=id>{move || label.get()}</label>
        </div>
    }
}

/// A labelled input bound to a form held in a signal (the back office's customer page, whose
/// save checks every field itself): its problem shows below it, linked by `aria-describedby`.
pub struct BoundInput {
    pub id: String,
    pub name: String,
    pub label: String,
    pub kind: &'static str,
    pub required: bool,
}

impl BoundInput {
    /// The field: `value` reads the form, `set` writes what is typed, `problem` is its message.
    pub fn view(
        self,
        value: impl Fn() -> String + Send + Sync + 'static,
        set: impl Fn(String) + Send + Sync + 'static,
        problem: impl Fn() -> Option<String> + Clone + Send + Sync + 'static,
    ) -> impl IntoView {
        let described = format!("{}-error", self.id);
        let invalid = problem.clone();
        view! {
            <div class="field">
                <label for=self.id.clone()>{self.label}{self.required.then_some(" *")}</label>
                <input id=self.id type=self.kind name=self.name prop:value=value
                    on:input=move |ev| set(event_target_value(&ev))
                    aria-required=self.required.to_string() aria-describedby=described.clone()
                    aria-invalid=move || invalid().is_some().to_string() />
                <span class="field-error" id=described>{problem}</span>
            </div>
        }
    }
}
