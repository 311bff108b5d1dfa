//! The segment editor's tree of conditions: "If ALL/ANY of these conditions are TRUE/FALSE" at
//! every level, conditions of field, operator and value, groups nested freely. Every value lives in
//! its own signal, so typing re-renders nothing; the tree reads itself back as a `DraftGroup`.
use crate::domain::segment::{Draft, DraftGroup, DraftTest, Field, Op, ops_for};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use std::sync::atomic::{AtomicU64, Ordering};

/// The field a new condition starts on.
const NEW_FIELD: Field = Field::NumberOfOrders;

static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

fn key() -> u64 {
    NEXT_KEY.fetch_add(1, Ordering::Relaxed)
}

#[derive(Clone, Copy)]
pub struct GroupUi {
    any: RwSignal<bool>,
    negate: RwSignal<bool>,
    children: RwSignal<Vec<NodeUi>>,
}

#[derive(Clone, Copy)]
enum NodeUi {
    Group(u64, GroupUi),
    Test(u64, TestUi),
}

impl NodeUi {
    fn key(&self) -> u64 {
        match self {
            NodeUi::Group(k, _) | NodeUi::Test(k, _) => *k,
        }
    }
}

#[derive(Clone, Copy)]
struct TestUi {
    field: RwSignal<String>,
    op: RwSignal<String>,
    value: RwSignal<String>,
    value2: RwSignal<String>,
}

impl TestUi {
    fn new(t: &DraftTest) -> TestUi {
        TestUi {
            field: RwSignal::new(t.field.clone()),
            op: RwSignal::new(t.op.clone()),
            value: RwSignal::new(t.value.clone()),
            value2: RwSignal::new(t.value2.clone()),
        }
    }

    fn draft(self) -> DraftTest {
        DraftTest {
            field: self.field.get(),
            op: self.op.get(),
            value: self.value.get(),
            value2: self.value2.get(),
        }
    }
}

impl GroupUi {
    pub fn new(d: &DraftGroup) -> GroupUi {
        let children = d
            .children
            .iter()
            .map(|c| match c {
                Draft::Group(g) => NodeUi::Group(key(), GroupUi::new(g)),
                Draft::Test(t) => NodeUi::Test(key(), TestUi::new(t)),
            })
            .collect();
        GroupUi {
            any: RwSignal::new(d.any),
            negate: RwSignal::new(d.negate),
            children: RwSignal::new(children),
        }
    }

    /// The tree as edited now (tracked: a memo over it follows every change).
    pub fn draft(self) -> DraftGroup {
        DraftGroup {
            any: self.any.get(),
            negate: self.negate.get(),
            children: self
                .children
                .get()
                .into_iter()
                .map(|c| match c {
                    NodeUi::Group(_, g) => Draft::Group(g.draft()),
                    NodeUi::Test(_, t) => Draft::Test(t.draft()),
                })
                .collect(),
        }
    }
}

