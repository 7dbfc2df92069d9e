//! casguard.toml through the config parser, and its problems through the
//! renderer that prints them (where long lines and odd spans used to panic).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(error) =
        casguard::config::Config::parse("casguard.toml", &text, std::path::Path::new("/repo"))
    {
        let _ = format!("{:?}", miette::Report::new(error));
    }
});
