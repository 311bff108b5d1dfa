//! `clientele bench bare`: the storefront's anchor — a bare Leptos 0.8 page (a shell, a router, one
//! route) rendered by leptos_axum the way Clientele renders its pages, in the same binary, profile
//! and allocator, on the same kind of listener, with no layers, no database and no state. A second
//! route, `/resources`, adds what a storefront page adds on top of it: as many blocking resources,
//! each in its own `<Suspense>`, as the storefront home has (answered at once, from memory), so
//! the benchmark can tell Leptos' resource machinery from Clientele's own work.
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use std::net::SocketAddr;

#[component]
fn Bare() -> impl IntoView {
    view! {
        <Router>
            <main>
                <Routes fallback=|| "Not found.">
                    <Route path=path!("/") view=Page />
                    <Route path=path!("/resources") view=WithResources />
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn Page() -> impl IntoView {
    view! {
        <h1>"A bare Leptos page"</h1>
        <p>"Rendered on the server by leptos_axum, hydrated by nothing."</p>
    }
}

/// The storefront home's count of blocking resources (the header's customer, two placements, the
/// page's own): `__PENDING_RESOURCES` in its HTML lists four.
const STOREFRONT_HOME_RESOURCES: usize = 4;

/// A resource's answer, ready at once: what a server function reading memory returns.
async fn answer(n: usize) -> Result<Option<String>, ServerFnError> {
    Ok(n.is_multiple_of(2).then(|| format!("block {n}")))
}

#[component]
fn WithResources() -> impl IntoView {
    let sections = (0..STOREFRONT_HOME_RESOURCES)
        .map(|n| {
            let shown = Resource::new_blocking(move || n, answer);
            view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        shown.await.ok().flatten().map(|text| view! { <p>{text}</p> })
                    })}
                </Suspense>
            }
        })
        .collect_view();
    view! {
        <h1>"A bare Leptos page with resources"</h1>
        {sections}
    }
}

fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <title>"Bare"</title>
                <HydrationScripts options />
            </head>
            <body>
                <Bare />
            </body>
        </html>
    }
}

/// Serves the bare page on `addr` until the process ends.
pub async fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    use leptos_axum::{LeptosRoutes, generate_route_list};
    let options = LeptosOptions::builder().output_name("bare").build();
    let routes = generate_route_list(Bare);
    let app = axum::Router::new()
        .leptos_routes(&options, routes, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .with_state(options);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("A bare Leptos page on http://{}", listener.local_addr()?);
    axum::serve(crate::routes::no_delay(listener), app).await?;
    Ok(())
}
