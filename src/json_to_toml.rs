//! JSON values as TOML, for the two places casguard writes policy files from
//! live data: `import` (whole files) and `suggest --adopt-live` (edits of
//! existing files). Both must agree, or an imported file and an adopted edit
//! of the same live value would differ; so there is one converter. Built on
//! `toml_edit`, which also preserves comments and layout when editing.
//!
//! `null` means absent everywhere in casguard, so nulls are left out (a key
//! set to null is removed; nulls inside arrays and tables are dropped).

use serde_json::{Map, Value};
use toml_edit::{Array, ArrayOfTables, InlineTable, Item, Table};

/// A JSON value as an inline TOML value; `None` for `null`.
pub fn value(json: &Value) -> Option<toml_edit::Value> {
    Some(match json {
        Value::Null => return None,
        Value::Bool(b) => toml_edit::Value::from(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml_edit::Value::from(i),
            None => toml_edit::Value::from(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => toml_edit::Value::from(s.as_str()),
        Value::Array(items) => {
            toml_edit::Value::Array(items.iter().filter_map(value).collect::<Array>())
        }
        Value::Object(map) => {
            let mut table = InlineTable::new();
            for (k, v) in map {
                if let Some(v) = value(v) {
                    table.insert(k, v);
                }
            }
            toml_edit::Value::InlineTable(table)
        }
    })
}

/// A JSON object as a standard table: nested objects become sub-tables,
/// arrays of objects arrays of tables, everything else inline values.
pub fn table(map: &Map<String, Value>) -> Table {
    let mut table = Table::new();
    table.set_implicit(true);
    for (key, json) in map {
        match json {
            Value::Null => {}
            Value::Object(inner) => {
                table.insert(key, Item::Table(self::table(inner)));
            }
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
                let mut array = ArrayOfTables::new();
                for item in items.iter().filter_map(Value::as_object) {
                    let mut t = self::table(item);
                    t.set_implicit(false);
                    array.push(t);
                }
                table.insert(key, Item::ArrayOfTables(array));
            }
            other => {
                if let Some(v) = value(other) {
                    table.insert(key, Item::Value(v));
                }
            }
        }
    }
    table
}

/// Sets the value at `keys` (a split policy-file path), creating tables as
/// needed, keeping the old value's comments and inline tables inline. A
/// `null` removes the key.
pub fn set_path(table: &mut Table, keys: &[String], json: &Value) {
    let Some(new) = value(json) else {
        remove_path(table, keys);
        return;
    };
    match keys {
        [] => {}
        [last] => {
            let mut new = new;
            if let Some(Item::Value(old)) = table.get(last) {
                *new.decor_mut() = old.decor().clone();
            }
            table.insert(last, Item::Value(new));
        }
        [first, rest @ ..] => {
            let entry = table.entry(first).or_insert_with(|| {
                let mut t = Table::new();
                t.set_implicit(true);
                Item::Table(t)
            });
            if let Some(inline) = entry.as_inline_table_mut() {
                // Keep inline tables inline: edit through a standard table and convert back.
                let mut standard = inline.clone().into_table();
                set_path(&mut standard, rest, json);
                *entry = Item::Value(toml_edit::Value::InlineTable(standard.into_inline_table()));
                return;
            }
            if !entry.is_table() {
                *entry = Item::Table(Table::new());
            }
            if let Some(child) = entry.as_table_mut() {
                set_path(child, rest, json);
            }
        }
    }
}

/// Puts `comment` (one `# ...` line) above `key` of `table`, whether it
/// is a value, a sub-table or an array of tables.
pub fn annotate(table: &mut Table, key: &str, comment: &str) {
    let prefix = format!("{comment}\n");
    match table.get_mut(key) {
        Some(Item::Table(sub)) => sub.decor_mut().set_prefix(prefix),
        Some(Item::ArrayOfTables(array)) => {
            if let Some(first) = array.get_mut(0) {
                first.decor_mut().set_prefix(prefix);
            }
        }
        Some(_) => {
            if let Some(mut key) = table.key_mut(key) {
                key.leaf_decor_mut().set_prefix(prefix);
            }
        }
        None => {}
    }
}

/// Removes the key at `keys`, if present.
pub fn remove_path(table: &mut Table, keys: &[String]) {
    match keys {
        [] => {}
        [last] => {
            table.remove(last);
        }
        [first, rest @ ..] => {
            if let Some(item) = table.get_mut(first) {
                if let Some(child) = item.as_table_mut() {
                    remove_path(child, rest);
                } else if let Some(inline) = item.as_inline_table_mut() {
                    let mut standard = inline.clone().into_table();
                    remove_path(&mut standard, rest);
                    *item =
                        Item::Value(toml_edit::Value::InlineTable(standard.into_inline_table()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nulls_are_absent() {
        assert!(value(&json!(null)).is_none());
        assert_eq!(
            value(&json!([1, null, "a"])).unwrap().to_string(),
            "[1, \"a\"]"
        );
        let mut doc: toml_edit::DocumentMut = "a = 1 # keep\n[t]\nb = 2\n".parse().unwrap();
        set_path(doc.as_table_mut(), &["t".into(), "b".into()], &json!(null));
        set_path(doc.as_table_mut(), &["a".into()], &json!(2.5));
        assert_eq!(doc.to_string(), "a = 2.5 # keep\n[t]\n");
    }
}
