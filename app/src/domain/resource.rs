//! The admin areas a role can be granted, one permission per area.
use serde::{Deserialize, Serialize};

/// An area of the back office. A role holds a set of these; the built-in Administrators role holds all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Customers,
    CustomerGroups,
    NowOnline,
    LoginAsCustomer,
    /// Read the Login as Customer log.
    LoginAsCustomerLog,
    /// Change a customer's "Allow remote shopping assistance" on their behalf.
    ShoppingAssistance,
    Segments,
    Content,
    Audiences,
    /// Marketing > Cart Price Rules.
    Promotions,
    Configuration,
    AdminUsers,
    ActionLog,
    EmailLog,
    /// Public-API tokens (Admin > System > Integrations).
    Integrations,
}

impl Resource {
    pub const ALL: [Resource; 15] = [
        Resource::Customers,
        Resource::CustomerGroups,
        Resource::NowOnline,
        Resource::LoginAsCustomer,
        Resource::LoginAsCustomerLog,
        Resource::ShoppingAssistance,
        Resource::Segments,
        Resource::Content,
        Resource::Audiences,
        Resource::Promotions,
        Resource::Configuration,
        Resource::AdminUsers,
        Resource::ActionLog,
        Resource::EmailLog,
        Resource::Integrations,
    ];

    /// The stable name stored in the database and used in URLs.
    pub fn key(self) -> &'static str {
        match self {
            Resource::Customers => "customers",
            Resource::CustomerGroups => "customer_groups",
            Resource::NowOnline => "now_online",
            Resource::LoginAsCustomer => "login_as_customer",
            Resource::LoginAsCustomerLog => "login_as_customer_log",
            Resource::ShoppingAssistance => "shopping_assistance",
            Resource::Segments => "segments",
            Resource::Content => "content",
            Resource::Audiences => "audiences",
            Resource::Promotions => "promotions",
            Resource::Configuration => "configuration",
            Resource::AdminUsers => "admin_users",
            Resource::ActionLog => "action_log",
            Resource::EmailLog => "email_log",
            Resource::Integrations => "integrations",
        }
    }

    pub fn parse(key: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_resource_round_trips_through_its_key() {
        for r in Resource::ALL {
            assert_eq!(Resource::parse(r.key()), Some(r));
        }
        assert_eq!(Resource::parse("everything"), None);
    }
}
