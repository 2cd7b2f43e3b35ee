//! The store configuration file: which backends exist and which key prefixes each holds.
//!
//! ```toml
//! default = "main"
//!
//! [backends.main]
//! kind = "embedded"
//! data_dir = "/var/lib/myriad/store"
//!
//! [backends.events]
//! kind = "etcd"
//! endpoints = ["http://127.0.0.1:2379"]
//!
//! [[routes]]
//! prefix = "/registry/events/"
//! backend = "events"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::backend::embedded::EmbeddedOptions;
use crate::backend::etcd::EtcdOptions;
use crate::error::{Result, StoreError};

/// A parsed store configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// The backend for every key no route names.
    pub default: String,
    /// Backends by name.
    pub backends: BTreeMap<String, BackendConfig>,
    /// Prefix → backend; the longest matching prefix wins.
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
}

/// One backend.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum BackendConfig {
    Embedded(EmbeddedOptions),
    Etcd(EtcdOptions),
}

/// One route: keys starting with `prefix` live on `backend`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    pub prefix: String,
    pub backend: String,
}

impl StoreConfig {
    /// One embedded backend under `data_dir` holding everything: what `myriad up` uses.
    pub fn embedded(data_dir: impl AsRef<Path>) -> Self {
        Self::embedded_with(EmbeddedOptions::new(data_dir.as_ref()))
    }

    /// One embedded backend with these options holding everything.
    pub fn embedded_with(options: EmbeddedOptions) -> Self {
        let backend = BackendConfig::Embedded(options);
        StoreConfig {
            default: "main".into(),
            backends: BTreeMap::from([("main".to_string(), backend)]),
            routes: Vec::new(),
        }
    }

    /// Parses TOML and checks that every name resolves. Relative embedded `data_dir`s
    /// are taken relative to `base_dir` (the config file's directory).
    pub fn from_toml(text: &str, base_dir: &Path) -> Result<Self> {
        let mut config: StoreConfig = toml::from_str(text).map_err(|e| StoreError::Config(e.to_string()))?;
        for backend in config.backends.values_mut() {
            if let BackendConfig::Embedded(options) = backend
                && options.data_dir.is_relative()
            {
                options.data_dir = base_dir.join(&options.data_dir);
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// Reads and parses a config file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StoreError::Config(format!("cannot read {}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::from_toml(&text, base)
    }

    fn validate(&self) -> Result<()> {
        let known = |name: &str| self.backends.contains_key(name);
        if !known(&self.default) {
            return Err(StoreError::Config(format!(
                "default backend {:?} is not defined",
                self.default
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for route in &self.routes {
            if !known(&route.backend) {
                return Err(StoreError::Config(format!(
                    "route {:?} names undefined backend {:?}",
                    route.prefix, route.backend
                )));
            }
            if route.prefix.is_empty() {
                return Err(StoreError::Config(
                    "a route prefix must not be empty; use `default`".into(),
                ));
            }
            if !seen.insert(&route.prefix) {
                return Err(StoreError::Config(format!("prefix {:?} is routed twice", route.prefix)));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_resolves_relative_dirs() {
        let text = r#"
            default = "main"
            [backends.main]
            kind = "embedded"
            data_dir = "data"
            [backends.events]
            kind = "etcd"
            endpoints = ["http://127.0.0.1:2379"]
            [[routes]]
            prefix = "/registry/events/"
            backend = "events"
        "#;
        let config = StoreConfig::from_toml(text, Path::new("/etc/myriad")).unwrap();
        match &config.backends["main"] {
            BackendConfig::Embedded(o) => assert_eq!(o.data_dir, Path::new("/etc/myriad/data")),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(config.routes[0].backend, "events");
    }

    #[test]
    fn rejects_unknown_backend_and_fields() {
        let missing = "default = \"nope\"\n[backends.main]\nkind = \"embedded\"\ndata_dir = \"d\"\n";
        assert!(StoreConfig::from_toml(missing, Path::new("/")).is_err());
        let typo = "default = \"main\"\n[backends.main]\nkind = \"embedded\"\ndata_dir = \"d\"\nbogus = 1\n";
        assert!(StoreConfig::from_toml(typo, Path::new("/")).is_err());
    }
}
