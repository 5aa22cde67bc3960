//! What a run measured: figures, each with one value per subject.
//!
//! A figure knows which way is better and how to say so, so the table, the
//! JSON and the charts all read the same ratio the same way.

use serde::Serialize;

use crate::machine::Machine;
use crate::placement::Placement;
use crate::plan::Plan;
use crate::stats;

/// What is measured: the same work five ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// gRPC over piperpc's local pipe transport.
    Piperpc,
    /// The same services in plain tonic over the same kind of local pipe,
    /// tonic's defaults on both ends: what a Rust user picks without
    /// piperpc for a local link.
    TonicLocal,
    /// The same services over TCP loopback, plain tonic with its defaults
    /// on both ends.
    Tcp,
    /// The same payloads over the same kind of local socket, tokio on both
    /// ends, no gRPC.
    Raw,
    /// The same payloads with blocking reads and writes on both ends: the
    /// true floor.
    Floor,
}

impl Subject {
    /// Every subject, in table order.
    pub const ALL: [Subject; 5] = [
        Subject::Piperpc,
        Subject::TonicLocal,
        Subject::Tcp,
        Subject::Raw,
        Subject::Floor,
    ];

    /// The subjects piperpc is compared with, in table order.
    pub const OTHERS: [Subject; 4] = [
        Subject::TonicLocal,
        Subject::Tcp,
        Subject::Raw,
        Subject::Floor,
    ];

    /// The name in tables and charts.
    pub fn name(self) -> &'static str {
        match self {
            Subject::Piperpc => "piperpc",
            Subject::TonicLocal if cfg!(windows) => "tonic pipe",
            Subject::TonicLocal => "tonic UDS",
            Subject::Tcp => "TCP",
            Subject::Raw => "raw",
            Subject::Floor => "floor",
        }
    }

    /// The name in the JSON: `piperpc`, `tonic_local`, `tcp`, `raw`, `floor`.
    pub fn key(self) -> &'static str {
        match self {
            Subject::Piperpc => "piperpc",
            Subject::TonicLocal => "tonic_local",
            Subject::Tcp => "tcp",
            Subject::Raw => "raw",
            Subject::Floor => "floor",
        }
    }

    /// Whether `group` is measured for this subject: the floor is a floor
    /// for one connection's latency and throughput, and for memory; many
    /// blocking connections at once would measure threads, not the link.
    pub fn measures(self, group: Group) -> bool {
        !(self == Subject::Floor && group == Group::Concurrency)
    }

    /// What exactly is measured, in a sentence.
    pub fn describe(self) -> String {
        let local = if cfg!(windows) {
            "a message-mode named pipe"
        } else {
            "a Unix domain socket"
        };
        match self {
            Subject::Piperpc => format!(
                "gRPC over {local}: `piperpc serve`'s server, called through piperpc::ChannelBuilder"
            ),
            Subject::TonicLocal if cfg!(windows) => "the same services in a plain tonic server on tokio named pipes in byte mode (serve_with_incoming), called through a tonic Endpoint whose connector opens the pipe; tonic's defaults on both ends".to_string(),
            Subject::TonicLocal => "the same services in a plain tonic server on a Unix domain socket (serve_with_incoming(UnixListenerStream)), called through a tonic Endpoint whose connector opens a UnixStream; tonic's defaults on both ends".to_string(),
            Subject::Tcp => "the same services in a plain tonic server on 127.0.0.1, called through tonic's Endpoint; tonic's defaults on both ends".to_string(),
            Subject::Raw => format!(
                "the same payloads over {local}, tokio on both ends (a task per connection), no gRPC, HTTP/2 or protobuf"
            ),
            Subject::Floor => format!(
                "the same payloads over {local}, blocking reads and writes on both ends (a thread per connection): the floor"
            ),
        }
    }
}

/// Which chart (and which part of a run) a figure belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    /// Unary round trips of a small message on one connection.
    Latency,
    /// Unary calls on many connections at once.
    Concurrency,
    /// Server streaming and bidirectional ping-pong.
    Throughput,
    /// The server's resident memory.
    Memory,
}

impl Group {
    /// Every group, in run order (memory first, on fresh servers).
    pub const ALL: [Group; 4] = [
        Group::Memory,
        Group::Latency,
        Group::Concurrency,
        Group::Throughput,
    ];

    /// The name used for files and headings.
    pub fn name(self) -> &'static str {
        match self {
            Group::Latency => "latency",
            Group::Concurrency => "concurrency",
            Group::Throughput => "throughput",
            Group::Memory => "memory",
        }
    }
}

/// What kind of quantity a figure is, which says which way is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A duration: lower is better.
    Time,
    /// Work per second: higher is better.
    Rate,
    /// Bytes held: lower is better.
    Memory,
}

impl Kind {
    /// True when a lower value is better.
    pub fn lower_is_better(self) -> bool {
        matches!(self, Kind::Time | Kind::Memory)
    }

    /// `ratio` (piperpc / other) as words: "25% faster", "10% fewer".
    pub fn verdict(self, ratio: f64) -> String {
        let (up, down) = match self {
            Kind::Time => ("slower", "faster"),
            Kind::Rate => ("more", "less"),
            Kind::Memory => ("more", "less"),
        };
        let percent = ((ratio - 1.0) * 100.0).abs();
        if percent < 0.5 {
            "same".to_string()
        } else if ratio > 1.0 {
            format!("{percent:.0}% {up}")
        } else {
            format!("{percent:.0}% {down}")
        }
    }
}

/// One subject's value for a figure, and what it is made of.
#[derive(Clone, Debug, Serialize)]
pub struct Measure {
    /// The figure: the median of the rounds, or a percentile over every
    /// sample of every round.
    pub value: f64,
    /// The value of each round on its own, in run order.
    pub rounds: Vec<f64>,
    /// How many timed operations the value comes from, where that applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<usize>,
}

