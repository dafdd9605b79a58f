//! Which CPython interpreters the CPython peer runs: the `--python PATH` flags, else the
//! colon-separated list in [`PYTHONS_ENV`], else `python3` on `PATH`. Each is asked for its
//! version and collector thresholds before anything runs on it, and its peer is named from its
//! own version (`cpython-3.13`), since peer names are the row labels of results.
//!
//! An interpreter the user named (a flag or the variable) that cannot be used is an error of
//! one line naming it; the default `python3` missing or unusable only makes the CPython cells
//! `skipped`, so a machine without Python still runs every other peer.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The environment variable listing the default interpreters (colon-separated paths).
pub const PYTHONS_ENV: &str = "GCLAB_PYTHONS";

/// The interpreter used when neither `--python` nor [`PYTHONS_ENV`] names one.
pub const DEFAULT_PYTHON: &str = "python3";

/// The oldest CPython the driver script runs on (`peers/python/gclab_cpython.py`).
pub const MIN_VERSION: (u32, u32) = (3, 11);

/// The first word of the probe's answer: what tells a Python that ran the probe from any other
/// program that happened to exit 0.
const PROBE_MARK: &str = "gclab-python";

/// Written for any Python, 2.7 included, so that an old one reports its version instead of a
/// syntax error; a `gc` without `get_threshold` (PyPy) reports no thresholds.
const PROBE: &str = "import sys, gc; sys.stdout.write('gclab-python %s %s %s\\n' % (\
getattr(getattr(sys, 'implementation', None), 'name', 'unknown'), \
'.'.join(map(str, sys.version_info[:3])), \
','.join(map(str, getattr(gc, 'get_threshold', lambda: ())()))))";

/// A CPython interpreter that answered the probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpreter {
    /// How it is started: a path, or a bare name looked up on `PATH`.
    pub path: PathBuf,
    /// `sys.version_info[:3]`.
    pub version: [u32; 3],
    /// `gc.get_threshold()`: the collector's defaults in that version.
    pub thresholds: Vec<u64>,
}

/// What the probe printed, parsed: implementation name, version, thresholds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeAnswer {
    /// `sys.implementation.name` (`cpython`, `pypy`, ...).
    pub implementation: String,
    /// `sys.version_info[:3]`.
    pub version: [u32; 3],
    /// `gc.get_threshold()` (empty when the `gc` module has none).
    pub thresholds: Vec<u64>,
}

/// Reads the probe's line out of an interpreter's stdout; `None` if there is none or it is
/// malformed (the program was not a Python running the probe).
pub fn parse_probe(stdout: &str) -> Option<ProbeAnswer> {
    let line = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix(PROBE_MARK)?.strip_prefix(' '))?;
    let mut words = line.split(' ');
    let implementation = words.next().filter(|w| !w.is_empty())?.to_string();
    let numbers: Vec<u32> = words
        .next()?
        .split('.')
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    let version: [u32; 3] = numbers.try_into().ok()?;
    let thresholds = match words.next().unwrap_or("") {
        "" => Vec::new(),
        list => list
            .split(',')
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?,
    };
    if words.next().is_some() {
        return None;
    }
    Some(ProbeAnswer {
        implementation,
        version,
        thresholds,
    })
}

/// The peer name of a CPython `major.minor` (`cpython-3.13`).
pub fn peer_name(version: [u32; 3]) -> String {
    format!("cpython-{}.{}", version[0], version[1])
}

/// Why an interpreter cannot be used; [`fmt::Display`] is one line naming it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeError {
    /// No such file, or no such command on `PATH`.
    NotFound(PathBuf),
    /// A folder, not a program.
    Folder(PathBuf),
    /// The file exists but may not be executed.
    NotExecutable(PathBuf),
    /// It started but failed: the last line it printed to stderr.
    Broken(PathBuf, String),
    /// It ran but did not answer as a Python.
    NotPython(PathBuf),
    /// A Python, but not CPython (the peer measures CPython's collector).
    NotCPython(PathBuf, String),
    /// A CPython older than [`MIN_VERSION`].
    TooOld(PathBuf, [u32; 3]),
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::NotFound(p) => write!(f, "{} not found", p.display()),
            ProbeError::Folder(p) => write!(f, "{} is a folder, not an interpreter", p.display()),
            ProbeError::NotExecutable(p) => write!(f, "{} is not executable", p.display()),
            ProbeError::Broken(p, why) => write!(f, "{} does not run: {why}", p.display()),
            ProbeError::NotPython(p) => write!(
                f,
                "{} is not a Python interpreter (it did not answer `{PROBE_MARK} ...` to -c)",
                p.display()
            ),
            ProbeError::NotCPython(p, name) => {
                write!(f, "{} is {name}, not CPython", p.display())
            }
            ProbeError::TooOld(p, [a, b, c]) => write!(
                f,
                "{} is Python {a}.{b}.{c}; the CPython peer needs {}.{} or newer",
                p.display(),
                MIN_VERSION.0,
                MIN_VERSION.1
            ),
        }
    }
}

