//! The rule registry: every built-in rule id, declared once, in the style of
//! ruff's code table. Rules implemented in Rust carry their documentation
//! here (`RuleDoc`); Rego rules carry theirs in their `.rego` file, next to
//! their logic and examples, and are listed here by id, family and file (the
//! loader checks that the file declares the same id). Retired ids stay listed
//! forever so they are never reused.
//!
//! `rules list`, `rules explain`, `docs/rules/` and the set of rules each
//! command ran are all derived from this table (through `rules::RuleSet`).
//! A new capability registers its family and rules here and nowhere else.

use crate::model::{Family, OpsCheck, RetiredRule, RuleDoc, Severity};

pub const CAS001: RuleDoc = RuleDoc {
    id: "CAS001",
    family: Family::Load,
    title: "Invalid policy file",
    severity: Severity::Error,
    rationale: "A policy file that cannot be read, parsed or validated cannot be compared with the tenant; every later check would be silently incomplete.",
    remediation: "Fix the problem at the reported line: TOML syntax, a value of the wrong type, an unknown key (unmodeled live fields belong under [extra]) or an enum value outside the allowed list.",
    module: "load",
};

pub const CAS002: RuleDoc = RuleDoc {
    id: "CAS002",
    family: Family::Load,
    title: "Duplicate policy name",
    severity: Severity::Error,
    rationale: "Policies are matched with the tenant by type and name; two files declaring the same type and name make the match ambiguous (unless each pins a different live `id`).",
    remediation: "Rename one of the policies or delete the duplicate file. Names are compared after trimming and ignoring case.",
    module: "load",
};

pub const CAS003: RuleDoc = RuleDoc {
    id: "CAS003",
    family: Family::Load,
    title: "Duplicate pinned id",
    severity: Severity::Error,
    rationale: "A pinned `id` binds a file to one live policy; two files pinned to the same id cannot both describe it.",
    remediation: "Remove or correct the `id` in one of the files.",
    module: "load",
};

pub const CAS004: RuleDoc = RuleDoc {
    id: "CAS004",
    family: Family::Load,
    title: "No policy files",
    severity: Severity::Warning,
    rationale: "A policies folder without policy files usually means a wrong `policies_dir` or misnamed files; lint would pass and drift would call every live policy unmanaged.",
    remediation: "Check `policies_dir` in casguard.toml and that policy files end in `.toml`.",
    module: "load",
};

pub const CAS005: RuleDoc = RuleDoc {
    id: "CAS005",
    family: Family::Lint,
    title: "Unknown policy type",
    severity: Severity::Warning,
    rationale: "MDCA adds policy types, and no public list is complete, so a type casguard does not know is kept, imported and compared like any other. But it may also be a typo, which would make drift call the policy missing.",
    remediation: "If the tenant really has this type, keep it (and report it, so casguard learns it); otherwise correct `type`. Known types: INLINE, AUDIT, ANOMALY_DETECTION, NEW_SERVICE, ANOMALY_DISCOVERY, FILE, MALWARE, SESSION, ACCESS, APP_PERMISSION, APP_PERMISSION_ANOMALY, DISCOVERY.",
    module: "coverage",
};

pub const CAS006: RuleDoc = RuleDoc {
    id: "CAS006",
    family: Family::Lint,
    title: "`enabled` not set",
    severity: Severity::Warning,
    rationale: "A file without `enabled` says the live policy has no `enabled` field (import writes it so when the tenant sends none). Drift then reports a live `enabled` as a difference, and the rules that depend on whether a policy is on (CAS101, CAS203) cannot run on it.",
    remediation: "Set `enabled = true` or `enabled = false` as the policy is in the portal, once known; keep it unset only while the tenant sends no `enabled` field.",
    module: "coverage",
};

pub const CAS205: RuleDoc = RuleDoc {
    id: "CAS205",
    family: Family::Style,
    title: "Enum value not in canonical spelling",
    severity: Severity::Note,
    rationale: "`type` and `severity` are read in any case, but one spelling per value keeps files consistent and searches reliable.",
    remediation: "Run `casguard lint --fix`, or write types in upper case (`FILE`) and severities in lower case (`high`).",
    module: "fix",
};

