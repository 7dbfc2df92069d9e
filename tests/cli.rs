//! Command-line cases written as data (tests/cmd/*.toml with their expected
//! stdout and stderr), run with trycmd as typos does. Regenerate expected
//! output after an intended change with `TRYCMD=overwrite cargo test --test cli`.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .env("CASGUARD_TODAY", "2026-11-22")
        .env("NO_COLOR", "1")
        .case("tests/cmd/*.toml");
}
