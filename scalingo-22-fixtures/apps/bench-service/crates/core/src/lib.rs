//! Domain types shared by the HTTP service and the worker.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Job {
    pub id: u64,
    pub payload: String,
}

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub jobs: usize,
}

pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("serialisable")
}

pub fn parse_job(text: &str) -> Option<Job> {
    serde_json::from_str(text).ok()
}

/// Changed by the benchmark's one-file edit; the worker prints it, so that a
/// stale binary shows.
pub const EDIT: u32 = 0;
