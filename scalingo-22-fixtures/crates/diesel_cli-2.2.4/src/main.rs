use std::{env, fs, process};

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    if args.iter().map(String::as_str).collect::<Vec<_>>() != ["migration", "run"] {
        eprintln!("usage: diesel migration run");
        process::exit(2);
    }
    if env::var("DATABASE_URL").map_or(true, |url| url.is_empty()) {
        eprintln!("The --database-url argument must be passed, or the DATABASE_URL environment variable must be set.");
        process::exit(1);
    }
    // diesel.toml may move the migrations directory: [migrations_directory] dir = "..."
    let directory = fs::read_to_string("diesel.toml")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.trim().strip_prefix("dir = ").map(|v| v.trim_matches('"').to_string()))
        })
        .unwrap_or_else(|| "migrations".to_string());
    let mut names: Vec<String> = match fs::read_dir(&directory) {
        Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => {
            eprintln!("Failed to find migrations directory in {directory}");
            process::exit(1);
        }
    };
    names.sort();
    for name in names {
        println!("Running migration {name}");
    }
}
