//! Command-line arguments.

use super::*;

#[derive(Clone, Debug)]
pub(crate) struct Args {
    pub(crate) rows: i64,
    pub(crate) rate: u32,
    pub(crate) conns: usize,
    pub(crate) hold: Duration,
    pub(crate) pre: Duration,
    pub(crate) post: Duration,
    pub(crate) scenarios: Vec<&'static str>,
}

pub(crate) const ALL: [&str; 5] = ["index", "fk", "not-null", "backfill", "add-column"];

pub(crate) fn parse_args() -> Result<Args, HarnessError> {
    let mut args = Args {
        rows: 1_000_000,
        rate: 1_000,
        conns: 40,
        hold: Duration::from_secs(8),
        pre: Duration::from_secs(2),
        post: Duration::from_secs(2),
        scenarios: ALL.to_vec(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--rows" => args.rows = value()?.parse()?,
            "--rate" => args.rate = value()?.parse()?,
            "--conns" => args.conns = value()?.parse()?,
            "--hold" => args.hold = Duration::from_secs_f64(value()?.parse()?),
            "--pre" => args.pre = Duration::from_secs_f64(value()?.parse()?),
            "--post" => args.post = Duration::from_secs_f64(value()?.parse()?),
            "--scenario" => {
                let v = value()?;
                args.scenarios = if v == "all" {
                    ALL.to_vec()
                } else {
                    v.split(',')
                        .map(|s| {
                            ALL.iter()
                                .copied()
                                .find(|a| *a == s)
                                .ok_or_else(|| format!("unknown scenario `{s}`"))
                        })
                        .collect::<Result<_, _>>()?
                };
            }
            "-h" | "--help" => {
                println!(
                    "safety_bench [--rows N] [--rate PER_S] [--conns N] [--hold SECS] [--pre SECS] \
                     [--post SECS] [--scenario all|index|fk|not-null|backfill|add-column[,..]]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`").into()),
        }
    }
    if args.rows < 1 || args.rate < 1 || args.conns < 1 {
        return Err("--rows, --rate and --conns must be positive".into());
    }
    Ok(args)
}
