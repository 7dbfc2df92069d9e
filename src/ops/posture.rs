//! Posture from Microsoft Graph: Secure Score per product (MCAS, MDA_<App>,
//! AppG; mdca-ops.md 1.9) and message-center posts about Defender for Cloud
//! Apps (1.10), each compared with the previous run.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::fields::{self, get, message, score, Reader};
use super::{count, date, items, Checked, OpsInput};
use crate::model::ProductScore;
use crate::registry as r;

const DAY_MS: i64 = 24 * 3_600_000;

/// Whether a Secure Score `service` belongs to Defender for Cloud Apps.
fn is_mdca_product(service: &str) -> bool {
    service == "MCAS" || service.starts_with("MDA_") || service == "AppG"
}

/// Control id -> (product, max points), from the control profiles.
fn profiles(items: &[Value]) -> BTreeMap<String, (String, f64)> {
    items
        .iter()
        .filter(|p| get(p, &score::DEPRECATED).and_then(fields::boolean) != Some(true))
        .filter_map(|p| {
            let id = get(p, &score::PROFILE_ID).and_then(fields::text)?;
            let service = get(p, &score::SERVICE).and_then(fields::text)?;
            let max = get(p, &score::MAX).and_then(fields::number).unwrap_or(0.0);
            Some((id, (service, max)))
        })
        .collect()
}

/// Control id -> points scored, from the newest daily score. A control
/// without `score` falls back on its percentage of the profile's maximum.
fn control_points(
    scores: &[Value],
    profiles: &BTreeMap<String, (String, f64)>,
) -> BTreeMap<String, f64> {
    let Some(latest) = scores.first() else {
        return BTreeMap::new();
    };
    let controls = get(latest, &score::CONTROLS)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    controls
        .iter()
        .filter_map(|c| {
            let id = get(c, &score::CONTROL).and_then(fields::text)?;
            let points = get(c, &score::POINTS)
                .and_then(fields::number)
                .or_else(|| {
                    let percent = get(c, &score::PERCENT).and_then(fields::number)?;
                    Some(percent / 100.0 * profiles.get(&id)?.1)
                })?;
            Some((id, points))
        })
        .collect()
}

/// Points per product, for the products of Defender for Cloud Apps.
fn products(
    points: &BTreeMap<String, f64>,
    profiles: &BTreeMap<String, (String, f64)>,
) -> BTreeMap<String, ProductScore> {
    let mut out: BTreeMap<String, ProductScore> = BTreeMap::new();
    for (id, (service, max)) in profiles {
        if !is_mdca_product(service) {
            continue;
        }
        let row = out.entry(service.clone()).or_insert_with(|| ProductScore {
            product: service.clone(),
            points: 0.0,
            max_points: 0.0,
            previous_points: None,
            controls: 0,
            zero_controls: Vec::new(),
        });
        row.max_points += max;
        row.controls += 1;
        if let Some(p) = points.get(id) {
            row.points += p;
            if *p <= 0.0 && *max > 0.0 {
                row.zero_controls.push(id.clone());
            }
        }
    }
    out
}

/// Points per product, controls at 0 %, and what changed since the last run.
pub(crate) fn secure_score(input: &OpsInput<'_>) -> Checked {
    let scores = items(input, "secure_scores");
    let profile_items = items(input, "secure_score_profiles");
    let reader = Reader::new("secure_scores", scores);
    let profile_reader = Reader::new("secure_score_profiles", profile_items);
    if let Err(reason) = reader
        .need(&score::CONTROLS)
        .and(profile_reader.need(&score::SERVICE))
        .and(profile_reader.need(&score::MAX))
    {
        return Checked::unavailable(reason);
    }
    if scores.is_empty() {
        return Checked::unavailable(
            "Graph returned no Secure Score (is the tenant licensed?)".into(),
        );
    }
    let profiles = profiles(profile_items);
    let points = control_points(scores, &profiles);
    let mut rows = products(&points, &profiles);
    let previous: Option<PreviousScore> = match (
        input.previous.get("secure_scores"),
        input.previous.get("secure_score_profiles"),
    ) {
        (Some(s), Some(p)) => {
            let before_profiles = self::profiles(&p.items);
            let before = control_points(&s.items, &before_profiles);
            let rows = products(&before, &before_profiles);
            Some((s.fetched_at.clone(), before, rows))
        }
        _ => None,
    };
    let mut checked = Checked::default();
    for row in rows.values_mut() {
        if let Some(previous) = &previous {
            compare(
                row,
                previous,
                input.thresholds.score_drop_points,
                &mut checked,
            );
        }
        if !row.zero_controls.is_empty() {
            checked.finding(
                &r::OPS082,
                format!(
                    "{}: {} of {} at 0 %: {}",
                    row.product,
                    row.zero_controls.len(),
                    count(row.controls, "control"),
                    row.zero_controls.join(", ")
                ),
                None,
            );
        }
    }
    if previous.is_none() {
        checked
            .notes
            .push("no previous run: score drops are measured from the next run on".into());
    }
    let unscored = profiles
        .iter()
        .filter(|(id, (service, _))| is_mdca_product(service) && !points.contains_key(*id))
        .count();
    if unscored > 0 {
        checked.notes.push(format!(
            "{} of Defender for Cloud Apps have no score in the newest daily Secure Score",
            count(unscored, "control")
        ));
    }
    let mut rows: Vec<ProductScore> = rows.into_values().collect();
    rows.sort_by(|a, b| {
        b.max_points
            .total_cmp(&a.max_points)
            .then(a.product.cmp(&b.product))
    });
    let (got, max) = rows
        .iter()
        .fold((0.0, 0.0), |(g, m), r| (g + r.points, m + r.max_points));
    checked.looked_at = format!(
        "{}: {got:.1} of {max:.1} points",
        count(rows.len(), "product")
    );
    checked.scores = rows;
    checked
}