pub const CAS206: RuleDoc = RuleDoc {
    id: "CAS206",
    family: Family::Style,
    title: "Unsorted or duplicated alert recipients",
    severity: Severity::Note,
    rationale: "Recipients are a set: duplicates and order carry no meaning, and sorted, lower-case lists make reviews and diffs easier.",
    remediation: "Run `casguard lint --fix` to sort, lower-case and de-duplicate `alerts.email_recipients`.",
    module: "fix",
};

pub const DRIFT001: RuleDoc = RuleDoc {
    id: "DRIFT001",
    family: Family::Drift,
    title: "Policy missing from the tenant",
    severity: Severity::Error,
    rationale: "A policy declared in git does not exist in the tenant: the protection it describes is not in force.",
    remediation: "Create the policy in the Defender portal (Cloud apps > Policies > Policy management), or delete the file if the policy was retired on purpose. If it exists under another name, pin its `id`.",
    module: "drift",
};

pub const DRIFT002: RuleDoc = RuleDoc {
    id: "DRIFT002",
    family: Family::Drift,
    title: "Unmanaged policy in the tenant",
    severity: Severity::Warning,
    rationale: "A live policy that no file declares is invisible to review and can change without anyone noticing.",
    remediation: "Declare it in a policy file so it is reviewed like the others, delete it from the tenant, or list its name under `ignore_unmanaged` in [drift].",
    module: "drift",
};

pub const DRIFT003: RuleDoc = RuleDoc {
    id: "DRIFT003",
    family: Family::Drift,
    title: "Policy setting differs from the tenant",
    severity: Severity::Error,
    rationale: "The tenant no longer matches what was reviewed and approved in git: someone changed it in the portal, or the file changed and was never applied.",
    remediation: "Restore the desired value in the portal, or, if the live value is right, adopt it in the policy file so git says so.",
    module: "drift",
};

pub const DRIFT004: RuleDoc = RuleDoc {
    id: "DRIFT004",
    family: Family::Drift,
    title: "Policy disabled in the tenant",
    severity: Severity::Error,
    rationale: "A policy that should be enabled is disabled live, so it protects nothing. MDCA also disables policies by itself when their configuration breaks.",
    remediation: "Check the policy in the Defender portal for a configuration error, fix it and enable it; or set `enabled = false` with `meta.disabled_reason` if this is intended.",
    module: "drift",
};

pub const DRIFT006: RuleDoc = RuleDoc {
    id: "DRIFT006",
    family: Family::Drift,
    title: "Ambiguous match",
    severity: Severity::Error,
    rationale: "Several live policies have the same type and name, so casguard cannot tell which one a file describes; it does not guess. Or several files declare the one live policy of a type and name: the first matched it, and the others describe nothing (they are not called missing).",
    remediation: "Pin the file to one live policy with `id = \"<_id>\"` (see the live ids in the message), or rename the duplicates in the portal.",
    module: "drift",
};

pub const DRIFT005: RuleDoc = RuleDoc {
    id: "DRIFT005",
    family: Family::Drift,
    title: "Out-of-band edit",
    severity: Severity::Warning,
    rationale: "The live policy changed after the policy file's last commit: someone edited it in the portal rather than through git.",
    remediation: "Find out who changed it (Defender portal activity log), then restore the desired state or adopt the change in git (`casguard suggest`).",
    module: "drift",
};

pub const CAS901: RuleDoc = RuleDoc {
    id: "CAS901",
    family: Family::Config,
    title: "Expired suppression",
    severity: Severity::Warning,
    rationale: "Suppressions are temporary, accountable exceptions. Once past its expiry date a suppression no longer hides anything; the findings it covered are reported again.",
    remediation: "Fix the underlying findings and delete the suppression, or, if the exception still holds, renew it with a new `expires` date and an updated reason.",
    module: "suppress",
};

pub const CAS902: RuleDoc = RuleDoc {
    id: "CAS902",
    family: Family::Config,
    title: "Unused suppression",
    severity: Severity::Warning,
    rationale: "A suppression that matches no finding is dead configuration: the problem was fixed or the policy renamed, and a stale exception could later hide a new, unrelated finding.",
    remediation: "Delete the suppression, or correct its `rule` or `policy` glob.",
    module: "suppress",
};

pub const CAS903: RuleDoc = RuleDoc {
    id: "CAS903",
    family: Family::Config,
    title: "Retired rule id in configuration",
    severity: Severity::Note,
    rationale: "Rule ids are never reused, and a retired id still works in `[rules]` and `[[suppress]]`, mapped to the rule that replaced it. Naming the current id keeps the configuration readable and searchable.",
    remediation: "Replace the retired id with the one the message names.",
    module: "suppress",
};

