//! Volume upload and download streams. Each call does its file I/O on the caller's thread:
//! the daemon calls from the stream's own pump thread, which overlaps the disk with the
//! socket, so a worker thread here would only add a hand-off per message. I/O goes through
//! the page cache, as libvirt's does (a volume just uploaded or downloaded stays cached),
//! and reads go straight into the buffer that is handed over. Sparse streams carry holes: downloads find them with `SEEK_DATA`/`SEEK_HOLE`
//! once per section, uploads turn them into holes of the file (seek and truncate), as
//! libvirt's fd streams do.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek};
use std::os::unix::fs::FileExt;

use rustix::buffer::spare_capacity;
use rustix::fs::SeekFrom as RSeek;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result, Stream};

const D: ErrorDomain = ErrorDomain::Streams;
/// Largest data message (libvirt's fd stream helper uses 256 KiB too).
const CHUNK: usize = 256 * 1024;

/// Called once when a stream ends (finished, aborted or dropped).
pub type OnClose = Box<dyn FnOnce() + Send>;

fn stream_error(e: &io::Error, context: String) -> Error {
    Error::system(D, e, context)
}

/// Opens `path` with `options` and moves to `offset`, calling `on_close` on failure (the
/// stream that would have called it never exists).
fn open_at(
    path: &str,
    options: &OpenOptions,
    offset: u64,
    on_close: &mut Option<OnClose>,
) -> Result<File> {
    let opened = options
        .open(path)
        .map_err(|e| stream_error(&e, format!("Unable to open stream for '{path}'")))
        .and_then(|mut file| {
            if offset > 0 {
                file.seek(io::SeekFrom::Start(offset))
                    .map_err(|e| stream_error(&e, format!("Unable to seek {path} to {offset}")))?;
            }
            Ok(file)
        });
    if opened.is_err() {
        if let Some(cb) = on_close.take() {
            cb();
        }
    }
    opened
}

/// A stream writing into a volume.
pub struct UploadStream {
    /// `None` once finished or aborted.
    file: Option<File>,
    path: String,
    /// Offset of the next byte to write (writes say where: the file's position is unused).
    pos: u64,
    /// A regular file (holes are made by seeking); devices get zeros written instead.
    regular: bool,
    sparse: bool,
    /// Bytes allowed in total (0: no limit) and bytes accepted so far.
    length: u64,
    accepted: u64,
    on_close: Option<OnClose>,
}

impl std::fmt::Debug for UploadStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadStream")
            .field("path", &self.path)
            .field("pos", &self.pos)
            .field("sparse", &self.sparse)
            .field("accepted", &self.accepted)
            .finish_non_exhaustive()
    }
}

impl UploadStream {
    /// Opens `path` for writing at `offset` (the file must exist).
    pub fn open(
        path: &str,
        offset: u64,
        length: u64,
        sparse: bool,
        on_close: OnClose,
    ) -> Result<Self> {
        let mut on_close = Some(on_close);
        let file = open_at(path, OpenOptions::new().write(true), offset, &mut on_close)?;
        let regular = file.metadata().map(|m| m.is_file()).unwrap_or(false);
        Ok(UploadStream {
            file: Some(file),
            path: path.to_string(),
            pos: offset,
            regular,
            sparse,
            length,
            accepted: 0,
            on_close,
        })
    }

    /// Closes the file and reports the end, once.
    fn close(&mut self) {
        self.file = None;
        if let Some(cb) = self.on_close.take() {
            cb();
        }
    }

    /// Room left under the length limit, or the libvirt error when it is used up.
    fn room(&self, wanted: u64) -> Result<u64> {
        if self.length == 0 {
            return Ok(wanted);
        }
        if self.accepted >= self.length {
            return Err(stream_error(
                &io::Error::from(rustix::io::Errno::NOSPC),
                "cannot write to stream".into(),
            ));
        }
        Ok(wanted.min(self.length - self.accepted))
    }

    fn open_file(&self) -> Result<&File> {
        self.file.as_ref().ok_or_else(|| {
            stream_error(
                &io::Error::from(rustix::io::Errno::BADF),
                "cannot write to stream".into(),
            )
        })
    }

