//! Names that become file and directory names (experiments, figures, profiles, metrics).

/// Longest name that becomes part of a file or directory name (experiment, figure and
/// metric names), far below any file system's limit with the run's paths around it.
pub const NAME_MAX: usize = 64;

/// Why `name` is not a portable file name, if it is not: 1 to [`NAME_MAX`] ASCII letters,
/// digits, '_', '-' (and '.' when `dot`), starting with a letter or digit, so it means the
/// same file everywhere and no shell or file system treats it specially. `names` says what
/// the name becomes, for the message.
pub fn name_problem(name: &str, dot: bool, names: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || (dot && c == '.');
    let ok = (1..=NAME_MAX).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(allowed);
    if ok {
        return reserved_on_windows(name).then(|| {
            format!(
                "{name:?} is not a portable file name (Windows reserves it, with any \
                 extension); it names {names}"
            )
        });
    }
    const SHOWN: usize = 24;
    let chars = name.chars().count();
    let shown = if chars > SHOWN {
        let head: String = name.chars().take(SHOWN).collect();
        format!("{head:?}... ({chars} characters)")
    } else {
        format!("{name:?}")
    };
    Some(format!(
        "{shown} is not a portable file name (1 to {NAME_MAX} letters, digits, {}'_' or '-', \
         starting with a letter or digit); it names {names}",
        if dot { "'.', " } else { "" }
    ))
}

/// Whether Windows reserves `name` for a device (CON, PRN, AUX, NUL, COM1-9, LPT1-9, in any
/// case, also with an extension), so no file of that name can be made there.
fn reserved_on_windows(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).to_ascii_uppercase();
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && matches!(stem.as_bytes()[3], b'1'..=b'9'))
}
