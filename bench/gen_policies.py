#!/usr/bin/env python3
"""Generates N valid, varied casguard policy files for benchmarks.

usage: gen_policies.py DIR N [--drift-snapshot FILE]
Files are spread over 100 folders by policy type; content is deterministic.
"""
import os
import sys

TYPES = ["FILE", "ANOMALY_DETECTION", "SESSION", "ACCESS", "AUDIT", "APP_PERMISSION", "NEW_SERVICE", "MALWARE"]
SEVERITIES = ["low", "medium", "high", "informational"]


def policy(i: int) -> str:
    kind = TYPES[i % len(TYPES)]
    severity = SEVERITIES[i % 4]
    enabled = "false" if i % 17 == 0 else "true"
    lines = [
        f'name = "Generated policy {i:05d} ({kind.lower()})"',
        f'type = "{kind}"',
        f"enabled = {enabled}",
        f'severity = "{severity}"',
        f'description = "Generated policy number {i} for benchmarking casguard lint."',
        "",
        "[alerts]",
        "enabled = true",
        f'email_recipients = ["soc@contoso.com", "team{i % 50}@contoso.com"]',
        f"daily_limit = {5 + i % 20}",
        "",
        '[filters."service.appId"]',
        f"eq = [{11161 + i % 7}, {15600 + i % 3}]",
        "",
        "[filters.fileLabels]",
        f'eq = ["Confidential", "Label {i % 9}"]',
        "",
        "[extra]",
        f"alertsPerUser = {1 + i % 3}",
        "",
        "[meta]",
        f'owner = "owner{i % 40}@contoso.com"',
        f"last_reviewed = 2026-{9 + i % 3:02d}-{1 + i % 28:02d}",
    ]
    if enabled == "false":
        lines.append('disabled_reason = "Paused for tuning"')
    return "\n".join(lines) + "\n"


def main() -> None:
    out, count = sys.argv[1], int(sys.argv[2])
    for i in range(count):
        folder = os.path.join(out, "policies", f"group-{i % 100:03d}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"policy-{i:05d}.toml"), "w", encoding="utf-8") as f:
            f.write(policy(i))
    with open(os.path.join(out, "casguard.toml"), "w", encoding="utf-8") as f:
        f.write('allowed_email_domains = ["contoso.com"]\nnaming_pattern = "^[A-Z]"\n')


if __name__ == "__main__":
    main()
