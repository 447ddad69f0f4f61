//! Secrets in the config file: where each is read from, never its value.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

use crate::issues::Issues;

/// Where a secret is read from: `{ env = "NAME" }` (an environment variable) or
/// `{ file = "/path" }` (a file readable by its owner alone; a trailing line break is not part
/// of the secret). A plain string in the file is read as [`SecretRef::Inline`] so that it can be
/// refused naming its key, and its text is held as a secret meanwhile: it never reaches an error,
/// a log or `Debug`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SecretRef {
    /// `{ env = "NAME" }`.
    Env(String),
    /// `{ file = "/path" }`.
    File(PathBuf),
    /// A plain string. Refused where a secret is expected; where a key takes either a value or a
    /// secret (`store.postgres`, a URL that may hold no password), the value.
    Inline(SecretString),
}

/// How to write a secret, for the errors.
const HOW: &str = "give it as { env = \"NAME\" } or { file = \"/path\" }";

impl SecretRef {
    /// The secret, or `None` with the problem noted against `key`: a plain string, an unset
    /// variable, a file that cannot be read or that its group or others may read, an empty value.
    pub(crate) fn resolve(&self, key: &str, issues: &mut Issues) -> Option<SecretString> {
        match self {
            Self::Inline(_) => {
                issues.push(
                    key,
                    format!("a secret cannot be written in the config file; {HOW}"),
                );
                None
            }
            Self::Env(_) | Self::File(_) => self.read(key, issues),
        }
    }

    /// The value from wherever it is, a plain string included; problems noted against `key`.
    pub(crate) fn read(&self, key: &str, issues: &mut Issues) -> Option<SecretString> {
        let value = match self {
            Self::Inline(value) => return Some(value.clone()),
            Self::Env(name) => issues.check(key, from_env(name))?,
            Self::File(path) => issues.check(key, from_file(path))?,
        };
        if value.expose_secret().trim().is_empty() {
            issues.push(key, format!("{} is empty", self.origin()));
            return None;
        }
        Some(value)
    }

    /// Where the value comes from, for messages: `environment variable NAME`,
    /// `secret file /path`, `the file's text`.
    pub(crate) fn origin(&self) -> String {
        match self {
            Self::Env(name) => format!("environment variable {name}"),
            Self::File(path) => format!("secret file {}", path.display()),
            Self::Inline(_) => "the value".to_owned(),
        }
    }
}

fn from_env(name: &str) -> Result<SecretString, String> {
    match std::env::var(name) {
        Ok(value) => Ok(SecretString::from(value)),
        Err(std::env::VarError::NotPresent) => {
            Err(format!("environment variable {name} is not set"))
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(format!("environment variable {name} is not UTF-8"))
        }
    }
}

fn from_file(path: &Path) -> Result<SecretString, String> {
    let shown = path.display();
    let metadata = std::fs::metadata(path).map_err(|e| format!("secret file {shown}: {e}"))?;
    check_mode(path, &metadata)?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("secret file {shown}: {e}"))?;
    // Files written by `echo` end in a line break that is not part of the secret.
    let trimmed = text.trim_end_matches(['\n', '\r']);
    Ok(SecretString::from(trimmed.to_owned()))
}

/// Refuses a file its group or others may read or change: a secret shared with every account on
/// the machine is not one.
#[cfg(unix)]
fn check_mode(path: &Path, metadata: &std::fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    let who = match (mode & 0o070 != 0, mode & 0o007 != 0) {
        (true, true) => "its group and others",
        (true, false) => "its group",
        _ => "others",
    };
    let access = if mode & 0o044 != 0 {
        "readable"
    } else {
        "writable"
    };
    Err(format!(
        "secret file {} is {access} by {who} (mode {mode:04o}); chmod 600 it",
        path.display()
    ))
}

#[cfg(not(unix))]
fn check_mode(_path: &Path, _metadata: &std::fs::Metadata) -> Result<(), String> {
    // Only Unix mode bits are checked; elsewhere the file's ACL is the operator's to set.
    Ok(())
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretVisitor)
    }
}

