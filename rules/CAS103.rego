# CAS103: a high-severity detection that raises no alert is easily missed.
package casguard.rules.cas103

metadata := {
	"id": "CAS103",
	"title": "High-severity policy with alerts disabled",
	"severity": "warning",
	"rationale": "A policy rated high severity describes something that needs a quick response; with alerts disabled its matches only appear if someone searches for them.",
	"remediation": "Set `alerts.enabled = true` with recipients, or lower `severity` if the policy is not that urgent.",
}

findings contains {
	"policy": p.key,
	"path": "alerts.enabled",
	"message": "severity is high but alerts are not enabled",
} if {
	some p in input.policies
	p.enabled == true
	p.severity == "high"
	not p.alerts.enabled == true
	not p.kept_verbatim["alerts.enabled"]
}

examples := {
	"pass": [
		`
name = "Ransomware activity"
type = "ANOMALY_DETECTION"
enabled = true
severity = "high"
[alerts]
enabled = true
email_recipients = ["soc@contoso.com"]
`,
		`
name = "Low severity, quiet"
type = "FILE"
enabled = true
severity = "low"
`,
	],
	"fail": [
		{"expect": [{"path": "alerts.enabled", "count": 1}], "policy": `
name = "Ransomware activity"
type = "ANOMALY_DETECTION"
enabled = true
severity = "high"
[alerts]
enabled = false
`},
		{"expect": [{"path": "alerts.enabled", "count": 1, "absent": true}], "policy": `
name = "No alerts table"
type = "FILE"
enabled = true
severity = "HIGH"
`},
	],
}