// The alerts family: the per-policy scorecard, spikes and where alerts go.

pub const ALERT001: RuleDoc = RuleDoc {
    id: "ALERT001",
    family: Family::Alerts,
    title: "Noisy policy",
    severity: Severity::Warning,
    rationale: "More than half of the policy's closed alerts in the window were false positives (above `fp_tune`, 0.50 by default). A policy that cries wolf trains analysts to ignore it; Microsoft's monthly guidance is to adjust policies whose false-positive rates are too high.",
    remediation: "Tune the policy: narrow its filters (apps, users, groups, IP ranges) to exclude the benign pattern behind the false positives, or lower its severity. Raise `fp_tune` under [alerts] only if the noise is accepted.",
    module: "alerts",
};

pub const ALERT002: RuleDoc = RuleDoc {
    id: "ALERT002",
    family: Family::Alerts,
    title: "Elevated false-positive rate",
    severity: Severity::Note,
    rationale: "The policy's false-positive ratio is above `fp_warn` (0.20 by default) but not yet above `fp_tune`: worth watching before it becomes noise.",
    remediation: "Look at the false positives closed in the window for a common cause, and tune the filters if there is one.",
    module: "alerts",
};

pub const ALERT003: RuleDoc = RuleDoc {
    id: "ALERT003",
    family: Family::Alerts,
    title: "Silent policy",
    severity: Severity::Warning,
    rationale: "An enabled policy with alerts on raised no alert in `dead_days` (90 by default). Either the threat it watches for no longer happens, or the policy is broken (a deleted IP tag or group, a filter that can never match).",
    remediation: "Check in the portal that the policy still matches activity (its filters and the apps it covers); retire it if the threat is no longer relevant, or fix it.",
    module: "alerts",
};

pub const ALERT004: RuleDoc = RuleDoc {
    id: "ALERT004",
    family: Family::Alerts,
    title: "Policy saturating its daily alert limit",
    severity: Severity::Warning,
    rationale: "On several days the policy raised exactly its daily alert limit (or the same ceiling every day): MDCA stops alerting at the limit, so the real volume, and any real incident among it, is hidden.",
    remediation: "Tune the filters so fewer alerts fire, or raise the daily alert limit if every alert matters.",
    module: "alerts",
};

pub const ALERT005: RuleDoc = RuleDoc {
    id: "ALERT005",
    family: Family::Alerts,
    title: "Unworked alerts",
    severity: Severity::Warning,
    rationale: "Open alerts nobody has read are older than `unworked_days` (7 by default): the alerts are raised but nobody triages them.",
    remediation: "Triage the open alerts, and check that the alert recipients are watched mailboxes; lower the volume if it is more than the team can handle.",
    module: "alerts",
};

pub const ALERT006: RuleDoc = RuleDoc {
    id: "ALERT006",
    family: Family::Alerts,
    title: "Alert spike",
    severity: Severity::Warning,
    rationale: "A day's alert count is far above the policy's own same-weekday baseline (median + 3 x 1.4826 MAD, and at least 5): something changed, in the environment or in an attack.",
    remediation: "Investigate the day's alerts together; if the spike came from a change (a new app, a migration), tune the policy.",
    module: "alerts",
};

pub const ALERT007: RuleDoc = RuleDoc {
    id: "ALERT007",
    family: Family::Alerts,
    title: "Alerts dropped to zero",
    severity: Severity::Warning,
    rationale: "A policy that alerted several times a day went silent: often a broken connector, a disabled policy or a filter change rather than a quieter world.",
    remediation: "Check that the policy is still enabled and that its app connector and log sources are healthy.",
    module: "alerts",
};

pub const ALERT008: RuleDoc = RuleDoc {
    id: "ALERT008",
    family: Family::Alerts,
    title: "Alert recipient outside the allowed domains",
    severity: Severity::Warning,
    rationale: "The tenant mails the policy's alerts to an address outside `allowed_email_domains`: alert details leave the organisation.",
    remediation: "Replace the recipient in the portal (and in the policy file), or add the domain to `allowed_email_domains` if it is yours.",
    module: "alerts",
};

