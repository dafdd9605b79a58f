//! Human-readable numbers for tables and axis labels.

/// A duration given in nanoseconds, with a unit that keeps 3 significant figures.
pub fn duration_ns(ns: f64) -> String {
    let (value, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    format!("{} {unit}", significant(value))
}

/// A value with about 3 significant figures and no trailing noise.
pub fn significant(value: f64) -> String {
    if value == 0.0 {
        return "0".into();
    }
    let digits = if value.abs() >= 100.0 {
        0
    } else if value.abs() >= 10.0 {
        1
    } else if value.abs() >= 1.0 {
        2
    } else {
        3
    };
    let s = format!("{value:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Bytes as MiB with 3 significant figures.
pub fn mib(bytes: f64) -> String {
    significant(bytes / (1024.0 * 1024.0))
}

/// `v` written by `f`, or "-" when there is none.
pub fn or_dash(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "-".into(), f)
}

/// `a / b` as "N.NNx", or "-" when either is missing or `b` is 0.
pub fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{}x", significant(a / b)),
        _ => "-".into(),
    }
}

/// A count with thousands separators.
pub fn count(n: f64) -> String {
    let digits = format!("{:.0}", n.round());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 && c != '-' {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(duration_ns(1_234_567.0), "1.23 ms");
        assert_eq!(duration_ns(999.0), "999 ns");
        assert_eq!(duration_ns(10_000.0), "10 µs");
        assert_eq!(count(1_234_567.0), "1,234,567");
        assert_eq!(count(12.0), "12");
        assert_eq!(mib(1_572_864.0), "1.5");
    }
}
