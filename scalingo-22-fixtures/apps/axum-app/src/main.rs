//! An axum service on $PORT: `/` renders an askama template, `/static/*` serves
//! the files of static/ (read from the working directory at run time).
use askama::Template;
use axum::{extract::Path, response::Html, routing::get, Router};
use tower_http::services::ServeDir;

#[derive(Template)]
#[template(path = "index.html")]
struct Index<'a> {
    name: &'a str,
    frameworks: &'a [&'a str],
}

#[derive(Template)]
#[template(path = "hello.html")]
struct Hello<'a> {
    name: &'a str,
}

async fn index() -> Html<String> {
    let page = Index { name: "axum-app", frameworks: &["axum", "askama", "tower-http"] };
    Html(page.render().expect("the template renders"))
}

async fn hello(Path(name): Path<String>) -> Html<String> {
    Html(Hello { name: &name }.render().expect("the template renders"))
}

#[tokio::main]
async fn main() {
    let port: u16 = std::env::var("PORT")
        .unwrap_or_else(|_| "5000".to_string())
        .parse()
        .expect("PORT must be a number");
    let app = Router::new()
        .route("/", get(index))
        .route("/hello/:name", get(hello))
        .nest_service("/static", ServeDir::new("static"));
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", port)).await.expect("cannot bind $PORT");
    println!("axum-app listening on port {port}");
    axum::serve(listener, app).await.expect("the server stopped");
}
