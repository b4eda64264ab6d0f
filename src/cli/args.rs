//! Command-line arguments (clap derive); each command's own arguments live
//! beside its code in `cmd/`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::cmd::activate::ActivateArgs;
use super::cmd::admin::AdminArgs;
use super::cmd::backup::BackupArgs;
use super::cmd::bundle::BundleArgs;
use super::cmd::check::CheckArgs;
use super::cmd::delete::DeleteArgs;
use super::cmd::export::ExportArgs;
use super::cmd::kiosk::KioskArgs;
use super::cmd::load::LoadArgs;
use super::cmd::pin::PinArgs;
use super::cmd::prize::PrizeArgs;
use super::cmd::report::ReportArgs;
use super::cmd::restore::RestoreArgs;
use super::cmd::simulate::SimulateArgs;
use super::cmd::surveys::SurveysArgs;
use super::cmd::sync::SyncArgs;
use super::cmd::tally::TallyArgs;
use super::cmd::validate::ValidateArgs;

/// A terminal survey kiosk and tally tool.
#[derive(Debug, Parser)]
#[command(name = "kioski", version, about, long_about = None)]
#[command(
    after_help = "Examples:\n  kioski validate surveys/*.toml\n  kioski load surveys/palvelupiste.toml\n  kioski simulate --respondents 2000\n  kioski export --format csv --out palaute.csv"
)]
pub struct Cli {
    /// The store directory (default: $KIOSKI_STORE, else the platform data
    /// directory, e.g. ~/.local/share/kioski).
    #[arg(long, global = true, value_name = "DIR")]
    pub store: Option<PathBuf>,

    /// Without a command, kioski runs the kiosk (and takes its options).
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub kiosk: KioskArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Kiosk(KioskArgs),
    Validate(ValidateArgs),
    Load(LoadArgs),
    Surveys(SurveysArgs),
    Activate(ActivateArgs),
    Simulate(SimulateArgs),
    Tally(TallyArgs),
    Export(ExportArgs),
    Report(ReportArgs),
    Bundle(BundleArgs),
    Pin(PinArgs),
    Delete(DeleteArgs),
    Admin(AdminArgs),
    Prize(PrizeArgs),
    Backup(BackupArgs),
    Restore(RestoreArgs),
    Check(CheckArgs),
    Sync(SyncArgs),
}
