//! The workflows and the Action casguard ships (.github/workflows/*.yml, action.yml) and the
//! workflow `casguard init` generates: zizmor finds nothing at its default settings, every
//! shell script in them and the Action's scripts pass shellcheck, no `${{ }}` expression is
//! inside a `run:` script, every action is pinned to a commit SHA, and the release asset names
//! agree between the release workflow, the Action and `cargo binstall`'s metadata.
//! (actionlint runs on the workflows in tests/init.rs.)

use std::path::{Path, PathBuf};
use std::process::Command;

/// The zizmor version `.ci/run` installs.
const ZIZMOR: &str = "1.33.1";

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// The workflow `casguard init` writes, in a temporary repository.
fn generated_workflow(dir: &Path) -> PathBuf {
    let out = Command::new(env!("CARGO_BIN_EXE_casguard"))
        .args(["init", "repo"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    dir.join("repo/.github/workflows/casguard.yml")
}

fn shipped() -> Vec<PathBuf> {
    [
        ".github/workflows/ci.yml",
        ".github/workflows/release.yml",
        "action.yml",
    ]
    .iter()
    .map(PathBuf::from)
    .collect()
}

/// A tool the suite needs: present, or (outside CI only) skipped with a message.
fn tool(name: &str, version_arg: &str) -> Option<String> {
    match Command::new(name).arg(version_arg).output() {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must run {name}: .ci/run installs it"
            );
            eprintln!("skipping: {name} is not installed (.ci/run installs it)");
            None
        }
    }
}

#[test]
fn zizmor_finds_nothing() {
    let Some(version) = tool("zizmor", "--version") else {
        return;
    };
    if std::env::var_os("CI").is_some() {
        assert_eq!(
            version.trim(),
            format!("zizmor {ZIZMOR}"),
            "the pinned zizmor"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files = shipped();
    files.push(generated_workflow(dir.path()));
    // --offline: the audits that ask GitHub's API (impostor commits, known-vulnerable actions,
    // ref confusion) are skipped; the machines that run the tests cannot reach GitHub.
    let out = Command::new("zizmor")
        .args([
            "--offline",
            "--no-progress",
            "--config",
            ".github/zizmor.yml",
        ])
        .args(&files)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("No findings to report"), "{stdout}{stderr}");
    for file in &files {
        assert!(
            stderr.contains(&format!("completed {}", file.display())),
            "zizmor audited {}: {stderr}",
            file.display()
        );
    }
}

/// Every `run:` script of a workflow or composite action: (line, script).
fn run_scripts(yaml: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = yaml.lines().collect();
    let mut scripts = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let key = trimmed.strip_prefix("- ").unwrap_or(trimmed);
        if let Some(rest) = key.strip_prefix("run:") {
            let key_col = line.len() - key.len();
            let rest = rest.trim();
            if rest.starts_with('|') || rest.starts_with('>') {
                let mut body = Vec::new();
                let mut j = i + 1;
                while j < lines.len() {
                    let l = lines[j];
                    let indent = l.len() - l.trim_start().len();
                    if !l.trim().is_empty() && indent <= key_col {
                        break;
                    }
                    body.push(l);
                    j += 1;
                }
                let strip = body
                    .iter()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| l.len() - l.trim_start().len())
                    .min()
                    .unwrap_or(0);
                let text: Vec<&str> = body.iter().map(|l| l.get(strip..).unwrap_or("")).collect();
                scripts.push((i + 1, text.join("\n")));
                i = j;
                continue;
            }
            scripts.push((i + 1, rest.to_string()));
        }
        i += 1;
    }
    scripts
}

#[test]
fn run_scripts_extraction_sees_block_and_inline_scripts() {
    let yaml = "steps:\n  - run: echo one\n  - name: x\n    run: |\n      a=1\n        echo \"$a\"\n\n      echo two\n    env:\n      X: y\n";
    let scripts = run_scripts(yaml);
    assert_eq!(
        scripts,
        [
            (2, "echo one".to_string()),
            (4, "a=1\n  echo \"$a\"\n\necho two".to_string())
        ]
    );
}

#[test]
fn no_expression_inside_a_run_script() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = shipped();
    files.push(generated_workflow(dir.path()));
    let mut count = 0;
    for file in &files {
        for (line, script) in run_scripts(&read(file)) {
            count += 1;
            assert!(
                !script.contains("${{"),
                "{}:{line}: pass values to run: scripts through env:, not ${{{{ }}}}",
                file.display()
            );
        }
    }
    assert!(count >= 12, "{count} scripts seen");
}