/// The previous run: when, points per control, rows per product.
type PreviousScore = (
    String,
    BTreeMap<String, f64>,
    BTreeMap<String, ProductScore>,
);

/// OPS081 for a product that lost points, OPS083 for its controls that fell to 0 %.
fn compare(
    row: &mut ProductScore,
    previous: &PreviousScore,
    tolerance: f64,
    checked: &mut Checked,
) {
    let (at, before_points, before_rows) = previous;
    if let Some(before) = before_rows.get(&row.product) {
        row.previous_points = Some(before.points);
        let drop = before.points - row.points;
        if drop > tolerance && drop > 0.0 {
            checked.finding(
                &r::OPS081,
                format!(
                    "Secure Score of {} dropped from {:.1} to {:.1} points since {at}",
                    row.product, before.points, row.points
                ),
                None,
            );
        }
    }
    for control in &row.zero_controls {
        if before_points.get(control).is_some_and(|p| *p > 0.0) {
            checked.finding(
                &r::OPS083,
                format!(
                    "Secure Score control `{control}` ({}) fell to 0 % since {at}",
                    row.product
                ),
                None,
            );
        }
    }
}

/// Words that mark a post as about Defender for Cloud Apps: the service's
/// name in `services[]` is unverified, so titles count too.
const MDCA_WORDS: [&str; 4] = [
    "defender for cloud apps",
    "cloud app security",
    "mcas",
    "mdca",
];

fn about_mdca(post: &Value) -> bool {
    let services = get(post, &message::SERVICES)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let title = get(post, &message::TITLE)
        .and_then(fields::text)
        .unwrap_or_default()
        .to_ascii_lowercase();
    services
        .iter()
        .filter_map(fields::text)
        .map(|s| s.to_ascii_lowercase())
        .any(|s| MDCA_WORDS.iter().any(|w| s.contains(w)))
        || MDCA_WORDS.iter().any(|w| title.contains(w))
}

/// `id@lastModifiedDateTime`: a post changes when it is updated.
fn version(post: &Value) -> Option<String> {
    let id = get(post, &message::ID).and_then(fields::text)?;
    let modified = get(post, &message::MODIFIED)
        .and_then(fields::text)
        .unwrap_or_default();
    Some(format!("{id}@{modified}"))
}

/// New or updated posts about MDCA since the last run, and actions due soon.
pub(crate) fn message_center(input: &OpsInput<'_>) -> Checked {
    let posts = items(input, "message_center");
    let reader = Reader::new("message_center", posts);
    if let Err(reason) = reader.need(&message::ID).and(reader.need(&message::TITLE)) {
        return Checked::unavailable(reason);
    }
    let now = input.now.as_millisecond();
    let seen: Option<(String, BTreeSet<String>)> = input.previous.get("message_center").map(|p| {
        (
            p.fetched_at.clone(),
            p.items.iter().filter_map(version).collect(),
        )
    });
    let recent_ms = input.thresholds.system_alert_days * DAY_MS;
    let mut checked = Checked::default();
    let mut relevant = 0;
    for post in posts.iter().filter(|p| about_mdca(p)) {
        relevant += 1;
        let id = get(post, &message::ID)
            .and_then(fields::text)
            .unwrap_or_default();
        let title = crate::textutil::clip(
            &get(post, &message::TITLE)
                .and_then(fields::text)
                .unwrap_or_default(),
            120,
        );
        let modified = get(post, &message::MODIFIED).and_then(fields::time_ms);
        let is_new = match &seen {
            Some((_, versions)) => version(post).is_some_and(|v| !versions.contains(&v)),
            None => modified.is_some_and(|m| now - m <= recent_ms),
        };
        if is_new {
            checked.finding(
                &r::OPS091,
                format!(
                    "{id} \"{title}\"{}",
                    modified.map_or(String::new(), |m| format!(", updated {}", date(m)))
                ),
                None,
            );
        }
        if let Some(due) = get(post, &message::ACTION_BY).and_then(fields::time_ms) {
            if due >= now && due - now <= input.thresholds.action_due_days * DAY_MS {
                checked.finding(
                    &r::OPS092,
                    format!("{id} \"{title}\": action required by {}", date(due)),
                    None,
                );
            }
        }
    }
    if seen.is_none() {
        checked.notes.push(format!(
            "no previous run: posts updated in the last {} days count as new",
            input.thresholds.system_alert_days
        ));
    }
    if reader.need(&message::SERVICES).is_err() {
        checked
            .notes
            .push("posts have no `services`: matched on titles only".into());
    }
    checked.looked_at = format!(
        "{} read, {relevant} about Defender for Cloud Apps",
        count(posts.len(), "post")
    );
    checked
}