    /// Writes `data` at `pos`.
    fn write(&mut self, data: &[u8]) -> Result<()> {
        self.open_file()?
            .write_all_at(data, self.pos)
            .map_err(|e| stream_error(&e, format!("Unable to write {}", self.path)))?;
        self.pos += data.len() as u64;
        Ok(())
    }

    /// Makes a hole of `len` bytes at `pos`: past it the file is cut (a regular file), or
    /// zeros are written (a device).
    fn hole(&mut self, len: u64) -> Result<()> {
        if !self.regular {
            let zeros = vec![0u8; CHUNK];
            let mut left = len;
            while left > 0 {
                let n = left.min(CHUNK as u64) as usize;
                self.write(&zeros[..n])?;
                left -= n as u64;
            }
            return Ok(());
        }
        let end = self.pos.checked_add(len).ok_or_else(|| {
            stream_error(
                &io::Error::from(rustix::io::Errno::INVAL),
                format!("unable to seek in {}", self.path),
            )
        })?;
        self.open_file()?
            .set_len(end)
            .map_err(|e| stream_error(&e, format!("unable to truncate {}", self.path)))?;
        self.pos = end;
        Ok(())
    }

    /// Fails the stream: the file is closed and later calls fail too.
    fn failed(&mut self, error: Error) -> Error {
        self.close();
        error
    }
}

impl Stream for UploadStream {
    fn send(&mut self, data: &[u8]) -> Result<()> {
        let n = self.room(data.len() as u64)? as usize;
        match self.write(&data[..n]) {
            Ok(()) => {
                self.accepted += n as u64;
                Ok(())
            }
            Err(e) => Err(self.failed(e)),
        }
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
        match self.hole(len) {
            Ok(()) => {
                self.accepted += len;
                Ok(())
            }
            Err(e) => Err(self.failed(e)),
        }
    }

    fn finish(&mut self) -> Result<()> {
        self.close();
        Ok(())
    }

    fn abort(&mut self) -> Result<()> {
        self.close();
        Ok(())
    }
}

impl Drop for UploadStream {
    fn drop(&mut self) {
        self.close();
    }
}

/// A stream reading a volume.
pub struct DownloadStream {
    file: File,
    path: String,
    /// Offset of the next byte to deliver (reads say where: the file's own position is
    /// never used).
    pos: u64,
    /// Where the stream ends: `offset + length`, or `u64::MAX` for the end of the file.
    end: u64,
    /// The client asked for a sparse stream.
    sparse: bool,
    /// Holes are looked up in the file (sparse, and a regular file).
    find_holes: bool,
    /// The file's size when opened: holes are looked for up to there.
    size: u64,
    /// The section `pos` is in, when holes are looked for: data or hole, and its end.
    section: Option<(bool, u64)>,
    /// Data read ahead by `next_hole` where holes cannot be looked up.
    peeked: Vec<u8>,
    eof: bool,
    on_close: Option<OnClose>,
}