impl std::error::Error for ProbeError {}

impl Interpreter {
    /// Starts `path` once with the probe and checks its answer.
    pub fn probe(path: &Path) -> Result<Interpreter, ProbeError> {
        let owned = path.to_path_buf();
        // A bare name is looked up on PATH by the spawn; a path can be checked first, which
        // tells a folder or a missing execute bit from "not found".
        if path.components().count() > 1 || path.is_absolute() {
            let meta = std::fs::metadata(path).map_err(|_| ProbeError::NotFound(owned.clone()))?;
            if meta.is_dir() {
                return Err(ProbeError::Folder(owned));
            }
            if !is_executable(&meta) {
                return Err(ProbeError::NotExecutable(owned));
            }
        }
        let out = Command::new(path)
            .arg("-c")
            .arg(PROBE)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => ProbeError::NotFound(owned.clone()),
                std::io::ErrorKind::PermissionDenied => ProbeError::NotExecutable(owned.clone()),
                _ => ProbeError::Broken(owned.clone(), e.to_string()),
            })?;
        let answer = parse_probe(&String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
            let why = match last {
                Some(line) => line.trim().to_string(),
                None => format!("it exited with {}", out.status),
            };
            return Err(ProbeError::Broken(owned, why));
        }
        let answer = answer.ok_or_else(|| ProbeError::NotPython(owned.clone()))?;
        if answer.implementation != "cpython" {
            return Err(ProbeError::NotCPython(owned, answer.implementation));
        }
        let [major, minor, _] = answer.version;
        if (major, minor) < MIN_VERSION {
            return Err(ProbeError::TooOld(owned, answer.version));
        }
        Ok(Interpreter {
            path: owned,
            version: answer.version,
            thresholds: answer.thresholds,
        })
    }

    /// The peer's name, from the interpreter's own version: `cpython-3.13`.
    pub fn peer_name(&self) -> String {
        peer_name(self.version)
    }

    /// `3.13.18`.
    pub fn version_text(&self) -> String {
        let [a, b, c] = self.version;
        format!("{a}.{b}.{c}")
    }

    /// The thresholds as Python prints them: `(2000, 10, 10)`.
    pub fn thresholds_text(&self) -> String {
        let list: Vec<String> = self.thresholds.iter().map(u64::to_string).collect();
        format!("({})", list.join(", "))
    }
}

fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

/// The interpreters a run uses, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpreters {
    /// Every interpreter that answered; distinct peer names.
    pub found: Vec<Interpreter>,
    /// Why the CPython cells are skipped, when only the default `python3` was tried and it
    /// cannot be used (`found` is then empty).
    pub skipped: Option<String>,
}

/// The paths in a [`PYTHONS_ENV`] value: colon-separated, empty entries ignored.
pub fn split_list(value: &OsStr) -> Vec<PathBuf> {
    value
        .to_string_lossy()
        .split(':')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .collect()
}

impl Interpreters {
    /// Chooses and probes: `explicit` (the `--python` flags) if any, else the paths in `env`
    /// (the value of [`PYTHONS_ENV`]) if it names any, else [`DEFAULT_PYTHON`]. An unusable
    /// interpreter the user named, or two with the same peer name, is an error (one line);
    /// an unusable default is [`Interpreters::skipped`].
    pub fn choose(explicit: &[PathBuf], env: Option<&OsStr>) -> Result<Interpreters, String> {
        let (paths, source) = if !explicit.is_empty() {
            (explicit.to_vec(), "--python")
        } else {
            match env.map(split_list).filter(|l| !l.is_empty()) {
                Some(list) => (list, PYTHONS_ENV),
                None => {
                    let default = Path::new(DEFAULT_PYTHON);
                    return Ok(match Interpreter::probe(default) {
                        Ok(found) => Interpreters {
                            found: vec![found],
                            skipped: None,
                        },
                        Err(e) => Interpreters {
                            found: Vec::new(),
                            skipped: Some(format!("skipped: {e}")),
                        },
                    });
                }
            }
        };
        let mut found: Vec<Interpreter> = Vec::new();
        for path in &paths {
            let interpreter = Interpreter::probe(path).map_err(|e| format!("{source}: {e}"))?;
            if let Some(twin) = found
                .iter()
                .find(|f| f.peer_name() == interpreter.peer_name())
            {
                return Err(format!(
                    "{source}: {} and {} are both {} (peer names come from the version): give one",
                    twin.path.display(),
                    path.display(),
                    interpreter.peer_name()
                ));
            }
            found.push(interpreter);
        }
        Ok(Interpreters {
            found,
            skipped: None,
        })
    }

    /// [`Interpreters::choose`] with [`PYTHONS_ENV`] read from this process's environment.
    pub fn from_env(explicit: &[PathBuf]) -> Result<Interpreters, String> {
        Interpreters::choose(explicit, std::env::var_os(PYTHONS_ENV).as_deref())
    }

