#!/usr/bin/env python3
"""Writes the example tenant's ops snapshots (format 2), deterministic.

- snapshots/contoso-ops.json: today's state (2026-11-22 06:00 UTC) with known
  problems, one of each kind `casguard ops` checks, plus healthy items around
  them; policies are those of snapshots/contoso.json.
- snapshots/contoso-ops-previous.json: the run a week earlier, so that
  "since the last run" comparisons (failure counts, Secure Score, message
  center, governance records that settled, drift) have something to compare.
- tests/fixtures/ops/healthy.json: the same tenant with nothing wrong.

Shapes follow ../shared/samples/ops (quirks kept: epoch ms in connectors,
ISO strings in streams, the string "false" in Secure Score, PascalCase
message-center enums). Field names of log collectors, SIEM agents and API
tokens are unverified guesses, as in src/ops/fields.rs.
"""
import copy
import json
import os
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOW = datetime(2026, 11, 22, 6, 0, 0, tzinfo=timezone.utc)
TENANT = "https://contoso.us3.portal.cloudappsecurity.com"
GRAPH = "https://graph.microsoft.com"


def ms(t):
    return int(t.timestamp() * 1000)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def connector(n, app_id, name, *, connected=True, last=None, proxy=None):
    last = last or NOW - timedelta(hours=2)
    return {
        "appId": app_id, "name": name, "_id": f"63dd5f272b9cbba7bb29d7{n:02x}", "instanceName": None,
        "category": "SAASDB_CATEGORY_COLLABORATION",
        "api": {"lastCheckTime": ms(NOW - timedelta(minutes=30)), "isConnected": connected, "usersCount": 898,
                "creator": "admin@contoso.com", "isEnabled": True, "lastConnected": ms(last),
                "disabledBy": "console", "isSSPMEnabled": True},
        "proxy": proxy or {"status": 0, "inDeployment": False, "isConnected": False, "isInProxyPolicy": None,
                           "isSuspended": False, "isConfigured": False, "isConfiguredInAAD": False,
                           "isSessionProxySupported": False, "isAppStatusEnabled": False,
                           "isSessionProxyDisabled": True, "lastConnected": None, "proxySettings": None,
                           "isOIDCBasedProtocol": True},
        "discovery": {"isConnected": False}, "isOfficeApp": app_id == 11161, "isApiConnectable": True,
        "aadInfo": None, "lastUsed": None, "customData": {}, "isCustomApp": False,
        "securityConfiguration": {}, "appName": name,
    }


def proxy(connected, suspended=False):
    return {"status": 1 if connected else 0, "inDeployment": False, "isConnected": connected,
            "isInProxyPolicy": True, "isSuspended": suspended, "isConfigured": True, "isConfiguredInAAD": True,
            "isSessionProxySupported": True, "isAppStatusEnabled": True, "isSessionProxyDisabled": False,
            "lastConnected": ms(NOW - timedelta(hours=1)) if connected else None, "proxySettings": None,
            "isOIDCBasedProtocol": False}


def stream(n, name, last, fails):
    return {"_id": f"5fda3f2c4d6a1b0e7c8f90{n:02x}", "anonymizeUsers": False, "displayName": name, "logType": 223,
            "receiverType": "syslog", "protocol": "udp", "streamType": 1, "isManual": False,
            "created": "2024-02-16T17:23:40.687Z", "lastModified": "2026-10-05T13:41:36.104Z",
            "logFilesHistoryCount": 800 + n, "supportedEntityTypes": [], "supportedTrafficTypes": [1],
            "lastAlertProcessingTime": ms(NOW - timedelta(hours=3)), "lastDataReceived": iso(last),
            "logFilesFailsCount": fails, "currentServicesCollectionName": "discovery_services",
            "globalAggregated": True, "timeWithoutLogs": 0, "sourceStreams": []}


def governance(n, task, at, *, ok=True, stream_id=None, app="Microsoft 365", template=None, source=None, settled=True):
    record = {"_id": f"6a11b2c3d4e5f6a7b8c9d0{n:02x}", "taskName": task, "timestamp": ms(at),
              "updateTimestamp": ms(at + timedelta(minutes=4 if settled else 0)), "appId": 11161, "appName": app}
    if stream_id:
        record["inputStreamId"] = stream_id
    if settled:
        params = {"dataSource": source} if source else {"transactionsCount": 1200, "cloudServicesCount": 87}
        record["status"] = {"isSuccess": ok, "templateMessage": {
            "template": template or ("REPOOPER_COMPLETION_STATUS_BASELOGPARSER_PARSED_LOG_FILE_ALL_RELEVANT" if ok else "GOVERNANCE_TASK_FAILED"),
            "parameters": params}}
    return record


