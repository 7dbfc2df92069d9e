//! Running a rule's `examples` (`casguard rules test`, tests/rules.rs).
//!
//! `examples := {"pass": [...], "fail": [...]}` holds TOML policies. A pass
//! example is a string and must produce no finding. A fail example declares
//! what it expects, so that a rule whose findings land on the wrong line
//! cannot pass:
//!
//! ```rego
//! {"expect": [{"path": "alerts.email_recipients", "count": 1}], "policy": `...`}
//! ```
//!
//! Each expectation names a finding `path` (omitted or `null` for findings
//! without one) and how many findings the rule reports there; `"absent": true`
//! says the example leaves that key out on purpose, so the finding is shown at
//! the enclosing table or the top of the file. An example fails when
//! - the findings' paths and counts differ from the declaration;
//! - a finding's path does not resolve to a key in the example policy (unless
//!   declared absent), or is declared absent but resolves;
//! - any path a rule emits, in any example, is not a path of the policy file
//!   schema (`crate::schema::policy_schema`, which a test keeps in step with
//!   the loader's keys).
//!
//! A fail example that is a plain string only checks that some finding
//! appears. Custom rules may still use them (the outcome carries a note);
//! built-in rules may not.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::ExampleOutcome;

use super::{eval_findings, input_value, to_finding, LoadedRego, RuleOrigin, RuleSet};
use crate::model::{Policy, Sources};

const FAIL_FORMAT: &str =
    "{\"expect\": [{\"path\": \"alerts.email_recipients\", \"count\": 1}], \"policy\": `...`}";

const WEAK_NOTE: &str = "weak example: a plain-string fail example only checks that some finding appears, not where or how many; declare {\"expect\": [{\"path\": ..., \"count\": ...}], \"policy\": `...`}";

/// One declared finding location of a fail example.
#[derive(Debug, PartialEq)]
struct Expectation {
    path: Option<String>,
    count: usize,
    /// The example leaves `path` out on purpose.
    absent: bool,
}

/// A finding as the rule emitted it.
struct Emitted {
    path: Option<String>,
    message: String,
}

/// What one rule's examples share.
struct Runner<'a> {
    engine: regorus::Engine,
    rule: &'a LoadedRego,
    config: Value,
    today: jiff::civil::Date,
    schema: &'a Value,
}

pub(super) fn run_examples(
    set: &RuleSet,
    base_config: &crate::config::Config,
) -> Vec<ExampleOutcome> {
    let schema = crate::schema::policy_schema();
    let mut outcomes = Vec::new();
    for rule in &set.rego {
        outcomes.extend(rule_examples(set, rule, base_config, &schema));
    }
    outcomes
}

