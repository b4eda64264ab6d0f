//! Reading a survey file for `validate` and `load`: bytes from a path or
//! standard input, the core's checks, and the report of what is wrong.

use std::io::{self, Read};
use std::path::Path;

use super::report::{self, Problem};
use crate::core::sanitize;
use crate::core::survey::Survey;
use crate::core::validate::{MAX_FILE_BYTES, survey_from_bytes};

/// A survey file, read and checked.
pub struct SurveyFile {
    /// The name messages use: the path as given, or `<stdin>`.
    pub name: String,
    pub outcome: Result<(Survey, String), Failure>,
}

/// What is wrong with a file, for people (`text`) and programs (`problems`).
pub struct Failure {
    pub problems: Vec<Problem>,
    pub text: String,
}

/// Reads and checks one file (`-` is standard input).
pub fn read(path: &Path) -> SurveyFile {
    let name = if path.as_os_str() == "-" {
        "<stdin>".to_owned()
    } else {
        // A file name is shown on a terminal too: no escape sequences.
        sanitize::strip(&path.display().to_string(), false)
    };
    let bytes = match read_bytes(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            let problem = Problem::without_position(
                &name,
                format!("cannot read the file: {}", crate::store::io_reason(&e)),
                "check the path and that you may read it",
            );
            let text = report::render_unplaced(&problem);
            return SurveyFile {
                name,
                outcome: Err(Failure {
                    problems: vec![problem],
                    text,
                }),
            };
        }
    };
    let outcome = match survey_from_bytes(&bytes) {
        Ok(survey) => Ok((survey, String::from_utf8_lossy(&bytes).into_owned())),
        Err(diagnostics) => {
            let source = String::from_utf8_lossy(&bytes);
            Err(Failure {
                problems: report::problems(&name, &source, &diagnostics),
                text: report::render(&name, &source, &diagnostics),
            })
        }
    };
    SurveyFile { name, outcome }
}

/// Reads a file, or standard input for `-`, refusing more than the survey
/// size limit (plus one byte, so that the limit's own message is shown).
fn read_bytes(path: &Path) -> io::Result<Vec<u8>> {
    let limit = MAX_FILE_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        io::stdin().lock().take(limit).read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(path)?
            .take(limit)
            .read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}