impl std::fmt::Debug for DownloadStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadStream")
            .field("path", &self.path)
            .field("pos", &self.pos)
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
        let mut on_close = Some(on_close);
        let file = open_at(path, OpenOptions::new().read(true), offset, &mut on_close)?;
        let meta = file.metadata().ok();
        let regular = meta.as_ref().is_some_and(|m| m.is_file());
        let end = if length > 0 {
            offset.saturating_add(length)
        } else {
            u64::MAX
        };
        Ok(DownloadStream {
            file,
            path: path.to_string(),
            pos: offset,
            end,
            sparse,
            find_holes: sparse && regular,
            size: meta.map_or(0, |m| m.len()),
            section: None,
            peeked: Vec::new(),
            eof: false,
            on_close,
        })
    }

    fn close(&mut self) {
        self.eof = true;
        self.peeked = Vec::new();
        if let Some(cb) = self.on_close.take() {
            cb();
        }
    }

    /// The section at `pos` when holes are looked for: `(in_data, length)`, never empty,
    /// `None` at the end. One `SEEK_DATA`/`SEEK_HOLE` lookup per section.
    fn current_section(&mut self) -> Result<Option<(bool, u64)>> {
        let limit = self.end.min(self.size);
        if self.pos >= limit {
            return Ok(None);
        }
        let (in_data, section_end) = match self.section {
            Some((in_data, section_end)) if section_end > self.pos => (in_data, section_end),
            _ => {
                let (in_data, len) = section_at(&self.file, self.pos, self.size)
                    .map_err(|e| stream_error(&e, format!("unable to seek in {}", self.path)))?;
                if len == 0 {
                    return Ok(None);
                }
                let section_end = self.pos.saturating_add(len);
                self.section = Some((in_data, section_end));
                (in_data, section_end)
            }
        };
        Ok(Some((in_data, section_end.min(limit) - self.pos)))
    }

    /// Reads up to `want` bytes at `pos` into a buffer of their own; empty at the end.
    fn read_data(&mut self, want: u64) -> Result<Vec<u8>> {
        let want = want.min(CHUNK as u64) as usize;
        // Filled by the reads themselves: no zeroing first, no copy afterwards.
        let mut data = Vec::with_capacity(want);
        while data.len() < want {
            let at = self.pos + data.len() as u64;
            match rustix::io::pread(&self.file, spare_capacity(&mut data), at) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => {
                    return Err(stream_error(
                        &io::Error::from(e),
                        format!("Unable to read {}", self.path),
                    ))
                }
            }
        }
        self.pos += data.len() as u64;
        Ok(data)
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

impl Stream for DownloadStream {
    fn send(&mut self, _data: &[u8]) -> Result<()> {
        Err(Error::new(
            D,
            ErrorCode::InternalError,
            "stream is not open for writing",
        ))
    }

    fn recv(&mut self, max: usize) -> Result<Vec<u8>> {
        let max = max.clamp(1, CHUNK) as u64;
        if !self.peeked.is_empty() {
            if self.peeked.len() as u64 <= max {
                return Ok(std::mem::take(&mut self.peeked));
            }
            let rest = self.peeked.split_off(max as usize);
            return Ok(std::mem::replace(&mut self.peeked, rest));
        }
        if self.eof {
            return Ok(Vec::new());
        }
        if !self.find_holes {
            let want = max.min(self.end - self.pos);
            return if want == 0 {
                self.eof = true;
                Ok(Vec::new())
            } else {
                self.read_data(want)
            };
        }
        match self.current_section()? {
            None => {
                self.eof = true;
                Ok(Vec::new())
            }
            Some((true, len)) => self.read_data(len.min(max)),
            // Read plainly, a hole is zeros.
            Some((false, len)) => {
                let n = len.min(max);
                self.pos += n;
                Ok(vec![0; n as usize])
            }
        }
    }

    /// A hole (positive length, skipped), data (negative length of what comes next), or
    /// `None` at the end of the stream. A stream opened without the sparse flag is not
    /// sparse-aware.
    fn next_hole(&mut self) -> Result<Option<i64>> {
        if !self.sparse {
            return Ok(None);
        }
        if !self.peeked.is_empty() {
            return Ok(Some(-(self.peeked.len() as i64)));
        }
        if self.eof {
            return Ok(None);
        }
        if !self.find_holes {
            // Only reading tells whether data is left.
            let want = (CHUNK as u64).min(self.end - self.pos);
            self.peeked = if want == 0 {
                Vec::new()
            } else {
                self.read_data(want)?
            };
            if self.peeked.is_empty() {
                self.eof = true;
                return Ok(None);
            }
            return Ok(Some(-(self.peeked.len() as i64)));
        }
        match self.current_section()? {
            None => {
                self.eof = true;
                Ok(None)
            }
            // A hole is skipped; one longer than a message can say is reported in parts.
            Some((false, len)) => {
                let len = len.min(i64::MAX as u64);
                self.pos += len;
                Ok(Some(len as i64))
            }
            Some((true, len)) => Ok(Some(-(len.min(i64::MAX as u64) as i64))),
        }
    }

    fn finish(&mut self) -> Result<()> {
        self.close();
        Ok(())
    }

