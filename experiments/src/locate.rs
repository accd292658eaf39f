//! Errors that name the file, line and key: every problem with an experiment file (or the
//! machine configuration it names) is reported as `FILE:LINE: KEY: reason`.
//!
//! `toml` reports lines only for syntax errors, so keys are located after the fact: a key
//! path (from `serde_path_to_error`, or the key a check names) is looked up in the document
//! parsed by `toml_edit`, which keeps every key's byte span.

use std::fmt;
use std::path::{Path, PathBuf};

use toml_edit::{ImDocument, Item, TableLike};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// Split a dotted key such as `machine.hart_frequencies[0]` or `plot[2].kind` into steps.
pub fn parse_key(key: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in key.split('.') {
        let mut rest = part;
        if let Some(open) = rest.find('[') {
            out.push(Seg::Key(rest[..open].to_string()));
            rest = &rest[open..];
            while let Some(close) = rest.find(']') {
                if let Ok(i) = rest[1..close].parse() {
                    out.push(Seg::Index(i));
                }
                rest = &rest[close + 1..];
                if !rest.starts_with('[') {
                    break;
                }
            }
        } else {
            out.push(Seg::Key(rest.to_string()));
        }
    }
    out
}

/// A key path as written in messages: `a.b[1].c`.
pub fn key_text(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// The steps of a `serde_path_to_error` path, under `prefix`.
pub fn serde_path(prefix: &[Seg], path: &serde_path_to_error::Path) -> Vec<Seg> {
    use serde_path_to_error::Segment;
    let mut out = prefix.to_vec();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push(Seg::Index(*index)),
            Segment::Map { key } => out.push(Seg::Key(key.clone())),
            Segment::Enum { variant } => out.push(Seg::Key(variant.clone())),
            Segment::Unknown => {}
        }
    }
    out
}

/// 1-based line of byte `offset` in `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The line where `path` is written in the TOML `text`: the key itself when it is there, or
/// the deepest enclosing key or table that is (for a missing key, where it belongs).
pub fn line_of(text: &str, path: &[Seg]) -> Option<usize> {
    let doc = ImDocument::parse(text).ok()?;
    let mut best = None;
    let mut item: Option<&Item> = None;
    let mut table: Option<&dyn TableLike> = Some(doc.as_table());
    for seg in path {
        match seg {
            Seg::Key(k) => {
                let Some((key, next)) = table.and_then(|t| t.get_key_value(k)) else {
                    break;
                };
                best = key.span().or_else(|| next.span()).or(best);
                table = next.as_table_like();
                item = Some(next);
            }
            Seg::Index(i) => {
                let Some(it) = item else { break };
                if let Some(t) = it.as_array_of_tables().and_then(|a| a.get(*i)) {
                    best = t.span().or(best);
                    table = Some(t);
                    item = None;
                } else if let Some(v) = it.as_array().and_then(|a| a.get(*i)) {
                    best = v.span().or(best);
                    table = v.as_inline_table().map(|t| t as &dyn TableLike);
                    item = None;
                } else {
                    break;
                }
            }
        }
    }
    best.map(|span| line_at(text, span.start))
}

/// A problem in an experiment file (or a file it names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The file.
    pub file: PathBuf,
    /// The line, when known.
    pub line: Option<usize>,
    /// The key, when known.
    pub key: Option<String>,
    /// The reason.
    pub message: String,
}

impl SchemaError {
    /// An error at `path` in `file`, whose text is `text`.
    pub fn at(file: &Path, text: &str, path: &[Seg], message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line: line_of(text, path),
            key: (!path.is_empty()).then(|| key_text(path)),
            message: message.into(),
        }
    }

    /// An error about `file` as a whole.
    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line: None,
            key: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        match &self.key {
            // Messages that start with their key ("machine.harts = 0: ...") name it already.
            Some(key) if !self.message.starts_with(key.as_str()) => {
                write!(f, ": {key}: {}", self.message)
            }
            _ => write!(f, ": {}", self.message),
        }
    }
}

impl std::error::Error for SchemaError {}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "[experiment]\nname = \"x\"\n\n[sweep]\nuintr.send_visibility_cycles = [1, 2]\n\
                       \"machine.harts\" = [1]\n\n[[plot]]\nkind = \"cdf\"\n\n[[plot]]\nkind = \"box\"\n\
                       filter = { x = 1 }\n";

    #[test]
    fn keys_parse_and_print() {
        let p = parse_key("machine.hart_frequencies[0]");
        assert_eq!(
            p,
            [
                Seg::Key("machine".into()),
                Seg::Key("hart_frequencies".into()),
                Seg::Index(0)
            ]
        );
        assert_eq!(key_text(&p), "machine.hart_frequencies[0]");
        assert_eq!(key_text(&parse_key("plot[1].kind")), "plot[1].kind");
    }

    #[test]
    fn finds_lines_of_keys_tables_and_array_entries() {
        let line = |k: &str| line_of(DOC, &parse_key(k));
        assert_eq!(line("experiment.name"), Some(2));
        assert_eq!(line("experiment.seeds"), Some(1), "missing: its table");
        assert_eq!(line("sweep.uintr.send_visibility_cycles"), Some(5));
        let quoted = [Seg::Key("sweep".into()), Seg::Key("machine.harts".into())];
        assert_eq!(line_of(DOC, &quoted), Some(6));
        assert_eq!(line("plot[1].kind"), Some(12));
        assert_eq!(line("plot[1].filter.x"), Some(13));
        assert_eq!(line("plot[0]"), Some(8));
        assert_eq!(line("nothing"), None);
    }

    #[test]
    fn errors_print_file_line_and_key() {
        let e = SchemaError::at(
            Path::new("e.toml"),
            DOC,
            &parse_key("plot[1].kind"),
            "unknown",
        );
        assert_eq!(e.to_string(), "e.toml:12: plot[1].kind: unknown");
        assert_eq!(
            SchemaError::file(Path::new("e.toml"), "gone").to_string(),
            "e.toml: gone"
        );
        let e = SchemaError::at(
            Path::new("e.toml"),
            DOC,
            &parse_key("experiment.name"),
            "experiment.name = 3: bad",
        );
        assert_eq!(e.to_string(), "e.toml:2: experiment.name = 3: bad");
    }
}