pub const ALERT009: RuleDoc = RuleDoc {
    id: "ALERT009",
    family: Family::Alerts,
    title: "Alert mailbox apparently unwatched",
    severity: Severity::Warning,
    rationale: "Nearly every alert the policy raised in the window is still unread: the strongest sign the API gives that nobody watches the mailbox its alerts go to.",
    remediation: "Check that the recipients are monitored mailboxes (or a ticketing address); route alerts to where the SOC works.",
    module: "alerts",
};

pub const ALERT010: RuleDoc = RuleDoc {
    id: "ALERT010",
    family: Family::Alerts,
    title: "Open system alert",
    severity: Severity::Warning,
    rationale: "MDCA raises system alerts when a connector, log collector or SIEM agent fails; an open one means part of the monitoring is down.",
    remediation: "Read the system alert, fix the component it names, then close it.",
    module: "alerts",
};

pub const ALERT011: RuleDoc = RuleDoc {
    id: "ALERT011",
    family: Family::Alerts,
    title: "Alert backlog",
    severity: Severity::Note,
    rationale: "Open alerts older than `backlog_days` (180 by default). Microsoft's monthly guidance is to clear alerts older than six months.",
    remediation: "Review the old open alerts: close them with the right classification, and adjust the policies that raised benign ones.",
    module: "alerts",
};

pub const ALERT012: RuleDoc = RuleDoc {
    id: "ALERT012",
    family: Family::Alerts,
    title: "Alert mail cap reached",
    severity: Severity::Warning,
    rationale: "MDCA sends at most 500 alert mails per address per day; past the cap, alerts for that address are not mailed at all.",
    remediation: "Spread alerts over more addresses, lower the policies' volume, or rely on the SIEM instead of mail for high-volume policies.",
    module: "alerts",
};

pub const OPS011: RuleDoc = RuleDoc {
    id: "OPS011",
    family: Family::Ops(OpsCheck::SystemAlerts),
    title: "Open system alert",
    severity: Severity::Error,
    rationale: "MDCA raises a system alert when a connector, a log collector or a SIEM agent fails and it cannot notify anyone else, and when it switches off an activity policy that matched too much. While it is open, part of the protection is not working.",
    remediation: "Open the alert in the Defender portal (Cloud apps > Alerts, filter on system alerts), fix the component it names, then resolve the alert. Make sure the SIEM agent's alert type filter includes system alerts so the SOC sees them too.",
    module: "ops/health",
};

pub const OPS021: RuleDoc = RuleDoc {
    id: "OPS021",
    family: Family::Ops(OpsCheck::AppConnectors),
    title: "App connector enabled but not connected",
    severity: Severity::Error,
    rationale: "An enabled API connector that is not connected reads nothing from the app: no activities, no files, no governance actions, and the policies that depend on it are silent.",
    remediation: "Defender portal > Settings > Cloud Apps > Connected apps > App connectors: open the connector, read its status message, and reconnect it (usually an expired admin consent or a revoked service account).",
    module: "ops/health",
};

pub const OPS022: RuleDoc = RuleDoc {
    id: "OPS022",
    family: Family::Ops(OpsCheck::AppConnectors),
    title: "App connector silent for too long",
    severity: Severity::Warning,
    rationale: "A connector whose last successful connection is older than `connector_stale_hours` (24 h by default) is probably failing, even if it still shows as connected.",
    remediation: "Check the connector's status in Settings > Cloud Apps > Connected apps > App connectors, and the system alerts; reconnect it if it keeps failing.",
    module: "ops/health",
};

pub const OPS031: RuleDoc = RuleDoc {
    id: "OPS031",
    family: Family::Ops(OpsCheck::ConditionalAccessApps),
    title: "Conditional Access App Control app not connected",
    severity: Severity::Warning,
    rationale: "An app configured for Conditional Access App Control that is not connected is not routed through the session proxy: session policies do not apply to it.",
    remediation: "Settings > Cloud Apps > Connected apps > Conditional Access App Control apps: finish onboarding the app, and check the Entra ID Conditional Access policy that routes it.",
    module: "ops/health",
};

pub const OPS032: RuleDoc = RuleDoc {
    id: "OPS032",
    family: Family::Ops(OpsCheck::ConditionalAccessApps),
    title: "Conditional Access App Control app suspended",
    severity: Severity::Warning,
    rationale: "A suspended app bypasses the session proxy: its session policies are off until someone resumes it.",
    remediation: "Resume the app under Settings > Cloud Apps > Connected apps > Conditional Access App Control apps, or document why it stays suspended.",
    module: "ops/health",
};