    /// The interpreter whose peer is `name`.
    pub fn named(&self, name: &str) -> Option<&Interpreter> {
        self.found.iter().find(|i| i.peer_name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_answers_parse() {
        let a = parse_probe("gclab-python cpython 3.13.18 2000,10,10\n").unwrap();
        assert_eq!(a.implementation, "cpython");
        assert_eq!(a.version, [3, 13, 18]);
        assert_eq!(a.thresholds, vec![2000, 10, 10]);
        // Noise before the answer (a sitecustomize that prints) does not hide it.
        let a = parse_probe("hello\ngclab-python pypy 3.10.14 \n").unwrap();
        assert_eq!((a.implementation.as_str(), a.thresholds.len()), ("pypy", 0));
    }

    #[test]
    fn malformed_probe_answers_are_not_pythons() {
        for text in [
            "",
            "Python 3.11.7",
            "gclab-python",
            "gclab-python cpython",
            "gclab-python cpython 3.13 700,10,10",
            "gclab-python cpython 3.x.1 700",
            "gclab-python cpython 3.13.1 700,ten",
            "gclab-python cpython 3.13.1 700 extra",
            "gclab-pythonx cpython 3.13.1 700",
        ] {
            assert_eq!(parse_probe(text), None, "{text:?}");
        }
    }

    #[test]
    fn peer_names_come_from_major_and_minor() {
        assert_eq!(peer_name([3, 14, 10]), "cpython-3.14");
        assert_eq!(peer_name([3, 11, 7]), "cpython-3.11");
        let i = Interpreter {
            path: "x".into(),
            version: [3, 13, 18],
            thresholds: vec![2000, 10, 10],
        };
        assert_eq!(i.version_text(), "3.13.18");
        assert_eq!(i.thresholds_text(), "(2000, 10, 10)");
    }

    #[test]
    fn the_variable_is_a_colon_separated_list() {
        assert_eq!(
            split_list(OsStr::new("/a/python3.13::/b/python3.14: ")),
            vec![
                PathBuf::from("/a/python3.13"),
                PathBuf::from("/b/python3.14")
            ]
        );
        assert!(split_list(OsStr::new(" : ")).is_empty());
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("gclab-interp-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A shell script standing in for an interpreter.
    fn fake(dir: &Path, name: &str, body: &str, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    /// One test makes every stand-in before starting any: a script written while another
    /// test thread forks could be "text file busy" when executed.
    #[test]
    fn bad_interpreters_are_one_line_naming_them_and_only_named_ones_are_chosen() {
        let dir = scratch("fakes");
        let sh = |name: &str, body: &str| fake(&dir, name, body, 0o755);
        let noexec = fake(&dir, "noexec", "exit 0", 0o644);
        let broken = sh("broken", "echo 'error: libpython.so' >&2; exit 127");
        let silent = sh("silent", "exit 0");
        let pypy = sh("pypy", "echo gclab-python pypy 3.10.14");
        let old = sh("old", "echo gclab-python cpython 3.10.12 700,10,10");
        let a = sh("a", "echo gclab-python cpython 3.13.18 2000,10,10");
        let b = sh("b", "echo gclab-python cpython 3.14.10 2000,10,10");
        let twin = sh("twin", "echo gclab-python cpython 3.13.5 2000,10,10");
        let cases = [
            (dir.join("missing"), "not found"),
            (dir.clone(), "is a folder"),
            (noexec, "is not executable"),
            (broken, "does not run: error: libpython.so"),
            (silent, "not a Python"),
            (pypy, "is pypy, not CPython"),
            (
                old,
                "is Python 3.10.12; the CPython peer needs 3.11 or newer",
            ),
        ];
        for (path, expected) in cases {
            let message = Interpreter::probe(&path).unwrap_err().to_string();
            assert!(message.contains(expected), "{message}");
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert_eq!(message.lines().count(), 1, "{message}");
        }

        let env = std::env::join_paths([&b]).unwrap();
        let chosen = Interpreters::choose(&[a.clone(), b.clone()], Some(&env)).unwrap();
        let names: Vec<String> = chosen.found.iter().map(Interpreter::peer_name).collect();
        assert_eq!(names, ["cpython-3.13", "cpython-3.14"]);
        assert_eq!(chosen.named("cpython-3.14").unwrap().path, b);
        assert_eq!(chosen.found[0].thresholds, vec![2000, 10, 10]);
        // Without flags the variable decides.
        let chosen = Interpreters::choose(&[], Some(&env)).unwrap();
        assert_eq!(chosen.found.len(), 1);
        assert_eq!(chosen.found[0].path, b);
        // A bad one named by the user is an error, not a skip.
        let err = Interpreters::choose(&[a.clone(), dir.join("nope")], None).unwrap_err();
        assert!(
            err.starts_with("--python: ") && err.contains("nope"),
            "{err}"
        );
        let env = std::env::join_paths([dir.join("nope")]).unwrap();
        let err = Interpreters::choose(&[], Some(&env)).unwrap_err();
        assert!(err.starts_with("GCLAB_PYTHONS: "), "{err}");
        let err = Interpreters::choose(&[a, twin], None).unwrap_err();
        assert!(err.contains("both cpython-3.13"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
