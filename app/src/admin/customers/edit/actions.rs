//! What the customer page's buttons do: check and save (staying or not), delete, send a reset
//! link, unlock — each reporting in the page's message or error.
use super::super::{delete_customer, reset_customer_password, save_customer, unlock_customer};
use super::Tab;
use crate::domain::customer::{CustomerInput, CustomerSettings, validate_customer};
use crate::error::{AppError, FieldError};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

/// The page's state the buttons read and report into.
#[derive(Clone, Copy)]
pub(super) struct PageState {
    pub id: Option<i64>,
    pub form: RwSignal<CustomerInput>,
    pub tab: RwSignal<Tab>,
    pub errors: RwSignal<Vec<FieldError>>,
    pub error: RwSignal<Option<AppError>>,
    pub message: RwSignal<Option<String>>,
    pub locked: RwSignal<bool>,
}

/// The buttons' actions.
#[derive(Clone, Copy)]
pub(super) struct PageActions {
    /// Checks the form in the browser, then saves (`true`: stay on the page).
    pub check_and_save: Callback<bool>,
    pub delete: Action<(), Result<(), AppError>>,
    pub reset: Action<(), Result<(), AppError>>,
    pub unlock: Action<(), Result<(), AppError>>,
}

pub(super) fn page_actions(
    i18n: I18nContext<Locale>,
    page: PageState,
    settings: CustomerSettings,
    today: chrono::NaiveDate,
) -> PageActions {
    let navigate = use_navigate();
    let PageState {
        id,
        form,
        tab,
        errors,
        error,
        message,
        locked,
    } = page;
    let save = Action::new(move |stay: &bool| {
        let stay = *stay;
        let input = form.get_untracked();
        async move { (stay, save_customer(input).await) }
    });
    let nav = navigate.clone();
    Effect::new(move |_| {
        if let Some((stay, r)) = save.value().get() {
            match r {
                Ok(new_id) => {
                    errors.set(Vec::new());
                    error.set(None);
                    if !stay {
                        nav("/admin/customers", NavigateOptions::default());
                    } else if id.is_none() {
                        nav(
                            &format!("/admin/customers/{new_id}?saved=1"),
                            NavigateOptions::default(),
                        );
                    } else {
                        message.set(Some(t_string!(i18n, customer.saved).to_string()));
                    }
                }
                Err(AppError::InvalidFields(es)) => {
                    errors.set(es);
                    error.set(Some(AppError::Invalid(crate::error::Problem::FieldInvalid)));
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let check_and_save = {
        move |stay: bool| {
            message.set(None);
            let mut checked = validate_customer(&form.get_untracked(), &settings, today);
            // A date the browser could not read reaches the form as "no date": say so instead.
            if crate::components::date_unreadable("customer-dob") {
                let unreadable = FieldError {
                    field: "dob".into(),
                    problem: crate::error::Problem::DateInvalid,
                };
                match &mut checked {
                    Ok(_) => checked = Err(vec![unreadable]),
                    Err(es) => es.insert(0, unreadable),
                }
            }
            match checked {
                Ok(_) => {
                    errors.set(Vec::new());
                    error.set(None);
                    save.dispatch(stay);
                }
                Err(es) => {
                    // Show the tab holding the first problem.
                    if let Some(first) = es.first() {
                        tab.set(if first.field.starts_with("addresses") {
                            Tab::Addresses
                        } else {
                            Tab::Account
                        });
                    }
                    errors.set(es);
                    error.set(Some(AppError::Invalid(crate::error::Problem::FieldInvalid)));
                }
            }
        }
    };

    let delete = Action::new(move |_: &()| async move {
        match id {
            Some(id) => delete_customer(id).await,
            None => Ok(()),
        }
    });
    let nav2 = navigate.clone();
    Effect::new(move |_| {
        if let Some(r) = delete.value().get() {
            match r {
                Ok(()) => nav2("/admin/customers", NavigateOptions::default()),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let reset = Action::new(move |_: &()| async move {
        match id {
            Some(id) => reset_customer_password(id).await,
            None => Ok(()),
        }
    });
    Effect::new(move |_| {
        if let Some(r) = reset.value().get() {
            match r {
                Ok(()) => message.set(Some(t_string!(i18n, customer.reset_queued).to_string())),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let unlock = Action::new(move |_: &()| async move {
        match id {
            Some(id) => unlock_customer(id).await,
            None => Ok(()),
        }
    });
    Effect::new(move |_| {
        if let Some(r) = unlock.value().get() {
            match r {
                Ok(()) => {
                    locked.set(false);
                    message.set(Some(t_string!(i18n, customer.unlocked).to_string()));
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });

    PageActions {
        check_and_save: Callback::new(check_and_save),
        delete,
        reset,
        unlock,
    }
}
