//! Benchmark helper: dates every `*.toml` file under a folder with
//! casguard's history module (one revision walk) and prints how many got a
//! date. bench/history.sh times it against the git CLI.

fn main() {
    let dir = std::env::args().nth(1).expect("usage: date_files DIR");
    let base = std::path::Path::new(&dir);
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(base.join("policies")).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            files.push(
                entry
                    .path()
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
    let history = casguard::history::date_files(base, &files);
    let dated = history
        .files
        .values()
        .filter(|h| h.last_change.is_some())
        .count();
    println!("{dated} of {} files dated", files.len());
}
