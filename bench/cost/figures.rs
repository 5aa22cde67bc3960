//! The figures of `piperpc-bench cost`: one per workload and end (server
//! or client), each with a value per subject measured, in the shape of the
//! main run's figures in results.json (`id`, `group`, `unit`, a
//! [`Measure`] per subject whose `rounds` are the repeats, `better`, and
//! `ratio_piperpc_*` for every other subject).

use serde::Serialize;

use super::workload::Workload;
use crate::results::{Measure, Subject};
use crate::stats;

/// Which process a figure counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum End {
    /// The server's process.
    Server,
    /// The client's process.
    Client,
}

impl End {
    /// Both, in table order.
    pub const BOTH: [End; 2] = [End::Server, End::Client];

    /// `server` or `client`.
    pub fn key(self) -> &'static str {
        match self {
            End::Server => "server",
            End::Client => "client",
        }
    }
}

/// One row of the table: a workload's instructions per unit at one end.
#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    /// A stable name for scripts: `instructions/server/unary-64B`.
    pub id: String,
    /// Always `instructions`.
    pub group: &'static str,
    /// The row's name in the table.
    pub label: String,
    /// The workload's command-line name.
    pub workload: &'static str,
    /// Which process is counted.
    pub end: End,
    /// `instructions/call`, `instructions/message` or `instructions/exchange`.
    pub unit: &'static str,
    /// Fewer instructions are better.
    pub better: &'static str,
    /// piperpc's value: the median of the repeats, each in `rounds`.
    pub piperpc: Option<Measure>,
    /// Plain tonic's over the same kind of local pipe.
    pub tonic_local: Option<Measure>,
    /// Plain tonic's over TCP loopback (only with `--subject tcp`).
    pub tcp: Option<Measure>,
    /// The raw (tokio) value (only with `--subject raw`).
    pub raw: Option<Measure>,
    /// The blocking floor's.
    pub floor: Option<Measure>,
    /// piperpc / tonic UDS (tonic pipe).
    pub ratio_piperpc_tonic_local: Option<f64>,
    /// piperpc / TCP.
    pub ratio_piperpc_tcp: Option<f64>,
    /// piperpc / raw.
    pub ratio_piperpc_raw: Option<f64>,
    /// piperpc / floor.
    pub ratio_piperpc_floor: Option<f64>,
    /// How far the repeats were apart: (largest - smallest) / median, the
    /// largest over the subjects; `None` with one repeat.
    pub spread: Option<f64>,
}

impl Figure {
    /// The figure of `workload` at `end`, from each subject's repeats
    /// (`None`: not measured).
    pub fn new(workload: Workload, end: End, repeats: [Option<Vec<f64>>; 5]) -> Figure {
        let [piperpc, tonic_local, tcp, raw, floor] = repeats.map(|r| {
            let value = stats::median(r.as_ref()?)?;
            Some(Measure {
                value,
                rounds: r?,
                samples: None,
            })
        });
        let mut figure = Figure {
            id: format!("instructions/{}/{}", end.key(), workload.key()),
            group: "instructions",
            label: format!("{}, {}", workload.label(), end.key()),
            workload: workload.key(),
            end,
            unit: workload.unit(),
            better: "lower",
            piperpc,
            tonic_local,
            tcp,
            raw,
            floor,
            ratio_piperpc_tonic_local: None,
            ratio_piperpc_tcp: None,
            ratio_piperpc_raw: None,
            ratio_piperpc_floor: None,
            spread: None,
        };
        figure.ratio_piperpc_tonic_local = figure.ratio(Subject::TonicLocal);
        figure.ratio_piperpc_tcp = figure.ratio(Subject::Tcp);
        figure.ratio_piperpc_raw = figure.ratio(Subject::Raw);
        figure.ratio_piperpc_floor = figure.ratio(Subject::Floor);
        figure.spread = Subject::ALL
            .into_iter()
            .filter_map(|s| spread(figure.get(s)?))
            .reduce(f64::max);
        figure
    }

    /// The measure of `subject`.
    pub fn get(&self, subject: Subject) -> Option<&Measure> {
        match subject {
            Subject::Piperpc => self.piperpc.as_ref(),
            Subject::TonicLocal => self.tonic_local.as_ref(),
            Subject::Tcp => self.tcp.as_ref(),
            Subject::Raw => self.raw.as_ref(),
            Subject::Floor => self.floor.as_ref(),
        }
    }

    /// piperpc's value over `other`'s, when both were measured.
    pub fn ratio(&self, other: Subject) -> Option<f64> {
        let (ours, theirs) = (self.get(Subject::Piperpc)?.value, self.get(other)?.value);
        (theirs > 0.0 && ours > 0.0).then_some(ours / theirs)
    }
}

/// (largest - smallest) / median of a measure's repeats; `None` with fewer
/// than two.
pub fn spread(measure: &Measure) -> Option<f64> {
    let rounds = &measure.rounds;
    if rounds.len() < 2 || measure.value <= 0.0 {
        return None;
    }
    let max = rounds.iter().copied().reduce(f64::max)?;
    let min = rounds.iter().copied().reduce(f64::min)?;
    Some((max - min) / measure.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_and_spread_come_from_the_repeats() {
        let figure = Figure::new(
            Workload::Stream1KiB,
            End::Client,
            [
                Some(vec![1010.0, 1000.0, 990.0]),
                Some(vec![500.0, 500.0, 500.0]),
                None,
                None,
                Some(vec![100.0]),
            ],
        );
        assert_eq!(figure.id, "instructions/client/stream-1KiB");
        assert_eq!(figure.unit, "instructions/message");
        assert_eq!(figure.ratio_piperpc_tonic_local, Some(2.0));
        assert_eq!(figure.ratio_piperpc_floor, Some(10.0));
        assert_eq!(figure.ratio_piperpc_tcp, None);
        // piperpc's repeats are 2% apart; tonic's agree; one floor repeat
        // has no spread.
        assert_eq!(figure.spread, Some(0.02));
        let json = serde_json::to_value(&figure).unwrap();
        assert_eq!(json["end"], "client");
        assert_eq!(json["piperpc"]["value"], 1000.0);
        assert!(json["tcp"].is_null());
    }
}
