#!/usr/bin/env python3
"""Generates N valid, varied casguard policy files for benchmarks, and
optionally the matching live snapshot with a share of policies drifted.

usage: gen_policies.py DIR N [SNAPSHOT DRIFT_PERCENT]
Files are spread over 100 folders; content is deterministic. In the
snapshot, live objects carry noise that must not count as drift (reordered
lists, severity as an integer, upper-case types, server-managed fields),
and DRIFT_PERCENT of them really differ (a recipient removed, a limit raised).
"""
import json
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


def live(i: int, drifted: bool) -> dict:
    kind = TYPES[i % len(TYPES)]
    obj = {
        "_id": f"{i:024x}",
        "_tid": 26034820,
        "name": f"Generated policy {i:05d} ({kind.lower()})",
        "description": f"Generated policy number {i} for benchmarking casguard lint.",
        "policyType": kind.lower() if i % 2 else kind,
        "enabled": i % 17 != 0,
        "severity": i % 4,
        "alertsEnabled": True,
        "alertEmailRecipients": [f"team{i % 50}@contoso.com", "soc@contoso.com"],
        "dailyAlertLimit": 5 + i % 20,
        "filters": {
            "fileLabels": {"eq": [f"Label {i % 9}", "Confidential"]},
            "service.appId": {"eq": [15600 + i % 3, 11161 + i % 7]},
        },
        "alertsPerUser": 1 + i % 3,
        "createdDate": 1700000000000 + i,
        "lastModified": 1710000000000 + i,
    }
    if drifted:
        obj["alertEmailRecipients"] = ["soc@contoso.com"]
        obj["dailyAlertLimit"] = 100
    return obj


def main() -> None:
    out, count = sys.argv[1], int(sys.argv[2])
    if len(sys.argv) > 4:
        snapshot_path, percent = sys.argv[3], float(sys.argv[4])
        every = max(1, round(100 / percent)) if percent > 0 else 0
        policies = [live(i, every > 0 and i % every == 0) for i in range(count)]
        snapshot = {
            "format_version": 1,
            "tenant": "https://bench.portal.cloudappsecurity.com",
            "fetched_at": "2026-11-22T00:00:00Z",
            "source": {"kind": "api"},
            "policies": policies,
        }
        with open(snapshot_path, "w", encoding="utf-8") as f:
            json.dump(snapshot, f)
    for i in range(count):
        folder = os.path.join(out, "policies", f"group-{i % 100:03d}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"policy-{i:05d}.toml"), "w", encoding="utf-8") as f:
            f.write(policy(i))
    with open(os.path.join(out, "casguard.toml"), "w", encoding="utf-8") as f:
        f.write('allowed_email_domains = ["contoso.com"]\nnaming_pattern = "^[A-Z]"\n')


if __name__ == "__main__":
    main()
