//! Client-side helpers for `vol-upload FILE` / `vol-download FILE`: moving a local file
//! through any [`Stream`] (in-process or remote), sparse-aware, with an optional progress
//! bar drawn on a terminal.

use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use rustix::fs::SeekFrom as RSeek;
use rvirt_core::{Error, ErrorDomain, Result, Stream};

const CHUNK: usize = 256 * 1024;
const REDRAW: Duration = Duration::from_millis(100);
const BAR_WIDTH: usize = 30;

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
#[derive(Debug)]
pub struct Progress {
    label: String,
    total: Option<u64>,
    done: u64,
    enabled: bool,
    started: Instant,
    last_draw: Option<Instant>,
}

impl Progress {
    /// A bar for `total` bytes (unknown when `None`), shown when stderr is a terminal.
    pub fn new(label: impl Into<String>, total: Option<u64>) -> Self {
        Self::with_enabled(label, total, io::stderr().is_terminal())
    }

    /// Like [`Progress::new`] with the decision to draw made by the caller.
    pub fn with_enabled(label: impl Into<String>, total: Option<u64>, enabled: bool) -> Self {
        Progress {
            label: label.into(),
            total,
            done: 0,
            enabled,
            started: Instant::now(),
            last_draw: None,
        }
    }

    /// Bytes accounted so far.
    pub fn done(&self) -> u64 {
        self.done
    }

    pub fn advance(&mut self, bytes: u64) {
        self.done += bytes;
        if self.enabled && self.last_draw.is_none_or(|t| t.elapsed() >= REDRAW) {
            self.draw();
        }
    }

    /// Draws the final state and ends the line.
    pub fn finish(&mut self) {
        if self.enabled {
            self.draw();
            eprintln!();
        }
    }

    /// The text of the bar as it is drawn now.
    pub fn render(&self) -> String {
        let elapsed = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = human(self.done as f64 / elapsed);
        match self.total.filter(|t| *t > 0) {
            Some(total) => {
                let frac = (self.done as f64 / total as f64).min(1.0);
                let filled = (frac * BAR_WIDTH as f64) as usize;
                let bar: String = (0..BAR_WIDTH)
                    .map(|i| match i.cmp(&filled) {
                        std::cmp::Ordering::Less => '=',
                        std::cmp::Ordering::Equal => '>',
                        std::cmp::Ordering::Greater => ' ',
                    })
                    .collect();
                format!(
                    "{} [{bar}] {:3.0}% {}/{} {rate}/s",
                    self.label,
                    frac * 100.0,
                    human(self.done as f64),
                    human(total as f64)
                )
            }
            None => format!("{} {} {rate}/s", self.label, human(self.done as f64)),
        }
    }

    fn draw(&mut self) {
        self.last_draw = Some(Instant::now());
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r{}\x1b[K", self.render());
        let _ = err.flush();
    }
}

/// Bytes as virsh prints sizes (`12.50 MiB`).
fn human(bytes: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = bytes;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.2} {}", UNITS[unit])
}

fn local_error(e: &io::Error, context: String) -> Error {
    Error::system(ErrorDomain::None, e, context)
}

/// Sends the local file at `path` into an upload stream and finishes it. With `sparse`,
/// holes of the file travel as holes. Returns the number of bytes covered (data + holes).
pub fn upload_file(
    stream: &mut dyn Stream,
    path: &Path,
    sparse: bool,
    mut progress: Option<&mut Progress>,
) -> Result<u64> {
    let result = (|| {
        let mut file = File::open(path)
            .map_err(|e| local_error(&e, format!("cannot open file '{}'", path.display())))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut pos = 0u64;
        let mut buf = vec![0u8; CHUNK];
        loop {
            if sparse && pos < size {
                let data = match rustix::fs::seek(&file, RSeek::Data(pos)) {
                    Ok(d) => d,
                    Err(e) if e == rustix::io::Errno::NXIO => size,
                    Err(_) => pos,
                };
                if data > pos {
                    stream.send_hole((data - pos) as i64)?;
                    if let Some(p) = progress.as_deref_mut() {
                        p.advance(data - pos);
                    }
                    pos = data;
                    if pos >= size {
                        break;
                    }
                }
                file.seek(SeekFrom::Start(pos))
                    .map_err(|e| local_error(&e, format!("cannot seek '{}'", path.display())))?;
            }
            let n = file
                .read(&mut buf)
                .map_err(|e| local_error(&e, format!("cannot read '{}'", path.display())))?;
            if n == 0 {
                break;
            }
            stream.send(&buf[..n])?;
            pos += n as u64;
            if let Some(p) = progress.as_deref_mut() {
                p.advance(n as u64);
            }
        }
        Ok(pos)
    })();
    match result {
        Ok(n) => {
            stream.finish()?;
            if let Some(p) = progress {
                p.finish();
            }
            Ok(n)
        }
        Err(e) => {
            let _ = stream.abort();
            Err(e)
        }
    }
}

/// Receives a download stream into the local file at `path` (created or truncated) and
/// finishes the stream. With `sparse`, holes become holes of the file. Returns the bytes
/// covered.
pub fn download_to_file(
    stream: &mut dyn Stream,
    path: &Path,
    sparse: bool,
    mut progress: Option<&mut Progress>,
) -> Result<u64> {
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| local_error(&e, format!("cannot create file '{}'", path.display())))?;
        let mut pos = 0u64;
        loop {
            if sparse {
                match stream.next_hole()? {
                    None => break,
                    Some(h) if h > 0 => {
                        pos += h as u64;
                        file.seek(SeekFrom::Start(pos)).map_err(|e| {
                            local_error(&e, format!("cannot seek '{}'", path.display()))
                        })?;
                        if let Some(p) = progress.as_deref_mut() {
                            p.advance(h as u64);
                        }
                        continue;
                    }
                    Some(_) => {}
                }
            }
            let data = stream.recv(CHUNK)?;
            if data.is_empty() {
                break;
            }
            file.write_all(&data)
                .map_err(|e| local_error(&e, format!("cannot write '{}'", path.display())))?;
            pos += data.len() as u64;
            if let Some(p) = progress.as_deref_mut() {
                p.advance(data.len() as u64);
            }
        }
        // A trailing hole leaves the file shorter than the volume: extend it.
        file.set_len(pos)
            .map_err(|e| local_error(&e, format!("cannot truncate '{}'", path.display())))?;
        Ok(pos)
    })();
    match result {
        Ok(n) => {
            stream.finish()?;
            if let Some(p) = progress {
                p.finish();
            }
            Ok(n)
        }
        Err(e) => {
            let _ = stream.abort();
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_text() {
        let mut p = Progress::with_enabled("upload", Some(1024 * 1024), false);
        p.advance(512 * 1024);
        let text = p.render();
        assert!(text.starts_with("upload ["), "{text}");
        assert!(text.contains(" 50% 512.00 KiB/1.00 MiB"), "{text}");
        let q = Progress::with_enabled("download", None, false);
        assert!(q.render().starts_with("download 0.00 B"));
    }
}
