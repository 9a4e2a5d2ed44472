//! Client-side copying between a local file and a volume stream (`vol-upload FILE`,
//! `vol-download FILE`), over any [`Stream`], in-process or remote. With `sparse`, holes
//! travel as hole markers instead of runs of zeros. Progress is reported through a callback,
//! so each client draws (or not) its own bar: the drivers carry no UI.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use rvirt_core::{Error, ErrorDomain, Stream};

/// Bytes moved per stream message.
const CHUNK: usize = 256 * 1024;

/// Where a copy failed: on the stream (the driver's error) or on the local file.
#[derive(Debug)]
pub enum TransferError {
    Stream(Error),
    Local(std::io::Error),
}

impl From<Error> for TransferError {
    fn from(e: Error) -> Self {
        TransferError::Stream(e)
    }
}

impl From<std::io::Error> for TransferError {
    fn from(e: std::io::Error) -> Self {
        TransferError::Local(e)
    }
}

impl TransferError {
    /// One libvirt-style error: the stream's own, or a system error about the local file
    /// described by `local_context` (e.g. `cannot read 'PATH'`).
    pub fn into_error(self, local_context: impl std::fmt::Display) -> Error {
        match self {
            TransferError::Stream(e) => e,
            TransferError::Local(e) => Error::system(ErrorDomain::None, &e, local_context),
        }
    }
}

/// Whether `pos` lies in data or in a hole, and how long that section runs (never past
/// `size`). Files whose system cannot tell are all data.
fn section_at(file: &File, pos: u64, size: u64) -> std::io::Result<(bool, u64)> {
    use rustix::fs::{seek, SeekFrom as RawSeek};
    match seek(file, RawSeek::Data(pos)) {
        Ok(data) if data > pos => Ok((false, data.min(size) - pos)),
        Ok(_) => {
            let hole = seek(file, RawSeek::Hole(pos)).unwrap_or(size);
            Ok((true, hole.min(size).saturating_sub(pos).max(1)))
        }
        // No data after `pos`: the rest of the file is a hole.
        Err(rustix::io::Errno::NXIO) => Ok((false, size - pos)),
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::OPNOTSUPP) => Ok((true, size - pos)),
        Err(e) => Err(e.into()),
    }
}

/// Sends the whole of `file` (from its current position when not sparse) into `stream`;
/// `progress` hears how many bytes each step covered. Returns the bytes covered (data and
/// holes). The stream is left open: the caller finishes or aborts it.
pub fn upload(
    stream: &mut dyn Stream,
    file: &mut File,
    sparse: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, TransferError> {
    let mut buf = vec![0u8; CHUNK];
    let mut moved = 0u64;
    if !sparse {
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                return Ok(moved);
            }
            stream.send(&buf[..n])?;
            moved += n as u64;
            progress(n as u64);
        }
    }
    let size = file.metadata()?.len();
    while moved < size {
        let (in_data, len) = section_at(file, moved, size)?;
        if !in_data {
            stream.send_hole(i64::try_from(len).unwrap_or(i64::MAX))?;
            moved += len;
            progress(len);
            continue;
        }
        file.seek(SeekFrom::Start(moved))?;
        let want = usize::try_from(len).unwrap_or(CHUNK).min(CHUNK);
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        stream.send(&buf[..n])?;
        moved += n as u64;
        progress(n as u64);
    }
    Ok(moved)
}

