//! Where the machine's cores went during a load phase, from Linux's `/proc`: the server
//! processes (`donations`), PostgreSQL's (`postgres`), this load generator, every other
//! process, the kernel's interrupt work (loopback TCP is mostly softirq time, which Linux
//! charges to no process), and idle. What no living process accounts for (processes that ended
//! during the phase, such as a compiler's) is the rest. It tells a phase bound by the CPU (idle near 0) from one bound by waiting (locks,
//! disk flushes), which is what decides whether a second server can add anything.
//! Elsewhere than on Linux the figures are simply absent.

use std::collections::HashMap;

/// Jiffies spent by each group of processes, and by the whole machine, at one moment.
#[derive(Clone, Default)]
pub struct Snapshot {
    total: u64,
    idle: u64,
    interrupts: u64,
    by_group: HashMap<&'static str, u64>,
}

/// Shares of the machine's capacity over an interval (each 0..=1, summing to about 1).
#[derive(Clone, Copy, Default, Debug)]
pub struct Shares {
    pub server: f64,
    pub database: f64,
    pub client: f64,
    pub other: f64,
    pub interrupts: f64,
    pub idle: f64,
}

const GROUPS: [&str; 4] = ["server", "database", "client", "other"];

pub fn snapshot() -> Option<Snapshot> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user already).
    let total = cpu.iter().take(8).sum();
    let idle = cpu.get(3)? + cpu.get(4).copied().unwrap_or(0);
    let interrupts = cpu.get(5).copied().unwrap_or(0) + cpu.get(6).copied().unwrap_or(0);
    let me = std::process::id();
    let mut by_group = HashMap::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(line) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ... utime(14) stime(15): comm may hold spaces, so split after ')'.
        let (Some(open), Some(close)) = (line.find('('), line.rfind(')')) else {
            continue;
        };
        let comm = &line[open + 1..close];
        let fields: Vec<&str> = line[close + 1..].split_whitespace().collect();
        let used: u64 = [11, 12]
            .iter()
            .filter_map(|&i| fields.get(i).and_then(|v| v.parse::<u64>().ok()))
            .sum();
        let group = if pid == me {
            "client"
        } else if comm == "donations" {
            "server"
        } else if comm == "postgres" {
            "database"
        } else {
            "other"
        };
        *by_group.entry(group).or_insert(0) += used;
    }
    Some(Snapshot {
        total,
        idle,
        interrupts,
        by_group,
    })
}

/// The shares between two snapshots. Processes that ended in between are not counted (their
/// time is lost to `other`'s figure), which is why a phase reads both ends while its servers live.
pub fn between(a: &Snapshot, b: &Snapshot) -> Option<Shares> {
    let total = b.total.checked_sub(a.total)? as f64;
    if total <= 0.0 {
        return None;
    }
    let part = |g: &str| {
        let before = a.by_group.get(g).copied().unwrap_or(0);
        let after = b.by_group.get(g).copied().unwrap_or(0);
        after.saturating_sub(before) as f64 / total
    };
    let [server, database, client, other] = GROUPS.map(part);
    Some(Shares {
        server,
        database,
        client,
        other,
        interrupts: b.interrupts.saturating_sub(a.interrupts) as f64 / total,
        idle: b.idle.saturating_sub(a.idle) as f64 / total,
    })
}

/// The mean of several phases' shares.
pub fn mean(all: &[Shares]) -> Option<Shares> {
    if all.is_empty() {
        return None;
    }
    let n = all.len() as f64;
    let sum = |f: fn(&Shares) -> f64| all.iter().map(f).sum::<f64>() / n;
    Some(Shares {
        server: sum(|s| s.server),
        database: sum(|s| s.database),
        client: sum(|s| s.client),
        other: sum(|s| s.other),
        interrupts: sum(|s| s.interrupts),
        idle: sum(|s| s.idle),
    })
}

impl Shares {
    /// "server 41 %, PostgreSQL 38 %, load generator 9 %, other 2 %, interrupts 6 %,
    /// idle 4 %, rest 0 %".
    pub fn describe(&self) -> String {
        let pct = |v: f64| format!("{:.0} %", v * 100.0);
        let rest = 1.0
            - (self.server
                + self.database
                + self.client
                + self.other
                + self.interrupts
                + self.idle);
        format!(
            "server {}, PostgreSQL {}, load generator {}, other {}, interrupts {}, idle {}, rest {}",
            pct(self.server),
            pct(self.database),
            pct(self.client),
            pct(self.other),
            pct(self.interrupts),
            pct(self.idle),
            pct(rest.max(0.0))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_differences_over_the_machines_time() {
        let mut a = Snapshot {
            total: 1_000,
            idle: 500,
            ..Default::default()
        };
        a.by_group.insert("server", 100);
        let mut b = Snapshot {
            total: 1_200,
            idle: 550,
            interrupts: 20,
            ..Default::default()
        };
        b.by_group.insert("server", 180);
        b.by_group.insert("database", 50);
        let s = between(&a, &b).unwrap();
        assert!((s.server - 0.40).abs() < 1e-9);
        assert!((s.database - 0.25).abs() < 1e-9);
        assert!((s.idle - 0.25).abs() < 1e-9);
        assert!((s.interrupts - 0.10).abs() < 1e-9);
        assert!(s.describe().ends_with("rest 0 %"), "{}", s.describe());
        assert_eq!(s.client, 0.0);
        let m = mean(&[s, Shares::default()]).unwrap();
        assert!((m.server - 0.20).abs() < 1e-9);
        assert!(between(&b, &a).is_none(), "time does not run backwards");
    }

    #[test]
    fn a_snapshot_of_this_machine_sees_this_process() {
        if cfg!(target_os = "linux") {
            let s = snapshot().expect("/proc is readable on Linux");
            assert!(s.total > 0);
            assert!(s.by_group.contains_key("client"));
        }
    }
}
