//! Seeded mutation testing, the fuzzers' little sibling that runs with every
//! `cargo test`: real inputs (policy files, casguard.toml, snapshots,
//! evidence bundles) are mutated thousands of times and pushed through the
//! parsers in process (no panic) and, for a sample, through the binary (exit
//! 0, 1 or 2 only, within a time limit, and no secret from the environment
//! in any output). Deterministic: the same seed gives the same inputs.
//! `CASGUARD_MUTATION_CASES` (in-process cases per input kind, default
//! 3000), `CASGUARD_MUTATION_RUNS` (binary runs per kind, default 60) and
//! `CASGUARD_MUTATION_SEED` widen or move the search; a failure names the
//! seed and case to replay. The cargo-fuzz targets under `fuzz/` search the
//! same entry points open-endedly.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "mutation-secret-8f3a2c91d7e4";
const CLIENT_SECRET: &str = "client-secret~Qx7.Zr_9kLm2";

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Byte-level mutations that find parser bugs: flips, inserts, deletes,
/// duplicated and swapped spans, truncation, and tokens that matter to
/// TOML, JSON, tar and paths.
fn mutate(rng: &mut fastrand::Rng, input: &[u8]) -> Vec<u8> {
    const TOKENS: &[&[u8]] = &[
        b"\"",
        b"'",
        b"\"\"\"",
        b"[",
        b"]",
        b"[[",
        b"{",
        b"}",
        b"=",
        b",",
        b".",
        b"\n",
        b"\r\n",
        b"\\",
        b"\\u0000",
        b"\0",
        b"#",
        b"..",
        b"../",
        b"/",
        b"*",
        b"**",
        b"%",
        b"\xEF\xBB\xBF",
        b"\xFF\xFE",
        b"\xF0\x9F\x92\xA5",
        b"\xC3",
        b"nan",
        b"inf",
        b"-0",
        b"1e999",
        b"99999999999999999999",
        b"true",
        b"null",
        b"2026-02-30",
        b"2026-11-22T06:00:00Z",
        b"x/../../../escaped",
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        b"{\"a\":{\"a\":{\"a\":",
        b"policyType",
        b"_id",
        b"fetched_at",
        b"format_version",
        b"manifest.json",
        b"SHA256SUMS",
        b"manifest.json.sig",
        b"[tenant]",
        b"[[suppress]]",
        b"policy = \"*\"",
    ];
    let mut data = input.to_vec();
    for _ in 0..rng.usize(1..=4) {
        let len = data.len();
        let at = rng.usize(0..=len);
        match rng.u8(0..9) {
            0 if len > 0 => {
                let i = rng.usize(0..len);
                data[i] ^= 1 << rng.u8(0..8);
            }
            1 => data.insert(at, rng.u8(..)),
            2 if len > 0 => {
                let end = (at + rng.usize(1..=16)).min(len);
                data.drain(at.min(len)..end);
            }
            3 if len > 0 => {
                let start = rng.usize(0..len);
                let end = (start + rng.usize(1..=64)).min(len);
                let span = data[start..end].to_vec();
                let at = rng.usize(0..=data.len());
                data.splice(at..at, span);
            }
            4 => data.truncate(at),
            5 => {
                let token = TOKENS[rng.usize(0..TOKENS.len())];
                data.splice(at..at, token.iter().copied());
            }
            6 => {
                // A long run: long lines, deep nesting, huge numbers.
                let byte = [b'a', b'[', b'{', b'9', b' ', b'"'][rng.usize(0..6)];
                let run = vec![byte; rng.usize(100..5000)];
                data.splice(at..at, run);
            }
            7 if len > 1 => {
                let a = rng.usize(0..len);
                let b = rng.usize(0..len);
                data.swap(a, b);
            }
            _ => {
                let token = TOKENS[rng.usize(0..TOKENS.len())];
                let end = (at + token.len()).min(len);
                data.splice(at.min(len)..end, token.iter().copied());
            }
        }
    }
    data
}

/// Runs `f`, turning a panic into a failure that names the case to replay.
fn no_panic(kind: &str, seed: u64, case: u64, input: &[u8], f: impl FnOnce()) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err() {
        let path = std::env::temp_dir().join(format!("casguard-mutation-{kind}-{seed}-{case}"));
        let _ = std::fs::write(&path, input);
        panic!(
            "{kind}: panicked on case {case} of seed {seed} (input saved to {})",
            path.display()
        );
    }
}

