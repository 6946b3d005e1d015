//! An in-memory job store, keyed by a checksum from a versioned dependency.
use service_core::Job;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct Store {
    jobs: BTreeMap<u64, Job>,
}

impl Store {
    pub fn insert(&mut self, job: Job) -> u64 {
        let key = bp_bump::checksum(&[job.payload.as_bytes()]);
        self.jobs.insert(key, job);
        key
    }

    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    pub fn backend_version() -> &'static str {
        bp_bump::version()
    }
}