#[test]
fn shellcheck_passes_on_every_script() {
    if tool("shellcheck", "--version").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files = shipped();
    files.push(generated_workflow(dir.path()));
    let mut scripts: Vec<(String, PathBuf)> = Vec::new();
    for file in &files {
        for (line, script) in run_scripts(&read(file)) {
            // GitHub runs these with bash (-e, and -o pipefail where `shell: bash` is explicit).
            let path = dir.path().join(format!(
                "{}-{line}.sh",
                file.file_name().unwrap().to_string_lossy()
            ));
            std::fs::write(&path, format!("#!/usr/bin/env bash\nset -e\n{script}\n")).unwrap();
            scripts.push((format!("{}:{line}", file.display()), path));
        }
    }
    for script in [
        "action/install.sh",
        "action/run.sh",
        "scripts/actionlint.sh",
        ".ci/run",
    ] {
        scripts.push((script.to_string(), PathBuf::from(script)));
    }
    for (name, path) in &scripts {
        let out = Command::new("shellcheck")
            .args(["--shell=bash", "--severity=style"])
            .arg(path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// Every `uses:` in the file, with the rest of its line.
fn uses(yaml: &str) -> Vec<String> {
    yaml.lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let t = t.strip_prefix("- ").unwrap_or(t);
            t.strip_prefix("uses:").map(|r| r.trim().to_string())
        })
        .collect()
}

#[test]
fn every_action_is_pinned_to_a_commit_sha() {
    let dir = tempfile::tempdir().unwrap();
    let generated = generated_workflow(dir.path());
    let tag = concat!("v", env!("CARGO_PKG_VERSION"));
    let mut files = shipped();
    files.push(generated.clone());
    let mut seen = 0;
    for file in &files {
        for u in uses(&read(file)) {
            seen += 1;
            if file == &generated && u == format!("casguard/casguard@{tag}") {
                // The release of the casguard that generated it (see .github/zizmor.yml).
                continue;
            }
            if u == "./" && file == Path::new(".github/workflows/ci.yml") {
                // ci.yml runs the Action from the commit under test.
                continue;
            }
            let (action, rest) = u.split_once('@').expect("owner/name@ref");
            let (sha, comment) = rest.split_once(" # ").unwrap_or((rest, ""));
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{}: {action} is not pinned to a full commit SHA: {u}",
                file.display()
            );
            assert!(
                comment.starts_with('v') || comment == "stable",
                "{}: {action}@{sha} needs its version in a comment",
                file.display()
            );
        }
    }
    assert!(seen >= 15, "{seen} uses seen");
    // The generated workflow uses the Action of its own release, in every job that runs casguard.
    let text = read(&generated);
    assert_eq!(
        text.matches(&format!("uses: casguard/casguard@{tag}\n"))
            .count(),
        7,
        "{text}"
    );
    assert!(!text.contains("cargo install"), "no run compiles casguard");
}

#[test]
fn checkouts_keep_no_credentials_and_permissions_start_empty() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = shipped();
    files.retain(|f| f != Path::new("action.yml"));
    files.push(generated_workflow(dir.path()));
    for file in &files {
        let text = read(file);
        assert!(
            text.contains("\npermissions: {}\n"),
            "{}: top-level permissions: {{}}, each job asks for what it needs",
            file.display()
        );
        let checkouts = text.matches("uses: actions/checkout@").count();
        assert!(checkouts > 0);
        assert_eq!(
            text.matches("persist-credentials: false").count(),
            checkouts,
            "{}",
            file.display()
        );
    }
}

