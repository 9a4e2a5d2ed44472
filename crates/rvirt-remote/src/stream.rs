//! `Stream` over STREAM packets. Flow (as libvirtd 9.0 does it): data travels as
//! STREAM/CONTINUE packets carrying the opening call's serial, possibly before the call's
//! reply; an empty STREAM/CONTINUE ends the data; finishing sends STREAM/OK and waits for the
//! daemon's STREAM/OK (or STREAM/ERROR); aborting sends STREAM/ERROR.

use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::Arc;
use std::time::Duration;

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result, Stream};
use rvirt_proto::packet::{self, Header, MessageStatus, MessageType, Packet, StreamHole};
use rvirt_proto::RemoteError;

use crate::client::Client;

/// Largest data payload per packet, as libvirt's client splits writes.
const CHUNK: usize = packet::MESSAGE_LEGACY_PAYLOAD_MAX;

/// How long `abort` waits for the daemon's acknowledgement.
const ABORT_WAIT: Duration = Duration::from_secs(5);

pub struct RemoteStream {
    client: Arc<Client>,
    /// Header of the call that opened the stream (program, procedure, serial).
    call: Header,
    incoming: Receiver<Packet>,
    /// Received data not yet handed to the caller.
    buffered: Vec<u8>,
    offset: usize,
    /// A hole received and not yet reported by `next_hole` (or read as zeros).
    pending_hole: Option<i64>,
    eof: bool,
    done: bool,
}

impl std::fmt::Debug for RemoteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteStream")
            .field("serial", &self.call.serial)
            .field("eof", &self.eof)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

fn stream_error(detail: &str) -> Error {
    Error::new(ErrorDomain::Streams, ErrorCode::Rpc, detail)
}

fn closed() -> Error {
    Error::new(
        ErrorDomain::Rpc,
        ErrorCode::InternalError,
        "client socket is closed",
    )
}

fn remote_error(packet: &Packet) -> Error {
    match packet.decode::<RemoteError>() {
        Ok(e) => e.into(),
        Err(e) => e.into(),
    }
}

impl RemoteStream {
    pub(crate) fn new(client: Arc<Client>, call: Header, incoming: Receiver<Packet>) -> Self {
        RemoteStream {
            client,
            call,
            incoming,
            buffered: Vec::new(),
            offset: 0,
            pending_hole: None,
            eof: false,
            done: false,
        }
    }

    fn send_status(&self, kind: MessageType, status: MessageStatus, payload: &[u8]) -> Result<()> {
        let header = Header {
            kind,
            status,
            ..self.call
        };
        let bytes = packet::build_raw(&header, payload)?;
        self.client.send_packet(&bytes)
    }

