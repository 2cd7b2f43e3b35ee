//! Ephemeral loopback ports.

use std::net::TcpListener;

/// A port on 127.0.0.1 that was free a moment ago. Callers retry on a bind race.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
