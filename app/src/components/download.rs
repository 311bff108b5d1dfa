//! A download link that, once the page is interactive, fetches the file itself to show progress
//! (rows received of the rows expected) and then saves it; without scripts it is a plain link.
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn DownloadLink(
    #[prop(into)] href: Signal<String>,
    #[prop(into)] file_name: String,
    /// Rows the file will hold (plus its header line), for the progress bar.
    #[prop(into)]
    expected_rows: Signal<u64>,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    // None: idle; Some(fraction) while downloading.
    let progress = RwSignal::new(None::<f64>);
    let failed = RwSignal::new(false);
    let name = file_name.clone();
    let on_click = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            ev.prevent_default();
            if progress.get_untracked().is_some() {
                return;
            }
            progress.set(Some(0.0));
            failed.set(false);
            let url = href.get_untracked();
            let rows = expected_rows.get_untracked();
            let name = name.clone();
            leptos::task::spawn_local(async move {
                let ok = fetch_with_progress(&url, &name, rows, progress)
                    .await
                    .is_ok();
                failed.set(!ok);
                progress.set(None);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&ev, &name, expected_rows);
    };
    view! {
        <a class="button secondary" href=move || href.get() download=file_name rel="external" on:click=on_click>
            {children()}
        </a>
        {move || progress.get().map(|p| view! {
            <progress max="100" value=format!("{:.0}", p * 100.0) aria-label=move || t_string!(i18n, grid.exporting)>
                {format!("{:.0}%", p * 100.0)}
            </progress>
        })}
        {move || failed.get().then(|| view! { <span role="alert" class="error">{t!(i18n, grid.export_failed)}</span> })}
    }
}

#[cfg(feature = "hydrate")]
async fn fetch_with_progress(
    url: &str,
    file_name: &str,
    rows: u64,
    progress: RwSignal<Option<f64>>,
) -> Result<(), wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await?
        .dyn_into()?;
    if !response.ok() {
        return Err("export refused".into());
    }
    let reader: web_sys::ReadableStreamDefaultReader =
        response.body().ok_or("no body")?.get_reader().dyn_into()?;
    let parts = js_sys::Array::new();
    let mut lines = 0u64;
    loop {
        let chunk = JsFuture::from(reader.read()).await?;
        if js_sys::Reflect::get(&chunk, &"done".into())?.as_bool() == Some(true) {
            break;
        }
        let bytes: js_sys::Uint8Array =
            js_sys::Reflect::get(&chunk, &"value".into())?.dyn_into()?;
        lines += bytes.to_vec().iter().filter(|b| **b == b'\n').count() as u64;
        parts.push(&bytes);
        progress.set(Some((lines as f64 / (rows + 1) as f64).min(1.0)));
    }
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(
        &response
            .headers()
            .get("content-type")?
            .unwrap_or_else(|| "application/octet-stream".into()),
    );
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let object_url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = window.document().ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    a.set_href(&object_url);
    a.set_download(file_name);
    a.click();
    web_sys::Url::revoke_object_url(&object_url)?;
    Ok(())
}
