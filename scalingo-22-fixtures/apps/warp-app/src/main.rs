//! A warp service on $PORT: `/` greets, `/hello/<name>` greets by name.
use warp::Filter;

#[tokio::main]
async fn main() {
    let port: u16 = std::env::var("PORT")
        .unwrap_or_else(|_| "5000".to_string())
        .parse()
        .expect("PORT must be a number");
    let index = warp::path::end().map(|| "Hello from a warp app\n");
    let hello = warp::path!("hello" / String).map(|name: String| format!("Hello, {name}, from warp\n"));
    let routes = warp::get().and(index.or(hello));
    println!("warp-app listening on port {port}");
    warp::serve(routes).run(([0, 0, 0, 0], port)).await;
}
