// What the build script saw, and what rustc itself saw (option_env! is read
// from the compiler's environment, as sqlx's macros read DATABASE_URL).
include!(concat!(env!("OUT_DIR"), "/seen.rs"));

fn main() {
    println!("build script SQLX_OFFLINE={BUILD_SCRIPT_SQLX_OFFLINE}");
    println!("build script DATABASE_URL={BUILD_SCRIPT_DATABASE_URL}");
    println!("rustc SQLX_OFFLINE={}", option_env!("SQLX_OFFLINE").unwrap_or("unset"));
    println!("rustc DATABASE_URL={}", option_env!("DATABASE_URL").unwrap_or("unset"));
}
