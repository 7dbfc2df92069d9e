//! Reading alerts from a file for `casguard alerts import`: what people
//! already have. A raw dump of the list endpoint (`{"data": [...]}`, as the
//! MCAS PowerShell module and scripts save pages), a bare array, a single
//! alert (`GET /api/v1/alerts/<id>/`), or NDJSON (one alert per line, what
//! `export` writes). Windows PowerShell's `Out-File` writes UTF-16 with a
//! byte order mark, and many editors a UTF-8 BOM: all are decoded first, so
//! a syntax error's line and column refer to the decoded text.

use serde_json::Value;

use super::ArchiveError;

const HELP_FORMS: &str = "expected a `{\"data\": [...]}` dump of /api/v1/alerts/, a JSON array of alerts, one alert object, or NDJSON (one alert per line)";

/// The alerts in `bytes`, each a JSON object, in file order. `origin`
/// names the file in errors. Whether each alert has what the archive needs
/// (`_id`, `timestamp`) is checked by `Archive::store`, by index.
pub fn parse_dump(bytes: &[u8], origin: &str) -> Result<Vec<Value>, ArchiveError> {
    let fail = |detail: String, help: &'static str| ArchiveError::Dump {
        origin: origin.to_string(),
        detail,
        help,
    };
    let text = crate::textutil::decode_text(bytes).map_err(|detail| {
        fail(
            detail,
            "save the file as UTF-8 (PowerShell: `Out-File -Encoding utf8`), or export it again",
        )
    })?;
    let mut values = Vec::new();
    for value in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
        values.push(value.map_err(|e| {
            let (detail, help) = crate::textutil::describe_json_error(&e);
            fail(detail, help)
        })?);
    }
    alerts(values).map_err(|detail| fail(detail, HELP_FORMS))
}

/// Interprets the top-level values of the file: usually one; several are
/// NDJSON or pages appended to one file, each read the same way.
fn alerts(values: Vec<Value>) -> Result<Vec<Value>, String> {
    if values.is_empty() {
        return Err("the file holds no JSON at all (it is empty)".into());
    }
    let several = values.len() > 1;
    let mut alerts = Vec::new();
    for (n, value) in values.into_iter().enumerate() {
        alerts.extend(one_value(value).map_err(|e| match several {
            true => format!("JSON value #{} (from 1) of the file: {e}", n + 1),
            false => e,
        })?);
    }
    Ok(alerts)
}

fn one_value(value: Value) -> Result<Vec<Value>, String> {
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut object) if object.contains_key("data") => match object.remove("data") {
            Some(Value::Array(items)) => items,
            _ => return Err("`data` is not an array".into()),
        },
        alert if is_alert(&alert) => return Ok(vec![alert]),
        Value::Object(object) => {
            let keys: Vec<&str> = object.keys().take(5).map(String::as_str).collect();
            return Err(format!(
                "a JSON object that is neither a `{{\"data\": [...]}}` dump nor an alert (no `_id`; its keys: {})",
                keys.join(", ")
            ));
        }
        other => return Err(format!("{}, not alerts", crate::model::json_kind(&other))),
    };
    match items.iter().position(|item| !item.is_object()) {
        Some(i) => Err(format!(
            "item [{i}] is {}, not an alert object",
            crate::model::json_kind(&items[i])
        )),
        None => Ok(items),
    }
}

