//! A policy file's text through the loader's parser and validation.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = casguard::load::parse_policy_text("policies/fuzz.toml", &text);
});
