# CAS102: alert recipients must be in the organisation's own mail domains.
package casguard.rules.cas102

metadata := {
	"id": "CAS102",
	"title": "Alert recipient outside the allowed email domains",
	"severity": "error",
	"rationale": "Alert emails describe users, files and incidents. Sending them to an address outside the organisation's domains (a typo, a personal mailbox, a former vendor) leaks security data.",
	"remediation": "Replace the address with one in a domain listed in `allowed_email_domains` in casguard.toml (subdomains are allowed), or add the domain there if it is really yours.",
}

findings contains {
	"policy": p.key,
	"path": sprintf("alerts.email_recipients[%d]", [i]),
	"message": sprintf("alert recipient `%s` is outside the allowed domains (%s)", [recipient, concat(", ", input.config.allowed_email_domains)]),
} if {
	count(input.config.allowed_email_domains) > 0
	some p in input.policies
	some i, recipient in p.alerts.email_recipients
	not allowed_domains[lower(split(recipient, "@")[1])]
	not regex.match(allowed_subdomain, recipient)
}

# Exact domains are a set lookup; only other addresses pay for the regex,
# which allows subdomains (`dlp@eu.contoso.com`). The loader has already
# checked that every recipient is a well-formed address.
allowed_domains := {domain | some domain in input.config.allowed_email_domains}

allowed_subdomain := concat("", ["(?i)^[^@]+@[^@]+\\.(", concat("|", escaped_domains), ")$"])

escaped_domains := [replace(domain, ".", "\\.") | some domain in input.config.allowed_email_domains]

examples := {
	"config": {"allowed_email_domains": ["contoso.com"]},
	"pass": [
		`
name = "Recipients at home"
type = "FILE"
enabled = true
[alerts]
enabled = true
email_recipients = ["soc@contoso.com", "dlp@EU.Contoso.com"]
`,
	],
	"fail": [
		{"expect": [{"path": "alerts.email_recipients[1]", "count": 1}], "policy": `
name = "Personal mailbox"
type = "FILE"
enabled = true
[alerts]
enabled = true
email_recipients = ["soc@contoso.com", "someone@gmail.com"]
`},
		{"expect": [{"path": "alerts.email_recipients[0]", "count": 1}], "policy": `
name = "Lookalike domain"
type = "FILE"
enabled = true
[alerts]
enabled = true
email_recipients = ["soc@evilcontoso.com"]
`},
		{"expect": [{"path": "alerts.email_recipients[0]", "count": 1}], "policy": `
name = "Allowed domain inside another domain"
type = "FILE"
enabled = true
[alerts]
enabled = true
email_recipients = ["soc@contoso.com.attacker.net"]
`},
		{"expect": [{"path": "alerts.email_recipients[0]", "count": 1}, {"path": "alerts.email_recipients[2]", "count": 1}], "policy": `
name = "Two outside, one at home"
type = "FILE"
enabled = true
[alerts]
enabled = true
email_recipients = ["soc@gmail.com", "soc@contoso.com", "soc@outlook.com"]
`},
	],
}