struct SecretVisitor;

/// The refusal of a value of another type: it names the type, never the value.
fn wrong_type<E: de::Error>(what: &str) -> E {
    E::custom(format!("a secret cannot be {what}; {HOW}"))
}

impl<'de> Visitor<'de> for SecretVisitor {
    type Value = SecretRef;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("{ env = \"NAME\" } or { file = \"/path\" }")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<SecretRef, E> {
        Ok(SecretRef::Inline(SecretString::from(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<SecretRef, E> {
        Ok(SecretRef::Inline(SecretString::from(value)))
    }

    // The default messages of these quote the value, which may be the secret.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<SecretRef, E> {
        Err(wrong_type("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<SecretRef, E> {
        Err(wrong_type("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<SecretRef, E> {
        Err(wrong_type("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<SecretRef, E> {
        Err(wrong_type("a number"))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<SecretRef, A::Error> {
        Err(wrong_type("a list"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SecretRef, A::Error> {
        let mut found: Option<SecretRef> = None;
        while let Some(key) = map.next_key::<String>()? {
            let value = match key.as_str() {
                "env" => SecretRef::Env(map.next_value()?),
                "file" => SecretRef::File(map.next_value()?),
                _ => return Err(de::Error::unknown_field(&key, &["env", "file"])),
            };
            if found.replace(value).is_some() {
                return Err(de::Error::custom("give one of `env` and `file`, not both"));
            }
        }
        found.ok_or_else(|| de::Error::custom(format!("an empty table; {HOW}")))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Holder {
        secret: SecretRef,
    }

    fn parse(text: &str) -> Result<SecretRef, String> {
        toml::from_str::<Holder>(text)
            .map(|h| h.secret)
            .map_err(|e| e.message().to_owned())
    }

    #[test]
    fn a_plain_string_is_refused_naming_the_key_and_never_shown() {
        let secret = parse("secret = \"hunter2\"").unwrap();
        assert!(!format!("{secret:?}").contains("hunter2"));
        let mut issues = Issues::default();
        assert!(secret.resolve("a.password", &mut issues).is_none());
        let text = issues.to_string();
        assert!(
            text.contains("a.password: a secret cannot be written"),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn a_number_or_unknown_key_is_refused_without_its_value() {
        let err = parse("secret = 987654321").unwrap_err();
        assert!(err.contains("cannot be a number"), "{err}");
        assert!(!err.contains("987654321"), "{err}");
        let err = parse("secret = { value = \"x\" }").unwrap_err();
        assert!(err.contains("unknown field `value`"), "{err}");
        let err = parse("secret = { env = \"A\", file = \"/b\" }").unwrap_err();
        assert!(err.contains("not both"), "{err}");
    }

    #[test]
    fn an_env_secret_is_read_and_an_unset_one_named() {
        // A variable of this test alone: no other test reads or writes it.
        let name = "PAYOPS_SECRET_TEST_VAR_8D41";
        let secret = parse(&format!("secret = {{ env = \"{name}\" }}")).unwrap();
        let mut issues = Issues::default();
        assert!(secret.resolve("k", &mut issues).is_none());
        assert_eq!(
            issues.to_string(),
            format!("  k: environment variable {name} is not set")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_file_is_read_without_its_line_break_unless_others_may_read_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "s3cret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let secret = SecretRef::File(path.clone());
        let mut issues = Issues::default();
        let value = secret.resolve("k", &mut issues).unwrap();
        assert_eq!(value.expose_secret(), "s3cret");
        assert!(issues.is_empty());

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(secret.resolve("x.token", &mut issues).is_none());
        let expected = format!(
            "x.token: secret file {} is readable by its group and others (mode 0644); chmod 600 it",
            path.display()
        );
        assert_eq!(issues.iter().next().unwrap().to_string(), expected);

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o620)).unwrap();
        let mut issues = Issues::default();
        assert!(secret.resolve("k", &mut issues).is_none());
        assert!(
            issues
                .to_string()
                .contains("is writable by its group (mode 0620)"),
            "{issues}"
        );
    }
}
