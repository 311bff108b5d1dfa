//! The browser entry point: hydrates the page the server rendered.
#![recursion_limit = "256"]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Lets the end-to-end suite wait for interactivity instead of guessing with timeouts.
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::set(&window, &"__clientele_hydrated".into(), &true.into());
    }
}
