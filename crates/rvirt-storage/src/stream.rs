//! Volume upload and download streams. The file I/O runs on a worker thread of its own,
//! fed (or drained) through a bounded channel, so a caller pushing or pulling data is never
//! blocked on the disk for longer than the queue takes to move, and a slow transfer never
//! holds the driver lock. Sparse streams carry holes: downloads find them with
//! `SEEK_DATA`/`SEEK_HOLE`, uploads turn them into holes of the file (seek and truncate), as
//! libvirt's fd streams do.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use rustix::fs::SeekFrom as RSeek;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result, Stream};

const D: ErrorDomain = ErrorDomain::Streams;
/// Bytes per data message (libvirt's fd stream helper uses 256 KiB).
const CHUNK: usize = 256 * 1024;
/// Messages in flight between the caller and the worker.
const QUEUE: usize = 16;

/// Called once when a stream ends (finished, aborted or dropped).
pub type OnClose = Box<dyn FnOnce() + Send>;

fn stream_error(e: &io::Error, context: String) -> Error {
    Error::system(D, e, context)
}

enum Up {
    Data(Vec<u8>),
    Hole(u64),
}

/// A stream writing into a volume.
pub struct UploadStream {
    tx: Option<SyncSender<Up>>,
    /// Set on abort: the worker drops what is still queued, as libvirt's helper does.
    aborted: Arc<AtomicBool>,
    worker: Option<JoinHandle<Result<()>>>,
    sparse: bool,
    /// Bytes allowed in total (0: no limit) and bytes accepted so far.
    length: u64,
    accepted: u64,
    on_close: Option<OnClose>,
}

impl std::fmt::Debug for UploadStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadStream")
            .field("sparse", &self.sparse)
            .field("accepted", &self.accepted)
            .finish_non_exhaustive()
    }
}

impl UploadStream {
    /// Opens `path` for writing at `offset` (the file must exist) and starts the worker.
    pub fn open(
        path: &str,
        offset: u64,
        length: u64,
        sparse: bool,
        on_close: OnClose,
    ) -> Result<Self> {
        let mut file = match OpenOptions::new().write(true).open(path) {
            Ok(f) => f,
            Err(e) => {
                on_close();
                return Err(stream_error(
                    &e,
                    format!("Unable to open stream for '{path}'"),
                ));
            }
        };
        if offset > 0 {
            if let Err(e) = file.seek(io::SeekFrom::Start(offset)) {
                on_close();
                return Err(stream_error(
                    &e,
                    format!("Unable to seek {path} to {offset}"),
                ));
            }
        }
        let regular = file.metadata().map(|m| m.is_file()).unwrap_or(false);
        let (tx, rx) = sync_channel::<Up>(QUEUE);
        let name = path.to_string();
        let aborted = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&aborted);
        let worker = match std::thread::Builder::new()
            .name("vol-upload".into())
            .spawn(move || write_worker(&mut file, &rx, &name, regular, &stop_flag))
        {
            Ok(w) => w,
            Err(e) => {
                on_close();
                return Err(stream_error(&e, "cannot start the upload thread".into()));
            }
        };
        Ok(UploadStream {
            tx: Some(tx),
            aborted,
            worker: Some(worker),
            sparse,
            length,
            accepted: 0,
            on_close: Some(on_close),
        })
    }

    /// Stops the worker and returns its outcome.
    fn stop(&mut self) -> Result<()> {
        self.tx = None;
        let result = match self.worker.take() {
            Some(h) => h
                .join()
                .unwrap_or_else(|_| Err(Error::internal(D, "upload thread panicked"))),
            None => Ok(()),
        };
        if let Some(cb) = self.on_close.take() {
            cb();
        }
        result
    }

    /// Room left under the length limit, or the libvirt error when it is used up.
    fn room(&self, wanted: u64) -> Result<u64> {
        if self.length == 0 {
            return Ok(wanted);
        }
        if self.accepted >= self.length {
            return Err(stream_error(
                &io::Error::from_raw_os_error(28),
                "cannot write to stream".into(),
            ));
        }
        Ok(wanted.min(self.length - self.accepted))
    }

    fn push(&mut self, msg: Up) -> Result<()> {
        let sent = match &self.tx {
            Some(tx) => tx.send(msg).is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The worker stopped: report why.
        match self.stop() {
            Err(e) => Err(e),
            Ok(()) => Err(stream_error(
                &io::Error::from_raw_os_error(9),
                "cannot write to stream".into(),
            )),
        }
    }
}

