use hyper::service::{make_service_fn, service_fn};
use hyper::{Body, Request, Response, Server};
use service_core::{to_json, Health};
use service_store::Store;
use std::convert::Infallible;

async fn handle(_request: Request<Body>) -> Result<Response<Body>, Infallible> {
    let store = Store::default();
    let health = Health { status: "ok", jobs: store.len() };
    Ok(Response::new(Body::from(to_json(&health))))
}

#[tokio::main]
async fn main() {
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(5000);
    let address = ([0, 0, 0, 0], port).into();
    let service = make_service_fn(|_| async { Ok::<_, Infallible>(service_fn(handle)) });
    println!("listening on {} (store {})", address, Store::backend_version());
    if let Err(error) = Server::bind(&address).serve(service).await {
        eprintln!("server error: {}", error);
    }
}
