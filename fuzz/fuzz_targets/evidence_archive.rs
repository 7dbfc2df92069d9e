//! An evidence archive (tar.gz) through `evidence verify`'s reader and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("bundle.tar.gz");
    std::fs::write(&path, data).expect("written");
    if let Ok(bundle) = casguard::evidence::read(&path) {
        let _ = casguard::evidence::verify(&bundle, None);
    }
});
