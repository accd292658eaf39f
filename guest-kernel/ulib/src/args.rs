//! Program arguments as `key=value` words, the form the experiment runner passes
//! (`program seed=3 connections=64 ...`), with one error message per bad word.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// The `key=value` arguments of a program (its name, `args[0]`, left out).
pub struct KeyValues<'a> {
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> KeyValues<'a> {
    /// Parses `args[1..]`; every word must be `key=value` with a key from `known`.
    pub fn parse(args: &[&'a str], known: &[&str]) -> Result<KeyValues<'a>, String> {
        let mut pairs = Vec::new();
        for arg in args.iter().skip(1) {
            let (key, value) = arg
                .split_once('=')
                .ok_or_else(|| format!("argument `{arg}` is not key=value"))?;
            if !known.contains(&key) {
                return Err(format!(
                    "unknown argument `{key}` (known: {})",
                    known.join(", ")
                ));
            }
            pairs.push((key, value));
        }
        Ok(KeyValues { pairs })
    }

    /// The last value given for `key`, or `default`.
    pub fn text(&self, key: &str, default: &'a str) -> &'a str {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map_or(default, |(_, v)| v)
    }

    /// The number given for `key`, or `default`.
    pub fn number(&self, key: &str, default: u64) -> Result<u64, String> {
        match self.pairs.iter().rev().find(|(k, _)| *k == key) {
            None => Ok(default),
            Some((_, v)) => v
                .parse()
                .map_err(|_| format!("{key}: `{v}` is not a number")),
        }
    }
}
