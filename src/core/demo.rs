//! The built-in demo survey, so a brand-new store shows something real.

/// The demo survey's source, `surveys/palvelupiste.toml`, built into the binary.
pub const DEMO_SOURCE: &str = include_str!("../../surveys/palvelupiste.toml");

/// The file name messages use for the demo survey.
pub const DEMO_NAME: &str = "<built-in demo survey>";

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_survey_is_valid() {
        let survey = super::super::validate::survey_from_str(super::DEMO_SOURCE);
        assert!(survey.is_ok(), "{survey:?}");
    }
}
