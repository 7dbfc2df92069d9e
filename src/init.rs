//! `casguard init`: the files of a new policy repository. The texts live in
//! `src/init/` as real files (so they can be read, linted and actionlinted
//! as what they are) and are embedded here. A test checks that the scaffold
//! is lint-clean.

/// (path relative to the new repository, content).
pub fn files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("casguard.toml", include_str!("init/casguard.toml")),
        (
            "policies/anomaly/mass-download-by-a-single-user.toml",
            include_str!("init/example-policy.toml"),
        ),
        ("rules/ORG001.rego", include_str!("init/ORG001.rego")),
        (
            ".github/workflows/casguard.yml",
            include_str!("init/workflow.yml"),
        ),
        (".gitignore", include_str!("init/gitignore")),
    ]
}
