# CAS203: a disabled policy must say why, or nobody will dare turn it back on (or off for good).
package casguard.rules.cas203

metadata := {
	"id": "CAS203",
	"title": "Disabled policy without a reason",
	"severity": "warning",
	"rationale": "A disabled policy protects nothing. Without a recorded reason, reviewers cannot tell a deliberate, temporary decision from a forgotten emergency switch-off.",
	"remediation": "Set `meta.disabled_reason` (and ideally a ticket), or enable the policy.",
}

findings contains {
	"policy": p.key,
	"path": "enabled",
	"message": "the policy is disabled but `meta.disabled_reason` is not set",
} if {
	some p in input.policies
	p.enabled == false
	not has_reason(p)
}

has_reason(p) if {
	is_string(p.meta.disabled_reason)
	trim_space(p.meta.disabled_reason) != ""
}

examples := {
	"pass": [
		`
name = "Paused"
type = "FILE"
enabled = false
[meta]
disabled_reason = "Too noisy until the DLP labels are rolled out (SEC-1234)"
`,
		`
name = "Active"
type = "FILE"
enabled = true
`,
	],
	"fail": [
		{"expect": [{"path": "enabled", "count": 1}], "policy": `
name = "Switched off"
type = "FILE"
enabled = false
`},
	],
}