/// How a field is named in the editor, in the staff's language (the text form's name for the
/// product details, which are written inside a product condition's value).
fn field_label(i18n: I18nContext<Locale>, f: Field) -> String {
    use Field as F;
    let name = match f {
        F::Email => t_string!(i18n, segments.fields.email).to_string(),
        F::EmailDomain => t_string!(i18n, segments.fields.email_domain).to_string(),
        F::Name => t_string!(i18n, segments.fields.name).to_string(),
        F::Telephone => t_string!(i18n, segments.fields.telephone).to_string(),
        F::Postcode => t_string!(i18n, segments.fields.postcode).to_string(),
        F::City => t_string!(i18n, segments.fields.city).to_string(),
        F::Region => t_string!(i18n, segments.fields.region).to_string(),
        F::Company => t_string!(i18n, segments.fields.company).to_string(),
        F::VatId => t_string!(i18n, segments.fields.vat_id).to_string(),
        F::Taxvat => t_string!(i18n, segments.fields.taxvat).to_string(),
        F::Country => t_string!(i18n, segments.fields.country).to_string(),
        F::Website => t_string!(i18n, segments.fields.website).to_string(),
        F::Gender => t_string!(i18n, segments.fields.gender).to_string(),
        F::CustomerGroup => t_string!(i18n, segments.fields.customer_group).to_string(),
        F::Confirmed => t_string!(i18n, segments.fields.confirmed).to_string(),
        F::Newsletter => t_string!(i18n, segments.fields.newsletter).to_string(),
        F::CreatedAt => t_string!(i18n, segments.fields.customer_added_date).to_string(),
        F::Dob => t_string!(i18n, segments.fields.date_of_birth).to_string(),
        F::DaysToBirthday => t_string!(i18n, segments.fields.days_to_birthday).to_string(),
        F::LastLogin => t_string!(i18n, segments.fields.last_login_date).to_string(),
        F::LifetimeSales => t_string!(i18n, segments.fields.amount_spent).to_string(),
        F::NumberOfOrders => t_string!(i18n, segments.fields.number_of_orders).to_string(),
        F::AverageOrderValue => t_string!(i18n, segments.fields.average_order_value).to_string(),
        F::LastOrderDate => t_string!(i18n, segments.fields.last_order_date).to_string(),
        F::CartSubtotal => t_string!(i18n, segments.fields.cart_subtotal).to_string(),
        F::CartLines => t_string!(i18n, segments.fields.cart_lines).to_string(),
        F::CartQuantity => t_string!(i18n, segments.fields.cart_quantity).to_string(),
        F::CartUpdated => t_string!(i18n, segments.fields.cart_updated_date).to_string(),
        F::LastViewed => t_string!(i18n, segments.fields.last_viewed_date).to_string(),
        F::InSegment => t_string!(i18n, segments.fields.in_segment).to_string(),
        F::InAudience => t_string!(i18n, segments.fields.in_audience).to_string(),
        F::RfmGroup => t_string!(i18n, segments.fields.rfm_group).to_string(),
        F::ProductsPurchased => t_string!(i18n, segments.fields.products_purchased).to_string(),
        F::ProductsInCart => t_string!(i18n, segments.fields.products_in_cart).to_string(),
        F::ProductsInWishlist => t_string!(i18n, segments.fields.products_in_wishlist).to_string(),
        F::ProductsViewed => t_string!(i18n, segments.fields.products_viewed).to_string(),
        F::Sku
        | F::ProductName
        | F::Category
        | F::Brand
        | F::Price
        | F::EventDate
        | F::OrderStatus => f.name().replace('_', " "),
    };
    if f.guest_capable() {
        format!("{name} ({})", t_string!(i18n, segments.visitors_too))
    } else {
        name
    }
}

/// The whole tree, from its root group.
#[component]
pub fn ConditionsTree(root: GroupUi) -> impl IntoView {
    group_view(root, None)
}

fn group_view(g: GroupUi, remove: Option<Callback<()>>) -> AnyView {
    let i18n = use_i18n();
    let add_test = move |_| {
        let t = TestUi::new(&DraftTest::new(NEW_FIELD));
        g.children.update(|c| c.push(NodeUi::Test(key(), t)));
    };
    let add_group = move |_| {
        let inner = GroupUi::new(&DraftGroup {
            any: false,
            negate: false,
            children: vec![Draft::Test(DraftTest::new(NEW_FIELD))],
        });
        g.children.update(|c| c.push(NodeUi::Group(key(), inner)));
    };
    view! {
        <fieldset class="seg-group" aria-label=move || t_string!(i18n, segments.group_label)>
            <div class="seg-group-head">
                {t!(i18n, segments.if_)}" "
                <select aria-label=move || t_string!(i18n, segments.all_or_any)
                    on:change=move |ev| g.any.set(event_target_value(&ev) == "any")>
                    <option value="all" selected=move || !g.any.get()>{t!(i18n, segments.all)}</option>
                    <option value="any" selected=move || g.any.get()>{t!(i18n, segments.any)}</option>
                </select>
                " "{t!(i18n, segments.of_these_are)}" "
                <select aria-label=move || t_string!(i18n, segments.true_or_false)
                    on:change=move |ev| g.negate.set(event_target_value(&ev) == "false")>
                    <option value="true" selected=move || !g.negate.get()>{t!(i18n, segments.true_)}</option>
                    <option value="false" selected=move || g.negate.get()>{t!(i18n, segments.false_)}</option>
                </select>
                {remove.map(|r| view! {
                    <button type="button" class="link danger" on:click=move |_| r.run(())>
                        {t!(i18n, segments.remove_group)}
                    </button>
                })}
            </div>
            <ul class="seg-children">
                <For each=move || g.children.get() key=NodeUi::key let:child>
                    {
                        let k = child.key();
                        let drop = Callback::new(move |_| g.children.update(|c| c.retain(|n| n.key() != k)));
                        match child {
                            NodeUi::Group(_, inner) => view! { <li>{group_view(inner, Some(drop))}</li> }.into_any(),
                            NodeUi::Test(_, t) => test_view(t, drop),
                        }
                    }
                </For>
            </ul>
            <div class="seg-add">
                <button type="button" class="secondary" on:click=add_test>{t!(i18n, segments.add_condition)}</button>
                <button type="button" class="secondary" on:click=add_group>{t!(i18n, segments.add_group)}</button>
            </div>
        </fieldset>
    }
    .into_any()
}

