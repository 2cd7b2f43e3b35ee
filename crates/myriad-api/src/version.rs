//! The one Kubernetes version Myriad's API matches: discovery, `/version`, the OpenAPI
//! documents and the docs all say this one, and the built-in resources served are that
//! release's default API groups. `kubectl` and client libraries compare against it
//! (kubectl warns beyond one minor version of skew).

/// Kubernetes' major version.
pub const MAJOR: u32 = 1;
/// Kubernetes' minor version: Myriad serves the API of Kubernetes 1.33.
pub const MINOR: u32 = 33;

/// `v1.33.0-myriad.<crate version>`: what `/version` reports as `gitVersion`, a
/// semantic version clients parse, marked as Myriad's build.
pub fn git_version() -> String {
    format!("v{MAJOR}.{MINOR}.0-myriad.{}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_version_is_semver_with_the_served_minor() {
        let version = git_version();
        assert!(version.starts_with(&format!("v{MAJOR}.{MINOR}.0-myriad.")), "{version}");
    }
}
