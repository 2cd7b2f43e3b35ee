//! Priority levels: each `Limited` level gets a share of the server's seats
//! (`ceil(total × nominalConcurrencyShares / Σ shares)`, upstream's nominal limit; no
//! borrowing between levels yet) and either queues or refuses at its limit; `exempt`
//! never waits.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use super::queueset::{QueueSet, Queuing};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct LevelObject {
    metadata: Metadata,
    spec: LevelSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Metadata {
    name: String,
    uid: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct LevelSpec {
    r#type: String,
    limited: Option<Limited>,
    exempt: Option<Shares>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Limited {
    nominal_concurrency_shares: Option<u64>,
    limit_response: LimitResponse,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Shares {
    nominal_concurrency_shares: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct LimitResponse {
    r#type: String,
    queuing: Option<QueuingObject>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct QueuingObject {
    queues: usize,
    hand_size: usize,
    queue_length_limit: usize,
}

/// One priority level in force.
#[derive(Clone)]
pub struct Level {
    pub uid: String,
    /// `None` for the exempt level.
    pub seats: Option<Arc<QueueSet>>,
    /// The level's seats (its concurrency limit).
    pub limit: usize,
    queuing: Option<Queuing>,
}

/// Compiles PriorityLevelConfigurations against `total` server seats. A level whose
/// limit and queuing did not change keeps its queue set (and the requests in it) from
/// `previous`.
pub fn compile(objects: &[Value], total: usize, previous: &HashMap<String, Level>) -> HashMap<String, Level> {
    let levels: Vec<LevelObject> = objects
        .iter()
        .filter_map(|o| LevelObject::deserialize(o).ok())
        .collect();
    let shares = |level: &LevelObject| match (&level.spec.limited, &level.spec.exempt) {
        (Some(limited), _) => limited.nominal_concurrency_shares.unwrap_or(30),
        (None, Some(exempt)) => exempt.nominal_concurrency_shares.unwrap_or(0),
        (None, None) => 0,
    };
    let sum: u64 = levels.iter().map(shares).sum::<u64>().max(1);
    levels
        .iter()
        .map(|level| {
            let name = level.metadata.name.clone();
            let uid = level.metadata.uid.clone();
            if level.spec.r#type == "Exempt" {
                return (
                    name,
                    Level {
                        uid,
                        seats: None,
                        limit: 0,
                        queuing: None,
                    },
                );
            }
            let limit = (total as u64 * shares(level)).div_ceil(sum).max(1) as usize;
            let queuing = level
                .spec
                .limited
                .as_ref()
                .and_then(|l| match l.limit_response.r#type.as_str() {
                    "Queue" => l.limit_response.queuing.as_ref().map(|q| Queuing {
                        queues: if q.queues == 0 { 64 } else { q.queues },
                        hand_size: if q.hand_size == 0 { 8 } else { q.hand_size },
                        queue_length_limit: if q.queue_length_limit == 0 {
                            50
                        } else {
                            q.queue_length_limit
                        },
                    }),
                    _ => None,
                });
            let seats = match previous.get(&name) {
                Some(kept) if kept.limit == limit && kept.queuing == queuing && kept.seats.is_some() => {
                    kept.seats.clone()
                }
                _ => Some(QueueSet::new(limit, queuing)),
            };
            (
                name,
                Level {
                    uid,
                    seats,
                    limit,
                    queuing,
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowcontrol::defaults;

    #[test]
    fn default_levels_get_upstream_nominal_limits() {
        let (_, objects) = defaults::objects().unwrap();
        let levels = compile(&objects, 600, &HashMap::new());
        let limit = |name: &str| levels[name].limit;
        assert_eq!(
            [
                limit("catch-all"),
                limit("system"),
                limit("node-high"),
                limit("leader-election")
            ],
            [13, 74, 98, 25]
        );
        assert_eq!(
            [limit("workload-high"), limit("workload-low"), limit("global-default")],
            [98, 245, 49]
        );
        assert!(levels["exempt"].seats.is_none());
        // Unchanged levels keep their queue sets across recompiles.
        let again = compile(&objects, 600, &levels);
        let same = |name: &str| {
            Arc::ptr_eq(
                levels[name].seats.as_ref().unwrap(),
                again[name].seats.as_ref().unwrap(),
            )
        };
        assert!(same("global-default"));
        let smaller = compile(&objects, 60, &levels);
        assert!(!Arc::ptr_eq(
            levels["system"].seats.as_ref().unwrap(),
            smaller["system"].seats.as_ref().unwrap()
        ));
    }
}
