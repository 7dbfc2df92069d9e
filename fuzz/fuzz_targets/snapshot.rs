//! A snapshot file (casguard's own, a raw API dump, an array, one policy;
//! UTF-8, UTF-16, with or without a BOM) through the snapshot reader.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = casguard::live::snapshot::Snapshot::parse(data, "snapshot.json");
});