    /// Takes one incoming packet into the stream's state; errors from the daemon end it.
    fn absorb(&mut self, packet: Packet) -> Result<()> {
        match (packet.header.kind, packet.header.status) {
            (MessageType::Stream, MessageStatus::Continue) => {
                if packet.payload.is_empty() {
                    self.eof = true;
                } else {
                    self.buffered = packet.payload;
                    self.offset = 0;
                }
                Ok(())
            }
            (MessageType::StreamHole, _) => {
                let hole: StreamHole = packet.decode()?;
                self.pending_hole = Some(hole.length);
                Ok(())
            }
            (MessageType::Stream, MessageStatus::Error) => {
                self.done = true;
                self.eof = true;
                Err(remote_error(&packet))
            }
            (MessageType::Stream, MessageStatus::Ok) => {
                self.eof = true;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Reports an error the daemon sent while we were only writing.
    fn check_incoming(&mut self) -> Result<()> {
        loop {
            match self.incoming.try_recv() {
                Ok(packet) => {
                    if packet.header.status == MessageStatus::Error {
                        return self.absorb(packet);
                    }
                }
                Err(TryRecvError::Empty) => return Ok(()),
                Err(TryRecvError::Disconnected) => {
                    return if self.client.is_alive() {
                        Ok(())
                    } else {
                        Err(closed())
                    }
                }
            }
        }
    }

    fn ensure_open(&self) -> Result<()> {
        if self.done {
            Err(stream_error("stream is closed"))
        } else {
            Ok(())
        }
    }
}

impl Stream for RemoteStream {
    fn send(&mut self, data: &[u8]) -> Result<()> {
        self.ensure_open()?;
        self.check_incoming()?;
        for chunk in data.chunks(CHUNK) {
            self.send_status(MessageType::Stream, MessageStatus::Continue, chunk)?;
        }
        Ok(())
    }

    fn recv(&mut self, max: usize) -> Result<Vec<u8>> {
        self.ensure_open()?;
        loop {
            if self.offset < self.buffered.len() {
                let end = self.buffered.len().min(self.offset + max.max(1));
                let out = self.buffered[self.offset..end].to_vec();
                self.offset = end;
                return Ok(out);
            }
            if let Some(hole) = self.pending_hole.take() {
                // A caller that did not ask `next_hole` reads the hole as zeros.
                let len = usize::try_from(hole).unwrap_or(0);
                let n = len.min(max.max(1));
                if len > n {
                    self.pending_hole = Some((len - n) as i64);
                }
                if n > 0 {
                    return Ok(vec![0; n]);
                }
                continue;
            }
            if self.eof {
                return Ok(Vec::new());
            }
            match self.incoming.recv() {
                Ok(packet) => self.absorb(packet)?,
                Err(_) => return Err(closed()),
            }
        }
    }

    fn send_hole(&mut self, length: i64) -> Result<()> {
        self.ensure_open()?;
        self.check_incoming()?;
        let hole = rvirt_proto::xdr::to_bytes(&StreamHole { length, flags: 0 })?;
        self.send_status(MessageType::StreamHole, MessageStatus::Continue, &hole)
    }

    /// What comes next: a hole (positive length), data (negative length of what is
    /// buffered), or `None` at the end of the stream.
    fn next_hole(&mut self) -> Result<Option<i64>> {
        self.ensure_open()?;
        loop {
            if let Some(hole) = self.pending_hole.take() {
                return Ok(Some(hole));
            }
            if self.offset < self.buffered.len() {
                return Ok(Some(-((self.buffered.len() - self.offset) as i64)));
            }
            if self.eof {
                return Ok(None);
            }
            match self.incoming.recv() {
                Ok(packet) => self.absorb(packet)?,
                Err(_) => return Err(closed()),
            }
        }
    }

    fn finish(&mut self) -> Result<()> {
        self.ensure_open()?;
        self.send_status(MessageType::Stream, MessageStatus::Ok, &[])?;
        self.done = true;
        let result = loop {
            match self.incoming.recv() {
                Ok(packet) => match (packet.header.kind, packet.header.status) {
                    (MessageType::Stream, MessageStatus::Ok) => break Ok(()),
                    (MessageType::Stream, MessageStatus::Error) => {
                        break Err(remote_error(&packet))
                    }
                    // Data still in flight when we finished is dropped.
                    _ => {}
                },
                Err(_) => break Err(closed()),
            }
        };
        self.client.remove_stream(self.call.serial);
        result
    }

    fn abort(&mut self) -> Result<()> {
        if self.done {
            return Ok(());
        }
        self.done = true;
        let sent = self.send_status(MessageType::Stream, MessageStatus::Error, &[]);
        if sent.is_ok() {
            // The daemon acknowledges; wait briefly so the serial is free again.
            loop {
                match self.incoming.recv_timeout(ABORT_WAIT) {
                    Ok(p) if p.header.status != MessageStatus::Continue => break,
                    Ok(_) => {}
                    Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => break,
                }
            }
        }
        self.client.remove_stream(self.call.serial);
        sent
    }
}

impl Drop for RemoteStream {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.send_status(MessageType::Stream, MessageStatus::Error, &[]);
        }
        self.client.remove_stream(self.call.serial);
    }
}
