//! Who is signed in to the back office, as the pages and the server see them.
use super::Resource;
use serde::{Deserialize, Serialize};

/// A signed-in, active admin user and what their role allows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Principal {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub permissions: Vec<Resource>,
}

impl Principal {
    pub fn can(&self, resource: Resource) -> bool {
        self.permissions.contains(&resource)
    }
}
