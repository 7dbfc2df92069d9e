//! The GitHub Action's install and run logic (action/install.sh, action/run.sh), run locally
//! against a fake release served on 127.0.0.1: the release holds a tarball of the freshly built
//! casguard and its SHA256SUMS, as the release workflow publishes them. It checks that the
//! runner's asset is chosen, that a wrong checksum is refused with nothing installed, that the
//! cached folder is reused without a download, and that each command gets only the options it
//! accepts (casguard exits 2 on any option it does not know), with the outputs and the job
//! summary written to the files GITHUB_OUTPUT and GITHUB_STEP_SUMMARY name.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

const TAG: &str = concat!("v", env!("CARGO_PKG_VERSION"));

/// A static file server on 127.0.0.1 that logs every requested path.
struct FakeReleases {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl FakeReleases {
    fn serve(root: PathBuf) -> FakeReleases {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                loop {
                    let mut header = String::new();
                    match reader.read_line(&mut header) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if header == "\r\n" || header == "\n" => break,
                        Ok(_) => {}
                    }
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .to_string();
                log.lock().unwrap().push(path.clone());
                let file = root.join(path.trim_start_matches('/'));
                let response = match (path.contains(".."), std::fs::read(&file)) {
                    (false, Ok(body)) if file.is_file() => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend_from_slice(&body);
                        r
                    }
                    _ => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = stream.write_all(&response);
            }
        });
        FakeReleases { base, requests }
    }

    fn take_requests(&self) -> Vec<String> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// `name` as a release archive holding `bin` as `casguard` at its top level.