pub const OPS041: RuleDoc = RuleDoc {
    id: "OPS041",
    family: Family::Ops(OpsCheck::LogUpload),
    title: "Continuous report receives no data",
    severity: Severity::Warning,
    rationale: "A continuous report (log upload stream) with no data for longer than `stream_stale_hours` (24 h) leaves Cloud Discovery blind to that network; the portal shows it as disconnected.",
    remediation: "Check the log collector or firewall that feeds the stream (Settings > Cloud Apps > Cloud Discovery > Automatic log upload) and its network path to MDCA.",
    module: "ops/health",
};

pub const OPS042: RuleDoc = RuleDoc {
    id: "OPS042",
    family: Family::Ops(OpsCheck::LogUpload),
    title: "Log upload failures growing",
    severity: Severity::Error,
    rationale: "More log files failed to parse than at the previous run: uploads reach MDCA but their content is lost.",
    remediation: "Open the stream's log files in Settings > Cloud Apps > Cloud Discovery > Automatic log upload; usually the data source's log format changed. Match the data source to the firewall's format.",
    module: "ops/health",
};

pub const OPS043: RuleDoc = RuleDoc {
    id: "OPS043",
    family: Family::Ops(OpsCheck::LogUpload),
    title: "Log collector not healthy",
    severity: Severity::Error,
    rationale: "A log collector that is not healthy or connected stops forwarding firewall and proxy logs, so Cloud Discovery misses that traffic.",
    remediation: "Check the collector host (`docker ps`, `docker logs` on the collector), its connectivity to MDCA and its certificate; see Settings > Cloud Apps > Cloud Discovery > Automatic log upload > Log collectors.",
    module: "ops/health",
};

pub const OPS044: RuleDoc = RuleDoc {
    id: "OPS044",
    family: Family::Ops(OpsCheck::LogUpload),
    title: "Cloud Discovery log parse failed",
    severity: Severity::Error,
    rationale: "An upload returns success as soon as the file lands; the parse result appears only in the governance log. Failed parses are silent data loss.",
    remediation: "Look at the failing data source (the message names it): the log format selected for it must match what the device sends.",
    module: "ops/health",
};

pub const OPS045: RuleDoc = RuleDoc {
    id: "OPS045",
    family: Family::Ops(OpsCheck::LogUpload),
    title: "No successful log parse for too long",
    severity: Severity::Warning,
    rationale: "The age of the last successful parse per stream keeps growing when uploads stop or every parse fails; past `parse_success_max_age_hours` (48 h) discovery data is stale.",
    remediation: "Check the stream's collector and its parse results in the governance log (Settings > Cloud Apps > Governance log, task DiscoveryParseLogTask).",
    module: "ops/health",
};

pub const OPS051: RuleDoc = RuleDoc {
    id: "OPS051",
    family: Family::Ops(OpsCheck::SiemAgents),
    title: "SIEM agent in connection error",
    severity: Severity::Warning,
    rationale: "A SIEM agent that has not reached MDCA for more than 2 hours shows as Connection error: alerts and activities queue up and stop reaching the SOC.",
    remediation: "Check the agent's host and its outbound connection to MDCA; restart the agent (Settings > Cloud Apps > SIEM agents).",
    module: "ops/health",
};

pub const OPS052: RuleDoc = RuleDoc {
    id: "OPS052",
    family: Family::Ops(OpsCheck::SiemAgents),
    title: "SIEM agent disconnected",
    severity: Severity::Error,
    rationale: "A SIEM agent down for more than 12 hours shows as Disconnected: the SOC no longer receives MDCA alerts through it.",
    remediation: "Restore the agent host or redeploy the agent; check the token it uses (Settings > Cloud Apps > SIEM agents).",
    module: "ops/health",
};

pub const OPS061: RuleDoc = RuleDoc {
    id: "OPS061",
    family: Family::Ops(OpsCheck::ApiTokens),
    title: "API token inactive",
    severity: Severity::Warning,
    rationale: "A token not used for more than `token_inactive_days` (7 days) is a standing credential nobody needs; leaked, it still works.",
    remediation: "Revoke it under Settings > Cloud Apps > System > API tokens, or record who still needs it.",
    module: "ops/health",
};

