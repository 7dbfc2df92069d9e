# ORG001: an example custom rule. Custom rules live in `rules_dirs`, one per
# file, with their metadata, logic and examples together.
# `casguard rules test` runs the examples; `casguard rules explain ORG001` shows the metadata.
package org.rules.org001

metadata := {
	"id": "ORG001",
	"title": "High-severity policy without a ticket reference",
	"severity": "note",
	"rationale": "High-severity policies should trace back to the decision that created them.",
	"remediation": "Add `ticket = \"SEC-123\"` under [meta].",
}

findings contains {
	"policy": p.key,
	"path": "meta",
	"message": "high-severity policy without `meta.ticket`",
} if {
	some p in input.policies
	p.severity == "high"
	not p.meta.ticket
}

examples := {
	"pass": [`
name = "Ransomware activity"
type = "ANOMALY_DETECTION"
enabled = true
severity = "high"
[meta]
ticket = "SEC-42"
`],
	# Each fail example says where its findings land (`path`) and how many;
	# "absent": true marks a key the example leaves out on purpose.
	"fail": [
		{"expect": [{"path": "meta", "count": 1}], "policy": `
name = "Ransomware activity"
type = "ANOMALY_DETECTION"
enabled = true
severity = "high"
[meta]
owner = "secops@contoso.com"
`},
		{"expect": [{"path": "meta", "count": 1, "absent": true}], "policy": `
name = "No metadata at all"
type = "ANOMALY_DETECTION"
enabled = true
severity = "high"
`},
	],
}
