# CAS202: policies are reviewed on a cadence (quarterly by default).
package casguard.rules.cas202

metadata := {
	"id": "CAS202",
	"title": "Policy review overdue",
	"severity": "warning",
	"rationale": "Threats, apps and teams change; a policy nobody has looked at for longer than its review interval may no longer fit. Quarterly review is the default cadence.",
	"remediation": "Review the policy, then set `meta.last_reviewed` to the review date. Change the cadence with `meta.review_interval_days` or `review_interval_days` in casguard.toml.",
}

# The status is computed once in casguard (input.policies[_].review), so this
# rule and `casguard review` (REVIEW001) always agree.
findings contains {
	"policy": p.key,
	"path": "meta.last_reviewed",
	"message": sprintf("review overdue since %s (last reviewed %s; reviews are due every %d days)", [p.review.next_due, p.meta.last_reviewed, p.review.interval_days]),
} if {
	some p in input.policies
	p.review.status == "overdue"
	is_string(p.meta.last_reviewed)
}

findings contains {
	"policy": p.key,
	"path": "meta",
	"message": "never reviewed: `meta.last_reviewed` is not set",
} if {
	some p in input.policies
	p.meta.last_reviewed == null
}

examples := {
	"today": "2026-11-22",
	"config": {"review_interval_days": 90},
	"pass": [
		`
name = "Reviewed last month"
type = "FILE"
enabled = true
[meta]
last_reviewed = 2026-10-22
`,
		`
name = "Exactly on the due date"
type = "FILE"
enabled = true
[meta]
last_reviewed = 2026-08-24
`,
		`
name = "Yearly cadence"
type = "FILE"
enabled = true
[meta]
last_reviewed = 2026-01-10
review_interval_days = 365
`,
	],
	"fail": [
		{"expect": [{"path": "meta.last_reviewed", "count": 1}], "policy": `
name = "Reviewed long ago"
type = "FILE"
enabled = true
[meta]
last_reviewed = 2026-08-23
`},
		{"expect": [{"path": "meta.last_reviewed", "count": 1}], "policy": `
name = "Monthly cadence"
type = "FILE"
enabled = true
[meta]
last_reviewed = 2026-10-01
review_interval_days = 30
`},
		{"expect": [{"path": "meta", "count": 1, "absent": true}], "policy": `
name = "Never reviewed"
type = "FILE"
enabled = true
`},
		{"expect": [{"path": "meta", "count": 1}], "policy": `
name = "Owned, never reviewed"
type = "FILE"
enabled = true
[meta]
owner = "secops@contoso.com"
`},
	],
}
