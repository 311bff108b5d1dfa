//! Widgets shared by storefront and admin pages.
mod download;
pub mod form;
mod list;
mod loaded;
pub mod orders;
pub mod wishlist;

pub use crate::domain::text::fill;
use crate::error::{AppError, Problem};
use crate::i18n::*;
pub use download::DownloadLink;
pub use form::date_unreadable;
pub use list::{ListTable, Pager, col};
pub use loaded::{loaded, loaded_from};

/// Whether a count takes the singular in our languages: CLDR's cardinal rule for whole numbers in
/// English, Italian and Dutch alike ("one" is exactly 1; 0 and 2+ are "other"). A language with
/// other rules (French counts 0 as singular) needs its own arm here.
pub fn singular(n: u64) -> bool {
    n == 1
}
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// Choose the language; the choice is remembered in a cookie.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev| {
        if let Ok(locale) = event_target_value(&ev).parse::<Locale>() {
            i18n.set_locale(locale);
        }
    };
    view! {
        <div class="lang-switch">
            <label for="lang-switch">{t!(i18n, common.language)}</label>
            <select id="lang-switch" on:change=on_change>
                {Locale::get_all()
                    .iter()
                    .map(|l| {
                        let l = *l;
                        view! {
                            <option value=l.as_str() selected=move || i18n.get_locale() == l>
                                {language_name(l)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// Each language's name in itself.
fn language_name(l: Locale) -> &'static str {
    match l {
        Locale::en => "English",
        Locale::it => "Italiano",
        Locale::nl => "Nederlands",
    }
}

/// An error as the user reads it, announced to screen readers.
#[component]
pub fn ErrorMessage(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div role="alert" aria-live="assertive" class="error-slot">
            {move || error.get().map(|e| view! { <p class="error">{error_text(i18n, &e)}</p> })}
        </div>
    }
}

/// The translated text of an error.
pub fn error_text(i18n: I18nContext<Locale>, e: &AppError) -> String {
    let l = i18n.get_locale_untracked();
    match e {
        AppError::Unauthenticated => td_string!(l, errors.unauthenticated).to_string(),
        AppError::Forbidden => td_string!(l, errors.forbidden_body).to_string(),
        AppError::NotFound => td_string!(l, errors.not_found_body).to_string(),
        AppError::InvalidCredentials => td_string!(l, errors.invalid_credentials).to_string(),
        AppError::Unavailable => td_string!(l, errors.unavailable_body).to_string(),
        AppError::Preparing => td_string!(l, errors.preparing).to_string(),
        AppError::Transport(_) => td_string!(l, errors.transport).to_string(),
        AppError::Invalid(p) => problem_text(l, *p),
        // The text form's words are English in every language; so are its messages.
        AppError::Conditions(e) => e.to_string(),
        AppError::InvalidFields(errs) => errs
            .iter()
            .map(|e| problem_text(l, e.problem))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The translated text of one broken rule.
pub fn problem_text(l: Locale, p: Problem) -> String {
    match p {
        Problem::EmailInvalid => td_string!(l, problems.email_invalid),
        Problem::EmailTaken => td_string!(l, problems.email_taken),
        Problem::ExternalIdTaken => td_string!(l, problems.external_id_taken),
        Problem::NameRequired => td_string!(l, problems.name_required),
        Problem::NameTooLong => td_string!(l, problems.name_too_long),
        Problem::PasswordTooShort => td_string!(l, problems.password_too_short),
        Problem::PasswordTooLong => td_string!(l, problems.password_too_long),
        Problem::RoleRequired => td_string!(l, problems.role_required),
        Problem::RoleNameTaken => td_string!(l, problems.role_name_taken),
        Problem::BuiltinRole => td_string!(l, problems.builtin_role),
        Problem::RoleInUse => td_string!(l, problems.role_in_use),
        Problem::CannotDisableSelf => td_string!(l, problems.cannot_disable_self),
        Problem::FieldRequired => td_string!(l, problems.field_required),
        Problem::FieldInvalid => td_string!(l, problems.field_invalid),
        Problem::TooLong => td_string!(l, problems.too_long),
        Problem::TooMany => td_string!(l, problems.too_many),
        Problem::ControlCharacters => td_string!(l, problems.control_characters),
        Problem::DateInvalid => td_string!(l, problems.date_invalid),
        Problem::DobNotInPast => td_string!(l, problems.dob_not_in_past),
        Problem::GenderInvalid => td_string!(l, problems.gender_invalid),
        Problem::CountryInvalid => td_string!(l, problems.country_invalid),
        Problem::RegionRequired => td_string!(l, problems.region_required),
        Problem::TelephoneInvalid => td_string!(l, problems.telephone_invalid),
        Problem::PostcodeInvalid => td_string!(l, problems.postcode_invalid),
        Problem::CityInvalid => td_string!(l, problems.city_invalid),
        Problem::WebsiteInvalid => td_string!(l, problems.website_invalid),
        Problem::GroupInvalid => td_string!(l, problems.group_invalid),
        Problem::GroupNotAssignable => td_string!(l, problems.group_not_assignable),
        Problem::GroupCodeTaken => td_string!(l, problems.group_code_taken),
        Problem::GroupProtected => td_string!(l, problems.group_protected),
        Problem::TaxClassInvalid => td_string!(l, problems.tax_class_invalid),
        Problem::UnknownColumn => td_string!(l, problems.unknown_column),
        Problem::PageSizeInvalid => td_string!(l, problems.page_size_invalid),
        Problem::FilterInvalid => td_string!(l, problems.filter_invalid),
        Problem::SearchTooLong => td_string!(l, problems.search_too_long),
        Problem::NothingSelected => td_string!(l, problems.nothing_selected),
        Problem::ViewNameTaken => td_string!(l, problems.view_name_taken),
        Problem::PasswordCommon => td_string!(l, problems.password_common),
        Problem::PasswordClasses => td_string!(l, problems.password_classes),
        Problem::PasswordMismatch => td_string!(l, problems.password_mismatch),
        Problem::PasswordLikeEmail => td_string!(l, problems.password_like_email),
        Problem::CurrentPasswordWrong => td_string!(l, problems.current_password_wrong),
        Problem::LinkInvalid => td_string!(l, problems.link_invalid),
        Problem::NotConfirmed => td_string!(l, problems.not_confirmed),
        Problem::TooManyRequests => td_string!(l, problems.too_many_requests),
        Problem::SharingConflict => td_string!(l, problems.sharing_conflict),
        Problem::AssistDisabled => td_string!(l, problems.assist_disabled),
        Problem::AssistNoConsent => td_string!(l, problems.assist_no_consent),
        Problem::AssistCustomerLocked => td_string!(l, problems.assist_customer_locked),
        Problem::AssistCustomerMissing => td_string!(l, problems.assist_customer_missing),
        Problem::NotWhileAssisting => td_string!(l, problems.not_while_assisting),
        Problem::ConsentPermission => td_string!(l, problems.consent_permission),
        Problem::AmountInvalid => td_string!(l, problems.amount_invalid),
        Problem::QuantityInvalid => td_string!(l, problems.quantity_invalid),
        Problem::CurrencyInvalid => td_string!(l, problems.currency_invalid),
        Problem::CategoryUnknown => td_string!(l, problems.category_unknown),
        Problem::CustomerUnknown => td_string!(l, problems.customer_unknown),
        Problem::RefundTooLarge => td_string!(l, problems.refund_too_large),
        Problem::EndsBeforeStart => td_string!(l, problems.ends_before_start),
        Problem::TargetUnknown => td_string!(l, problems.target_unknown),
        Problem::CouponTaken => td_string!(l, problems.coupon_taken),
    }
    .to_string()
}

/// The translated name of an admin area.
pub fn resource_label(l: Locale, r: crate::domain::Resource) -> &'static str {
    use crate::domain::Resource as R;
    match r {
        R::Customers => td_string!(l, resources.customers),
        R::CustomerGroups => td_string!(l, resources.customer_groups),
        R::NowOnline => td_string!(l, resources.now_online),
        R::LoginAsCustomer => td_string!(l, resources.login_as_customer),
        R::LoginAsCustomerLog => td_string!(l, resources.login_as_customer_log),
        R::ShoppingAssistance => td_string!(l, resources.shopping_assistance),
        R::Segments => td_string!(l, resources.segments),
        R::Content => td_string!(l, resources.content),
        R::Audiences => td_string!(l, resources.audiences),
        R::Promotions => td_string!(l, resources.promotions),
        R::Configuration => td_string!(l, resources.configuration),
        R::AdminUsers => td_string!(l, resources.admin_users),
        R::ActionLog => td_string!(l, resources.action_log),
        R::EmailLog => td_string!(l, resources.email_log),
        R::Integrations => td_string!(l, resources.integrations),
    }
}

/// A gender's name in the reader's language (empty for no gender).
pub fn gender_label(l: Locale, key: &str) -> String {
    use crate::domain::customer::Gender;
    match Gender::parse(key) {
        Some(Gender::Male) => td_string!(l, customer.gender_male).to_string(),
        Some(Gender::Female) => td_string!(l, customer.gender_female).to_string(),
        Some(Gender::NotSpecified) => td_string!(l, customer.gender_not_specified).to_string(),
        None => String::new(),
    }
}

/// Percent-encodes a path for a query value (same rules on server and browser).
pub fn js_safe_encode(s: &str) -> String {
    crate::domain::text::encode_path(s)
}
