//! The one table that maps policy-file (TOML) fields to live MDCA JSON fields,
//! and the one list of server-managed live fields.
//!
//! The live policy JSON is only partly documented (mdca-api.md section 4), so
//! every assumption about field names lives here, with its status, and is
//! corrected in one place when a real tenant shows otherwise. The loader uses
//! the table to refuse `[extra]` keys that shadow a modeled field; drift uses
//! it to bring both sides into one canonical form.

/// How sure we are of a live field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    Verified,
    Assumed,
}

/// One modeled field: its TOML path and its live JSON name.
#[derive(Debug, Clone, Copy)]
pub struct FieldMapping {
    pub toml_path: &'static str,
    pub live_field: &'static str,
    pub evidence: Evidence,
}

/// TOML path <-> live JSON field, per DESIGN.md "Concepts".
pub const FIELD_MAP: &[FieldMapping] = &[
    FieldMapping {
        toml_path: "id",
        live_field: "_id",
        evidence: Evidence::Verified,
    },
    FieldMapping {
        toml_path: "name",
        live_field: "name",
        evidence: Evidence::Verified,
    },
    FieldMapping {
        toml_path: "type",
        live_field: "policyType",
        evidence: Evidence::Verified,
    },
    FieldMapping {
        toml_path: "enabled",
        live_field: "enabled",
        evidence: Evidence::Verified,
    },
    FieldMapping {
        toml_path: "severity",
        live_field: "severity",
        evidence: Evidence::Verified,
    },
    FieldMapping {
        toml_path: "description",
        live_field: "description",
        evidence: Evidence::Verified,
    },
    FieldMapping {
        toml_path: "alerts.enabled",
        live_field: "alertsEnabled",
        evidence: Evidence::Verified,
    },
    FieldMapping {
        toml_path: "alerts.email_recipients",
        live_field: "alertEmailRecipients",
        evidence: Evidence::Assumed,
    },
    FieldMapping {
        toml_path: "alerts.daily_limit",
        live_field: "dailyAlertLimit",
        evidence: Evidence::Assumed,
    },
    FieldMapping {
        toml_path: "filters",
        live_field: "filters",
        evidence: Evidence::Verified,
    },
];

/// The modeled field a live JSON name maps to, if any (exact, case-sensitive).
pub fn mapping_for_live_field(live_field: &str) -> Option<&'static FieldMapping> {
    FIELD_MAP.iter().find(|m| m.live_field == live_field)
}

/// Live fields the server manages (ids, tenant ids, timestamps, counters):
/// never part of desired state and dropped before comparing.
pub fn is_server_managed(live_field: &str) -> bool {
    const EXACT: &[&str] = &["_id", "_tid", "timestamp"];
    const PREFIXES: &[&str] = &["created", "lastModified", "lastUpdated", "modified"];
    EXACT.contains(&live_field)
        || PREFIXES.iter().any(|p| live_field.starts_with(p))
        || live_field.ends_with("Count")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_managed_fields() {
        for field in [
            "_id",
            "_tid",
            "createdDate",
            "lastModified",
            "lastUpdatedTimestamp",
            "modifiedBy",
            "alertsCount",
            "timestamp",
        ] {
            assert!(is_server_managed(field), "{field}");
        }
        for field in [
            "name",
            "filters",
            "alertsEnabled",
            "governanceActions",
            "counter",
        ] {
            assert!(!is_server_managed(field), "{field}");
        }
    }

    #[test]
    fn every_live_field_maps_once() {
        for m in FIELD_MAP {
            assert_eq!(
                mapping_for_live_field(m.live_field).unwrap().toml_path,
                m.toml_path
            );
        }
    }
}
