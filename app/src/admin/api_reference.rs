//! Admin > System > Integrations > API reference: every public-API operation, read from the OpenAPI
//! document the API serves, with the scope its token needs, its parameters, body and answers.
use crate::components::{ListTable, col, loaded};
use crate::domain::api_reference::ApiOperation;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[server(prefix = "/api/admin/integrations", endpoint = "reference")]
pub async fn api_reference() -> Result<Vec<ApiOperation>, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Integrations, |_| async move {
        Ok(crate::state::app_state()?.api_reference.as_ref().clone())
    })
    .await
}

fn operation(i18n: leptos_i18n::I18nContext<Locale>, op: ApiOperation) -> impl IntoView {
    let anchor = format!("{}-{}", op.method, op.path).replace(['/', '{', '}'], "-");
    let params = (!op.parameters.is_empty()).then(|| {
        ListTable {
            caption: Some(view! { {t!(i18n, integrations.parameters)} }.into_any()),
            heads: vec![
                col(t_string!(i18n, integrations.parameter)),
                col(t_string!(i18n, integrations.location)),
                col(t_string!(i18n, integrations.description)),
            ],
            ..Default::default()
        }
        .rows(op.parameters, |p| {
            let required = if p.required { " *" } else { "" };
            view! { <tr><td><code>{p.name}</code>{required}</td><td>{p.location}</td><td>{p.description}</td></tr> }
        })
    });
    let answers = op
        .responses
        .into_iter()
        .map(|(status, text)| view! { <dt><code>{status}</code></dt><dd>{text}</dd> })
        .collect_view();
    view! {
        <section class="card api-operation" id=anchor>
            <h3><code>{op.method}" "{op.path}</code></h3>
            <p><strong>{op.summary}</strong></p>
            {(!op.description.is_empty()).then(|| view! { <p>{op.description}</p> })}
            {op.scope.map(|s| view! { <p>{t!(i18n, integrations.needs_scope)}" "<code>{s}</code></p> })}
            {params}
            {op.body.map(|b| view! { <p>{t!(i18n, integrations.body)}" "<code>{b}</code></p> })}
            <dl class="summary">{answers}</dl>
        </section>
    }
}

#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let i18n = use_i18n();
    let ops = Resource::new(|| (), |_| api_reference());
    view! {
        <Title text=move || t_string!(i18n, integrations.api_reference).to_string() />
        <h1>{t!(i18n, integrations.api_reference)}</h1>
        <p>
            {t!(i18n, integrations.reference_intro)}" "
            <a href="/api/v1/openapi.json">"openapi.json"</a>" · "
            <A href="/admin/integrations">{t!(i18n, integrations.title)}</A>
        </p>
        {loaded(ops, move |ops: Vec<ApiOperation>| {
            let mut tags: Vec<String> = ops.iter().map(|o| o.tag.clone()).collect();
            tags.dedup();
            tags.into_iter().map(|tag| {
                let mine: Vec<ApiOperation> = ops.iter().filter(|o| o.tag == tag).cloned().collect();
                view! {
                    <h2>{tag}</h2>
                    {mine.into_iter().map(|op| operation(i18n, op)).collect_view()}
                }
            }).collect_view()
        })}
    }
}
