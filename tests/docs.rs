//! `docs/rules/<ID>.md` exists for every built-in rule and matches the
//! rule's metadata. Regenerate with `CASGUARD_UPDATE_DOCS=1 cargo test --test docs`.

#[test]
fn rule_docs_are_current() {
    let rules = casguard::rules::RuleSet::builtin().unwrap();
    let update = std::env::var_os("CASGUARD_UPDATE_DOCS").is_some();
    let dir = std::path::Path::new("docs/rules");
    let mut expected = Vec::new();
    let mut stale = Vec::new();
    for meta in rules.metas() {
        let path = dir.join(format!("{}.md", meta.id));
        let text = casguard::rules::doc_page(meta);
        expected.push(format!("{}.md", meta.id));
        if update {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    for retired in casguard::registry::RETIRED {
        let path = dir.join(format!("{}.md", retired.id));
        let text = casguard::rules::retired_page(retired);
        expected.push(format!("{}.md", retired.id));
        if update {
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    let mut present: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    present.retain(|name| !expected.contains(name));
    assert!(
        present.is_empty(),
        "docs for rules that do not exist: {present:?}"
    );
    assert!(
        stale.is_empty(),
        "out of date (run `CASGUARD_UPDATE_DOCS=1 cargo test --test docs`): {stale:?}"
    );
}
