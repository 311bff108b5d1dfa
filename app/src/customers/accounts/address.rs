//! The customer's address book: adding, changing and removing addresses, and the default marks.
use super::account::{assisted_entry, own};
use super::common::{field, run};
use crate::auth::customer::CustomerPrincipal;
use crate::customers::repo::{SETS, assign_address_ids, share_customer};
use crate::customers::settings::settings;
use crate::db::tx::Tx;
use crate::domain::customer::{CustomerInput, ValidCustomer, validate_customer};
use crate::error::AppError;
use crate::state::AppState;

/// Adds or changes one of the customer's addresses (`address.id` empty adds), setting it as a
/// default when asked; everything else in the account stays as stored.
pub async fn save_address(
    state: &AppState,
    me: &CustomerPrincipal,
    address: crate::domain::customer::AddressInput,
    default_billing: bool,
    default_shipping: bool,
) -> Result<(), AppError> {
    let doc = own(state, me.id).await?;
    let mut input = doc.to_input();
    let index = if address.id.is_empty() {
        input.addresses.push(address);
        input.addresses.len() - 1
    } else {
        let i = input
            .addresses
            .iter()
            .position(|a| a.id == address.id)
            .ok_or(AppError::NotFound)?;
        input.addresses[i] = address;
        i
    };
    if default_billing || input.default_billing.is_none() {
        input.default_billing = Some(index);
    }
    if default_shipping || input.default_shipping.is_none() {
        input.default_shipping = Some(index);
    }
    write_own(state, me, input, Some(index)).await
}

/// Removes one of the customer's addresses (a default one loses its default mark).
pub async fn delete_address(
    state: &AppState,
    me: &CustomerPrincipal,
    address_id: &str,
) -> Result<(), AppError> {
    let doc = own(state, me.id).await?;
    let mut input = doc.to_input();
    let i = input
        .addresses
        .iter()
        .position(|a| a.id == address_id)
        .ok_or(AppError::NotFound)?;
    input.addresses.remove(i);
    let shift = |d: Option<usize>| match d {
        Some(d) if d == i => None,
        Some(d) if d > i => Some(d - 1),
        other => other,
    };
    input.default_billing = shift(input.default_billing);
    input.default_shipping = shift(input.default_shipping);
    write_own(state, me, input, None).await
}

/// Validates and writes the customer's record; address problems are reported under the form's own
/// field names (`city`, not `addresses.3.city`).
async fn write_own(
    state: &AppState,
    me: &CustomerPrincipal,
    mut input: CustomerInput,
    edited: Option<usize>,
) -> Result<(), AppError> {
    let id = me.id;
    let settings = settings(&state.db).await?;
    assign_address_ids(&mut input);
    let today = chrono::Utc::now().date_naive();
    let valid: ValidCustomer = validate_customer(&input, &settings, today).map_err(|errs| {
        let prefix = edited.map(|i| format!("addresses.{i}."));
        AppError::InvalidFields(
            errs.into_iter()
                .map(
                    |e| match prefix.as_deref().and_then(|p| e.field.strip_prefix(p)) {
                        Some(f) => field(f, e.problem),
                        None => e,
                    },
                )
                .collect(),
        )
    })?;
    let mut tx = Tx::new();
    tx.stmt(&format!(
        "UPDATE type::record('customer', $id) SET {SETS} RETURN NONE;"
    ));
    if let Some(entry) = assisted_entry(me, "assisted_addresses_saved") {
        tx.log(entry);
    }
    share_customer(&mut tx, id, &valid, &settings);
    run(&state.db, &tx).await?;
    state.customers.catch_up(&state.db).await
}
