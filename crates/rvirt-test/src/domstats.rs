//! `virConnectGetAllDomainStats` / `virDomainListGetStats` as libvirt's test driver answers
//! them: only the `state` group is collected; domains are filtered like
//! `virConnectListAllDomains`.

use rvirt_core::*;

use crate::domain::matches;
use crate::state::{Domain, State};

/// `VIR_DOMAIN_STATS_STATE`, the one group the test driver collects.
const STATS_STATE: u32 = 1;
/// The domain filters (`VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE` … `_OTHER`), which share
/// their bits with `virConnectListAllDomains`' filters.
const FILTER_FLAGS: u32 = 0xff;
/// `VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT`.
const NOWAIT: u32 = 1 << 29;
/// `VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING`.
const BACKING: u32 = 1 << 30;
/// `VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS`.
const ENFORCE_STATS: u32 = 1 << 31;

/// The records for `requested` (every domain when empty; unknown ones are skipped), in the
/// order given, or sorted by name when collecting every domain.
pub(crate) fn collect(
    state: &State,
    requested: &[DomainRef],
    stats: u32,
    flags: u32,
) -> Result<Vec<DomainStatsRecord>> {
    let allowed = FILTER_FLAGS | NOWAIT | BACKING | ENFORCE_STATS;
    if flags & !allowed != 0 {
        return Err(Error::unsupported_flags(
            ErrorDomain::Test,
            flags & !allowed,
            "testConnectGetAllDomainStats",
        ));
    }
    let stats = if stats == 0 { STATS_STATE } else { stats };
    if flags & ENFORCE_STATS != 0 && stats & !STATS_STATE != 0 {
        return Err(Error::new(
            ErrorDomain::Test,
            ErrorCode::ArgumentUnsupported,
            format!(
                "Stats types bits 0x{:x} are not supported by this daemon",
                stats & !STATS_STATE
            ),
        ));
    }
    let filter = ListDomainsFlags::from_bits_truncate(flags & FILTER_FLAGS);
    let mut chosen: Vec<&Domain> = if requested.is_empty() {
        let mut all: Vec<&Domain> = state.domains.iter().map(|d| &**d).collect();
        all.sort_by(|a, b| a.def.name.cmp(&b.def.name));
        all
    } else {
        requested
            .iter()
            .filter_map(|r| state.domain_index_by_uuid(&r.uuid))
            .map(|index| &*state.domains[index])
            .collect()
    };
    chosen.retain(|d| matches(d, filter));
    Ok(chosen
        .into_iter()
        .map(|dom| DomainStatsRecord {
            domain: dom.handle(),
            params: if stats & STATS_STATE != 0 {
                state_group(dom)
            } else {
                Vec::new()
            },
        })
        .collect())
}

/// The `state` group: `state.state` and `state.reason`.
fn state_group(dom: &Domain) -> Vec<TypedParam> {
    vec![
        TypedParam::new("state.state", TypedValue::Int(dom.state as i32)),
        TypedParam::new("state.reason", TypedValue::Int(dom.reason)),
    ]
}
