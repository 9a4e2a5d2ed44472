//! CPU and node sets (`cpuset='0-3,^2,8'`) as libvirt's `virBitmap` reads and prints them.

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

/// Highest bit accepted (libvirt's `VIR_DOMAIN_CPUMASK_LEN`).
const MAX_BITS: u64 = 1 << 16;

/// Parses a set list: comma-separated numbers and ranges, `^N` excluding.
pub fn parse(text: &str) -> Result<Vec<u64>> {
    let bad = || {
        Error::new(
            ErrorDomain::None,
            ErrorCode::InvalidArg,
            format!("Failed to parse bitmap '{text}'"),
        )
    };
    let mut set = std::collections::BTreeSet::new();
    let mut excluded = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        if part.is_empty() {
            return Err(bad());
        }
        if let Some(neg) = part.strip_prefix('^') {
            excluded.push(neg.parse::<u64>().map_err(|_| bad())?);
            continue;
        }
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (
                a.trim().parse::<u64>().map_err(|_| bad())?,
                b.trim().parse::<u64>().map_err(|_| bad())?,
            ),
            None => {
                let v = part.parse::<u64>().map_err(|_| bad())?;
                (v, v)
            }
        };
        if lo > hi || hi >= MAX_BITS {
            return Err(bad());
        }
        set.extend(lo..=hi);
    }
    for e in excluded {
        set.remove(&e);
    }
    Ok(set.into_iter().collect())
}

/// Prints a set the way `virBitmapFormat` does: runs of consecutive bits as `a-b`.
pub fn format(bits: &[u64]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < bits.len() {
        let start = bits[i];
        let mut end = start;
        while i + 1 < bits.len() && bits[i + 1] == end + 1 {
            i += 1;
            end = bits[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}-{end}"));
        }
        i += 1;
    }
    out
}

/// Rewrites a set in canonical form; unparsable text is left for validation to reject.
pub fn canonical(text: &str) -> Option<String> {
    parse(text).ok().map(|b| format(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(
            canonical("1,2,5-9,11,13-14").as_deref(),
            Some("1-2,5-9,11,13-14")
        );
        assert_eq!(canonical("0-3,^2").as_deref(), Some("0-1,3"));
        assert!(canonical("3-1").is_none());
    }
}
