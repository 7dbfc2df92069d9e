# CAS204: a description tells the next admin what the policy is for.
package casguard.rules.cas204

metadata := {
	"id": "CAS204",
	"title": "Policy without a description",
	"severity": "note",
	"rationale": "The description is shown in the Defender portal and in alerts; without it, responders and reviewers have to reverse-engineer the filters to learn what the policy is for.",
	"remediation": "Add a one-sentence `description` saying what the policy detects and why.",
}

findings contains {
	"policy": p.key,
	"path": "description",
	"message": "`description` is missing or empty",
} if {
	some p in input.policies
	not has_description(p)
	# A description in a shape casguard does not model is not "missing".
	not p.kept_verbatim.description
}

has_description(p) if {
	is_string(p.description)
	trim_space(p.description) != ""
}

examples := {
	"pass": [
		`
name = "Described"
type = "FILE"
enabled = true
description = "Alerts when files with PII are shared outside the company."
`,
	],
	"fail": [
		{"expect": [{"path": "description", "count": 1, "absent": true}], "policy": `
name = "Undescribed"
type = "FILE"
enabled = true
`},
		{"expect": [{"path": "description", "count": 1}], "policy": `
name = "Blank"
type = "FILE"
enabled = true
description = ""
`},
	],
}