fn write_worker(
    file: &mut File,
    rx: &Receiver<Up>,
    path: &str,
    regular: bool,
    aborted: &AtomicBool,
) -> Result<()> {
    while let Ok(msg) = rx.recv() {
        if aborted.load(Ordering::SeqCst) {
            return Ok(());
        }
        match msg {
            Up::Data(buf) => file
                .write_all(&buf)
                .map_err(|e| stream_error(&e, format!("Unable to write {path}")))?,
            Up::Hole(len) => {
                let pos = file
                    .seek(io::SeekFrom::Current(len as i64))
                    .map_err(|e| stream_error(&e, format!("unable to seek in {path}")))?;
                if regular {
                    file.set_len(pos)
                        .map_err(|e| stream_error(&e, format!("unable to truncate {path}")))?;
                } else {
                    // Devices have no holes: write the zeros.
                    file.seek(io::SeekFrom::Current(-(len as i64)))
                        .map_err(|e| stream_error(&e, format!("unable to seek in {path}")))?;
                    let zeros = vec![0u8; CHUNK];
                    let mut left = len;
                    while left > 0 {
                        let n = left.min(CHUNK as u64) as usize;
                        file.write_all(&zeros[..n])
                            .map_err(|e| stream_error(&e, format!("Unable to write {path}")))?;
                        left -= n as u64;
                    }
                }
            }
        }
    }
    Ok(())
}

impl Stream for UploadStream {
    fn send(&mut self, data: &[u8]) -> Result<()> {
        let n = self.room(data.len() as u64)? as usize;
        self.accepted += n as u64;
        for chunk in data[..n].chunks(CHUNK) {
            self.push(Up::Data(chunk.to_vec()))?;
        }
        Ok(())
    }

    fn recv(&mut self, _max: usize) -> Result<Vec<u8>> {
        Err(Error::new(
            D,
            ErrorCode::InternalError,
            "stream is not open for reading",
        ))
    }

    fn send_hole(&mut self, length: i64) -> Result<()> {
        if !self.sparse {
            return Err(Error::internal(D, "unexpected stream hole"));
        }
        let len = u64::try_from(length)
            .map_err(|_| Error::invalid_arg(D, "hole length must be positive"))?;
        let len = self.room(len)?;
        self.accepted += len;
        self.push(Up::Hole(len))
    }

    fn finish(&mut self) -> Result<()> {
        self.stop()
    }

    fn abort(&mut self) -> Result<()> {
        self.aborted.store(true, Ordering::SeqCst);
        let _ = self.stop();
        Ok(())
    }
}

impl Drop for UploadStream {
    fn drop(&mut self) {
        if self.on_close.is_some() || self.worker.is_some() {
            // Never finished: an abort.
            self.aborted.store(true, Ordering::SeqCst);
            let _ = self.stop();
        }
    }
}

enum Down {
    Data(Vec<u8>),
    Hole(u64),
    End,
    Failed(Error),
}

/// A stream reading a volume.
pub struct DownloadStream {
    rx: Option<Receiver<Down>>,
    worker: Option<JoinHandle<()>>,
    sparse: bool,
    buffered: Vec<u8>,
    offset: usize,
    pending_hole: u64,
    eof: bool,
    on_close: Option<OnClose>,
}

impl std::fmt::Debug for DownloadStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadStream")
            .field("sparse", &self.sparse)
            .field("eof", &self.eof)
            .finish_non_exhaustive()
    }
}

impl DownloadStream {
    /// Opens `path` for reading at `offset`, `length` bytes (0: to the end).
    pub fn open(
        path: &str,
        offset: u64,
        length: u64,
        sparse: bool,
        on_close: OnClose,
    ) -> Result<Self> {
        let mut file = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                on_close();
                return Err(stream_error(
                    &e,
                    format!("Unable to open stream for '{path}'"),
                ));
            }
        };
        if offset > 0 {
            if let Err(e) = file.seek(io::SeekFrom::Start(offset)) {
                on_close();
                return Err(stream_error(
                    &e,
                    format!("Unable to seek {path} to {offset}"),
                ));
            }
        }
        let is_block = file
            .metadata()
            .map(|m| {
                use std::os::unix::fs::FileTypeExt;
                m.file_type().is_block_device()
            })
            .unwrap_or(false);
        let (tx, rx) = sync_channel::<Down>(QUEUE);
        let name = path.to_string();
        let spawned = std::thread::Builder::new()
            .name("vol-download".into())
            .spawn(move || {
                let end =
                    match read_worker(&mut file, &tx, &name, offset, length, sparse && !is_block) {
                        Ok(()) => Down::End,
                        Err(e) => Down::Failed(e),
                    };
                let _ = tx.send(end);
            });
        let worker = match spawned {
            Ok(w) => w,
            Err(e) => {
                on_close();
                return Err(stream_error(&e, "cannot start the download thread".into()));
            }
        };
        Ok(DownloadStream {
            rx: Some(rx),
            worker: Some(worker),
            sparse,
            buffered: Vec::new(),
            offset: 0,
            pending_hole: 0,
            eof: false,
            on_close: Some(on_close),
        })
    }

    /// Waits for the next message from the worker.
    fn fill(&mut self) -> Result<()> {
        let msg = match &self.rx {
            Some(rx) => rx.recv().unwrap_or(Down::End),
            None => Down::End,
        };
        match msg {
            Down::Data(d) => {
                self.buffered = d;
                self.offset = 0;
            }
            Down::Hole(h) => self.pending_hole += h,
            Down::End => self.eof = true,
            Down::Failed(e) => {
                self.eof = true;
                return Err(e);
            }
        }
        Ok(())
    }

    fn stop(&mut self) {
        self.rx = None;
        if let Some(h) = self.worker.take() {
            let _ = h.join();
        }
        if let Some(cb) = self.on_close.take() {
            cb();
        }
    }
}

