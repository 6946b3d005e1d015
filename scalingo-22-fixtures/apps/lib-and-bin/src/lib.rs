use serde::{Deserialize, Serialize};

/// A version record, serialised with serde_json from the registry.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Version {
    pub name: String,
    pub major: u32,
}

pub fn describe(name: &str, major: u32) -> String {
    serde_json::to_string(&Version { name: name.to_string(), major }).expect("serialisable")
}
