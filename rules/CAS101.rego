# CAS101: an enabled policy raises alerts, but nobody is told about them.
package casguard.rules.cas101

metadata := {
	"id": "CAS101",
	"title": "Alerting policy without email recipients",
	"severity": "error",
	"rationale": "An enabled policy with alerts turned on but no email recipients raises alerts that reach nobody unless someone happens to look at the portal; incidents go unnoticed.",
	"remediation": "Add at least one monitored address to `alerts.email_recipients`, or set `alerts.enabled = false` if the alerts are handled through the portal or a SIEM only.",
}

findings contains {
	"policy": p.key,
	"path": "alerts.email_recipients",
	"message": "alerts are enabled but `alerts.email_recipients` is empty, so nobody is notified",
} if {
	some p in input.policies
	p.enabled == true
	p.alerts.enabled == true
	count(p.alerts.email_recipients) == 0
	# Recipients in a shape casguard does not model are not "none".
	not p.kept_verbatim["alerts.email_recipients"]
}

examples := {
	"pass": [
		`
name = "Mass download by a single user"
type = "ANOMALY_DETECTION"
enabled = true
[alerts]
enabled = true
email_recipients = ["soc@contoso.com"]
`,
		`
name = "Alerts off"
type = "FILE"
enabled = true
[alerts]
enabled = false
`,
		`
name = "Disabled policy"
type = "FILE"
enabled = false
[alerts]
enabled = true
`,
		`
name = "Recipients the tenant sent as objects"
type = "FILE"
enabled = true
[alerts]
enabled = true
[extra]
alertEmailRecipients = [{address = "soc@contoso.com"}]
`,
	],
	"fail": [
		{"expect": [{"path": "alerts.email_recipients", "count": 1, "absent": true}], "policy": `
name = "Mass download by a single user"
type = "ANOMALY_DETECTION"
enabled = true
[alerts]
enabled = true
`},
		{"expect": [{"path": "alerts.email_recipients", "count": 1}], "policy": `
name = "Empty list"
type = "FILE"
enabled = true
[alerts]
enabled = true
email_recipients = []
`},
	],
}