fn rule_examples(
    set: &RuleSet,
    rule: &LoadedRego,
    base_config: &crate::config::Config,
    schema: &Value,
) -> Vec<ExampleOutcome> {
    let mut engine = set.engine.clone();
    let examples = match engine.eval_rule(format!("{}.examples", rule.package)) {
        Ok(v) => serde_json::to_value(&v).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let mut config = base_config.rule_input();
    if let (Some(base), Some(extra)) = (
        config.as_object_mut(),
        examples.get("config").and_then(Value::as_object),
    ) {
        base.extend(extra.clone());
    }
    let today = examples
        .get("today")
        .and_then(Value::as_str)
        .and_then(|d| d.parse().ok())
        .unwrap_or(jiff::civil::date(2026, 1, 1));
    let mut runner = Runner {
        engine,
        rule,
        config,
        today,
        schema,
    };
    let outcome = |name: String, result: Result<Option<String>, String>| {
        let (problem, note) = match result {
            Ok(note) => (None, note),
            Err(problem) => (Some(problem), None),
        };
        ExampleOutcome {
            rule: rule.meta.id.clone(),
            file: rule.file.clone(),
            name,
            problem,
            note,
        }
    };
    let mut outcomes = Vec::new();
    for kind in ["pass", "fail"] {
        let list = examples.get(kind).and_then(Value::as_array);
        for (index, example) in list.into_iter().flatten().enumerate() {
            let name = format!("{}#{kind}[{index}]", rule.meta.id);
            outcomes.push(outcome(name, runner.run(kind == "pass", example)));
        }
    }
    if outcomes.is_empty() {
        outcomes.push(outcome(
            format!("{}#examples", rule.meta.id),
            Err(format!("no examples: declare `examples := {{\"pass\": [...], \"fail\": [...]}}` with TOML policies (pass) and {FAIL_FORMAT} (fail)")),
        ));
    }
    outcomes
}

impl Runner<'_> {
    /// Runs one example: `Err` holds the problem, `Ok` an optional note.
    fn run(&mut self, pass: bool, example: &Value) -> Result<Option<String>, String> {
        let (text, expect) = if pass {
            let text = example
                .as_str()
                .ok_or("a pass example must be a string holding a TOML policy")?;
            (text, Some(Vec::new()))
        } else {
            parse_fail(example)?
        };
        let builtin = matches!(self.rule.meta.origin, RuleOrigin::BuiltinRego(_));
        if expect.is_none() && builtin {
            return Err(format!(
                "a built-in rule's fail example must declare what it expects: {FAIL_FORMAT}"
            ));
        }
        let (policy, emitted) = self.evaluate(text)?;
        let mut problems: Vec<String> = emitted
            .iter()
            .filter_map(|e| e.path.as_deref())
            .filter_map(|path| schema_problem(self.schema, path))
            .collect();
        problems.sort();
        problems.dedup();
        match &expect {
            Some(expect) => {
                problems.extend(count_problem(expect, &emitted));
                if !pass {
                    problems.extend(resolution_problems(expect, &emitted, &policy));
                }
            }
            None if emitted.is_empty() => problems.push("expected a finding, got none".into()),
            None => {}
        }
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        Ok(expect.is_none().then(|| WEAK_NOTE.to_string()))
    }

    /// Loads the example policy and runs the rule over it alone.
    fn evaluate(&mut self, text: &str) -> Result<(Policy, Vec<Emitted>), String> {
        let (policy, problems, source) = crate::load::parse_policy_text("example.toml", text);
        let Some(policy) = policy else {
            let first = problems
                .first()
                .map(|f| f.message.clone())
                .unwrap_or_default();
            return Err(format!("the example is not a valid policy file: {first}"));
        };
        let mut sources = Sources::new();
        sources.insert(source.path.clone(), source.clone());
        let policies = [policy];
        self.engine
            .set_input(input_value(&policies, self.config.clone(), self.today));
        let by_key = policies.iter().map(|p| (p.file.as_str(), p)).collect();
        let mut emitted = Vec::new();
        for item in eval_findings(&mut self.engine, self.rule).map_err(|e| e.message)? {
            let finding = to_finding(self.rule, &item, &by_key, &sources).map_err(|e| e.message)?;
            let path = match item.get("path") {
                None | Some(Value::Null) => None,
                Some(Value::String(path)) => Some(path.clone()),
                Some(other) => {
                    return Err(format!(
                        "a finding's `path` must be a string, found {}",
                        crate::model::json_kind(other)
                    ))
                }
            };
            emitted.push(Emitted {
                path,
                message: finding.message,
            });
        }
        let [policy] = policies;
        Ok((policy, emitted))
    }
}

/// A fail example: the policy text and its expectations (`None` for a plain
/// string, which declares none).
fn parse_fail(example: &Value) -> Result<(&str, Option<Vec<Expectation>>), String> {
    let object = match example {
        Value::String(text) => return Ok((text, None)),
        Value::Object(object) => object,
        other => {
            return Err(format!(
                "a fail example must be an object such as {FAIL_FORMAT}, found {}",
                crate::model::json_kind(other)
            ))
        }
    };
    if let Some(key) = object.keys().find(|k| *k != "policy" && *k != "expect") {
        return Err(format!(
            "unknown key `{key}` in a fail example; it has `policy` and `expect`"
        ));
    }
    let text = object
        .get("policy")
        .and_then(Value::as_str)
        .ok_or("a fail example needs `policy`, a string holding a TOML policy")?;
    let list = object
        .get("expect")
        .and_then(Value::as_array)
        .filter(|list| !list.is_empty())
        .ok_or("a fail example needs `expect`, a non-empty list such as [{\"path\": \"alerts.email_recipients\", \"count\": 1}]")?;
    let mut expect: Vec<Expectation> = Vec::with_capacity(list.len());
    for item in list {
        let expectation = parse_expectation(item)?;
        if expect.iter().any(|e| e.path == expectation.path) {
            return Err(format!(
                "{} is declared twice in `expect`; give its total count once",
                describe_path(expectation.path.as_deref())
            ));
        }
        expect.push(expectation);
    }
    Ok((text, Some(expect)))
}