pub const OPS062: RuleDoc = RuleDoc {
    id: "OPS062",
    family: Family::Ops(OpsCheck::ApiTokens),
    title: "API token never used",
    severity: Severity::Warning,
    rationale: "A token that was generated but never used is a credential without a purpose.",
    remediation: "Revoke it under Settings > Cloud Apps > System > API tokens.",
    module: "ops/health",
};

pub const OPS063: RuleDoc = RuleDoc {
    id: "OPS063",
    family: Family::Ops(OpsCheck::ApiTokens),
    title: "API token very old",
    severity: Severity::Note,
    rationale: "Tokens do not expire; one older than `token_max_age_days` (365 days) has outlived most rotation policies.",
    remediation: "Generate a new token for the integration, switch it over, and revoke the old one; prefer Entra app registrations where the API allows them.",
    module: "ops/health",
};

pub const OPS071: RuleDoc = RuleDoc {
    id: "OPS071",
    family: Family::Ops(OpsCheck::Governance),
    title: "Governance task failed",
    severity: Severity::Error,
    rationale: "A failed governance task means an action someone relied on (quarantine, suspend user, revoke token, log parse) did not happen.",
    remediation: "Open Settings > Cloud Apps > Governance log, filter on the task and app named, and retry or fix the cause (permissions of the app connector, a deleted object).",
    module: "ops/since",
};

pub const OPS072: RuleDoc = RuleDoc {
    id: "OPS072",
    family: Family::Ops(OpsCheck::Governance),
    title: "Governance task pending too long",
    severity: Severity::Warning,
    rationale: "Tasks settle within minutes; one pending for longer than `governance_pending_hours` (1 h) is stuck.",
    remediation: "Check the task in Settings > Cloud Apps > Governance log and the app connector it depends on.",
    module: "ops/since",
};

pub const OPS081: RuleDoc = RuleDoc {
    id: "OPS081",
    family: Family::Ops(OpsCheck::SecureScore),
    title: "Secure Score dropped",
    severity: Severity::Warning,
    rationale: "Points lost since the previous run mean a control regressed: a setting was changed or a connector stopped reporting.",
    remediation: "Open Exposure management > Secure Score, filter on the product, and look at the controls whose score changed.",
    module: "ops/posture",
};

pub const OPS082: RuleDoc = RuleDoc {
    id: "OPS082",
    family: Family::Ops(OpsCheck::SecureScore),
    title: "Secure Score controls at 0 %",
    severity: Severity::Note,
    rationale: "Controls scoring nothing are the cheapest improvements; MDCA's own (MCAS) controls map to a policy or a log collector casguard can manage.",
    remediation: "Review the listed controls in Exposure management > Secure Score > Recommended actions; implement them, or mark them as accepted risk with a reason.",
    module: "ops/posture",
};

pub const OPS083: RuleDoc = RuleDoc {
    id: "OPS083",
    family: Family::Ops(OpsCheck::SecureScore),
    title: "Secure Score control fell to 0 %",
    severity: Severity::Warning,
    rationale: "A control that scored at the previous run and now scores nothing has regressed.",
    remediation: "Open the control in Exposure management > Secure Score and find what changed (its history shows when).",
    module: "ops/posture",
};

pub const OPS091: RuleDoc = RuleDoc {
    id: "OPS091",
    family: Family::Ops(OpsCheck::MessageCenter),
    title: "Message center post about Defender for Cloud Apps",
    severity: Severity::Note,
    rationale: "Microsoft announces changes to MDCA in the message center; a new or updated post may change how policies behave.",
    remediation: "Read the post (Microsoft 365 admin center > Health > Message center) and plan any change it asks for.",
    module: "ops/posture",
};

pub const OPS092: RuleDoc = RuleDoc {
    id: "OPS092",
    family: Family::Ops(OpsCheck::MessageCenter),
    title: "Message center action due soon",
    severity: Severity::Warning,
    rationale: "A post whose action-required date falls within `action_due_days` (30 days) needs a change before that date.",
    remediation: "Read the post and schedule the change before the date it gives.",
    module: "ops/posture",
};

pub const OPS101: RuleDoc = RuleDoc {
    id: "OPS101",
    family: Family::Ops(OpsCheck::Drift),
    title: "New drift since the last run",
    severity: Severity::Warning,
    rationale: "A policy that matched its file at the previous run and differs now was changed outside git (or its file changed) within the week.",
    remediation: "Run `casguard drift` for the details, then `casguard suggest` to adopt the live change or restore the desired state.",
    module: "ops/since",
};

