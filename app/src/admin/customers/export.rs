//! Export of the whole filtered grid as CSV or Excel XML (SpreadsheetML 2003), streamed in chunks
//! so memory stays flat: the matching ids are taken once, rows are rendered a chunk at a time.
use crate::customers::feed::SharedIndex;
use crate::domain::grid::{Column, GridQuery};
use crate::domain::{Principal, Resource};
use crate::error::AppError;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use std::collections::HashMap;

/// Rows rendered per chunk (the index's read lock is held for one chunk only).
const CHUNK: usize = 2000;

#[derive(Clone, Copy, PartialEq)]
pub enum Format {
    Csv,
    Xml,
}

/// English column titles, as in Magento's export.
pub fn title(c: Column) -> &'static str {
    match c {
        Column::Id => "ID",
        Column::Name => "Name",
        Column::Email => "Email",
        Column::Group => "Group",
        Column::Telephone => "Phone",
        Column::Postcode => "ZIP",
        Column::Country => "Country",
        Column::Region => "State/Province",
        Column::CreatedAt => "Customer Since",
        Column::Website => "Web Site",
        Column::Confirmed => "Confirmed email",
        Column::CreatedIn => "Account Created in",
        Column::BillingFull => "Billing Address",
        Column::ShippingFull => "Shipping Address",
        Column::Dob => "Date of Birth",
        Column::Taxvat => "Tax VAT Number",
        Column::Gender => "Gender",
        Column::Street => "Street Address",
        Column::City => "City",
        Column::VatId => "VAT Number",
        Column::Company => "Company",
        Column::Lock => "Account Lock",
        Column::Newsletter => "Newsletter",
        Column::LastLogin => "Last Sign-in",
        Column::LifetimeSales => "Lifetime Sales",
        Column::Orders => "Orders",
        Column::LastOrder => "Last Order",
        Column::CartSubtotal => "Cart Subtotal",
        Column::CartLines => "Cart Lines",
        Column::CartQty => "Cart Quantity",
        Column::CartUpdated => "Cart Updated",
        Column::LastViewed => "Last Product View",
    }
}

fn xml_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() && c != '\t' && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn header_bytes(format: Format, columns: &[Column]) -> Vec<u8> {
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(columns.iter().map(|c| title(*c)));
            w.into_inner().unwrap_or_default()
        }
        Format::Xml => {
            let mut s = String::from(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n\
                 <Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" \
                 xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">\n\
                 <Worksheet ss:Name=\"Customers\"><Table>\n<Row>",
            );
            for c in columns {
                s.push_str("<Cell><Data ss:Type=\"String\">");
                s.push_str(title(*c));
                s.push_str("</Data></Cell>");
            }
            s.push_str("</Row>\n");
            s.into_bytes()
        }
    }
}

pub fn footer_bytes(format: Format) -> Vec<u8> {
    match format {
        Format::Csv => Vec::new(),
        Format::Xml => b"</Table></Worksheet></Workbook>\n".to_vec(),
    }
}

/// Renders the rows of `ids` still present in the index.
pub fn chunk_bytes(
    index: &SharedIndex,
    format: Format,
    columns: &[Column],
    ids: &[i64],
) -> Vec<u8> {
    let now = chrono::Utc::now().timestamp();
    let ix = index.read();
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::with_capacity(ids.len() * 120));
            for id in ids {
                if let Some(cells) = ix.cells(*id, columns, now) {
                    let _ = w.write_record(
                        cells
                            .iter()
                            .map(|c| crate::domain::text::defuse_formula(c).into_owned()),
                    );
                }
            }
            w.into_inner().unwrap_or_default()
        }
        Format::Xml => {
            let mut s = String::with_capacity(ids.len() * 300);
            for id in ids {
                if let Some(cells) = ix.cells(*id, columns, now) {
                    s.push_str("<Row>");
                    for (c, v) in columns.iter().zip(cells) {
                        let ty = if *c == Column::Id { "Number" } else { "String" };
                        s.push_str("<Cell><Data ss:Type=\"");
                        s.push_str(ty);
                        s.push_str("\">");
                        s.push_str(&xml_escape(&v));
                        s.push_str("</Data></Cell>");
                    }
                    s.push_str("</Row>\n");
                }
            }
            s.into_bytes()
        }
    }
}

/// `GET /api/admin/customers/export?<grid query>&format=csv|xml`
pub async fn export(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let refuse = |e: AppError| {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
        (status, axum::Json(e)).into_response()
    };
    let Some(axum::Extension(me)) = principal else {
        return refuse(AppError::Unauthenticated);
    };
    if !me.can(Resource::Customers) {
        return refuse(AppError::Forbidden);
    }
    let format = match params.get("format").map(String::as_str) {
        None | Some("csv") => Format::Csv,
        Some("xml") => Format::Xml,
        Some(_) => return refuse(crate::error::Problem::FilterInvalid.into()),
    };
    let q = match GridQuery::from_pairs(
        params
            .iter()
            .filter(|(k, _)| k.as_str() != "format")
            .map(|(k, v)| (k.as_str(), v.as_str())),
    ) {
        Ok(q) => q,
        Err(p) => return refuse(p.into()),
    };
    if let Err(e) = state.customers.fresh(&state.db).await {
        return refuse(e);
    }
    let within =
        match crate::segments::within(&state.db, &state.customers, &state.segments, &q).await {
            Ok(w) => w,
            Err(e) => return refuse(e),
        };
    let ids = state.customers.read().matching_ids_within(
        &q,
        chrono::Utc::now().timestamp(),
        within.as_ref(),
    );
    let total = ids.len();
    tracing::info!(event = "customers_exported", admin.id = %me.id, rows = total, "export");
    let log = crate::db::action_log::entry(&me, "export", None, total as i64, "");
    let _ = state
        .db
        .query(crate::db::action_log::LOG_SQL)
        .bind(log)
        .await;
    let index = state.customers.clone();
    let columns = q.columns.clone();
    let head = Bytes::from(header_bytes(format, &columns));
    let tail = Bytes::from(footer_bytes(format));
    let chunks = futures::stream::iter(0..total.div_ceil(CHUNK)).then(move |i| {
        let index = index.clone();
        let columns = columns.clone();
        let slice: Vec<i64> = ids[i * CHUNK..((i + 1) * CHUNK).min(total)].to_vec();
        async move {
            tokio::task::spawn_blocking(move || chunk_bytes(&index, format, &columns, &slice))
                .await
                .map(Bytes::from)
                .map_err(std::io::Error::other)
        }
    });
    let body = futures::stream::once(async move { Ok::<_, std::io::Error>(head) })
        .chain(chunks)
        .chain(futures::stream::once(async move { Ok(tail) }));
    let (ctype, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Xml => ("application/vnd.ms-excel; charset=utf-8", "xml"),
    };
    let mut res = Body::from_stream(body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"customers.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
        h.insert("x-total-rows", v);
    }
    res
}
