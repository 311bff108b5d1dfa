//! The one way a page waits for its data: a loading line while a server function answers, the
//! error where it failed, and otherwise what the page makes of the data (admin lists and pages).
use super::ErrorMessage;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use std::future::Future;

/// Shows `render(data)` once `data` has loaded (keeping the previous view while it reloads), the
/// error in its place when loading failed.
pub fn loaded<T, V>(
    data: Resource<Result<T, AppError>>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    loaded_from(move || async move { data.await }, render)
}

/// As [`loaded`], for a page whose data comes from several resources: `fetch` awaits them (every
/// one it reads is tracked, so the view follows each) and combines them, or says what failed.
pub fn loaded_from<T, V, Fut>(
    fetch: impl Fn() -> Fut + Clone + Send + Sync + 'static,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    T: Send + 'static,
    V: IntoView + 'static,
{
    let i18n = use_i18n();
    view! {
        <Transition fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let (fetch, render) = (fetch.clone(), render.clone());
                Suspend::new(async move {
                    match fetch().await {
                        Ok(d) => render(d).into_any(),
                        Err(e) => view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