fn seeds_in(dir: &str, ext: &str) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    let mut stack = vec![PathBuf::from(dir)];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                found.push(std::fs::read(&path).unwrap());
            }
        }
    }
    assert!(!found.is_empty(), "no seeds in {dir}");
    found
}

fn policy_seeds() -> Vec<Vec<u8>> {
    let mut seeds = seeds_in("policies", "toml");
    seeds.extend(seeds_in("tests/fixtures/bad/policies", "toml"));
    seeds
}

fn config_seeds() -> Vec<Vec<u8>> {
    let mut seeds = seeds_in("tests/fixtures/config", "toml");
    seeds.push(std::fs::read("casguard.toml").unwrap());
    seeds
}

fn snapshot_seeds() -> Vec<Vec<u8>> {
    let mut seeds = seeds_in("tests/fixtures/snapshots", "json");
    seeds.push(std::fs::read("snapshots/contoso.json").unwrap());
    seeds
}

#[test]
fn mutated_inputs_never_panic_the_parsers() {
    let seed = setting("CASGUARD_MUTATION_SEED", 20261122);
    let cases = setting("CASGUARD_MUTATION_CASES", 3000);
    let started = Instant::now();
    type Parser = fn(&[u8]);
    let kinds: [(&str, Vec<Vec<u8>>, Parser); 3] = [
        ("policy", policy_seeds(), |bytes| {
            let text = String::from_utf8_lossy(bytes);
            let _ = casguard::load::parse_policy_text("policies/fuzz.toml", &text);
        }),
        ("config", config_seeds(), |bytes| {
            let text = String::from_utf8_lossy(bytes);
            if let Err(e) =
                casguard::config::Config::parse("casguard.toml", &text, Path::new("/repo"))
            {
                // Rendering is where column and frame bugs panic.
                let _ = format!("{:?}", miette::Report::new(e));
            }
        }),
        ("snapshot", snapshot_seeds(), |bytes| {
            let _ = casguard::live::snapshot::Snapshot::parse(bytes, "snapshot.json");
        }),
    ];
    for (kind, seeds, parse) in &kinds {
        let mut rng = fastrand::Rng::with_seed(seed);
        for case in 0..cases {
            let base = &seeds[rng.usize(0..seeds.len())];
            let input = mutate(&mut rng, base);
            no_panic(kind, seed, case, &input, || parse(&input));
        }
    }
    eprintln!(
        "mutation: {} in-process cases in {:?} (seed {seed})",
        cases * kinds.len() as u64,
        started.elapsed()
    );
}

