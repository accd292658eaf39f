//! The profiles: the full experiment, `[quick]` and `[profile.NAME]` merged over it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::*;
use crate::locate::{parse_key, SchemaError, Seg};

/// Which profile of the experiment runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Profile {
    /// The experiment as written.
    Full,
    /// With `[quick]` merged over it (fewer seeds, points, iterations): for CI.
    Quick,
    /// With `[profile.NAME]` merged over it.
    Named(String),
}

impl Profile {
    /// "full", "quick" or the named profile's name.
    pub fn name(&self) -> &str {
        match self {
            Profile::Full => "full",
            Profile::Quick => "quick",
            Profile::Named(n) => n,
        }
    }

    /// Where its table is in the file: nowhere, `[quick]` or `[profile.NAME]`.
    pub(super) fn table_path(&self) -> Vec<Seg> {
        match self {
            Profile::Full => Vec::new(),
            Profile::Quick => vec![Seg::Key("quick".into())],
            Profile::Named(n) => vec![Seg::Key("profile".into()), Seg::Key(n.clone())],
        }
    }
}

impl From<String> for Profile {
    fn from(name: String) -> Self {
        match name.as_str() {
            "full" => Profile::Full,
            "quick" => Profile::Quick,
            _ => Profile::Named(name),
        }
    }
}

impl From<Profile> for String {
    fn from(p: Profile) -> Self {
        p.name().to_string()
    }
}

/// Take the profiles' tables out of `doc`: `[quick]` (empty when absent) and every
/// `[profile.NAME]`, in file order after the quick one.
pub(super) fn profile_tables(
    file: &Path,
    text: &str,
    doc: &mut toml::Table,
) -> Result<Vec<(Profile, toml::Table)>, SchemaError> {
    let at = |path: &[Seg], message: &str| SchemaError::at(file, text, path, message);
    let quick = match doc.remove("quick") {
        None => toml::Table::new(),
        Some(toml::Value::Table(t)) => t,
        Some(_) => return Err(at(&parse_key("quick"), "must be a table")),
    };
    if let Some(k) = quick.keys().find(|k| *k == "quick" || *k == "profile") {
        return Err(at(
            &[Seg::Key("quick".into()), Seg::Key(k.clone())],
            "[quick] cannot nest",
        ));
    }
    let mut out = vec![(Profile::Quick, quick)];
    let named = match doc.remove("profile") {
        None => toml::Table::new(),
        Some(toml::Value::Table(t)) => t,
        Some(_) => {
            return Err(at(
                &parse_key("profile"),
                "must be a table of profiles: [profile.NAME]",
            ))
        }
    };
    for (name, v) in named {
        let path = [Seg::Key("profile".into()), Seg::Key(name.clone())];
        if name == "full" || name == "quick" {
            return Err(at(
                &path,
                "the full profile is the file itself and the quick one is [quick]; give this profile another name",
            ));
        }
        if let Some(problem) = name_problem(&name, false, "its run directories, <profile>-<hash>") {
            return Err(at(&path, &problem));
        }
        let toml::Value::Table(t) = v else {
            return Err(at(
                &path,
                "must be a table, merged over the file like [quick]",
            ));
        };
        if let Some(k) = t.keys().find(|k| *k == "quick" || *k == "profile") {
            let mut p = path.to_vec();
            p.push(Seg::Key(k.clone()));
            return Err(at(&p, "a profile cannot nest profiles"));
        }
        out.push((Profile::Named(name), t));
    }
    Ok(out)
}

/// The experiment file's document with a profile merged over it.
pub(super) struct ProfiledDocument {
    /// The document with the profile's table merged over it (without `[quick]` and
    /// `[profile]`).
    pub doc: toml::Table,
    /// The document as written (without `[quick]` and `[profile]`).
    pub base: toml::Table,
    /// Every profile's table: `[quick]` first, then each `[profile.NAME]` in file order.
    pub overlays: Vec<(Profile, toml::Table)>,
    /// The names of the named profiles.
    pub profiles: Vec<String>,
}

impl ProfiledDocument {
    /// Parses experiment `text` (read from `file`) and merges `profile` over it.
    pub fn read(file: &Path, text: &str, profile: &Profile) -> Result<Self, SchemaError> {
        let mut doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            json_instead_of_toml(file, text).unwrap_or_else(|| SchemaError {
                file: file.to_path_buf(),
                line: e.span().map(|s| crate::locate::line_at(text, s.start)),
                key: None,
                message: e.message().to_string(),
            })
        })?;
        let overlays = profile_tables(file, text, &mut doc)?;
        let profiles: Vec<String> = overlays
            .iter()
            .filter_map(|(p, _)| match p {
                Profile::Named(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        let base = doc.clone();
        if *profile != Profile::Full {
            let Some((_, table)) = overlays.iter().find(|(p, _)| p == profile) else {
                let mut known = vec!["full".to_string(), "quick".to_string()];
                known.extend(profiles.iter().cloned());
                return Err(SchemaError::file(
                    file,
                    format!(
                        "no profile {:?} (the profiles are {}; a named profile is a [profile.NAME] table)",
                        profile.name(),
                        known.join(", ")
                    ),
                ));
            };
            merge(&mut doc, table);
        }
        Ok(Self {
            doc,
            base,
            overlays,
            profiles,
        })
    }
}
