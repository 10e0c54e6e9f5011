//! Versioned JSON documents (model, session and playlist files): parse with errors that name the
//! file, line and column, then check the `format` and `version` fields.

use serde::de::DeserializeOwned;

/// A document with a format name and a version number.
pub trait Versioned {
    fn format(&self) -> &str;
    fn version(&self) -> u32;
}

/// Parses `bytes` as a `T` of format `format` and version `version`; `name` labels errors and
/// `kind` names the document in the version message ("session version 7 is not supported").
pub fn parse<T: DeserializeOwned + Versioned>(
    bytes: &[u8],
    name: &str,
    kind: &str,
    format: &str,
    version: u32,
) -> Result<T, String> {
    let doc: T = serde_json::from_slice(bytes)
        .map_err(|e| format!("{name}: line {}, column {}: {e}", e.line(), e.column()))?;
    if doc.format() != format {
        return Err(format!(
            "{name}: format is '{}', expected '{format}'",
            doc.format()
        ));
    }
    if doc.version() != version {
        return Err(format!(
            "{name}: {kind} version {} is not supported (this build reads version {version})",
            doc.version()
        ));
    }
    Ok(doc)
}
