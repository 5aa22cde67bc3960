//! The generated clients, on one channel, configured alike.

use piperpc::Channel;
use tonic_health::pb::health_client::HealthClient;

use crate::proto::demo::{
    echo_client::EchoClient, key_value_client::KeyValueClient, stats_client::StatsClient,
};

/// Every stub process B uses, sharing one connection.
#[derive(Clone, Debug)]
pub struct Stubs {
    /// The Echo service.
    pub echo: EchoClient<Channel>,
    /// The KeyValue service.
    pub keyvalue: KeyValueClient<Channel>,
    /// `grpc.health.v1.Health`.
    pub health: HealthClient<Channel>,
    channel: Channel,
}

impl Stubs {
    /// Stubs over `channel` that accept and send messages up to
    /// `max_message_size` bytes.
    pub fn new(channel: Channel, max_message_size: usize) -> Stubs {
        Stubs {
            echo: EchoClient::new(channel.clone())
                .max_decoding_message_size(max_message_size)
                .max_encoding_message_size(max_message_size),
            keyvalue: KeyValueClient::new(channel.clone())
                .max_decoding_message_size(max_message_size)
                .max_encoding_message_size(max_message_size),
            health: HealthClient::new(channel.clone()),
            channel,
        }
    }

    /// The Stats service, on the same connection.
    pub fn stats(&self) -> StatsClient<Channel> {
        StatsClient::new(self.channel.clone())
    }
}