fn tarball(dir: &Path, name: &str, bin: &Path) {
    let stage = dir.join(format!("{name}.stage"));
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::copy(bin, stage.join("casguard")).unwrap();
    // gzip -1: the debug test binary is large, and the level does not matter here.
    let ok = Command::new("bash")
        .arg("-c")
        .arg(r#"tar -cf - -C "$1" casguard | gzip -1 > "$2""#)
        .arg("bash")
        .arg(&stage)
        .arg(dir.join(name))
        .status()
        .unwrap()
        .success();
    assert!(ok);
    std::fs::remove_dir_all(stage).unwrap();
}

/// Two release trees under `root`: `good/<tag>/` with the real binary for x86_64 Linux, a
/// stand-in for aarch64 Linux and a correct SHA256SUMS; `bad/<tag>/` whose SHA256SUMS does not
/// match its archive.
fn fake_release_tree(root: &Path) -> (String, String) {
    let x86 = format!("casguard-{TAG}-x86_64-unknown-linux-musl.tar.gz");
    let arm = format!("casguard-{TAG}-aarch64-unknown-linux-musl.tar.gz");
    let good = root.join("good").join(TAG);
    std::fs::create_dir_all(&good).unwrap();
    tarball(&good, &x86, Path::new(env!("CARGO_BIN_EXE_casguard")));
    // The aarch64 asset is a script that says it is another build, so choosing it would show.
    let stand_in = root.join("stand-in");
    std::fs::write(
        &stand_in,
        format!(
            "#!/bin/sh\necho 'casguard {} (aarch64 stand-in)'\n",
            env!("CARGO_PKG_VERSION")
        ),
    )
    .unwrap();
    tarball(&good, &arm, &stand_in);
    let sums = format!(
        "{}  {x86}\n{}  {arm}\n",
        sha256(&good.join(&x86)),
        sha256(&good.join(&arm))
    );
    std::fs::write(good.join("SHA256SUMS"), sums).unwrap();

    let bad = root.join("bad").join(TAG);
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::copy(good.join(&x86), bad.join(&x86)).unwrap();
    std::fs::write(
        bad.join("SHA256SUMS"),
        format!("{}  {x86}\n", "0".repeat(64)),
    )
    .unwrap();
    (x86, arm)
}

/// A runner's environment for the scripts: its own temp, tool cache, output and path files.
struct Runner {
    dir: PathBuf,
    os: &'static str,
    arch: &'static str,
}

impl Runner {
    fn new(dir: &Path, os: &'static str, arch: &'static str) -> Runner {
        let dir = dir.join(format!("runner-{os}-{arch}"));
        for sub in ["temp", "tool-cache"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        Runner { dir, os, arch }
    }

    fn command(&self, script: &str) -> Command {
        let repo = std::env::current_dir().unwrap();
        let mut cmd = Command::new("bash");
        cmd.arg(repo.join("action").join(script))
            .current_dir(&repo)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .env("NO_COLOR", "1")
            .env("RUNNER_OS", self.os)
            .env("RUNNER_ARCH", self.arch)
            .env("RUNNER_TEMP", self.dir.join("temp"))
            .env("RUNNER_TOOL_CACHE", self.dir.join("tool-cache"))
            .env("GITHUB_OUTPUT", self.dir.join("output"))
            .env("GITHUB_PATH", self.dir.join("path"))
            .env("GITHUB_STEP_SUMMARY", self.dir.join("summary.md"))
            .env("GITHUB_ACTION_PATH", &repo);
        cmd
    }

    /// Runs the script and returns (exit code, stdout + stderr, the outputs it wrote).
    fn run(&self, mut cmd: Command) -> (i32, String, BTreeMap<String, String>) {
        let _ = std::fs::remove_file(self.dir.join("output"));
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let outputs = std::fs::read_to_string(self.dir.join("output"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        (out.status.code().unwrap_or(-1), text, outputs)
    }

    fn resolve(&self, version: &str, action_ref: &str) -> (i32, String, BTreeMap<String, String>) {
        let mut cmd = self.command("install.sh");
        cmd.arg("resolve")
            .env("CASGUARD_VERSION", version)
            .env("CASGUARD_ACTION_REF", action_ref);
        self.run(cmd)
    }

    /// `install.sh install` with what `resolve` decided, as action.yml passes it.
    fn install(
        &self,
        resolved: &BTreeMap<String, String>,
        releases: &str,
    ) -> (i32, String, BTreeMap<String, String>) {
        let mut cmd = self.command("install.sh");
        cmd.arg("install")
            .env("CASGUARD_RELEASES_URL", releases)
            .env("CASGUARD_RESOLVED_VERSION", &resolved["version"])
            .env("CASGUARD_ASSET", &resolved["asset"])
            .env("CASGUARD_SOURCE", &resolved["source"])
            .env("CASGUARD_DIR", &resolved["dir"])
            .env("CASGUARD_CACHE_KEY", &resolved["cache-key"]);
        self.run(cmd)
    }
}

#[test]
fn resolve_picks_the_runners_asset_and_cache_key() {
    let tmp = tempfile::tempdir().unwrap();
    for (os, arch, asset) in [
        ("Linux", "X64", "x86_64-unknown-linux-musl.tar.gz"),
        ("Linux", "ARM64", "aarch64-unknown-linux-musl.tar.gz"),
        ("macOS", "ARM64", "aarch64-apple-darwin.tar.gz"),
        ("macOS", "X64", "x86_64-apple-darwin.tar.gz"),
        ("Windows", "X64", "x86_64-pc-windows-msvc.zip"),
    ] {
        let runner = Runner::new(tmp.path(), os, arch);
        // The action's own ref is the default version.
        let (code, text, out) = runner.resolve("", "v1.2.3");
        assert_eq!(code, 0, "{text}");
        assert_eq!(out["version"], "v1.2.3");
        assert_eq!(out["source"], "release");
        assert_eq!(
            out["asset"],
            format!("casguard-v1.2.3-{asset}"),
            "{os} {arch}"
        );
        let key = format!(
            "casguard-v1.2.3-{}-{}",
            os.to_lowercase(),
            arch.to_lowercase()
        );
        assert_eq!(out["cache-key"], key);
        assert!(out["dir"].starts_with(runner.dir.join("tool-cache").to_str().unwrap()));
        // The version input wins over the ref, with or without its `v`.
        let (_, _, out) = runner.resolve("0.9.1", "v1.2.3");
        assert_eq!(out["asset"], format!("casguard-v0.9.1-{asset}"));
    }
    let runner = Runner::new(tmp.path(), "Windows", "ARM64");
    let (code, _, out) = runner.resolve("v1.2.3", "main");
    assert_eq!(code, 0);
    assert_eq!(
        (out["source"].as_str(), out["asset"].as_str()),
        ("crates-io", ""),
        "no release binary for Windows on Arm: cargo install --version"
    );
    let runner = Runner::new(tmp.path(), "Linux", "X64");
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let (_, _, out) = runner.resolve("", sha);
    assert_eq!(out["source"], "checkout", "a SHA pin builds that commit");
    assert_eq!(out["cache-key"], format!("casguard-src-{sha}-linux-x64"));
    let (_, _, out) = runner.resolve("", "main");
    assert_eq!(
        (out["source"].as_str(), out["cache-key"].as_str()),
        ("checkout", ""),
        "a branch moves: built, never cached"
    );
    for bad in ["latest", "v1", "1.2.3; rm -rf /", "v1.2.3\n::add-mask::x"] {
        let (code, text, _) = runner.resolve(bad, "v1.2.3");
        assert_eq!(code, 1, "{bad}: {text}");
        assert!(text.contains("::error"), "{text}");
        assert!(
            !text.lines().any(|l| l.starts_with("::add-mask")),
            "an input cannot start a workflow command: {text}"
        );
    }
}

#[test]
fn installs_the_checked_release_binary_reuses_the_cache_and_runs_each_command() {
    let tmp = tempfile::tempdir().unwrap();
    let (x86, arm) = fake_release_tree(&tmp.path().join("releases"));
    let server = FakeReleases::serve(tmp.path().join("releases"));
    let runner = Runner::new(tmp.path(), "Linux", "X64");
    let (code, text, resolved) = runner.resolve("", TAG);
    assert_eq!(code, 0, "{text}");
    assert_eq!(resolved["asset"], x86);
    let dir = PathBuf::from(&resolved["dir"]);

    // A checksum that does not match: refused, nothing installed.
    let (code, text, out) = runner.install(&resolved, &format!("{}/bad", server.base));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("checksum mismatch"), "{text}");
    assert!(!dir.join("casguard").exists(), "nothing installed");
    assert!(!out.contains_key("path"));
    assert_eq!(
        server.take_requests(),
        [
            format!("/bad/{TAG}/SHA256SUMS"),
            format!("/bad/{TAG}/{x86}")
        ]
    );

    // A release without this version: refused.
    let mut missing = resolved.clone();
    missing.insert("version".into(), "v0.0.9".into());
    let (code, text, _) = runner.install(&missing, &format!("{}/good", server.base));
    assert_eq!(code, 1, "{text}");
    assert!(!dir.join("casguard").exists());
    server.take_requests();
    // Neither refusal leaves its download folder behind.
    let leftovers: Vec<_> = std::fs::read_dir(runner.dir.join("temp"))
        .map(|entries| entries.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(
        !leftovers
            .iter()
            .any(|name| name.to_string_lossy().starts_with("casguard-install.")),
        "{leftovers:?}"
    );

    // The right asset, checked and installed.
    let (code, text, out) = runner.install(&resolved, &format!("{}/good", server.base));
    assert_eq!(code, 0, "{text}");
    assert_eq!(out["installed-from"], "release", "{text}");
    assert_eq!(out["path"], dir.join("casguard").to_str().unwrap());
    assert_eq!(
        server.take_requests(),
        [
            format!("/good/{TAG}/SHA256SUMS"),
            format!("/good/{TAG}/{x86}")
        ],
        "only this runner's asset is downloaded, not {arm}"
    );
    let path_file = std::fs::read_to_string(runner.dir.join("path")).unwrap();
    assert_eq!(path_file.trim(), dir.to_str().unwrap());
    assert_eq!(
        std::fs::read(dir.join("casguard")).unwrap(),
        std::fs::read(env!("CARGO_BIN_EXE_casguard")).unwrap()
    );

    // The cache restored the folder: no download at all.
    let (code, text, out) = runner.install(&resolved, &format!("{}/good", server.base));
    assert_eq!(code, 0, "{text}");
    assert_eq!(out["installed-from"], "cache", "{text}");
    assert!(server.take_requests().is_empty());

    // On an Arm runner the Arm asset is chosen (here a stand-in that says so).
    let arm_runner = Runner::new(tmp.path(), "Linux", "ARM64");
    let (_, _, arm_resolved) = arm_runner.resolve("", TAG);
    let (code, text, _) = arm_runner.install(&arm_resolved, &format!("{}/good", server.base));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("aarch64 stand-in"), "{text}");
    assert_eq!(
        server.take_requests(),
        [
            format!("/good/{TAG}/SHA256SUMS"),
            format!("/good/{TAG}/{arm}")
        ]
    );

    run_each_command(&runner, &out["path"], tmp.path());
}

/// (command, format, fail-on, args) through action/run.sh with the installed binary.
fn run_action(
    runner: &Runner,
    bin: &str,
    inputs: [&str; 4],
) -> (i32, String, BTreeMap<String, String>, String) {
    let _ = std::fs::remove_file(runner.dir.join("summary.md"));
    let mut cmd = runner.command("run.sh");
    cmd.env("CASGUARD_COMMAND", inputs[0])
        .env("CASGUARD_FORMAT", inputs[1])
        .env("CASGUARD_FAIL_ON", inputs[2])
        .env("CASGUARD_ARGS", inputs[3])
        .env("CASGUARD_SUMMARY", "true")
        .env("CASGUARD_BIN", bin);
    let (code, text, out) = runner.run(cmd);
    let summary = std::fs::read_to_string(runner.dir.join("summary.md")).unwrap_or_default();
    (code, text, out, summary)
}

fn run_each_command(runner: &Runner, bin: &str, tmp: &Path) {
    let today = "--today 2026-11-22";

    // lint: the action's defaults add --format github and the JSON and Markdown reports.
    let (code, text, out, summary) = run_action(runner, bin, ["lint", "", "", today]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("casguard lint --format github --report json="),
        "{text}"
    );
    assert_eq!(out["exit-code"], "0");
    assert_eq!(
        (
            out["errors"].as_str(),
            out["warnings"].as_str(),
            out["notes"].as_str()
        ),
        ("0", "0", "0"),
        "{text}"
    );
    assert!(Path::new(&out["report-json"]).is_file());
    assert!(Path::new(&out["report-markdown"]).is_file());
    assert!(summary.contains("exited with 0"), "{summary}");
    assert!(
        summary.starts_with(&std::fs::read_to_string(&out["report-markdown"]).unwrap()),
        "the Markdown report is the summary: {summary}"
    );

    // drift of the example tenant: findings, so exit 1 and counts in the outputs.
    let args = format!("--snapshot snapshots/contoso.json {today}");
    let (code, text, out, summary) = run_action(runner, bin, ["drift", "json", "error", &args]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(out["exit-code"], "1");
    let errors: u32 = out["errors"].parse().unwrap();
    assert!(errors > 0, "{out:?}");
    assert!(text.contains("\"version\": 1"), "JSON on stdout: {text}");
    assert!(summary.contains("exited with 1"), "{summary}");
    let (code, text, out, _) = run_action(runner, bin, ["drift", "github", "never", &args]);
    assert_eq!(code, 0, "--fail-on never is passed: {text}");
    assert!(text.contains("::error"), "annotations on stdout: {text}");
    assert_eq!(out["errors"].parse::<u32>().unwrap(), errors);

    // evidence takes none of the action's options: format and fail-on are set but not passed.
    let bundle = tmp.join("evidence");
    let args = format!(
        "--snapshot snapshots/contoso.json --out {} {today}",
        bundle.display()
    );
    let (code, text, out, summary) = run_action(runner, bin, ["evidence", "json", "error", &args]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("has no --format; ignored"), "{text}");
    assert!(text.contains("has no --fail-on; ignored"), "{text}");
    assert!(bundle.join("manifest.json").is_file() && bundle.join("SHA256SUMS").is_file());
    assert!(!out.contains_key("errors") && !out.contains_key("report-json"));
    assert!(summary.contains("### casguard evidence") && summary.contains("exited with 0"));
    let args = format!("{}", bundle.display());
    let (code, text, _, _) = run_action(runner, bin, ["evidence verify", "", "", &args]);
    assert_eq!(code, 0, "{text}");

    // suggest prints a Markdown checklist: it is the summary.
    let args = format!("--snapshot snapshots/contoso.json {today}");
    let (code, text, out, summary) = run_action(runner, bin, ["suggest", "", "warning", &args]);
    assert_ne!(code, 2, "{text}");
    let stdout = std::fs::read_to_string(&out["stdout"]).unwrap();
    assert!(!stdout.is_empty());
    assert!(summary.starts_with(&stdout), "{summary}");
    assert!(!summary.contains("```text"), "{summary}");

    // import writes policy files: the example repository declares every live policy but the
    // unmanaged one, and import leaves declared ones as they are.
    let imported = tmp.join("imported");
    let args = format!(
        "--snapshot snapshots/contoso.json --out {}",
        imported.display()
    );
    let (code, text, _, _) = run_action(runner, bin, ["import", "github", "", &args]);
    assert_eq!(code, 0, "{text}");
    let count = walk(&imported)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .count();
    assert_eq!(count, 1, "{text}");

    // report monthly takes --format markdown (not github) and no --fail-on.
    let args = format!(
        "--month 2026-11 --dump snapshots/contoso-alerts.json --snapshot snapshots/contoso-ops.json {today}"
    );
    let (code, text, _, summary) =
        run_action(runner, bin, ["report monthly", "markdown", "never", &args]);
    assert_eq!(code, 0, "{text}");
    assert!(summary.starts_with('#'), "Markdown report: {summary}");
    let (code, text, _, _) = run_action(runner, bin, ["report monthly", "github", "", &args]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("has no --format github"), "{text}");
    assert!(
        text.contains("<html") || text.contains("<!DOCTYPE"),
        "HTML by default"
    );

    // shape and rules list take --format human|json only; schema takes nothing.
    let (code, text, _, _) =
        run_action(runner, bin, ["shape", "json", "", "snapshots/contoso.json"]);
    assert_eq!(code, 0, "{text}");
    let (code, text, _, _) = run_action(runner, bin, ["rules list", "json", "", ""]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("CAS"), "{text}");
    let (code, text, _, _) = run_action(runner, bin, ["schema", "github", "error", ""]);
    assert_eq!(code, 0, "{text}");
    for command in ["review", "ops", "alerts"] {
        let args = match command {
            "alerts" => format!("--dump snapshots/contoso-alerts.json --snapshot snapshots/contoso.json {today}"),
            "ops" => format!("--snapshot snapshots/contoso-ops.json --previous snapshots/contoso-ops-previous.json {today}"),
            _ => format!("--snapshot snapshots/contoso.json {today}"),
        };
        let (code, text, out, _) = run_action(runner, bin, [command, "", "never", &args]);
        assert_eq!(code, 0, "{command}: {text}");
        assert!(out.contains_key("errors"), "{command}: {out:?}");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