fn parse_expectation(item: &Value) -> Result<Expectation, String> {
    let shape = "each expectation is {\"path\": \"...\", \"count\": N}, with `path` null or omitted for findings without a path and optionally \"absent\": true";
    let object = item.as_object().ok_or(shape)?;
    if let Some(key) = object
        .keys()
        .find(|k| !["path", "count", "absent"].contains(&k.as_str()))
    {
        return Err(format!("unknown key `{key}` in an expectation: {shape}"));
    }
    let path = match object.get("path") {
        None | Some(Value::Null) => None,
        Some(Value::String(path)) => Some(path.clone()),
        Some(_) => return Err(format!("`path` must be a string: {shape}")),
    };
    let count = object
        .get("count")
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`count` must be a whole number of at least 1: {shape}"))?;
    let absent = match object.get("absent") {
        None => false,
        Some(Value::Bool(absent)) => *absent,
        Some(_) => return Err(format!("`absent` must be true or false: {shape}")),
    };
    if absent && path.is_none() {
        return Err("`absent` needs a `path`".into());
    }
    Ok(Expectation {
        path,
        count: usize::try_from(count).unwrap_or(usize::MAX),
        absent,
    })
}

/// "expected 1 finding at `a`, got 1 at `b`" when paths or counts differ.
fn count_problem(expect: &[Expectation], emitted: &[Emitted]) -> Option<String> {
    let expected: BTreeMap<Option<&str>, usize> = expect
        .iter()
        .map(|e| (e.path.as_deref(), e.count))
        .collect();
    let mut actual: BTreeMap<Option<&str>, usize> = BTreeMap::new();
    for finding in emitted {
        *actual.entry(finding.path.as_deref()).or_default() += 1;
    }
    if expected == actual {
        return None;
    }
    let expected_text = if expected.is_empty() {
        "no finding".to_string()
    } else {
        tally(&expected, true)
    };
    let actual_text = if actual.is_empty() {
        "none".to_string()
    } else {
        tally(&actual, false)
    };
    let mut problem = format!("expected {expected_text}, got {actual_text}");
    if expected.is_empty() {
        // A pass example: show what the rule said.
        problem.push_str(&format!(": {}", emitted[0].message));
    }
    Some(problem)
}

/// `1 finding at `a` and 2 at `b``; `noun` names the first entry's findings.
fn tally(counts: &BTreeMap<Option<&str>, usize>, noun: bool) -> String {
    let parts: Vec<String> = counts
        .iter()
        .enumerate()
        .map(|(i, (path, n))| {
            let word = match (noun && i == 0, *n) {
                (false, _) => "",
                (true, 1) => " finding",
                (true, _) => " findings",
            };
            format!("{n}{word} {}", describe_path(*path))
        })
        .collect();
    parts.join(" and ")
}

fn describe_path(path: Option<&str>) -> String {
    match path {
        Some(path) => format!("at `{path}`"),
        None => "without a path".to_string(),
    }
}