def secure_scores(points):
    controls = []
    for name, score in points.items():
        controls.append({"controlCategory": "Apps", "controlName": name, "description": "…", "score": score,
                         "lastSynced": iso(NOW - timedelta(hours=5)),
                         "implementationStatus": f"Policy in place: {'true' if score else 'false'}.",
                         "on": "true" if score else "false", "scoreInPercentage": 100 if score else 0})
    return [{"id": f"12345678-1234-1234-1234-1234567890abcd_{NOW.date()}", "azureTenantId": "12345678-1234-1234-1234-1234567890abcd",
             "activeUserCount": 898, "createdDateTime": iso(NOW - timedelta(hours=6)), "currentScore": sum(points.values()),
             "enabledServices": ["HasOCAS"], "licensedUserCount": 900, "maxScore": 274,
             "vendorInformation": {"provider": "SecureScore", "providerVersion": None, "subProvider": None, "vendor": "Microsoft"},
             "averageComparativeScores": [], "controlScores": controls}]


def profiles():
    with open(os.path.join(ROOT, "..", "shared", "samples", "ops", "graph-secureScoreControlProfiles.mcas-sspm.heimdall2.json")) as f:
        sample = json.load(f)
    return sample["value"]


def message(mid, title, services, modified, action_by=None):
    return {"startDateTime": iso(modified - timedelta(days=1)), "endDateTime": iso(modified + timedelta(days=60)),
            "lastModifiedDateTime": iso(modified), "title": title, "id": mid, "category": "PlanForChange",
            "severity": "Normal", "tags": ["Feature update"], "isMajorChange": False,
            "actionRequiredByDateTime": iso(action_by) if action_by else None, "services": services,
            "expiryDateTime": None, "details": [], "body": {"contentType": "Html", "content": "…"}, "viewPoint": None}


def alert(n, title, at, system, resolution=0):
    return {"_id": f"6b22c3d4e5f6a7b8c9d0e1{n:02x}", "timestamp": ms(at), "title": title,
            "description": title, "isSystemAlert": system, "severityValue": 2, "statusValue": 0,
            "resolutionStatusValue": resolution, "stories": [8], "entities": [], "policy": None}


def state(now, broken):
    h = lambda x: now - timedelta(hours=x)
    d = lambda x: now - timedelta(days=x)
    streams = [stream(1, "Paris proxy", h(1), 2), stream(2, "Zscaler cloud", h(3), 0)]
    connectors = [connector(1, 11161, "Microsoft 365"),
                  connector(2, 11770, "Salesforce", proxy=proxy(True)),
                  connector(3, 11522, "Box", proxy=proxy(True))]
    collectors = [{"_id": "5e6fa9ade2367fc6340f4800", "name": "paris-collector", "status": "Healthy",
                   "lastSeen": iso(h(1))}]
    agents = [{"_id": "5e6fa9ade2367fc6340f4900", "displayName": "Sentinel forwarder", "status": "Connected",
               "lastSeen": iso(h(0.2))}]
    tokens = [{"_id": "5e6fa9ade2367fc6340f4a00", "name": "casguard CI", "username": "secops@contoso.com",
               "created": iso(d(90)), "lastUsed": iso(h(20)), "status": "Active"}]
    gov = [governance(1, "DiscoveryParseLogTask", h(5), stream_id=streams[0]["_id"]),
           governance(2, "DiscoveryParseLogTask", h(4), stream_id=streams[1]["_id"]),
           governance(3, "QuarantineTask", d(2), app="Box")]
    points = {"McasFirewallLogUpload": 1, "McasCutomActivityPolicy": 2, "McasCloudAppNotification": 3,
              "McasOAuthAppNotification": 4, "mcas_mda_enabled": 5, "AppG_regulate_access_to_sensitive_data": 7,
              "AppG_unusual_activity_with_priority_account": 7, "MDA_Atlassian_EnableTwoFactorAuth": 7,
              "MDA_Atlassian_ForceSSO": 7, "MDA_Atlassian_InactiveTimeoutMins": 6}
    messages = [message("MC900101", "Microsoft Teams: new meeting templates", ["Microsoft Teams"], d(2))]
    alerts = [alert(1, "Mass download by a single user", d(1), False)]
    if broken:
        streams[1] = stream(2, "Zscaler cloud", d(3), 0)
        # Its last successful parse is as old as its last data.
        gov[1] = governance(2, "DiscoveryParseLogTask", d(3), stream_id=streams[1]["_id"])
        streams[0]["logFilesFailsCount"] = 9
        connectors[0] = connector(1, 11161, "Microsoft 365", connected=False)
        connectors.append(connector(4, 20893, "GitHub", last=d(3)))
        connectors[1]["proxy"] = proxy(False)
        connectors[2]["proxy"] = proxy(True, suspended=True)
        collectors.append({"_id": "5e6fa9ade2367fc6340f4801", "name": "berlin-collector", "status": "Disconnected",
                           "lastSeen": iso(d(2))})
        agents = [{"_id": "5e6fa9ade2367fc6340f4900", "displayName": "Sentinel forwarder", "status": "Connection error",
                   "lastSeen": iso(h(5))},
                  {"_id": "5e6fa9ade2367fc6340f4901", "displayName": "QRadar agent", "status": "Disconnected",
                   "lastSeen": iso(d(2))}]
        tokens += [{"_id": "5e6fa9ade2367fc6340f4a01", "name": "old SIEM export", "username": "jdoe@contoso.com",
                    "created": iso(d(800)), "lastUsed": iso(d(30)), "status": "Inactive"},
                   {"_id": "5e6fa9ade2367fc6340f4a02", "name": "test token", "username": "jdoe@contoso.com",
                    "created": iso(d(12)), "lastUsed": None, "status": "Generated"}]
        gov += [governance(4, "QuarantineTask", d(1), ok=False, app="Box"),
                governance(5, "QuarantineTask", h(20), ok=False, app="Box"),
                governance(6, "DiscoveryParseLogTask", h(2), ok=False, stream_id=streams[0]["_id"],
                           template="REPOOPER_COMPLETION_STATUS_BASELOGPARSER_UNEXPECTED_FORMAT", source="GENERIC_CEF"),
                governance(7, "SuspendUserTask", h(3), settled=False)]
        for control in ("McasFirewallLogUpload", "McasOAuthAppNotification", "MDA_Atlassian_ForceSSO"):
            points[control] = 0
        messages.append(message("MC910202", "Microsoft Defender for Cloud Apps: legacy SIEM agent retirement",
                                ["Microsoft Defender for Cloud Apps"], d(1), action_by=now + timedelta(days=10)))
        alerts.append(alert(2, "System alert: app connector error (Microsoft 365)", d(1), True))
        alerts.append(alert(3, "System alert: log collector disconnected (berlin-collector)", d(2), True, resolution=2))
    return {"app_connectors": connectors, "discovery_streams": streams, "log_collectors": collectors,
            "siem_agents": agents, "api_tokens": tokens, "governance": gov,
            "secure_scores": secure_scores(points), "secure_score_profiles": profiles(),
            "message_center": messages, "alerts": alerts}


