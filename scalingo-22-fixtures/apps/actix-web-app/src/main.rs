//! An actix-web service on $PORT: `/` greets, `/hello/{name}` answers JSON.
use actix_web::{get, web, App, HttpResponse, HttpServer, Responder};
use serde::Serialize;

#[derive(Serialize)]
struct Greeting {
    framework: &'static str,
    hello: String,
}

#[get("/")]
async fn index() -> impl Responder {
    HttpResponse::Ok().content_type("text/plain").body("Hello from an actix-web app\n")
}

#[get("/hello/{name}")]
async fn hello(name: web::Path<String>) -> impl Responder {
    web::Json(Greeting { framework: "actix-web", hello: name.into_inner() })
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .unwrap_or_else(|_| "5000".to_string())
        .parse()
        .expect("PORT must be a number");
    println!("actix-web-app listening on port {port}");
    HttpServer::new(|| App::new().service(index).service(hello))
        .workers(2)
        .bind(("0.0.0.0", port))?
        .run()
        .await
}