/// Every emitted path must point at a key the example sets, unless the
/// example declares it absent (and then it must really be absent).
fn resolution_problems(
    expect: &[Expectation],
    emitted: &[Emitted],
    policy: &Policy,
) -> Vec<String> {
    let mut paths: Vec<&str> = emitted.iter().filter_map(|e| e.path.as_deref()).collect();
    paths.sort_unstable();
    paths.dedup();
    let mut problems = Vec::new();
    for path in paths {
        let absent = expect
            .iter()
            .any(|e| e.absent && e.path.as_deref() == Some(path));
        let resolves = policy.spans.contains_key(path);
        if absent && resolves {
            problems.push(format!(
                "`{path}` is declared absent, but the example sets it; drop `\"absent\": true`"
            ));
        } else if !absent && !resolves {
            let shown = match nearest_key(policy, path) {
                Some(key) => format!("at `{key}`"),
                None => "at the top of the file".to_string(),
            };
            problems.push(format!(
                "the finding at `{path}` does not point at a key of the example, so it is shown {shown}; set the key in the example, or declare it with \"absent\": true if the example leaves it out on purpose"
            ));
        }
    }
    problems
}

/// The longest prefix of `path` that has a span (as `Policy::span_of` finds it).
fn nearest_key<'p>(policy: &Policy, path: &'p str) -> Option<&'p str> {
    let mut path = path;
    loop {
        if policy.spans.contains_key(path) {
            return Some(path);
        }
        path = &path[..path.rfind(['.', '['])?];
    }
}

/// One step of a TOML key path such as `filters."service.appId".eq[0]`.
#[derive(Debug, PartialEq)]
enum Segment {
    Key(String),
    Index,
}

/// Parses a path as the loader writes them: bare or quoted keys joined by
/// `.`, each followed by any number of `[N]` indexes.
fn parse_path(path: &str) -> Option<Vec<Segment>> {
    let mut chars = path.chars().peekable();
    let mut segments = Vec::new();
    loop {
        let mut key = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => key.push(chars.next()?),
                    c => key.push(c),
                }
            }
        } else {
            while let Some(c) =
                chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            {
                key.push(c);
            }
            if key.is_empty() {
                return None;
            }
        }
        segments.push(Segment::Key(key));
        while chars.next_if_eq(&'[').is_some() {
            let mut digits = 0;
            while chars.next_if(char::is_ascii_digit).is_some() {
                digits += 1;
            }
            if digits == 0 || chars.next() != Some(']') {
                return None;
            }
            segments.push(Segment::Index);
        }
        match chars.next() {
            None => return Some(segments),
            Some('.') => {}
            Some(_) => return None,
        }
    }
}

/// Why `path` is not a path of the policy file schema, if it is not: keys
/// must be declared where the schema closes a table (`additionalProperties:
/// false`); anything goes below an open one (`filters`, `extra`, other
/// `meta` keys); `[N]` only follows a list.
fn schema_problem(schema: &Value, path: &str) -> Option<String> {
    let outside = |why: String| {
        Some(format!(
            "`{path}` is not a path of the policy file schema: {why}"
        ))
    };
    let Some(segments) = parse_path(path) else {
        return outside("it is not a TOML key path such as `alerts.email_recipients[0]` or `filters.\"service.appId\".eq`".into());
    };
    let mut node = schema;
    let mut at = String::new();
    for segment in segments {
        node = follow_ref(schema, node);
        if node == &Value::Bool(true) {
            return None;
        }
        match segment {
            Segment::Key(key) => {
                if let Some(child) = node.get("properties").and_then(|p| p.get(&key)) {
                    node = child;
                } else if !allows_type(node, "object") {
                    return outside(format!("`{at}` is a value, not a table"));
                } else if node.get("additionalProperties") != Some(&Value::Bool(false)) {
                    return None;
                } else {
                    let keys: Vec<&str> = node
                        .get("properties")
                        .and_then(Value::as_object)
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let table = if at.is_empty() {
                        "the top level".to_string()
                    } else {
                        format!("`[{at}]`")
                    };
                    return outside(format!(
                        "{table} has no key `{key}` (its keys: {})",
                        keys.join(", ")
                    ));
                }
                at = crate::textutil::join_path(&at, &key);
            }
            Segment::Index => {
                if !allows_type(node, "array") {
                    return outside(format!("`{at}` is not a list"));
                }
                node = node.get("items").unwrap_or(&Value::Bool(true));
                at.push_str("[N]");
            }
        }
    }
    None
}