ENDPOINTS = {
    "alerts": "POST /api/v1/alerts/", "app_connectors": "POST /cas/api/v1/app_connectors/",
    "discovery_streams": "GET /api/discovery/streams/", "log_collectors": "GET /cas/api/v1/discovery/log_collectors/",
    "siem_agents": "GET /api/v1/agents/siem/", "api_tokens": "POST /cas/api/v1/tokens/",
    "governance": "POST /api/v1/governance/", "secure_scores": f"GET {GRAPH}/v1.0/security/secureScores?$top=1",
    "secure_score_profiles": f"GET {GRAPH}/v1.0/security/secureScoreControlProfiles",
    "message_center": f"GET {GRAPH}/v1.0/admin/serviceAnnouncement/messages",
}


def snapshot(now, resources, policies):
    out = {"policies": {"status": "ok", "endpoint": "POST /cas/api/v1/policies/"}}
    for name, items in resources.items():
        out[name] = {"status": "ok", "endpoint": ENDPOINTS[name], "items": items}
    return {"format_version": 2, "tenant": TENANT, "fetched_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source": {"kind": "api", "auth": "token", "graph": GRAPH, "casguard_version": "0.1.0",
                       "generator": "scripts/gen_example_ops.py"},
            "policies": policies, "resources": out}


def write(path, document):
    path = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(document, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main():
    global NOW
    with open(os.path.join(ROOT, "snapshots", "contoso.json")) as f:
        policies = json.load(f)["policies"]
    today = NOW
    write("snapshots/contoso-ops.json", snapshot(today, state(today, True), policies))
    # A week earlier: healthy, one fewer failed log file... and one drift the
    # tenant has since fixed, while the rest of today's drift was already there.
    NOW = today - timedelta(days=7)
    before = state(NOW, False)
    # Last week the tenant had a test policy nobody declared (fixed since),
    # and not yet the legacy Box policy (unmanaged today: new drift).
    earlier_policies = [p for p in copy.deepcopy(policies) if not p.get("name", "").startswith("Legacy: Box")]
    test_policy = copy.deepcopy(policies[0])
    test_policy["_id"] = "5f01dce13de79160fbec41ff"
    test_policy["name"] = "Temporary test policy"
    earlier_policies.append(test_policy)
    write("snapshots/contoso-ops-previous.json", snapshot(NOW, before, earlier_policies))
    NOW = today
    write("tests/fixtures/ops/healthy.json", snapshot(today, state(today, False), policies))
    # The same, read without Graph credentials.
    no_graph = snapshot(today, state(today, False), policies)
    for name in ("secure_scores", "secure_score_profiles", "message_center"):
        no_graph["resources"][name] = {"status": "unavailable", "detail": "no Graph credentials (needs Graph SecurityEvents.Read.All; set `graph_auth` under [tenant])"}
    write("tests/fixtures/ops/no-graph.json", no_graph)


if __name__ == "__main__":
    main()
