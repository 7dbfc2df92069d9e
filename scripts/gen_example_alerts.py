#!/usr/bin/env python3
"""Writes snapshots/contoso-alerts.json: the example tenant's alerts, a raw
list dump in the shape of GET /api/v1/alerts/ ({"data": [...], "hasNext",
"total"}), with the quirks real tenants show (shared/samples/ops): alerts
without resolutionStatusValue, the string "null", a resolveTime before the
creation time, alerts that name their policy only by title.

The story it tells (as of 2026-11-22, for `casguard alerts`):
- Impossible Travel: steady and mostly true positives, with a spike on 2026-11-10.
- Mass download by a single user: saturates its daily limit of 5.
- Admin activity from non-corporate IP: noisy, about 70% false positives.
- Externally shared files containing PII: about 30% false positives.
- Malware detected in cloud storage: enabled and alerting, silent for 120 days.
- OAuth app with high permissions: open alerts nobody has read for weeks.
- New risky cloud app discovered: about 5 a day, then nothing since 2026-11-12.
- Publicly shared Finance documents: old open alerts (backlog) and negative
  time-to-resolve samples.
- Two system alerts (one open), and built-in alerts no policy file declares.

Deterministic: the same file every run.
"""
import json
import random
from datetime import datetime, timedelta, timezone

END = datetime(2026, 11, 22, tzinfo=timezone.utc)
DAYS = 120
rng = random.Random(20261122)

POLICIES = {
    "travel": ("603e0f394a9e1c0017b3d2f8", "Impossible Travel", "ANOMALY_DETECTION"),
    "download": ("60b7e4d19a2f3c001f8e6b52", "Mass download by a single user", "ANOMALY_DETECTION"),
    "admin": ("61a4f7297a3b5e0016f1c28d", "Admin activity from non-corporate IP", "AUDIT"),
    "pii": ("5f3a9c2e8b1d4e0012a7c3f1", "Externally shared files containing PII", "FILE"),
    "oauth": ("628360988c2d41001e6f09a3", "OAuth app with high permissions", "APP_PERMISSION"),
    "newapp": ("631f2670b71f3e0019c4a65d", "New risky cloud app discovered", "NEW_SERVICE"),
    "finance": ("62027c225d1c9a0012e8b374", "Publicly shared Finance documents", "FILE"),
    "risky": ("63d2a8f15e7b4c0021f9d0a6", "Block access from risky IPs", "ACCESS"),
    "ransom": ("6123f0a7c4e5d9001b2a7e94", "Ransomware activity", "ANOMALY_DETECTION"),
    "box": ("5c8a56ad1f6d8b0010c3e94a", "Legacy: Box downloads by contractors", "FILE"),
}
SERVICES = {
    "travel": (11161, "Office 365"), "download": (15600, "Microsoft OneDrive for Business"),
    "admin": (11161, "Office 365"), "pii": (20892, "Microsoft SharePoint Online"),
    "oauth": (11161, "Office 365"), "newapp": (0, "Cloud Discovery"),
    "finance": (20892, "Microsoft SharePoint Online"), "risky": (11161, "Office 365"),
    "ransom": (15600, "Microsoft OneDrive for Business"), "box": (10489, "Box"),
}
SEVERITY = {"travel": 1, "download": 2, "admin": 1, "pii": 2, "oauth": 1, "newapp": 0,
            "finance": 2, "risky": 1, "ransom": 2, "box": 0}

alerts = []
counter = 0