    fn abort(&mut self) -> Result<()> {
        self.close();
        Ok(())
    }
}

impl Drop for DownloadStream {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::{FileExt, MetadataExt};

    const MIB: u64 = 1024 * 1024;

    fn pattern(len: u64, seed: u64) -> Vec<u8> {
        (0..len)
            .map(|i| ((i * 31 + seed * 7) % 251) as u8)
            .collect()
    }

    /// 8 MiB: data at 0-1.5 MiB and 5-6 MiB, holes elsewhere (a trailing one too).
    fn sparse_file(dir: &std::path::Path) -> (String, Vec<u8>) {
        let path = dir.join("sparse.img");
        let f = File::create(&path).unwrap();
        f.set_len(8 * MIB).unwrap();
        let mut want = vec![0u8; 8 * MIB as usize];
        for (at, len, seed) in [(0, MIB + MIB / 2, 1), (5 * MIB, MIB, 2)] {
            let data = pattern(len, seed);
            f.write_all_at(&data, at).unwrap();
            want[at as usize..(at + len) as usize].copy_from_slice(&data);
        }
        (path.to_str().unwrap().to_string(), want)
    }

    fn no_op() -> OnClose {
        Box::new(|| {})
    }

    /// Reads a download the way a sparse-aware client does: holes are skipped.
    fn read_sparse(stream: &mut DownloadStream) -> (Vec<u8>, Vec<i64>) {
        let mut out = Vec::new();
        let mut holes = Vec::new();
        while let Some(next) = stream.next_hole().unwrap() {
            if next > 0 {
                holes.push(next);
                out.resize(out.len() + next as usize, 0);
            } else {
                let data = stream.recv(next.unsigned_abs() as usize).unwrap();
                assert!(!data.is_empty() && data.len() <= CHUNK);
                out.extend_from_slice(&data);
            }
        }
        assert!(stream.recv(CHUNK).unwrap().is_empty());
        (out, holes)
    }

