fn main() {
    let words = ["cache", "prune"];
    let summary = serde_json::json!({ "bp_bump": bp_bump::version(), "checksum": bp_bump::checksum(&words) });
    println!("{}", summary);
}