#[test]
fn release_assets_agree_with_the_action_and_binstall() {
    let release = read(".github/workflows/release.yml");
    let targets: Vec<&str> = release
        .lines()
        .filter_map(|l| l.trim().strip_prefix("target: "))
        .collect();
    assert_eq!(targets.len(), 5, "{targets:?}");
    let install = read("action/install.sh");
    for target in &targets {
        assert!(
            install.contains(&format!(") echo {target} ;;")),
            "action/install.sh maps a runner to {target}"
        );
    }
    // The archive names: casguard-<tag>-<target>.tar.gz (.zip on Windows), and SHA256SUMS.
    assert!(release.contains(r#"name="casguard-$TAG-$TARGET""#));
    assert!(release.contains(r#""dist/$name.zip""#) && release.contains(r#""dist/$name.tar.gz""#));
    assert!(release.contains("sha256sum casguard-* > SHA256SUMS"));
    assert!(install.contains(r#"asset="casguard-$version-$target.zip""#));
    assert!(install.contains(r#"asset="casguard-$version-$target.tar.gz""#));
    assert!(install.contains(r#""$base/$version/SHA256SUMS""#));
    let cargo = read("Cargo.toml");
    assert!(cargo.contains(
        r#"pkg-url = "{ repo }/releases/download/v{ version }/{ name }-v{ version }-{ target }{ archive-suffix }""#
    ));
    assert!(cargo.contains(
        "[package.metadata.binstall.overrides.x86_64-pc-windows-msvc]\npkg-fmt = \"zip\""
    ));
    // Static Linux binaries, stripped everywhere, and one job that creates the release.
    assert!(targets
        .iter()
        .filter(|t| t.contains("linux"))
        .all(|t| t.ends_with("-musl")));
    assert!(release.contains("CARGO_PROFILE_RELEASE_STRIP: symbols"));
    assert_eq!(release.matches("gh release create").count(), 1);
    assert!(release.contains("  release:\n    needs: build\n"));
}

#[test]
fn action_inputs_and_outputs_are_wired() {
    let action = read("action.yml");
    let inputs_block = action
        .split("\ninputs:\n")
        .nth(1)
        .unwrap()
        .split("\noutputs:\n")
        .next()
        .unwrap();
    let declared: Vec<&str> = inputs_block
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))
        .map(|l| l.trim().trim_end_matches(':'))
        .collect();
    assert_eq!(
        declared,
        ["command", "format", "fail-on", "args", "version", "summary"]
    );
    for used in action.split("${{ inputs.").skip(1) {
        let name = used.split(" }}").next().unwrap();
        assert!(declared.contains(&name), "inputs.{name} is not declared");
    }
    for name in &declared {
        assert!(
            action.contains(&format!("${{{{ inputs.{name} }}}}")),
            "input {name} is never used"
        );
    }
    // Each output comes from a step that exists and a script that writes it.
    let run = read("action/run.sh");
    let install = read("action/install.sh");
    for used in action.split("${{ steps.").skip(1) {
        let reference = used.split(" }}").next().unwrap();
        let (step, output) = reference.split_once(".outputs.").unwrap();
        assert!(action.contains(&format!("id: {step}\n")), "no step {step}");
        assert!(
            run.contains(&format!("output {output} "))
                || install.contains(&format!("output {output} ")),
            "nothing writes the output {output} of step {step}"
        );
    }
    // Every variable the scripts are given comes from action.yml.
    for var in [
        "CASGUARD_VERSION",
        "CASGUARD_ACTION_REF",
        "CASGUARD_RESOLVED_VERSION",
        "CASGUARD_ASSET",
        "CASGUARD_SOURCE",
        "CASGUARD_DIR",
        "CASGUARD_CACHE_KEY",
        "CASGUARD_COMMAND",
        "CASGUARD_FORMAT",
        "CASGUARD_FAIL_ON",
        "CASGUARD_ARGS",
        "CASGUARD_SUMMARY",
        "CASGUARD_BIN",
    ] {
        assert!(action.contains(&format!("        {var}: ${{{{")), "{var}");
        assert!(
            run.contains(var) || install.contains(var),
            "{var} is passed but never read"
        );
    }
}

/// The generated workflow's evidence job writes the signing key from its secret to a file only
/// the job's user can read, never prints it, and hands casguard `--signing-key FILE`.
#[test]
fn generated_evidence_job_writes_the_signing_key_privately_and_silently() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let workflow = read(generated_workflow(dir.path()));
    let evidence_job = workflow.split("\n  evidence:\n").nth(1).unwrap();
    assert!(
        evidence_job.contains("retention-days: 90"),
        "{evidence_job}"
    );
    let (_, script) = run_scripts(evidence_job)
        .into_iter()
        .find(|(_, s)| s.contains("EVIDENCE_KEY"))
        .expect("the signing key step");
    // A real key, as `casguard evidence keygen` writes it (OpenSSH, several lines).
    let made = Command::new(env!("CARGO_BIN_EXE_casguard"))
        .args(["evidence", "keygen", "--out"])
        .arg(dir.path().join("ci"))
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let key = read(dir.path().join("ci.key")).trim().to_string();
    // A line of the key's body: what must never be printed.
    let body = key.lines().nth(1).unwrap().to_string();
    for secret in [key.as_str(), ""] {
        let temp = dir.path().join(format!("temp{}", secret.len()));
        std::fs::create_dir_all(&temp).unwrap();
        let output = temp.join("output");
        let out = Command::new("bash")
            .args(["-e", "-c", &script])
            .env("EVIDENCE_KEY", secret)
            .env("RUNNER_TEMP", &temp)
            .env("GITHUB_OUTPUT", &output)
            .output()
            .unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{printed}");
        let outputs = read(&output);
        assert!(outputs.contains("month=20"), "{outputs}");
        let key_file = temp.join("evidence.key");
        if secret.is_empty() {
            assert!(!key_file.exists());
            assert!(printed.contains("::warning::"), "{printed}");
            assert!(!outputs.contains("args="), "{outputs}");
            continue;
        }
        assert!(
            !printed.contains(&body),
            "the key is never printed: {printed}"
        );
        assert!(!outputs.contains(&body), "nor in the outputs: {outputs}");
        assert_eq!(read(&key_file).trim(), key);
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "only the owner may read it: {mode:o}");
        assert!(
            outputs.contains(&format!("args=--signing-key {}", key_file.display())),
            "{outputs}"
        );
        // casguard signs with it: the bundle verifies against the matching public key.
        let casguard = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_casguard"))
                .args(args)
                .output()
                .unwrap()
        };
        let bundle = temp.join("bundle");
        let run = casguard(&[
            "evidence",
            "--snapshot",
            "snapshots/contoso.json",
            "--today",
            "2026-11-22",
            "--out",
            bundle.to_str().unwrap(),
            "--signing-key",
            key_file.to_str().unwrap(),
        ]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(bundle.join("manifest.json.sig").is_file());
    }
}