    fn read_plain(stream: &mut DownloadStream) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let data = stream.recv(CHUNK).unwrap();
            if data.is_empty() {
                return out;
            }
            out.extend_from_slice(&data);
        }
    }

    #[test]
    fn sparse_download_reports_holes() {
        let dir = tempfile::tempdir().unwrap();
        let (path, want) = sparse_file(dir.path());
        let mut s = DownloadStream::open(&path, 0, 0, true, no_op()).unwrap();
        let (got, holes) = read_sparse(&mut s);
        assert_eq!(holes, [(3 * MIB + MIB / 2) as i64, 2 * MIB as i64]);
        assert!(got == want);
        // Read without asking for holes, they come as zeros.
        let mut s = DownloadStream::open(&path, 0, 0, true, no_op()).unwrap();
        assert!(read_plain(&mut s) == want);
    }

    #[test]
    fn plain_download_of_a_window() {
        let dir = tempfile::tempdir().unwrap();
        let (path, want) = sparse_file(dir.path());
        let mut s = DownloadStream::open(&path, 0, 0, false, no_op()).unwrap();
        assert_eq!(s.next_hole().unwrap(), None, "not a sparse stream");
        assert!(read_plain(&mut s) == want);
        let (at, len) = (MIB + 1000, 4 * MIB + 3);
        for sparse in [false, true] {
            let mut s = DownloadStream::open(&path, at, len, sparse, no_op()).unwrap();
            let got = if sparse {
                read_sparse(&mut s).0
            } else {
                read_plain(&mut s)
            };
            assert!(
                got == want[at as usize..(at + len) as usize],
                "sparse={sparse}"
            );
        }
    }

    #[test]
    fn sparse_upload_keeps_holes_and_reports_close_once() {
        let dir = tempfile::tempdir().unwrap();
        let (_, want) = sparse_file(dir.path());
        let vol = dir.path().join("vol.img");
        // Holes are made by seeking and truncating, as libvirt does: the file starts empty.
        std::fs::write(&vol, b"").unwrap();
        let closed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = closed.clone();
        let on_close: OnClose = Box::new(move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        let mut up = UploadStream::open(vol.to_str().unwrap(), 0, 0, true, on_close).unwrap();
        up.send(&want[..(MIB + MIB / 2) as usize]).unwrap();
        up.send_hole((3 * MIB + MIB / 2) as i64).unwrap();
        up.send(&want[5 * MIB as usize..6 * MIB as usize]).unwrap();
        up.send_hole(2 * MIB as i64).unwrap();
        up.finish().unwrap();
        drop(up);
        assert_eq!(closed.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(std::fs::read(&vol).unwrap() == want);
        let allocated = std::fs::metadata(&vol).unwrap().blocks() * 512;
        assert!(allocated < 4 * MIB, "{allocated} bytes allocated");
    }

    #[test]
    fn upload_of_odd_sizes_keeps_what_follows() {
        let dir = tempfile::tempdir().unwrap();
        let vol = dir.path().join("vol.img");
        let size = 4 * MIB + 4097;
        let old = vec![0x55u8; (size + 3 * MIB) as usize];
        std::fs::write(&vol, &old).unwrap();
        let data = pattern(size, 3);
        let mut up = UploadStream::open(vol.to_str().unwrap(), 0, 0, false, no_op()).unwrap();
        // Pieces of odd sizes.
        for piece in data.chunks(262_147) {
            up.send(piece).unwrap();
        }
        up.finish().unwrap();
        let got = std::fs::read(&vol).unwrap();
        assert_eq!(got.len(), old.len(), "an upload does not truncate");
        assert!(got[..size as usize] == data[..]);
        assert!(got[size as usize..] == old[size as usize..]);
        // An odd start.
        let mut up = UploadStream::open(vol.to_str().unwrap(), 1, 0, false, no_op()).unwrap();
        up.send(&data[..MIB as usize * 2]).unwrap();
        up.finish().unwrap();
        let got = std::fs::read(&vol).unwrap();
        assert!(got[1..1 + 2 * MIB as usize] == data[..2 * MIB as usize]);
    }

    #[test]
    fn download_of_a_fresh_upload() {
        let dir = tempfile::tempdir().unwrap();
        let vol = dir.path().join("vol.img");
        let size = 3 * MIB + 5;
        std::fs::write(&vol, b"").unwrap();
        let data = pattern(size, 4);
        let path = vol.to_str().unwrap();
        let mut up = UploadStream::open(path, 0, 0, false, no_op()).unwrap();
        up.send(&data).unwrap();
        up.finish().unwrap();
        let mut s = DownloadStream::open(path, 0, 0, false, no_op()).unwrap();
        assert!(read_plain(&mut s) == data);
        let (at, len) = (MIB / 2 + 3, 2 * MIB);
        let mut s = DownloadStream::open(path, at, len, false, no_op()).unwrap();
        assert!(read_plain(&mut s) == data[at as usize..(at + len) as usize]);
        let mut s = DownloadStream::open(path, 0, 0, true, no_op()).unwrap();
        assert!(read_sparse(&mut s).0 == data);
    }

    #[test]
    fn upload_limits() {
        let dir = tempfile::tempdir().unwrap();
        let vol = dir.path().join("vol.img");
        std::fs::write(&vol, b"0123456789").unwrap();
        let path = vol.to_str().unwrap();
        let mut up = UploadStream::open(path, 2, 3, false, no_op()).unwrap();
        let hole = up.send_hole(1).unwrap_err();
        assert_eq!(hole.message, "internal error: unexpected stream hole");
        // What goes past the length is dropped, then the stream is full.
        up.send(b"abcd").unwrap();
        let full = up.send(b"e").unwrap_err();
        assert_eq!(
            full.message,
            "cannot write to stream: No space left on device"
        );
        up.finish().unwrap();
        assert_eq!(std::fs::read(&vol).unwrap(), b"01abc56789");
        let mut up = UploadStream::open(path, 0, 0, false, no_op()).unwrap();
        up.finish().unwrap();
        let closed = up.send(b"f").unwrap_err();
        assert_eq!(
            closed.message,
            "cannot write to stream: Bad file descriptor"
        );
    }
}
