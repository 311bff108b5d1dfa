//! Reports > Customers > Segments (`/admin/segments/report`): every segment with its count and a
//! link to its members (the customers grid, with its CSV/Excel export); for the segments chosen,
//! how many members each pair has in common and each one's size by day, as a chart and as CSV.
use super::grid::apply_to_label;
use super::list_segments;
use crate::components::{ListTable, fill, loaded};
use crate::domain::segment::saved::SegmentRow;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

/// Most segments compared at once.
pub const MAX_COMPARED: usize = 10;
/// Longest span of the size chart, in days.
#[cfg(feature = "ssr")]
pub const MAX_DAYS: u32 = 366;
/// The spans offered.
const SPANS: [u32; 4] = [7, 30, 90, 365];

/// The chosen segments side by side.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub ids: Vec<u32>,
    /// `overlap[i][j]`: members of both `ids[i]` and `ids[j]` (the diagonal: each one's size).
    pub overlap: Vec<Vec<u64>>,
    /// The days of the chart, oldest first (`YYYY-MM-DD`).
    pub days: Vec<String>,
    /// `sizes[i][d]`: the size of `ids[i]` recorded on `days[d]`, if one was.
    pub sizes: Vec<Vec<Option<u64>>>,
}

/// Compares segments `ids` (1 to `MAX_COMPARED`, each saved) over the last `days` days (1 to
/// `MAX_DAYS`): members in common now, and sizes by day.
#[server(prefix = "/api/admin/segments", endpoint = "compare", input = server_fn::codec::Json)]
pub async fn compare_segments(ids: Vec<u32>, days: u32) -> Result<Comparison, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Segments, |_| async move {
        use crate::error::{FieldError, Problem};
        let bad = |field: &str, problem| {
            AppError::InvalidFields(vec![FieldError {
                field: field.to_owned(),
                problem,
            }])
        };
        if ids.is_empty() {
            return Err(bad("ids", Problem::FieldRequired));
        }
        if ids.len() > MAX_COMPARED {
            return Err(bad("ids", Problem::TooMany));
        }
        if days == 0 || days > MAX_DAYS {
            return Err(bad("days", Problem::FieldInvalid));
        }
        let state = crate::state::app_state()?;
        let saved = crate::segments::store::list(&state.db).await?;
        if let Some(unknown) = ids.iter().find(|id| !saved.iter().any(|s| s.id == **id)) {
            tracing::info!(segment = unknown, "report of an unknown segment");
            return Err(AppError::NotFound);
        }
        state.customers.fresh(&state.db).await?;
        let today = chrono::Utc::now().date_naive();
        let first = today - chrono::Duration::days(i64::from(days) - 1);
        let recorded = crate::segments::sizes::since(&state.db, &ids, first).await?;
        let days: Vec<String> = first
            .iter_days()
            .take_while(|d| *d <= today)
            .map(|d| d.to_string())
            .collect();
        let recorded: std::collections::HashMap<(u32, &str), u64> = recorded
            .iter()
            .map(|r| ((r.segment, r.day.as_str()), r.members))
            .collect();
        let sizes = ids
            .iter()
            .map(|id| {
                days.iter()
                    .map(|d| recorded.get(&(*id, d.as_str())).copied())
                    .collect()
            })
            .collect();
        Ok(Comparison {
            overlap: state.segments.overlap(&ids),
            ids,
            days,
            sizes,
        })
    })
    .await
}

/// The sizes as CSV (segment, name, day, members), for the export link.
fn sizes_csv(c: &Comparison, name: &dyn Fn(u32) -> String) -> String {
    // Names are the admins' own text: quoted, and never a formula.
    let q = |s: &str| {
        let s = crate::domain::text::defuse_formula(s);
        format!("\"{}\"", s.replace('"', "\"\""))
    };
    let mut out = String::from("Segment ID,Segment,Day,Customers\r\n");
    for (i, id) in c.ids.iter().enumerate() {
        for (d, day) in c.days.iter().enumerate() {
            if let Some(n) = c.sizes[i][d] {
                out.push_str(&format!("{id},{},{day},{n}\r\n", q(&name(*id))));
            }
        }
    }
    out
}