/// The data/hole layout at `pos`: `(in_data, section_length)`; past the end, a hole up to
/// `end` (libvirt's `virFileInData`).
fn section_at(file: &File, pos: u64, end: u64) -> io::Result<(bool, u64)> {
    match rustix::fs::seek(file, RSeek::Data(pos)) {
        Ok(data) if data > pos => Ok((false, data - pos)),
        Ok(_) => {
            let hole = rustix::fs::seek(file, RSeek::Hole(pos)).map_err(io::Error::from)?;
            Ok((true, hole.saturating_sub(pos)))
        }
        // ENXIO: no data after `pos`, the rest is a hole.
        Err(e) if e == rustix::io::Errno::NXIO => Ok((false, end.saturating_sub(pos))),
        Err(e) => Err(io::Error::from(e)),
    }
}

fn read_worker(
    file: &mut File,
    tx: &SyncSender<Down>,
    path: &str,
    offset: u64,
    length: u64,
    sparse: bool,
) -> Result<()> {
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let end = if length > 0 {
        offset.saturating_add(length)
    } else {
        u64::MAX
    };
    let mut pos = offset;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let limit = end.saturating_sub(pos);
        if limit == 0 {
            return Ok(());
        }
        let mut want = limit.min(CHUNK as u64);
        if sparse {
            if pos >= size {
                return Ok(());
            }
            let (in_data, section) = section_at(file, pos, size)
                .map_err(|e| stream_error(&e, format!("unable to seek in {path}")))?;
            if !in_data {
                let hole = section.min(limit);
                if hole == 0 {
                    return Ok(());
                }
                pos += hole;
                file.seek(io::SeekFrom::Start(pos))
                    .map_err(|e| stream_error(&e, format!("unable to seek in {path}")))?;
                if tx.send(Down::Hole(hole)).is_err() {
                    return Ok(());
                }
                continue;
            }
            want = want.min(section.max(1));
            file.seek(io::SeekFrom::Start(pos))
                .map_err(|e| stream_error(&e, format!("unable to seek in {path}")))?;
        }
        let got = file
            .read(&mut buf[..want as usize])
            .map_err(|e| stream_error(&e, format!("Unable to read {path}")))?;
        if got == 0 {
            return Ok(());
        }
        pos += got as u64;
        if tx.send(Down::Data(buf[..got].to_vec())).is_err() {
            return Ok(());
        }
    }
}

impl Stream for DownloadStream {
    fn send(&mut self, _data: &[u8]) -> Result<()> {
        Err(Error::new(
            D,
            ErrorCode::InternalError,
            "stream is not open for writing",
        ))
    }

    fn recv(&mut self, max: usize) -> Result<Vec<u8>> {
        let max = max.max(1);
        loop {
            if self.offset < self.buffered.len() {
                let end = self.buffered.len().min(self.offset + max);
                let out = self.buffered[self.offset..end].to_vec();
                self.offset = end;
                return Ok(out);
            }
            if self.pending_hole > 0 {
                // Read plainly, a hole is zeros.
                let n = self.pending_hole.min(max.min(CHUNK) as u64);
                self.pending_hole -= n;
                return Ok(vec![0; n as usize]);
            }
            if self.eof {
                return Ok(Vec::new());
            }
            self.fill()?;
        }
    }

    /// A hole (positive length), data (negative length of what is buffered), or `None` at
    /// the end of the stream. A stream opened without the sparse flag is not sparse-aware.
    fn next_hole(&mut self) -> Result<Option<i64>> {
        if !self.sparse {
            return Ok(None);
        }
        loop {
            if self.pending_hole > 0 {
                let h = std::mem::take(&mut self.pending_hole);
                return Ok(Some(h as i64));
            }
            if self.offset < self.buffered.len() {
                return Ok(Some(-((self.buffered.len() - self.offset) as i64)));
            }
            if self.eof {
                return Ok(None);
            }
            self.fill()?;
        }
    }

    fn finish(&mut self) -> Result<()> {
        self.stop();
        Ok(())
    }

    fn abort(&mut self) -> Result<()> {
        self.stop();
        Ok(())
    }
}

impl Drop for DownloadStream {
    fn drop(&mut self) {
        self.stop();
    }
}
