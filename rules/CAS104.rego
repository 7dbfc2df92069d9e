# CAS104: an alerting policy without a daily limit can flood the SOC, or (0) send nothing.
package casguard.rules.cas104

metadata := {
	"id": "CAS104",
	"title": "Alerting policy without a daily alert limit",
	"severity": "warning",
	"rationale": "Without a daily limit one noisy match can flood recipients with alerts until the real ones are ignored; a limit of 0 silences the policy altogether.",
	"remediation": "Set `alerts.daily_limit` to a positive number, e.g. 5 or 10.",
}

findings contains {
	"policy": p.key,
	"path": "alerts.daily_limit",
	"message": message(p.alerts.daily_limit),
} if {
	some p in input.policies
	p.enabled == true
	p.alerts.enabled == true
	not p.alerts.daily_limit > 0
	# A limit in a shape casguard does not model is not "no limit".
	not p.kept_verbatim["alerts.daily_limit"]
}

message(limit) := "`alerts.daily_limit` is 0, so no alert is ever sent" if limit == 0

else := "`alerts.daily_limit` is not set"

examples := {
	"pass": [
		`
name = "Impossible travel"
type = "ANOMALY_DETECTION"
enabled = true
[alerts]
enabled = true
email_recipients = ["soc@contoso.com"]
daily_limit = 5
`,
		`
name = "No alerts"
type = "FILE"
enabled = true
`,
	],
	"fail": [
		{"expect": [{"path": "alerts.daily_limit", "count": 1, "absent": true}], "policy": `
name = "Impossible travel"
type = "ANOMALY_DETECTION"
enabled = true
[alerts]
enabled = true
email_recipients = ["soc@contoso.com"]
`},
		{"expect": [{"path": "alerts.daily_limit", "count": 1}], "policy": `
name = "Zero limit"
type = "FILE"
enabled = true
[alerts]
enabled = true
email_recipients = ["soc@contoso.com"]
daily_limit = 0
`},
	],
}
