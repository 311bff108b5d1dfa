//! The browser entry point: hydrates the page the server rendered.
#![recursion_limit = "256"]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Asynchronous: a page's code may sit in its own wasm file (lazy routes, `--split`), which
    // is loaded before the page is hydrated.
    // (hydrate_from_async starts Leptos's executor on wasm-bindgen-futures first thing.)
    wasm_bindgen_futures::spawn_local(async {
        let page = leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), app::App).await;
        page.forget();
        // Lets the end-to-end suite wait for interactivity instead of guessing with timeouts.
        if let Some(window) = web_sys::window() {
            let _ = js_sys::Reflect::set(&window, &"__clientele_hydrated".into(), &true.into());
        }
    });
}