/// Runs casguard in `dir` with secrets in its environment; kills it after
/// `limit` (a hang is a failure too).
fn run_limited(dir: &Path, args: &[&str], limit: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_casguard"))
        .args(args)
        .current_dir(dir)
        .env("CASGUARD_TODAY", "2026-11-22")
        .env("NO_COLOR", "1")
        .env("CASGUARD_API_TOKEN", SECRET)
        .env("CASGUARD_CLIENT_SECRET", CLIENT_SECRET)
        .env_remove("CASGUARD_TENANT_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("casguard runs");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let text = [out.join().unwrap(), err.join().unwrap()].concat();
    let text = String::from_utf8_lossy(&text).into_owned();
    (status.and_then(|s| s.code()), text)
}

/// The secrets in the forms they may travel in.
fn secret_forms() -> Vec<String> {
    let mut forms = Vec::new();
    for secret in [SECRET, CLIENT_SECRET] {
        forms.push(secret.to_string());
        let percent: String = secret
            .bytes()
            .map(|b| match b.is_ascii_alphanumeric() || b == b'-' {
                true => (b as char).to_string(),
                false => format!("%{b:02X}"),
            })
            .collect();
        forms.push(percent);
    }
    forms
}

fn assert_clean_run(kind: &str, seed: u64, case: u64, input: &[u8], code: Option<i32>, text: &str) {
    let replay = || {
        let path = std::env::temp_dir().join(format!("casguard-mutation-{kind}-{seed}-{case}"));
        let _ = std::fs::write(&path, input);
        format!(
            "case {case} of seed {seed}, input saved to {}",
            path.display()
        )
    };
    assert!(
        matches!(code, Some(0..=2)),
        "{kind}: exit {code:?} ({}):\n{}",
        replay(),
        casguard_clip(text)
    );
    for form in secret_forms() {
        assert!(
            !text.contains(&form),
            "{kind}: a secret was printed ({}):\n{}",
            replay(),
            casguard_clip(text)
        );
    }
}

fn casguard_clip(text: &str) -> String {
    text.chars().take(2000).collect()
}

#[test]
fn mutated_inputs_exit_cleanly_and_print_no_secret() {
    let seed = setting("CASGUARD_MUTATION_SEED", 20261122);
    let runs = setting("CASGUARD_MUTATION_RUNS", 60);
    let limit = Duration::from_secs(20);
    let started = Instant::now();
    let policies = policy_seeds();
    let configs = config_seeds();
    let snapshots = snapshot_seeds();
    let bundle = evidence_bundle();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut total = 0;
    for case in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("policies")).unwrap();

        // A mutated policy file, linted with a valid or a mutated config.
        let pick = rng.usize(0..policies.len());
        let policy = mutate(&mut rng, &policies[pick]);
        std::fs::write(dir.path().join("policies/p.toml"), &policy).unwrap();
        let (code, text) = run_limited(dir.path(), &["lint"], limit);
        assert_clean_run("lint", seed, case, &policy, code, &text);

        let pick = rng.usize(0..configs.len());
        let config = mutate(&mut rng, &configs[pick]);
        std::fs::write(dir.path().join("casguard.toml"), &config).unwrap();
        let (code, text) = run_limited(dir.path(), &["lint"], limit);
        assert_clean_run("config", seed, case, &config, code, &text);
        std::fs::remove_file(dir.path().join("casguard.toml")).unwrap();

        // A mutated snapshot, compared with the policy files.
        let pick = rng.usize(0..snapshots.len());
        let snapshot = mutate(&mut rng, &snapshots[pick]);
        std::fs::write(dir.path().join("s.json"), &snapshot).unwrap();
        let (code, text) = run_limited(dir.path(), &["drift", "--snapshot", "s.json"], limit);
        assert_clean_run("snapshot", seed, case, &snapshot, code, &text);

        // A mutated evidence archive, and a folder bundle with one file mutated.
        let archive = mutate(&mut rng, &bundle.archive);
        std::fs::write(dir.path().join("bundle.tar.gz"), &archive).unwrap();
        let (code, text) = run_limited(dir.path(), &["evidence", "verify", "bundle.tar.gz"], limit);
        assert_clean_run("evidence archive", seed, case, &archive, code, &text);
        let folder = dir.path().join("bundle");
        std::fs::create_dir(&folder).unwrap();
        let victim = rng.usize(0..bundle.files.len());
        let mut mutated = Vec::new();
        for (i, (name, bytes)) in bundle.files.iter().enumerate() {
            let bytes = if i == victim {
                mutated = mutate(&mut rng, bytes);
                &mutated
            } else {
                bytes
            };
            std::fs::write(folder.join(name), bytes).unwrap();
        }
        let (code, text) = run_limited(dir.path(), &["evidence", "verify", "bundle"], limit);
        assert_clean_run("evidence folder", seed, case, &mutated, code, &text);
        total += 5;
    }
    eprintln!(
        "mutation: {total} binary runs in {:?} (seed {seed})",
        started.elapsed()
    );
}

/// A real bundle, as an archive and as its files.
struct Bundle {
    archive: Vec<u8>,
    files: Vec<(String, Vec<u8>)>,
}

fn evidence_bundle() -> Bundle {
    let dir = tempfile::tempdir().unwrap();
    let root = std::env::current_dir().unwrap();
    for (args, out) in [
        (vec!["evidence", "--snapshot"], "bundle.tar.gz"),
        (vec!["evidence", "--snapshot"], "bundle"),
    ] {
        let snapshot = root.join("snapshots/contoso.json");
        let out_path = dir.path().join(out);
        let mut full: Vec<&str> = args.clone();
        let snapshot = snapshot.to_str().unwrap().to_string();
        let out_text = out_path.to_str().unwrap().to_string();
        full.push(&snapshot);
        full.push("--out");
        full.push(&out_text);
        let status = Command::new(env!("CARGO_BIN_EXE_casguard"))
            .args(&full)
            .current_dir(&root)
            .env("CASGUARD_TODAY", "2026-11-22")
            .env("SOURCE_DATE_EPOCH", "1795327200")
            .output()
            .unwrap();
        assert!(
            matches!(status.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path().join("bundle"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    Bundle {
        archive: std::fs::read(dir.path().join("bundle.tar.gz")).unwrap(),
        files,
    }
}