/// Writes what `stream` delivers into `file`. With `sparse`, holes become holes in the file
/// (skipped, then the length fixed so a trailing hole counts); a stream that cannot report
/// holes is read plainly. Returns the bytes covered. The stream is left open.
pub fn download(
    stream: &mut dyn Stream,
    file: &mut File,
    sparse: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, TransferError> {
    let mut moved = 0u64;
    loop {
        let want = if sparse {
            match stream.next_hole()? {
                Some(hole) if hole > 0 => {
                    let end = file.seek(SeekFrom::Current(hole))?;
                    file.set_len(end)?;
                    moved += hole.unsigned_abs();
                    progress(hole.unsigned_abs());
                    continue;
                }
                Some(data) => usize::try_from(data.unsigned_abs())
                    .unwrap_or(CHUNK)
                    .clamp(1, CHUNK),
                None => CHUNK,
            }
        } else {
            CHUNK
        };
        let data = stream.recv(want)?;
        if data.is_empty() {
            return Ok(moved);
        }
        file.write_all(&data)?;
        moved += data.len() as u64;
        progress(data.len() as u64);
    }
}

/// Runs `copy` on `stream`, then finishes the stream on success or aborts it on failure,
/// as virsh closes its streams.
fn finish_or_abort(
    stream: &mut dyn Stream,
    copy: impl FnOnce(&mut dyn Stream) -> Result<u64, Error>,
) -> Result<u64, Error> {
    match copy(stream) {
        Ok(n) => {
            stream.finish()?;
            Ok(n)
        }
        Err(e) => {
            let _ = stream.abort();
            Err(e)
        }
    }
}

/// [`upload`] of the file at `path`, then the stream finished (aborted on failure).
pub fn upload_file(
    stream: &mut dyn Stream,
    path: &Path,
    sparse: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, Error> {
    finish_or_abort(stream, |s| {
        let mut file = File::open(path).map_err(|e| {
            Error::system(
                ErrorDomain::None,
                &e,
                format!("cannot open file '{}'", path.display()),
            )
        })?;
        upload(s, &mut file, sparse, progress)
            .map_err(|e| e.into_error(format!("cannot read '{}'", path.display())))
    })
}

/// [`download`] into the file at `path` (created or truncated), then the stream finished
/// (aborted on failure).
pub fn download_to_file(
    stream: &mut dyn Stream,
    path: &Path,
    sparse: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, Error> {
    finish_or_abort(stream, |s| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| {
                Error::system(
                    ErrorDomain::None,
                    &e,
                    format!("cannot create file '{}'", path.display()),
                )
            })?;
        download(s, &mut file, sparse, progress)
            .map_err(|e| e.into_error(format!("cannot write '{}'", path.display())))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    use rvirt_core::ErrorCode;

    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Piece {
        Data(Vec<u8>),
        Hole(i64),
    }

    /// A stream that replays `incoming` and records what is sent to it.
    #[derive(Default)]
    struct FakeStream {
        incoming: VecDeque<Piece>,
        sent: Vec<Piece>,
        sparse_aware: bool,
        fail_after_sends: Option<usize>,
        finished: bool,
        aborted: bool,
    }

    impl Stream for FakeStream {
        fn send(&mut self, data: &[u8]) -> rvirt_core::Result<()> {
            if self.fail_after_sends == Some(self.sent.len()) {
                return Err(Error::new(
                    ErrorDomain::Streams,
                    ErrorCode::InternalError,
                    "peer went away",
                ));
            }
            // Merge consecutive data so chunking does not matter to the assertions.
            match self.sent.last_mut() {
                Some(Piece::Data(d)) => d.extend_from_slice(data),
                _ => self.sent.push(Piece::Data(data.to_vec())),
            }
            Ok(())
        }
        fn recv(&mut self, max: usize) -> rvirt_core::Result<Vec<u8>> {
            match self.incoming.pop_front() {
                None => Ok(Vec::new()),
                // Read plainly, a hole is zeros.
                Some(Piece::Hole(n)) => Ok(vec![0; n as usize]),
                Some(Piece::Data(mut d)) => {
                    if d.len() > max {
                        let rest = d.split_off(max);
                        self.incoming.push_front(Piece::Data(rest));
                    }
                    Ok(d)
                }
            }
        }
        fn send_hole(&mut self, length: i64) -> rvirt_core::Result<()> {
            self.sent.push(Piece::Hole(length));
            Ok(())
        }
        fn next_hole(&mut self) -> rvirt_core::Result<Option<i64>> {
            if !self.sparse_aware {
                return Ok(None);
            }
            Ok(match self.incoming.front() {
                None => None,
                Some(Piece::Hole(n)) => {
                    let n = *n;
                    self.incoming.pop_front();
                    Some(n)
                }
                Some(Piece::Data(d)) => Some(-(d.len() as i64)),
            })
        }
        fn finish(&mut self) -> rvirt_core::Result<()> {
            self.finished = true;
            Ok(())
        }
        fn abort(&mut self) -> rvirt_core::Result<()> {
            self.aborted = true;
            Ok(())
        }
    }

    fn incoming() -> VecDeque<Piece> {
        VecDeque::from(vec![
            Piece::Data(b"head".to_vec()),
            Piece::Hole(1 << 20),
            Piece::Data(vec![7u8; 300_000]),
            Piece::Hole(4096),
        ])
    }

    fn expected_bytes() -> Vec<u8> {
        let mut v = b"head".to_vec();
        v.extend(vec![0u8; 1 << 20]);
        v.extend(vec![7u8; 300_000]);
        v.extend(vec![0u8; 4096]);
        v
    }

    fn read_back(file: &mut File) -> Vec<u8> {
        let mut got = Vec::new();
        file.seek(SeekFrom::Start(0)).unwrap();
        file.read_to_end(&mut got).unwrap();
        got
    }

    #[test]
    fn plain_download_writes_holes_as_zeros() {
        let mut stream = FakeStream {
            incoming: incoming(),
            ..Default::default()
        };
        let mut file = tempfile::tempfile().unwrap();
        let mut total = 0;
        let moved = download(&mut stream, &mut file, false, &mut |n| total += n).unwrap();
        assert_eq!(read_back(&mut file), expected_bytes());
        assert_eq!(total, expected_bytes().len() as u64);
        assert_eq!(moved, total);
    }

    #[test]
    fn sparse_download_keeps_holes_and_trailing_length() {
        let mut stream = FakeStream {
            incoming: incoming(),
            sparse_aware: true,
            ..Default::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let moved = download_to_file(&mut stream, &path, true, &mut |_| {}).unwrap();
        assert!(stream.finished && !stream.aborted);
        assert_eq!(std::fs::read(&path).unwrap(), expected_bytes());
        assert_eq!(moved, expected_bytes().len() as u64);
    }

    #[test]
    fn sparse_download_from_a_stream_without_hole_support() {
        let mut stream = FakeStream {
            incoming: incoming(),
            sparse_aware: false,
            ..Default::default()
        };
        let mut file = tempfile::tempfile().unwrap();
        download(&mut stream, &mut file, true, &mut |_| {}).unwrap();
        assert_eq!(read_back(&mut file), expected_bytes());
    }

    #[test]
    fn upload_plain_and_sparse() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in");
        let mut file = File::create(&path).unwrap();
        file.write_all(b"abc").unwrap();
        // Leave a large hole, then more data.
        file.seek(SeekFrom::Start(8 << 20)).unwrap();
        file.write_all(b"tail").unwrap();
        drop(file);
        let content = std::fs::read(&path).unwrap();

        let mut plain = FakeStream::default();
        let mut moved = 0;
        let covered = upload(
            &mut plain,
            &mut File::open(&path).unwrap(),
            false,
            &mut |n| moved += n,
        )
        .unwrap();
        assert_eq!(plain.sent, vec![Piece::Data(content.clone())]);
        assert_eq!(moved, content.len() as u64);
        assert_eq!(covered, moved);

        let mut sparse = FakeStream::default();
        let covered = upload_file(&mut sparse, &path, true, &mut |_| {}).unwrap();
        assert!(sparse.finished);
        assert_eq!(covered, content.len() as u64);
        // Rebuild the bytes from what was sent: they must equal the file.
        let mut rebuilt = Vec::new();
        for piece in &sparse.sent {
            match piece {
                Piece::Data(d) => rebuilt.extend_from_slice(d),
                Piece::Hole(n) => rebuilt.extend(vec![0u8; *n as usize]),
            }
        }
        assert_eq!(rebuilt, content);
    }

    #[test]
    fn stream_errors_surface_and_abort() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in");
        std::fs::write(&path, vec![1u8; CHUNK * 2]).unwrap();
        let mut stream = FakeStream {
            fail_after_sends: Some(1),
            ..Default::default()
        };
        // The first send succeeds; the merged piece count stays 1, so the second fails.
        let err = upload(
            &mut stream,
            &mut File::open(&path).unwrap(),
            false,
            &mut |_| {},
        )
        .unwrap_err();
        assert!(matches!(err, TransferError::Stream(e) if e.message.contains("peer went away")));

        let mut stream = FakeStream {
            fail_after_sends: Some(1),
            ..Default::default()
        };
        let err = upload_file(&mut stream, &path, false, &mut |_| {}).unwrap_err();
        assert!(err.message.contains("peer went away"));
        assert!(stream.aborted && !stream.finished);
    }

    #[test]
    fn local_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let mut stream = FakeStream::default();
        let err = upload_file(&mut stream, &missing, false, &mut |_| {}).unwrap_err();
        assert_eq!(err.code, ErrorCode::SystemError);
        assert!(
            err.message
                .contains(&format!("cannot open file '{}'", missing.display())),
            "{}",
            err.message
        );
        assert!(stream.aborted);
    }
}
