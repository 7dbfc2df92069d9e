//! An evidence folder through `evidence verify`'s reader and checks. The
//! input is split into files at 0xFF bytes: the first line of each part is
//! its name (kept to plain names so the target writes only inside its
//! temporary folder), the rest its content.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).expect("created");
    for part in data.split(|&b| b == 0xFF) {
        let (name, content) = match part.iter().position(|&b| b == b'\n') {
            Some(at) => (&part[..at], &part[at + 1..]),
            None => (part, &[][..]),
        };
        let name: String = String::from_utf8_lossy(name)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            .take(64)
            .collect();
        if name.is_empty() || name.starts_with('.') {
            continue;
        }
        let _ = std::fs::write(bundle.join(name), content);
    }
    if let Ok(read) = casguard::evidence::read(&bundle) {
        let _ = casguard::evidence::verify(&read, None);
    }
});
