//! Benchmark floor for `casguard lint`: only walk a folder, read every
//! `.toml` file and parse it with the same TOML parser casguard uses.
//! `bench/lint.sh` compares the two.

fn main() {
    let dir = std::env::args().nth(1).expect("usage: parse_floor DIR");
    let mut files = 0usize;
    let mut tables = 0usize;
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(entry.path()).expect("read");
            let table = toml::de::DeTable::parse(&text).expect("parse");
            tables += table.get_ref().len();
            files += 1;
        }
    }
    println!("{files} files, {tables} top-level keys");
}