fn test_view(t: TestUi, drop: Callback<()>) -> AnyView {
    let i18n = use_i18n();
    let field = move || Field::from_name(&t.field.get()).unwrap_or(NEW_FIELD);
    let op = move || {
        let key = t.op.get();
        Op::ALL
            .iter()
            .copied()
            .find(|o| o.key() == key)
            .unwrap_or(Op::Eq)
    };
    let on_field = move |ev| {
        let name = event_target_value(&ev);
        if let Some(f) = Field::from_name(&name) {
            t.field.set(name);
            let ops = ops_for(f);
            if !ops.iter().any(|o| o.key() == t.op.get_untracked()) {
                t.op.set(ops.first().copied().unwrap_or(Op::Eq).key().to_owned());
            }
        }
    };
    let problem = Memo::new(move |_| t.draft().check().err());
    let takes_value = move || !matches!(op(), Op::IsNull | Op::IsNotNull);
    let list = move || matches!(op(), Op::In | Op::NotIn);
    let details = move || matches!(op(), Op::Matches | Op::NotMatches);
    view! {
        <li><div class="seg-test" role="group" aria-label=move || t_string!(i18n, segments.condition_label)>
            <select aria-label=move || t_string!(i18n, segments.field) on:change=on_field>
                {Field::conditions().map(|f| {
                    let name = f.name();
                    view! { <option value=name selected=move || t.field.get() == name>{field_label(i18n, f)}</option> }
                }).collect_view()}
            </select>
            <select aria-label=move || t_string!(i18n, segments.operator)
                on:change=move |ev| t.op.set(event_target_value(&ev))>
                {move || ops_for(field()).into_iter().map(|o| {
                    let k = o.key();
                    view! { <option value=k selected=move || t.op.get() == k>{o.text()}</option> }
                }).collect_view()}
            </select>
            <Show when=takes_value>
                <input type="text" aria-label=move || t_string!(i18n, segments.value)
                    placeholder=move || if list() {
                        t_string!(i18n, segments.list_hint)
                    } else if details() {
                        t_string!(i18n, segments.details_hint)
                    } else {
                        ""
                    }
                    prop:value=move || t.value.get()
                    on:input=move |ev| t.value.set(event_target_value(&ev)) />
            </Show>
            <Show when=move || op() == Op::Between>
                " "{t!(i18n, segments.and)}" "
                <input type="text" aria-label=move || t_string!(i18n, segments.value_to)
                    prop:value=move || t.value2.get()
                    on:input=move |ev| t.value2.set(event_target_value(&ev)) />
            </Show>
            <button type="button" class="link danger" aria-label=move || t_string!(i18n, segments.remove_condition)
                on:click=move |_| drop.run(())>"×"</button>
            <span class="field-error" role="status">{move || problem.get()}</span>
        </div></li>
    }
    .into_any()
}