/// The schema a node stands for: follows a local `$ref`, and the non-null
/// branch of an `anyOf` (how schemars writes an optional table).
fn follow_ref<'s>(root: &'s Value, node: &'s Value) -> &'s Value {
    let mut node = node;
    for _ in 0..8 {
        if let Some(branches) = node.get("anyOf").and_then(Value::as_array) {
            match branches
                .iter()
                .find(|b| b.get("type") != Some(&Value::from("null")))
            {
                Some(branch) => node = branch,
                None => return node,
            }
        } else if let Some(target) = node.get("$ref").and_then(Value::as_str) {
            match target
                .strip_prefix('#')
                .and_then(|pointer| root.pointer(pointer))
            {
                Some(target) => node = target,
                None => return node,
            }
        } else {
            return node;
        }
    }
    node
}

fn allows_type(node: &Value, wanted: &str) -> bool {
    match node.get("type") {
        Some(Value::String(kind)) => kind == wanted,
        Some(Value::Array(kinds)) => kinds.iter().any(|k| k == wanted),
        None => node.get("properties").is_some() && wanted == "object",
        _ => false,
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::config::Config;

    /// A rule whose findings are `finding` (a Rego object over `p`) for
    /// every policy where `condition` holds, with the given examples.
    fn rule(finding: &str, condition: &str, examples: &str) -> String {
        format!(
            "package test.org999\n\
             metadata := {{\"id\": \"ORG999\", \"title\": \"t\", \"severity\": \"warning\", \"rationale\": \"r\", \"remediation\": \"m\"}}\n\
             findings contains {finding} if {{\n some p in input.policies\n {condition}\n}}\n\
             examples := {examples}\n"
        )
    }

    const ALERTS: &str = "`\nname = \"n\"\ntype = \"FILE\"\nenabled = true\n[alerts]\nenabled = true\nemail_recipients = []\n`";
    const PLAIN: &str = "`\nname = \"n\"\ntype = \"FILE\"\nenabled = true\n`";
    const NO_RECIPIENTS: &str =
        "`\nname = \"n\"\ntype = \"FILE\"\nenabled = true\n[alerts]\nenabled = true\n`";
    const LABELS: &str = "`\nname = \"n\"\ntype = \"FILE\"\nenabled = true\n[filters.fileLabels]\neq = [\"Confidential\"]\n`";

    fn outcomes_as(
        text: &str,
        origin: RuleOrigin,
    ) -> Vec<(String, Option<String>, Option<String>)> {
        let mut set = RuleSet::builtin().unwrap();
        set.add_rego("test/ORG999.rego", text, origin, crate::model::Family::Lint)
            .unwrap();
        let rule = set.rego.iter().find(|r| r.meta.id == "ORG999").unwrap();
        let schema = crate::schema::policy_schema();
        rule_examples(&set, rule, &Config::default(), &schema)
            .into_iter()
            .map(|o| (o.name, o.problem, o.note))
            .collect()
    }

    fn outcomes(text: &str) -> Vec<(String, Option<String>, Option<String>)> {
        outcomes_as(text, RuleOrigin::Custom("test/ORG999.rego".into()))
    }

    /// The one fail example's problem.
    fn fail_problem(finding: &str, condition: &str, fail: &str) -> Option<String> {
        let text = rule(finding, condition, &format!("{{\"fail\": [{fail}]}}"));
        let found = outcomes(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].1.clone()
    }

    #[test]
    fn declared_paths_and_counts_pass() {
        let text = rule(
            r#"{"policy": p.key, "path": "alerts.email_recipients", "message": "m"}"#,
            "p.alerts.enabled == true",
            &format!(
                r#"{{"pass": [{PLAIN}], "fail": [
                    {{"expect": [{{"path": "alerts.email_recipients", "count": 1}}], "policy": {ALERTS}}},
                    {{"expect": [{{"path": "alerts.email_recipients", "count": 1, "absent": true}}], "policy": {NO_RECIPIENTS}}}
                ]}}"#
            ),
        );
        for (name, problem, note) in outcomes(&text) {
            assert_eq!((problem, note), (None, None), "{name}");
        }
    }

    #[test]
    fn a_misspelt_path_fails_with_the_schema_the_count_and_the_location() {
        // CAS101 with its path misspelt: the finding would move to `[alerts]`.
        let problem = fail_problem(
            r#"{"policy": p.key, "path": "alerts.email_recipents", "message": "m"}"#,
            "p.alerts.enabled == true",
            &format!(
                r#"{{"expect": [{{"path": "alerts.email_recipients", "count": 1}}], "policy": {ALERTS}}}"#
            ),
        );
        assert_eq!(
            problem.as_deref(),
            Some(
                "`alerts.email_recipents` is not a path of the policy file schema: `[alerts]` has no key `email_recipents` (its keys: enabled, email_recipients, daily_limit); \
                 expected 1 finding at `alerts.email_recipients`, got 1 at `alerts.email_recipents`; \
                 the finding at `alerts.email_recipents` does not point at a key of the example, so it is shown at `alerts`; set the key in the example, or declare it with \"absent\": true if the example leaves it out on purpose"
            )
        );
    }

    #[test]
    fn a_wrong_count_fails() {
        let problem = fail_problem(
            r#"{"policy": p.key, "path": "name", "message": m}"#,
            r#"some m in ["one", "two"]"#,
            &format!(r#"{{"expect": [{{"path": "name", "count": 1}}], "policy": {PLAIN}}}"#),
        );
        assert_eq!(
            problem.as_deref(),
            Some("expected 1 finding at `name`, got 2 at `name`")
        );
        let problem = fail_problem(
            r#"{"policy": p.key, "path": "name", "message": "m"}"#,
            "false",
            &format!(
                r#"{{"expect": [{{"path": "name", "count": 1}}, {{"count": 2}}], "policy": {PLAIN}}}"#
            ),
        );
        assert_eq!(
            problem.as_deref(),
            Some("expected 2 findings without a path and 1 at `name`, got none")
        );
    }

    #[test]
    fn a_path_outside_the_schema_fails_even_when_declared() {
        let problem = fail_problem(
            r#"{"policy": p.key, "path": "alerts.recipients", "message": "m"}"#,
            "true",
            &format!(
                r#"{{"expect": [{{"path": "alerts.recipients", "count": 1, "absent": true}}], "policy": {ALERTS}}}"#
            ),
        );
        assert_eq!(
            problem.as_deref(),
            Some("`alerts.recipients` is not a path of the policy file schema: `[alerts]` has no key `recipients` (its keys: enabled, email_recipients, daily_limit)")
        );
        // Plain-string examples are checked against the schema too.
        let problem = fail_problem(
            r#"{"policy": p.key, "path": "owner", "message": "m"}"#,
            "true",
            PLAIN,
        );
        assert_eq!(
            problem.as_deref(),
            Some("`owner` is not a path of the policy file schema: the top level has no key `owner` (its keys: name, type, enabled, severity, description, id, alerts, filters, extra, meta)")
        );
    }

    #[test]
    fn a_path_that_does_not_resolve_fails_unless_declared_absent() {
        // Under an open table the schema allows any key; only the example can
        // show that `fileLabel` is not where the finding belongs.
        let problem = fail_problem(
            r#"{"policy": p.key, "path": "filters.fileLabel", "message": "m"}"#,
            "true",
            &format!(
                r#"{{"expect": [{{"path": "filters.fileLabel", "count": 1}}], "policy": {LABELS}}}"#
            ),
        );
        assert_eq!(
            problem.as_deref(),
            Some("the finding at `filters.fileLabel` does not point at a key of the example, so it is shown at `filters`; set the key in the example, or declare it with \"absent\": true if the example leaves it out on purpose")
        );
        let problem = fail_problem(
            r#"{"policy": p.key, "path": "meta.owner", "message": "m"}"#,
            "true",
            &format!(r#"{{"expect": [{{"path": "meta.owner", "count": 1}}], "policy": {PLAIN}}}"#),
        );
        assert!(problem
            .unwrap()
            .contains("so it is shown at the top of the file"));
        let problem = fail_problem(
            r#"{"policy": p.key, "path": "name", "message": "m"}"#,
            "true",
            &format!(
                r#"{{"expect": [{{"path": "name", "count": 1, "absent": true}}], "policy": {PLAIN}}}"#
            ),
        );
        assert_eq!(
            problem.as_deref(),
            Some("`name` is declared absent, but the example sets it; drop `\"absent\": true`")
        );
    }

    #[test]
    fn pass_examples_report_what_the_rule_found() {
        let text = rule(
            r#"{"policy": p.key, "path": "name", "message": "the name is wrong"}"#,
            "true",
            &format!(r#"{{"pass": [{PLAIN}]}}"#),
        );
        let found = outcomes(&text);
        assert_eq!(
            found[0].1.as_deref(),
            Some("expected no finding, got 1 at `name`: the name is wrong")
        );
    }

    #[test]
    fn plain_string_fail_examples_are_weak_for_custom_rules_and_refused_for_builtin_ones() {
        let text = rule(
            r#"{"policy": p.key, "path": "name", "message": "m"}"#,
            "true",
            &format!(r#"{{"fail": [{PLAIN}]}}"#),
        );
        let found = outcomes(&text);
        assert_eq!(found[0].1, None);
        assert_eq!(found[0].2.as_deref(), Some(WEAK_NOTE));
        let found = outcomes_as(&text, RuleOrigin::BuiltinRego("rules/ORG999.rego".into()));
        assert!(found[0]
            .1
            .as_deref()
            .unwrap()
            .starts_with("a built-in rule's fail example must declare what it expects"));
        assert_eq!(found[0].2, None);
    }

    #[test]
    fn malformed_declarations_are_problems() {
        let finding = r#"{"policy": p.key, "path": "name", "message": "m"}"#;
        for (fail, expected) in [
            (
                format!(r#"{{"expect": [], "policy": {PLAIN}}}"#),
                "a fail example needs `expect`",
            ),
            (
                format!(r#"{{"expects": [{{"path": "name", "count": 1}}], "policy": {PLAIN}}}"#),
                "unknown key `expects` in a fail example",
            ),
            (
                format!(r#"{{"expect": [{{"path": "name"}}], "policy": {PLAIN}}}"#),
                "`count` must be a whole number of at least 1",
            ),
            (
                format!(
                    r#"{{"expect": [{{"path": "name", "count": 1, "at": "x"}}], "policy": {PLAIN}}}"#
                ),
                "unknown key `at` in an expectation",
            ),
            (
                format!(
                    r#"{{"expect": [{{"path": "name", "count": 1}}, {{"path": "name", "count": 1}}], "policy": {PLAIN}}}"#
                ),
                "at `name` is declared twice",
            ),
            (
                format!(r#"{{"expect": [{{"count": 1, "absent": true}}], "policy": {PLAIN}}}"#),
                "`absent` needs a `path`",
            ),
            ("3".to_string(), "a fail example must be an object"),
        ] {
            let problem = fail_problem(finding, "true", &fail).unwrap_or_default();
            assert!(problem.starts_with(expected), "{fail}: {problem}");
        }
    }

    #[test]
    fn schema_paths() {
        let schema = crate::schema::policy_schema();
        for ok in [
            "name",
            "id",
            "alerts",
            "alerts.enabled",
            "alerts.email_recipients[0]",
            "meta",
            "meta.last_reviewed",
            "meta.ticket",
            "filters",
            "filters.\"service.appId\".eq[3]",
            "extra.anything.at[0].all",
        ] {
            assert_eq!(schema_problem(&schema, ok), None, "{ok}");
        }
        for (bad, why) in [
            ("owner", "the top level has no key `owner`"),
            (
                "alerts.daily_limits",
                "`[alerts]` has no key `daily_limits`",
            ),
            ("name.first", "`name` is a value, not a table"),
            ("alerts.enabled[0]", "`alerts.enabled` is not a list"),
            ("meta.owner.name", "`meta.owner` is a value, not a table"),
            ("alerts..enabled", "it is not a TOML key path"),
            ("alerts.email_recipients[x]", "it is not a TOML key path"),
            ("", "it is not a TOML key path"),
        ] {
            let problem = schema_problem(&schema, bad).unwrap_or_default();
            assert!(problem.contains(why), "{bad}: {problem}");
        }
    }
}
