//! The commands that need no database: `sql`, `new` and `lint`.

use migrate_core::{MigrationPlan, Migrations, RunDirection};

use crate::config::OutputConfig;
use crate::exit::usage;
use crate::{output, scaffold};

/// The registered migrations.
pub(super) fn registered() -> anyhow::Result<Migrations> {
    Ok(Migrations::registered()?)
}

/// `sql ID [--down]`.
pub(super) fn sql(id: i64, down: bool) -> anyhow::Result<()> {
    let migrations = registered()?;
    let registration = migrations.get(id).ok_or_else(|| {
        usage(format!(
            "no migration has the id {}: `migrate status` lists them",
            migrate_core::DisplayId(id)
        ))
    })?;
    let plan = MigrationPlan::new(registration)?;
    if down {
        let dir = plan
            .down
            .as_ref()
            .ok_or_else(|| migrate_core::Error::Irreversible {
                id: plan.id,
                name: plan.name.to_owned(),
            })?;
        output::sql(&plan, RunDirection::Down, dir);
    } else {
        output::sql(&plan, RunDirection::Up, &plan.up);
    }
    Ok(())
}

/// `new NAME`.
pub(super) fn new(name: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    let migrations = Migrations::registered().ok();
    let id = scaffold::id_for(jiff::Timestamp::now());
    let made = scaffold::create(dir, name, id, |id| {
        migrations.as_ref().is_some_and(|m| m.get(id).is_some())
    })
    .map_err(|e| {
        // A name clash or a missing directory is about what was asked.
        usage(format!("{e:#}"))
    })?;
    output::scaffolded(&made);
    Ok(())
}

/// `lint`: every rule over every migration; fails on a finding not acknowledged.
pub(super) fn lint(out: OutputConfig) -> anyhow::Result<()> {
    let findings = migrate_core::lint::lint(&registered()?)?;
    output::lint(&findings, out.json);
    let blocking = findings.iter().filter(|f| f.blocks()).count();
    if blocking > 0 {
        anyhow::bail!(
            "{blocking} finding(s) block `up`: use the safe form, or acknowledge the rule at \
             that step, right after it: `m.allow(Rule::..., \"why it is fine\")`"
        );
    }
    Ok(())
}
