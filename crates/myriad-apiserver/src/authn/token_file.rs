//! Static bearer tokens (`--token-auth-file`), in kube-apiserver's CSV format:
//! `token,user,uid[,"group1,group2"]`, one per line. The file is read at start; a
//! malformed file stops the server rather than silently authenticating fewer users.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::UserInfo;

/// Why a token file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: csv::Error },
    #[error("{path}: line {line}: {message}")]
    Invalid { path: PathBuf, line: u64, message: String },
}

/// The users of a token file, by token.
#[derive(Debug, Default)]
pub struct TokenFile {
    users: HashMap<String, Arc<UserInfo>>,
}

impl TokenFile {
    /// Reads `path`. Lines with fewer than three columns are refused; a repeated token
    /// keeps its last line (with a warning), as upstream does.
    pub fn read(path: &Path) -> Result<TokenFile, TokenFileError> {
        let read = |source| TokenFileError::Read {
            path: path.into(),
            source,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(read)?;
        let mut users = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(read)?;
            let line = record.position().map_or(0, |p| p.line());
            if record.len() == 1 && record[0].is_empty() {
                continue;
            }
            if record.len() < 3 {
                return Err(TokenFileError::Invalid {
                    path: path.into(),
                    line,
                    message: format!(
                        "must have at least 3 columns (token, user name, user uid), found {}",
                        record.len()
                    ),
                });
            }
            let token = record[0].to_string();
            if token.is_empty() {
                return Err(TokenFileError::Invalid {
                    path: path.into(),
                    line,
                    message: "the token is empty".into(),
                });
            }
            let groups = record
                .get(3)
                .map(|g| {
                    g.split(',')
                        .map(str::trim)
                        .filter(|g| !g.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let user = UserInfo::new(record[1].to_string(), record[2].to_string(), groups);
            if users.insert(token, Arc::new(user)).is_some() {
                tracing::warn!(path = %path.display(), line, "duplicate token; the later line wins");
            }
        }
        Ok(TokenFile { users })
    }

    /// The user `token` belongs to.
    pub fn user(&self, token: &str) -> Option<Arc<UserInfo>> {
        self.users.get(token).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_users_and_quoted_groups() {
        let (_dir, path) = file("t1,alice,1001,\"dev, ops\"\n\nt2,bob,1002\n");
        let tokens = TokenFile::read(&path).unwrap();
        let alice = tokens.user("t1").unwrap();
        assert_eq!((alice.name.as_str(), alice.uid.as_str()), ("alice", "1001"));
        assert_eq!(alice.groups, ["dev", "ops", "system:authenticated"]);
        assert_eq!(tokens.user("t2").unwrap().groups, ["system:authenticated"]);
        assert!(tokens.user("t3").is_none());
    }

    #[test]
    fn refuses_short_lines() {
        let (_dir, path) = file("t1,alice\n");
        let error = TokenFile::read(&path).unwrap_err().to_string();
        assert!(error.contains("line 1: must have at least 3 columns"), "{error}");
    }
}
