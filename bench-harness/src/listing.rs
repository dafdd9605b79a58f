//! `gclab list`: the collectors (capabilities, parameters, presets), peers and workloads
//! (parameters), each parameter with its default, allowed range and doc from its declaration.

use std::path::PathBuf;

use gc_core::params::ParamInfo;

use crate::registry::Registry;

/// One parameter per line under its owner.
fn param_lines(out: &mut String, params: &[ParamInfo]) {
    for p in params {
        let allowed = if p.allowed.is_empty() {
            String::new()
        } else {
            format!(" (in {})", p.allowed)
        };
        out.push_str(&format!(
            "      {:<18} = {:<10} {}{allowed}\n",
            p.name, p.default, p.doc
        ));
    }
}

/// The whole listing, or a one-line error (`--python` on a build without peers, an
/// interpreter that cannot be used).
pub fn list(registry: &Registry, pythons: &[PathBuf]) -> Result<String, String> {
    let mut out = String::from(
        "Collectors (set parameters with --set collector.param=value; a preset is a name for \
         parameter values):\n",
    );
    // Names are padded to the longest, so descriptions line up whatever gets registered.
    let width = registry.names().iter().map(|n| n.len()).max().unwrap_or(0);
    for entry in registry.entries() {
        let thresholds = entry.thresholds();
        let parameters = if thresholds.is_empty() {
            String::new()
        } else {
            format!("; gc.get_threshold() = {thresholds:?}")
        };
        out.push_str(&format!(
            "  {:<width$}  {}{parameters}\n",
            entry.name,
            entry.capabilities.describe()
        ));
        if entry.preset.is_empty() {
            param_lines(&mut out, &(entry.params)());
        } else {
            let values: Vec<String> = entry
                .preset
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            out.push_str(&format!("      preset: {}\n", values.join(", ")));
        }
    }
    #[cfg(feature = "peers")]
    out.push_str(&crate::peer_run::list_peers(pythons)?);
    #[cfg(not(feature = "peers"))]
    if !pythons.is_empty() {
        return Err(crate::plan::NO_PEERS_FEATURE.to_string());
    }
    out.push_str("\nWorkloads (set parameters with --set workload.param=value):\n");
    for w in workloads::catalog() {
        out.push_str(&format!("  {:<16} {}\n", w.name, w.description));
        param_lines(&mut out, &w.params);
    }
    Ok(out)
}
