//! The module graph: dependencies point down only, with no cycles, and the
//! layers of DESIGN.md hold (`model` at the bottom, `app` above the stages,
//! `cli` on top). Read from the source: every `crate::<module>` reference in
//! a top-level module's code (comments aside) is an edge.
//! `CASGUARD_PRINT_GRAPH=1 cargo test --test architecture -- --nocapture`
//! prints the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix("src").unwrap();
    let first = relative.components().next().unwrap();
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let pattern = "crate::";
    for entry in walk(Path::new("src")) {
        let module = module_of(&entry);
        if module == "main" || module == "lib" {
            continue;
        }
        // Comments may name modules; only code makes an edge.
        let text: String = std::fs::read_to_string(&entry)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let deps = graph.entry(module.clone()).or_default();
        for (start, _) in text.match_indices(pattern) {
            let rest = &text[start + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                deps.insert(name);
            }
        }
    }
    graph
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Modules reachable from `from`.
fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(module) = stack.pop() {
        for dep in graph.get(&module).into_iter().flatten() {
            if seen.insert(dep.clone()) {
                stack.push(dep.clone());
            }
        }
    }
    seen
}

#[test]
fn a_cycle_is_found() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.insert("a".into(), ["b".to_string()].into());
    graph.insert("b".into(), ["a".to_string()].into());
    graph.insert("c".into(), ["a".to_string()].into());
    assert!(reachable(&graph, "a").contains("a"));
    assert!(!reachable(&graph, "c").contains("c"));
}

#[test]
fn no_module_cycles_and_layers_hold() {
    let graph = graph();
    if std::env::var_os("CASGUARD_PRINT_GRAPH").is_some() {
        for (module, deps) in &graph {
            let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
            println!("{module} -> {}", deps.join(", "));
        }
    }
    let cycles: Vec<&String> = graph
        .keys()
        .filter(|m| reachable(&graph, m).contains(*m))
        .collect();
    assert!(cycles.is_empty(), "modules in a cycle: {cycles:?}");
    let deps = |m: &str| graph.get(m).cloned().unwrap_or_default();
    for bottom in ["model", "fsutil", "parallel", "textutil"] {
        assert!(
            deps(bottom).is_empty(),
            "{bottom} must depend on nothing: {:?}",
            deps(bottom)
        );
    }
    for (module, module_deps) in &graph {
        if module != "cli" {
            assert!(!module_deps.contains("cli"), "{module} depends on cli");
        }
        if module != "cli" && module != "app" {
            assert!(!module_deps.contains("app"), "{module} depends on app");
        }
        if module != "report" && module != "cli" && module != "app" {
            assert!(
                !module_deps.contains("report"),
                "{module} depends on a renderer"
            );
        }
    }
    // Renderers see only data.
    let report: BTreeSet<String> = deps("report");
    let allowed: BTreeSet<String> = ["model", "textutil"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert!(report.is_subset(&allowed), "report depends on {report:?}");
}

/// The analysis stages do no I/O: they read data and return data.
#[test]
fn analysis_does_no_io() {
    for path in [
        "src/ops",
        "src/shape.rs",
        "src/alerts.rs",
        "src/drift.rs",
        "src/history/walk.rs",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let files: Vec<std::path::PathBuf> = if path.is_dir() {
            std::fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect()
        } else {
            vec![path]
        };
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for io in [
                "std::fs",
                "ureq::",
                "std::net",
                "std::process",
                "Http",
                "println!",
                "gix::open",
                "gix::discover",
            ] {
                assert!(
                    !text.contains(io),
                    "{} uses {io}: analysis must stay pure",
                    file.display()
                );
            }
        }
    }
}

/// A submodule named like a top-level module that depends on its parent
/// (`model/ops.rs` beside `ops -> model`) reads as a cycle to anyone, and to
/// tools that resolve modules by name: such names are not used.
#[test]
fn no_submodule_shadows_a_module_above_its_parent() {
    let graph = graph();
    for file in walk(Path::new("src")) {
        let parent = module_of(&file);
        let Some(name) = file.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        if name == "mod" || name == parent || !graph.contains_key(&name) {
            continue;
        }
        assert!(
            !reachable(&graph, &name).contains(&parent),
            "{} is named like the module `{name}`, which depends on `{parent}`: rename it",
            file.display()
        );
    }
}
