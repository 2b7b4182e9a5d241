//! Running on several servers and under load: how each campaign's aggregate is spread, and how
//! long a server may serve progress it has cached. Variables: `PROGRESS_SHARDS`,
//! `PROGRESS_CACHE_TTL`.

use std::time::Duration;

use super::values::parse_duration;
use super::{ConfigError, err};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleConfig {
    /// Rows each campaign's aggregate is spread over (`None`: the backend's default, 1 on
    /// SQLite and 16 on PostgreSQL). Any number is safe to change between runs: a read sums
    /// every row there is.
    pub progress_shards: Option<u32>,
    /// How long a server serves a campaign's progress (and the figures on its donation page)
    /// from memory without asking the database. Its own ledger's commits refresh it at once;
    /// another server's show within this time. `off` (or 0s) turns the cache off.
    pub progress_cache_ttl: Duration,
}

impl ScaleConfig {
    pub(super) fn from_vars(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<ScaleConfig, ConfigError> {
        let progress_shards = match var("PROGRESS_SHARDS") {
            None => None,
            Some(v) => Some(
                v.parse::<u32>()
                    .ok()
                    .filter(|n| (1..=256).contains(n))
                    .ok_or_else(|| err("PROGRESS_SHARDS", "must be a number from 1 to 256"))?,
            ),
        };
        let progress_cache_ttl = match var("PROGRESS_CACHE_TTL") {
            None => Duration::from_secs(1),
            Some(v) if v == "off" || humantime::parse_duration(&v).is_ok_and(|d| d.is_zero()) => {
                Duration::ZERO
            }
            Some(v) => parse_duration(&v)
                .map_err(|d| err("PROGRESS_CACHE_TTL", d))
                .and_then(|d| {
                    if d <= Duration::from_secs(60) {
                        Ok(d)
                    } else {
                        Err(err("PROGRESS_CACHE_TTL", "must be at most 60s"))
                    }
                })?,
        };
        Ok(ScaleConfig {
            progress_shards,
            progress_cache_ttl,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<ScaleConfig, ConfigError> {
        ScaleConfig::from_vars(|k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_and_bounds() {
        let d = read(&[]).unwrap();
        assert_eq!(d.progress_shards, None);
        assert_eq!(d.progress_cache_ttl, Duration::from_secs(1));
        let set = read(&[("PROGRESS_SHARDS", "32"), ("PROGRESS_CACHE_TTL", "250ms")]).unwrap();
        assert_eq!(set.progress_shards, Some(32));
        assert_eq!(set.progress_cache_ttl, Duration::from_millis(250));
        for off in ["off", "0s", "0"] {
            let ttl = read(&[("PROGRESS_CACHE_TTL", off)])
                .unwrap()
                .progress_cache_ttl;
            assert_eq!(ttl, Duration::ZERO, "{off}");
        }
        for bad in ["0", "257", "many"] {
            assert_eq!(
                read(&[("PROGRESS_SHARDS", bad)]).unwrap_err().var,
                "PROGRESS_SHARDS"
            );
        }
        assert_eq!(
            read(&[("PROGRESS_CACHE_TTL", "5m")]).unwrap_err().var,
            "PROGRESS_CACHE_TTL"
        );
    }
}
