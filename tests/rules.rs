//! Every Rego rule's pass and fail examples run here, and every rule has both.
//! The Rust-implemented rules (CAS001-004, CAS205-206, DRIFT*, CAS901-903) are covered by the
//! fixtures in tests/fixtures/bad and tests/fixtures/rules.

use std::collections::BTreeMap;

use casguard::config::Config;
use casguard::model::RuleOrigin;
use casguard::registry::REGO_RULES;
use casguard::rules::RuleSet;

#[test]
fn every_rule_example_behaves_as_declared() {
    let config = Config::default();
    let rules = RuleSet::builtin().unwrap();
    let outcomes = rules.run_examples(&config);
    let failures: Vec<_> = outcomes
        .iter()
        .filter_map(|o| o.problem.as_ref().map(|p| format!("{}: {p}", o.name)))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    // Built-in fail examples declare their finding paths and counts (a plain
    // string would be a problem above; custom rules get a note instead).
    let notes: Vec<_> = outcomes.iter().filter(|o| o.note.is_some()).collect();
    assert!(notes.is_empty(), "{notes:#?}");
    let mut kinds: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for outcome in &outcomes {
        let entry = kinds.entry(outcome.rule.as_str()).or_default();
        if outcome.name.contains("#pass") {
            entry.0 += 1;
        } else if outcome.name.contains("#fail") {
            entry.1 += 1;
        }
    }
    for meta in rules.metas() {
        if let RuleOrigin::BuiltinRego(_) = meta.origin {
            let (pass, fail) = kinds.get(meta.id.as_str()).copied().unwrap_or_default();
            assert!(
                pass >= 1 && fail >= 1,
                "{} needs pass and fail examples (has {pass} and {fail})",
                meta.id
            );
        }
    }
}

#[test]
fn builtin_list_matches_the_rules_folder() {
    let mut on_disk: Vec<String> = std::fs::read_dir("rules")
        .unwrap()
        .map(|e| format!("rules/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|name| name.ends_with(".rego"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = REGO_RULES.iter().map(|r| r.file.to_string()).collect();
    embedded.sort();
    assert_eq!(
        on_disk, embedded,
        "add new rules/*.rego files to REGO_RULES in src/registry.rs"
    );
}

#[test]
fn rule_ids_match_file_names_and_every_required_id_exists() {
    let rules = RuleSet::builtin().unwrap();
    for meta in rules.metas() {
        if let RuleOrigin::BuiltinRego(file) = &meta.origin {
            assert_eq!(file, &format!("rules/{}.rego", meta.id));
        }
    }
    let ids: Vec<&str> = rules.metas().iter().map(|m| m.id.as_str()).collect();
    for required in [
        "CAS001", "CAS002", "CAS003", "CAS101", "CAS102", "CAS103", "CAS104", "CAS201", "CAS202",
        "CAS203", "CAS204", "CAS301",
    ] {
        assert!(ids.contains(&required), "{required} missing");
    }
}