/// One row of the table.
#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    /// A stable name for scripts: `unary_p50_us`.
    pub id: String,
    /// The chart it is drawn in.
    pub group: Group,
    /// The row's name in the table.
    pub label: String,
    /// The bar group's name in its chart.
    pub short: String,
    /// The unit of every value.
    pub unit: &'static str,
    /// Which way is better.
    pub kind: Kind,
    /// piperpc's value (`None`: could not be measured here).
    pub piperpc: Option<Measure>,
    /// Plain tonic's value over the same kind of local pipe.
    pub tonic_local: Option<Measure>,
    /// TCP loopback's value.
    pub tcp: Option<Measure>,
    /// The raw (tokio) value.
    pub raw: Option<Measure>,
    /// The blocking floor's value.
    pub floor: Option<Measure>,
}

impl Figure {
    /// A figure with no values yet.
    pub fn new(
        id: &str,
        group: Group,
        label: String,
        short: String,
        unit: &'static str,
        kind: Kind,
    ) -> Figure {
        Figure {
            id: id.to_string(),
            group,
            label,
            short,
            unit,
            kind,
            piperpc: None,
            tonic_local: None,
            tcp: None,
            raw: None,
            floor: None,
        }
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

    /// Sets the measure of `subject`.
    pub fn set(&mut self, subject: Subject, measure: Measure) {
        *match subject {
            Subject::Piperpc => &mut self.piperpc,
            Subject::TonicLocal => &mut self.tonic_local,
            Subject::Tcp => &mut self.tcp,
            Subject::Raw => &mut self.raw,
            Subject::Floor => &mut self.floor,
        } = Some(measure);
    }

    /// Records `rounds` for `subject`, valued at their median (nothing when
    /// there are no rounds).
    pub fn set_median(&mut self, subject: Subject, rounds: Vec<f64>, samples: Option<usize>) {
        if let Some(value) = stats::median(&rounds) {
            self.set(
                subject,
                Measure {
                    value,
                    rounds,
                    samples,
                },
            );
        }
    }

    /// The value of `subject`, if measured.
    pub fn value(&self, subject: Subject) -> Option<f64> {
        self.get(subject).map(|m| m.value)
    }

    /// How much the rounds disagreed: the interquartile range of the
    /// rounds over the figure, the largest over the subjects. A
    /// difference between subjects smaller than this is within the run's
    /// noise. Quartiles, not the extremes, so one round hit by a stall of
    /// the machine does not swamp it. `None` with fewer than three rounds.
    pub fn spread(&self) -> Option<f64> {
        Subject::ALL
            .into_iter()
            .filter_map(|subject| {
                let measure = self.get(subject)?;
                if measure.rounds.len() < 3 || measure.value <= 0.0 {
                    return None;
                }
                let mut rounds = measure.rounds.clone();
                stats::sort(&mut rounds);
                let (q1, q3) = (
                    stats::percentile(&rounds, 25.0)?,
                    stats::percentile(&rounds, 75.0)?,
                );
                Some((q3 - q1) / measure.value)
            })
            .reduce(f64::max)
    }

    /// piperpc's value divided by `other`'s, when both are there and the
    /// division means something.
    pub fn ratio(&self, other: Subject) -> Option<f64> {
        let (ours, theirs) = (self.value(Subject::Piperpc)?, self.value(other)?);
        let ratio = ours / theirs;
        (theirs > 0.0 && ratio.is_finite()).then_some(ratio)
    }
}

/// Everything one run produced: the table, the JSON and the charts are
/// all drawn from this.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// A name the user gave the run (`--label`).
    pub label: Option<String>,
    /// Where and how it ran.
    pub machine: Machine,
    /// How much it measured.
    pub plan: Plan,
    /// What a reader must know before reading any figure.
    pub warnings: Vec<String>,
    /// Which CPUs the client and the servers ran on.
    pub placement: Placement,
    /// Wall-clock length of the run, in seconds.
    pub elapsed_seconds: f64,
    /// The rows of the table.
    pub figures: Vec<Figure>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_read_naturally() {
        assert_eq!(Kind::Time.verdict(0.8), "20% faster");
        assert_eq!(Kind::Time.verdict(1.25), "25% slower");
        assert_eq!(Kind::Rate.verdict(1.5), "50% more");
        assert_eq!(Kind::Rate.verdict(0.6), "40% less");
        assert_eq!(Kind::Memory.verdict(0.9), "10% less");
        assert_eq!(Kind::Memory.verdict(1.001), "same");
    }

    #[test]
    fn ratios_need_both_values() {
        let mut figure = Figure::new(
            "x",
            Group::Latency,
            "x".into(),
            "x".into(),
            "us",
            Kind::Time,
        );
        assert_eq!(figure.ratio(Subject::Tcp), None);
        let measure = |value| Measure {
            value,
            rounds: vec![value],
            samples: None,
        };
        figure.set(Subject::Piperpc, measure(30.0));
        figure.set(Subject::Tcp, measure(40.0));
        figure.set(Subject::Raw, measure(0.0));
        assert_eq!(figure.ratio(Subject::Tcp), Some(0.75));
        assert_eq!(figure.ratio(Subject::Raw), None);
        assert_eq!(figure.spread(), None);
        figure.set(
            Subject::Tcp,
            Measure {
                value: 40.0,
                rounds: vec![38.0, 40.0, 48.0, 39.0, 90.0],
                samples: None,
            },
        );
        // Quartiles 39 and 48: the 90 of a stalled round does not count.
        assert_eq!(figure.spread(), Some(9.0 / 40.0));
    }
}