pub const OPS102: RuleDoc = RuleDoc {
    id: "OPS102",
    family: Family::Ops(OpsCheck::Drift),
    title: "Drift still present",
    severity: Severity::Note,
    rationale: "Drift that persists across runs is accepted by nobody and fixed by nobody; its age shows how long.",
    remediation: "Decide: adopt the live state (`casguard suggest --adopt-live`) or restore the policy in the portal.",
    module: "ops/since",
};

/// Every rule implemented in Rust.
pub const RUST_RULES: &[RuleDoc] = &[
    CAS001, CAS002, CAS003, CAS004, CAS005, CAS006, CAS205, CAS206, DRIFT001, DRIFT002, DRIFT003,
    DRIFT004, DRIFT006, DRIFT005, CAS901, CAS902, CAS903, ALERT001, ALERT002, ALERT003, ALERT004,
    ALERT005, ALERT006, ALERT007, ALERT008, ALERT009, ALERT010, ALERT011, ALERT012, OPS011, OPS021,
    OPS022, OPS031, OPS032, OPS041, OPS042, OPS043, OPS044, OPS045, OPS051, OPS052, OPS061, OPS062,
    OPS063, OPS071, OPS072, OPS081, OPS082, OPS083, OPS091, OPS092, OPS101, OPS102,
];

/// A built-in Rego rule: id, family and embedded source.
#[derive(Debug, Clone, Copy)]
pub struct RegoRule {
    pub id: &'static str,
    pub family: Family,
    /// Path in casguard's repository, for `rules explain` and the docs.
    pub file: &'static str,
    pub source: &'static str,
}

macro_rules! rego {
    ($id:literal, $family:ident) => {
        RegoRule {
            id: $id,
            family: Family::$family,
            file: concat!("rules/", $id, ".rego"),
            source: include_str!(concat!("../rules/", $id, ".rego")),
        }
    };
}

/// Every built-in Rego rule. A test checks that this list and the `rules/`
/// folder agree.
pub const REGO_RULES: &[RegoRule] = &[
    rego!("CAS101", Lint),
    rego!("CAS102", Lint),
    rego!("CAS103", Lint),
    rego!("CAS104", Lint),
    rego!("CAS201", Lint),
    rego!("CAS202", Review),
    rego!("CAS203", Lint),
    rego!("CAS204", Lint),
    rego!("CAS301", Lint),
];

/// Ids that are no longer used and never will be again.
pub const RETIRED: &[RetiredRule] = &[RetiredRule {
    id: "REVIEW001",
    replaced_by: Some("CAS202"),
    note: "`casguard review` reported overdue reviews as REVIEW001 while `lint` reported the same as CAS202; both commands now report CAS202.",
}];

/// The retired rule with this id (case-insensitive), if any.
pub fn retired(id: &str) -> Option<&'static RetiredRule> {
    RETIRED.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// The families each command runs; the rules that ran are those of these
/// families (built-in and custom), so a suppression for a rule that did not
/// run is never called unused.
pub mod families {
    use crate::model::Family;

    pub const LINT: &[Family] = &[
        Family::Load,
        Family::Style,
        Family::Lint,
        Family::Review,
        Family::Config,
    ];
    pub const DRIFT: &[Family] = &[Family::Load, Family::Drift, Family::Config];
    pub const REVIEW: &[Family] = &[Family::Load, Family::Review, Family::Config];
    pub const ALERTS: &[Family] = &[Family::Load, Family::Alerts, Family::Config];
    /// `ops` runs the families of the checks it runs, plus these.
    pub const OPS: &[Family] = &[Family::Load, Family::Config];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_never_retired() {
        let mut ids: Vec<&str> = RUST_RULES
            .iter()
            .map(|r| r.id)
            .chain(REGO_RULES.iter().map(|r| r.id))
            .collect();
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count, "a rule id is declared twice");
        for retired in RETIRED {
            assert!(!ids.contains(&retired.id), "{} is retired", retired.id);
            if let Some(to) = retired.replaced_by {
                assert!(
                    ids.contains(&to),
                    "{} is replaced by unknown {to}",
                    retired.id
                );
            }
        }
    }
}
