//! The committed JSON Schema (schema/policy-v1.json, for editors) is what
//! `casguard schema` prints. Regenerate with `cargo run -- schema > schema/policy-v1.json`.

#[test]
fn committed_schema_is_current() {
    let committed = std::fs::read_to_string("schema/policy-v1.json").unwrap();
    let current = format!(
        "{}\n",
        serde_json::to_string_pretty(&casguard::schema::policy_schema()).unwrap()
    );
    assert_eq!(
        committed, current,
        "run `cargo run -- schema > schema/policy-v1.json`"
    );
}
