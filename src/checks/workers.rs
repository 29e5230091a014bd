//! `workers`: background workers per queue, judged from the worker entries.

use super::{Check, Context};
use crate::check_name::CheckName;
use crate::error::Error;
use crate::invocation::Defaults;
use crate::outcome::Outcome;
use crate::queues::{self, QueueArgs};
use clap::Args;

/// Background workers per queue (-w/-c on dead workers; -w defaults to 0)
///
/// With --restart-dead-workers this runs the heal check instead, with heal's options.
#[derive(Debug, Args)]
pub struct Settings {
    #[command(flatten)]
    pub queues: QueueArgs,
}

impl Check for Settings {
    const LAYOUT: &'static [&'static str] = queues::LAYOUT;

    fn defaults(&self) -> Defaults {
        queues::defaults()
    }

    async fn run(&self, cx: &Context<'_>) -> Result<Outcome, Error> {
        let (table, note) = self.queues.read(cx.client()?, cx.state_dir()).await?;
        let mut out = queues::judge(CheckName::Workers, &table, cx.thresholds());
        out.details.extend(note);
        Ok(out)
    }
}
