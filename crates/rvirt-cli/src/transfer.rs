//! Copying between a local file and a driver stream (`vol-upload`, `vol-download`), plain or
//! sparse: with `--sparse`, holes travel as hole markers instead of runs of zeros.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

use rvirt::{Error, Stream};

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

/// Sends the whole of `file` into `stream`; `progress` hears how many bytes each step moved.
pub fn upload(
    stream: &mut dyn Stream,
    file: &mut File,
    sparse: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<(), TransferError> {
    let mut buf = vec![0u8; CHUNK];
    if !sparse {
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            stream.send(&buf[..n])?;
            progress(n as u64);
        }
    }
    let size = file.metadata()?.len();
    let mut pos = 0;
    while pos < size {
        let (in_data, len) = section_at(file, pos, size)?;
        if !in_data {
            stream.send_hole(i64::try_from(len).unwrap_or(i64::MAX))?;
            pos += len;
            progress(len);
            continue;
        }
        file.seek(SeekFrom::Start(pos))?;
        let want = usize::try_from(len).unwrap_or(CHUNK).min(CHUNK);
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        stream.send(&buf[..n])?;
        pos += n as u64;
        progress(n as u64);
    }
    Ok(())
}

/// Writes what `stream` delivers into `file`. With `sparse`, holes become holes in the file
/// (skipped, then the length fixed so a trailing hole counts); a stream that cannot report
/// holes is read plainly.
pub fn download(
    stream: &mut dyn Stream,
    file: &mut File,
    sparse: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<(), TransferError> {
    loop {
        let want = if sparse {
            match stream.next_hole()? {
                Some(hole) if hole > 0 => {
                    let end = file.seek(SeekFrom::Current(hole))?;
                    file.set_len(end)?;
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
            return Ok(());
        }
        file.write_all(&data)?;
        progress(data.len() as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    use rvirt::{ErrorCode, ErrorDomain};

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
    }

    impl Stream for FakeStream {
        fn send(&mut self, data: &[u8]) -> rvirt::Result<()> {
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
        fn recv(&mut self, max: usize) -> rvirt::Result<Vec<u8>> {
            match self.incoming.pop_front() {
                None => Ok(Vec::new()),
                Some(Piece::Hole(n)) => {
                    // Read plainly, a hole is zeros.
                    Ok(vec![0; n as usize])
                }
                Some(Piece::Data(mut d)) => {
                    if d.len() > max {
                        let rest = d.split_off(max);
                        self.incoming.push_front(Piece::Data(rest));
                    }
                    Ok(d)
                }
            }
        }
        fn send_hole(&mut self, length: i64) -> rvirt::Result<()> {
            self.sent.push(Piece::Hole(length));
            Ok(())
        }
        fn next_hole(&mut self) -> rvirt::Result<Option<i64>> {
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
        fn finish(&mut self) -> rvirt::Result<()> {
            Ok(())
        }
        fn abort(&mut self) -> rvirt::Result<()> {
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

    #[test]
    fn plain_download_writes_holes_as_zeros() {
        let mut stream = FakeStream {
            incoming: incoming(),
            ..Default::default()
        };
        let mut file = tempfile::tempfile().unwrap();
        let mut total = 0;
        download(&mut stream, &mut file, false, &mut |n| total += n).unwrap();
        let mut got = Vec::new();
        file.seek(SeekFrom::Start(0)).unwrap();
        file.read_to_end(&mut got).unwrap();
        assert_eq!(got, expected_bytes());
        assert_eq!(total, expected_bytes().len() as u64);
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
        let mut file = File::create(&path).unwrap();
        download(&mut stream, &mut file, true, &mut |_| {}).unwrap();
        drop(file);
        let got = std::fs::read(&path).unwrap();
        assert_eq!(got, expected_bytes());
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
        let mut got = Vec::new();
        file.seek(SeekFrom::Start(0)).unwrap();
        file.read_to_end(&mut got).unwrap();
        assert_eq!(got, expected_bytes());
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
        upload(
            &mut plain,
            &mut File::open(&path).unwrap(),
            false,
            &mut |n| moved += n,
        )
        .unwrap();
        assert_eq!(plain.sent, vec![Piece::Data(content.clone())]);
        assert_eq!(moved, content.len() as u64);

        let mut sparse = FakeStream::default();
        upload(
            &mut sparse,
            &mut File::open(&path).unwrap(),
            true,
            &mut |_| {},
        )
        .unwrap();
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
    fn stream_errors_surface() {
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
    }
}
