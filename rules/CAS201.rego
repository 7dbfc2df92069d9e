# CAS201: every policy needs someone accountable for it.
package casguard.rules.cas201

metadata := {
	"id": "CAS201",
	"title": "Policy without an owner",
	"severity": "warning",
	"rationale": "Drift, review reminders and audit questions need someone to answer them; a policy without an owner is one nobody will defend or fix.",
	"remediation": "Set `meta.owner` to a person or team address, e.g. `owner = \"secops@contoso.com\"`.",
}

findings contains {
	"policy": p.key,
	"path": "meta.owner",
	"message": "`meta.owner` is not set",
} if {
	some p in input.policies
	not has_owner(p)
}

has_owner(p) if {
	is_string(p.meta.owner)
	trim_space(p.meta.owner) != ""
}

examples := {
	"pass": [
		`
name = "Owned"
type = "FILE"
enabled = true
[meta]
owner = "secops@contoso.com"
`,
	],
	"fail": [
		{"expect": [{"path": "meta.owner", "count": 1, "absent": true}], "policy": `
name = "Orphan"
type = "FILE"
enabled = true
`},
		{"expect": [{"path": "meta.owner", "count": 1}], "policy": `
name = "Blank owner"
type = "FILE"
enabled = true
[meta]
owner = "  "
`},
	],
}
