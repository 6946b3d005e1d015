use service_core::{parse_job, EDIT};
use service_store::Store;

fn main() {
    let mut store = Store::default();
    for line in ["{\"id\":1,\"payload\":\"resize\"}", "{\"id\":2,\"payload\":\"mail\"}"] {
        if let Some(job) = parse_job(line) {
            store.insert(job);
        }
    }
    let version = Store::backend_version();
    println!("worker processed {} jobs (edit {EDIT}, store {version})", store.len());
}