def ms(t):
    return int(t.timestamp() * 1000)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def alert(key, when, resolution=None, status=1, ttr_hours=None, by_title_only=False,
          legacy=False, title=None, system=False):
    global counter
    counter += 1
    oid = f"65{counter:022x}"
    entities = []
    if key in POLICIES and not by_title_only:
        pid, name, ptype = POLICIES[key]
        entities.append({"id": pid, "label": name, "policyType": ptype, "type": "policyRule"})
    if key in SERVICES:
        sid, label = SERVICES[key]
        entities.append({"id": sid, "label": label, "type": "service"})
    entities.append({"id": f"user{rng.randint(1, 40)}@contoso.com", "label": "user", "type": "user"})
    name = title or (POLICIES[key][1] if key in POLICIES else key)
    a = {
        "_id": oid,
        "timestamp": ms(when),
        "entities": entities,
        "title": name if not by_title_only else name.upper(),
        "description": f"{name} matched",
        "stories": [8 if system else 0],
        "contextId": "206e2965-6533-48a6-ba9e-794364a84bf9",
        "threatScore": rng.randint(5, 60),
        "isSystemAlert": system,
        "idValue": 15700000 + counter,
        "statusValue": status,
        "severityValue": SEVERITY.get(key, 1),
        "handledByUser": "null" if resolution in (None, 0) else "analyst@contoso.com",
        "comment": "null",
        "URL": f"https://contoso.us3.portal.cloudappsecurity.com/#/alerts/{oid}",
    }
    if not legacy:
        a["resolutionStatusValue"] = 0 if resolution is None else resolution
    if resolution not in (None, 0):
        hours = ttr_hours if ttr_hours is not None else rng.uniform(0.5, 72)
        a["resolveTime"] = iso(when + timedelta(hours=hours))
    alerts.append(a)


def moment(day):
    return END - timedelta(days=day) + timedelta(seconds=rng.randint(0, 86_399))


def closed(weights):
    return rng.choices([3, 4, 5], weights=weights)[0]


for day in range(DAYS, 0, -1):
    weekday_load = 1 if (END - timedelta(days=day)).weekday() < 5 else 0
    # Impossible Travel: steady, mostly true positives; a spike on 2026-11-10.
    n = 3 + weekday_load
    if (END - timedelta(days=day)).date().isoformat() == "2026-11-10":
        n = 25
    for _ in range(n):
        alert("travel", moment(day), resolution=closed([1, 2, 7]))
    # Mass download: at its daily limit of 5 most days.
    for _ in range(5 if day % 4 else 3):
        alert("download", moment(day), resolution=closed([2, 2, 6]))
    # Admin activity: noisy.
    for _ in range(2 + weekday_load):
        alert("admin", moment(day), resolution=closed([7, 1, 2]))
    # PII: about 30% false positives, a few left open.
    if day % 2 == 0:
        alert("pii", moment(day), resolution=closed([3, 1, 6]) if day > 3 else 0)
    # OAuth: open, unread for weeks.
    if day % 5 == 0:
        alert("oauth", moment(day), resolution=0, status=0)
    # New risky apps: about 5 a day, silent since 2026-11-12.
    if day > 10:
        for _ in range(4 + (day % 3)):
            alert("newapp", moment(day), resolution=closed([2, 3, 5]))
    # Risky IPs: modest, with some legacy alerts without a resolution.
    if day % 3 == 0:
        alert("risky", moment(day), resolution=closed([1, 1, 8]), legacy=(day % 9 == 0))
    # Built-in alerts no policy file declares.
    if day % 6 == 0:
        alert("builtin", moment(day), resolution=closed([1, 4, 3]),
              title="Activity from infrequent country")
    # The unmanaged Box policy.
    if day % 8 == 0:
        alert("box", moment(day), resolution=closed([2, 2, 2]))

# Impossible Travel alerts that name their policy only by title (upper case).
for day in (40, 20, 5):
    alert("travel", moment(day), resolution=5, by_title_only=True)
# Finance: negative time to resolve (resolveTime before creation, as in the docs sample).
for day in (20, 12):
    alert("finance", moment(day), resolution=5, ttr_hours=-240)
alert("finance", moment(25), resolution=4, ttr_hours=6)
# Finance: a backlog of open alerts older than six months.
for day in (200, 195, 190):
    alert("finance", END - timedelta(days=day, hours=3), resolution=0)
# Ransomware: rare, real.
for day in (60, 59):
    alert("ransom", moment(day), resolution=5, ttr_hours=2)
# System alerts: a connector failure still open, an older one closed.
alert("system", moment(3), resolution=0, status=0, system=True,
      title="App connector error: Box")
alert("system", moment(50), resolution=5, system=True, ttr_hours=5,
      title="Log collector disconnected: Amsterdam office")

alerts.sort(key=lambda a: (a["timestamp"], a["_id"]))
document = {"data": alerts, "hasNext": False, "max": len(alerts), "total": len(alerts),
            "moreThanTotal": False}
with open("snapshots/contoso-alerts.json", "w", encoding="utf-8") as out:
    json.dump(document, out, separators=(",", ":"))
    out.write("\n")
print(f"wrote snapshots/contoso-alerts.json: {len(alerts)} alerts")
