# CAS301: policy names follow the organisation's naming convention, when it has one.
package casguard.rules.cas301

metadata := {
	"id": "CAS301",
	"title": "Policy name does not match the naming pattern",
	"severity": "warning",
	"rationale": "A naming convention makes policies easy to find and sort in the portal and in alerts; names that break it hide policies from the people who look for them.",
	"remediation": "Rename the policy to match `naming_pattern` in casguard.toml (renaming a policy also renames it in the tenant: pin its `id` first so casguard keeps matching it).",
}

findings contains {
	"policy": p.key,
	"path": "name",
	"message": sprintf("name `%s` does not match the naming pattern `%s`", [p.name, input.config.naming_pattern]),
} if {
	is_string(input.config.naming_pattern)
	some p in input.policies
	not regex.match(input.config.naming_pattern, p.name)
}

examples := {
	"config": {"naming_pattern": "^(DLP|TD|SHADOW) - .+"},
	"pass": [
		`
name = "DLP - Externally shared PII"
type = "FILE"
enabled = true
`,
	],
	"fail": [
		{"expect": [{"path": "name", "count": 1}], "policy": `
name = "externally shared pii"
type = "FILE"
enabled = true
`},
	],
}
