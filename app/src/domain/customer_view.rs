//! What the back office reads and does to customers, shared by its pages and the customer core:
//! the customer page's data and the grid's mass actions.
use super::customer::CustomerInput;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum MassAction {
    Delete,
    AssignGroup(u32),
    Subscribe,
    Unsubscribe,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MassResult {
    pub count: u64,
    pub action: MassAction,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomerSummary {
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
    pub last_login_at: Option<String>,
    pub online: bool,
    pub locked: bool,
    pub locked_until: Option<String>,
    pub confirmed: bool,
    pub created_in: String,
    pub default_billing: Option<String>,
    pub default_shipping: Option<String>,
    /// Sales statistics per website (none before the first order).
    #[serde(default)]
    pub sales: Vec<super::sales::WebsiteSales>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomerView {
    pub input: CustomerInput,
    pub summary: CustomerSummary,
}
