//! Survey texts the core's tests share: the every-type test survey and the
//! five seed surveys from `surveys/`.

/// `all_types.toml` first, then the seed surveys.
pub const SURVEYS: [&str; 6] = [
    include_str!("testdata/all_types.toml"),
    include_str!("../../surveys/palvelupiste.toml"),
    include_str!("../../surveys/palvelulupaus.toml"),
    include_str!("../../surveys/tilat.toml"),
    include_str!("../../surveys/asiointikanavat.toml"),
    include_str!("../../surveys/pulssi.toml"),
];