#[component]
pub fn SegmentReportPage() -> impl IntoView {
    let i18n = use_i18n();
    let segments = Resource::new(|| (), |_| list_segments());
    let chosen = RwSignal::new(Vec::<u32>::new());
    let span = RwSignal::new(30_u32);
    let comparison = Resource::new(
        move || (chosen.get(), span.get()),
        |(ids, days)| async move {
            if ids.is_empty() {
                Ok(None)
            } else {
                compare_segments(ids, days).await.map(Some)
            }
        },
    );
    view! {
        <Title text=move || t_string!(i18n, segments.report_title).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, segments.report_title)}</h1>
            <A href="/admin/segments" attr:class="button secondary">{t!(i18n, segments.title)}</A>
        </div>
        <p class="muted">{move || fill(t_string!(i18n, segments.report_help), &[("count", &MAX_COMPARED.to_string())])}</p>
        {loaded(segments, move |all| {
            let all = StoredValue::new(all);
            view! {
                {move || all.with_value(|rows| report_table(i18n, chosen, rows.clone()))}
                <label>
                    {t!(i18n, segments.report_span)}" "
                    <select on:change=move |ev| span.set(event_target_value(&ev).parse().unwrap_or(30))>
                        {SPANS.iter().map(|d| view! {
                            <option value=d.to_string() selected=*d == 30>{d.to_string()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <Transition>
                    {move || Suspend::new(async move {
                        match comparison.await {
                            Ok(Some(c)) => all.with_value(|rows| compared(i18n, &c, rows)),
                            Ok(None) => view! { <p class="muted">{t!(i18n, segments.report_choose)}</p> }.into_any(),
                            Err(e) => view! { <crate::components::ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                        }
                    })}
                </Transition>
            }
        })}
    }
}

fn report_table(
    i18n: leptos_i18n::I18nContext<Locale>,
    chosen: RwSignal<Vec<u32>>,
    rows: Vec<SegmentRow>,
) -> AnyView {
    let l = i18n.get_locale_untracked();
    let heads = [
        td_string!(l, segments.report_compare),
        td_string!(l, segments.id),
        td_string!(l, segments.name),
        td_string!(l, segments.status),
        td_string!(l, segments.website),
        td_string!(l, segments.apply_to),
        td_string!(l, segments.customers),
    ]
    .into_iter()
    .map(|h| view! { <th scope="col">{h}</th> }.into_any())
    .collect();
    ListTable {
        testid: Some("segment-report"),
        heads,
        empty: Some(view! { {t!(i18n, segments.none)} }.into_any()),
        ..Default::default()
    }
    .rows(rows, move |r| {
        let id = r.id;
        let on = move || chosen.get().contains(&id);
        let full = move || chosen.get().len() >= MAX_COMPARED && !on();
        let label = fill(td_string!(l, segments.report_compare_one), &[("name", &r.name)]);
        let status = if r.active {
            td_string!(l, segments.active)
        } else {
            td_string!(l, segments.inactive)
        };
        view! {
            <tr>
                <td><input type="checkbox" aria-label=label prop:checked=on disabled=full
                    on:change=move |_| chosen.update(|c| {
                        if let Some(at) = c.iter().position(|x| *x == id) { c.remove(at); } else { c.push(id); }
                    }) /></td>
                <td>{id}</td>
                <td><A href=format!("/admin/segments/{id}")>{r.name.clone()}</A></td>
                <td>{status}</td>
                <td>{if r.website.is_empty() { td_string!(l, segments.all_websites).to_owned() } else { r.website.clone() }}</td>
                <td>{apply_to_label(l, r.apply_to)}</td>
                <td><A href=format!("/admin/customers?segment={id}")>{r.members}</A></td>
            </tr>
        }
    })
    .into_any()
}

/// The overlap matrix, the size chart and the CSV link of a comparison.
fn compared(
    i18n: leptos_i18n::I18nContext<Locale>,
    c: &Comparison,
    rows: &[SegmentRow],
) -> AnyView {
    let name = |id: u32| {
        rows.iter()
            .find(|r| r.id == id)
            .map_or_else(|| format!("#{id}"), |r| r.name.clone())
    };
    let names: Vec<String> = c.ids.iter().map(|id| name(*id)).collect();
    let export = format!(
        "data:text/csv;charset=utf-8,{}",
        crate::domain::text::encode(&sizes_csv(c, &name))
    );
    let matrix = c.overlap.clone();
    view! {
        <table class="grid" data-testid="segment-overlap">
            <caption>{t!(i18n, segments.report_overlap)}</caption>
            <thead><tr><td></td>{names.iter().map(|n| view! { <th scope="col">{n.clone()}</th> }).collect_view()}</tr></thead>
            <tbody>
                {matrix.into_iter().zip(names.clone()).map(|(row, n)| view! {
                    <tr><th scope="row">{n}</th>{row.into_iter().map(|v| view! { <td>{v}</td> }).collect_view()}</tr>
                }).collect_view()}
            </tbody>
        </table>
        {size_chart(i18n, c, &names)}
        <p><a href=export download="segment-sizes.csv">{t!(i18n, segments.export_csv)}</a></p>
    }
    .into_any()
}

/// Chart width and height, and the margin left for the axis labels.
const CHART_W: f64 = 620.0;
const CHART_H: f64 = 150.0;
const MARGIN: f64 = 10.0;

/// One line per segment over the days; the label reads the latest sizes.
fn size_chart(i18n: leptos_i18n::I18nContext<Locale>, c: &Comparison, names: &[String]) -> AnyView {
    let max = c
        .sizes
        .iter()
        .flatten()
        .flatten()
        .copied()
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let step = (CHART_W - 2.0 * MARGIN) / (c.days.len().max(2) - 1) as f64;
    let latest: Vec<String> = names
        .iter()
        .zip(&c.sizes)
        .map(|(n, s)| {
            let last = s
                .iter()
                .rev()
                .flatten()
                .next()
                .map_or("—".to_owned(), u64::to_string);
            format!("{n}: {last}")
        })
        .collect();
    let label = format!(
        "{} — {}",
        t_string!(i18n, segments.report_sizes),
        latest.join(", ")
    );
    let lines: Vec<String> = c
        .sizes
        .iter()
        .map(|s| {
            s.iter()
                .enumerate()
                .filter_map(|(d, v)| v.map(|v| (d, v)))
                .map(|(d, v)| {
                    let x = MARGIN + d as f64 * step;
                    let y = CHART_H - MARGIN - (v as f64 / max) * (CHART_H - 2.0 * MARGIN);
                    format!("{x:.1},{y:.1}")
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    view! {
        <svg class="chart" role="img" viewBox=format!("0 0 {CHART_W} {CHART_H}") data-testid="segment-sizes" aria-label=label>
            {lines.into_iter().enumerate().map(|(i, points)| view! {
                <polyline points=points class=format!("series series-{}", i % MAX_COMPARED) fill="none" />
            }).collect_view()}
        </svg>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sizes_export_quotes_names_and_never_starts_a_formula() {
        let c = Comparison {
            ids: vec![7],
            overlap: vec![vec![3]],
            days: vec!["2026-12-01".into()],
            sizes: vec![vec![Some(3)]],
        };
        let csv = sizes_csv(&c, &|_| "=HYPERLINK(\"http://evil.example\",\"x\")".into());
        assert_eq!(
            csv,
            "Segment ID,Segment,Day,Customers\r\n\
             7,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",2026-12-01,3\r\n"
        );
    }
}