fn is_alert(value: &Value) -> bool {
    value.get("_id").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/alerts/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(path).unwrap()
    }

    fn detail(error: ArchiveError) -> String {
        match error {
            ArchiveError::Dump { detail, .. } => detail,
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn reads_the_list_envelope_a_single_alert_and_an_array() {
        let list = parse_dump(&fixture("mdca-alerts.list.docs.json"), "list.json").unwrap();
        let envelope: Value =
            serde_json::from_slice(&fixture("mdca-alerts.list.docs.json")).unwrap();
        assert_eq!(Value::Array(list.clone()), envelope["data"]);
        assert!(!list.is_empty());
        let one = parse_dump(&fixture("mdca-alert.get.docs.json"), "one.json").unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0]["_id"], "603f704aaf7417985bbf3b22");
        let xsoar = parse_dump(&fixture("mdca-alert.get.xsoar.json"), "x.json").unwrap();
        let array = serde_json::to_vec(&[&one[0], &xsoar[0]]).unwrap();
        assert_eq!(
            parse_dump(&array, "array.json").unwrap(),
            [one[0].clone(), xsoar[0].clone()]
        );
    }

    #[test]
    fn reads_ndjson() {
        let one = parse_dump(&fixture("mdca-alert.get.docs.json"), "a").unwrap();
        let xsoar = parse_dump(&fixture("mdca-alert.get.xsoar.json"), "b").unwrap();
        let text = format!("{}\n{}\n", one[0], xsoar[0]);
        assert_eq!(
            parse_dump(text.as_bytes(), "x.ndjson").unwrap(),
            [one[0].clone(), xsoar[0].clone()]
        );
        let bad = format!("{}\n[1]\n", one[0]);
        let message = detail(parse_dump(bad.as_bytes(), "x").unwrap_err());
        assert!(message.contains("value #2"), "{message}");
        assert!(message.contains("item [0] is a number"), "{message}");
        let pages = format!("{{\"data\": [{}]}}\n{{\"data\": [{}]}}", one[0], xsoar[0]);
        assert_eq!(parse_dump(pages.as_bytes(), "pages").unwrap().len(), 2);
    }

    #[test]
    fn decodes_a_utf8_bom_and_utf16_with_a_bom() {
        let bytes = fixture("mdca-alert.get.xsoar.json");
        let expected = parse_dump(&bytes, "plain").unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        let with_bom = [&[0xEF, 0xBB, 0xBF][..], &bytes].concat();
        assert_eq!(parse_dump(&with_bom, "bom").unwrap(), expected);
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            le.extend(unit.to_le_bytes());
            be.extend(unit.to_be_bytes());
        }
        assert_eq!(parse_dump(&le, "le").unwrap(), expected);
        assert_eq!(parse_dump(&be, "be").unwrap(), expected);
        le.pop();
        assert!(detail(parse_dump(&le, "odd").unwrap_err()).contains("cut off"));
        let no_bom: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(detail(parse_dump(&no_bom, "nobom").unwrap_err()).contains("UTF-16"));
    }

    #[test]
    fn utf16_errors_name_the_line_and_column_of_the_decoded_text() {
        let text = "{\"data\": [\n  {\"_id\": \"a\"},\n  {\"_id\": \"b\" \"x\": 1}\n]}";
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let message = detail(parse_dump(&utf16, "ps.json").unwrap_err());
        assert!(message.contains("line 3, column 15"), "{message}");
        assert!(!message.contains("ends early"), "{message}");
    }

    #[test]
    fn truncation_is_claimed_only_when_the_input_ends_early() {
        let bytes = fixture("mdca-alerts.list.docs.json");
        let cut = detail(parse_dump(&bytes[..bytes.len() / 2], "cut").unwrap_err());
        assert!(cut.contains("ends early"), "{cut}");
        let broken = detail(parse_dump(b"[{\"_id\": \"a\"},, {}]", "bad").unwrap_err());
        assert!(broken.contains("line 1, column 15"), "{broken}");
        assert!(!broken.contains("ends early"), "{broken}");
        let empty = detail(parse_dump(b" \n", "empty").unwrap_err());
        assert!(empty.contains("empty"), "{empty}");
    }

    #[test]
    fn other_objects_are_refused_clearly() {
        let message = detail(
            parse_dump(&fixture("mdca-alerts.close-responses.xsoar.json"), "c").unwrap_err(),
        );
        assert!(message.contains("neither"), "{message}");
        assert!(message.contains("CLOSE_BENIGN_SUCCESS"), "{message}");
        assert!(detail(parse_dump(b"{\"data\": 3}", "d").unwrap_err()).contains("not an array"));
        assert!(detail(parse_dump(b"[{}, 2]", "e").unwrap_err()).contains("item [1] is a number"));
        assert!(detail(parse_dump(b"\"x\"", "f").unwrap_err()).contains("a string, not alerts"));
    }
}
