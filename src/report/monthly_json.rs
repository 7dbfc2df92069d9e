//! `report monthly --format json`: versioned and documented in the README
//! ("The monthly report"). `kpis` is an object keyed by figure, each with
//! `value` and `previous`; everything else is the report's own shape.

use serde_json::{json, Map, Value};

use crate::model::MonthlyReport;

pub fn render(report: &MonthlyReport) -> String {
    let kpis: Map<String, Value> = report
        .kpis
        .iter()
        .map(|k| {
            (
                k.key.clone(),
                json!({
                    "label": k.label,
                    "value": k.value,
                    "previous": k.previous,
                    "unit": k.unit,
                    "higher_is_better": k.higher_is_better,
                    "series": k.series.iter().map(|(m, v)| json!({"month": m, "value": v})).collect::<Vec<_>>(),
                    "note": k.note,
                }),
            )
        })
        .collect();
    let document = json!({
        "version": 1,
        "tool": {"name": "casguard", "version": env!("CARGO_PKG_VERSION")},
        "command": "report monthly",
        "month": report.month,
        "previous_month": report.previous_month,
        "from": report.from,
        "to": report.to,
        "tenant": report.tenant,
        "kpis": kpis,
        "incident_types": report.incident_types,
        "trends": report.trends,
        "policy_health": report.policy_health,
        "recommendations": report.recommendations,
        "configuration": report.configuration,
        "platform": report.platform,
        "threat_notes": report.threat_notes,
        "sources": report.sources,
        "appendix": report.appendix,
        "missing": report.missing,
    });
    let mut text = serde_json::to_string_pretty(&document).expect("the report serializes");
    text.push('\n');
    text
}
