//! The printed table of results and its PASS/FAIL verdicts.

use super::*;

pub(crate) fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else {
        format!("{ms:.1}")
    }
}

pub(crate) fn print_table(rows: &[Row], args: &Args) {
    println!();
    println!(
        "writer: open loop, {}/s scheduled, {} connections, latency from the scheduled start; \
         window = transactions scheduled during the step or in flight at its start; \
         pre max = max of the steady state before the step (noise floor); lockwait = most \
         writer sessions seen waiting on a lock at once (sampled every 20 ms)",
        args.rate, args.conns
    );
    println!(
        "{:<11} {:<8} {:<37} {:>8} {:>5} {:>8} {:>7} {:>6} {:>5} {:>6} {:>9} {:>7} {:>8}  outcome",
        "scenario",
        "form",
        "step",
        "step ms",
        "tx",
        "max ms",
        "p99 ms",
        ">100ms",
        ">1s",
        "tx/s",
        "rewritten",
        "pre max",
        "lockwait"
    );
    for r in rows {
        let form = match r.form {
            Form::Control => "control",
            Form::Subject => "subject",
        };
        println!(
            "{:<11} {:<8} {:<37} {:>8} {:>5} {:>8} {:>7} {:>6} {:>5} {:>6.0} {:>9} {:>7} {:>8}  {}{}",
            r.scenario,
            form,
            r.label,
            ms(r.duration),
            r.window.count,
            ms(r.window.max),
            ms(r.window.p99),
            r.window.over_100ms,
            r.window.over_1s,
            r.window.throughput,
            if r.rewritten { "YES" } else { "no" },
            ms(r.pre.max),
            r.lock_waiters,
            r.outcome.text,
            match (&r.writer_error, r.window.errors) {
                (Some(e), n) => format!(" [writer errors in window: {n}; first: {e}]"),
                (None, _) => String::new(),
            }
        );
    }
    println!();
    println!(
        "targets: subject no tx > 1 s; lock-taking subject max <= {} ms (2 x first rung {} ms); \
         other subjects max < 100 ms; control max >= min({} ms, 80% of its step) and > 100 ms \
         (the harness sees the stall)",
        ms(FIRST_RUNG * 2),
        ms(FIRST_RUNG),
        ms(CONTROL_STALL)
    );
    let mut failed = 0;
    for r in rows {
        let mut checks: Vec<(String, bool)> = Vec::new();
        match r.form {
            Form::Control => {
                // A control can only stall writers for as long as it runs: a step
                // shorter than 500 ms shows its stall as writers blocked for (nearly)
                // all of it, and it must still be over 100 ms to count.
                let threshold = CONTROL_STALL.min(r.duration.mul_f64(0.8));
                checks.push((
                    format!(
                        "control shows the stall (max {} ms >= {} ms = min({} ms, 80% of the \
                         {} ms step), and > 100 ms)",
                        ms(r.window.max),
                        ms(threshold),
                        ms(CONTROL_STALL),
                        ms(r.duration)
                    ),
                    r.window.max >= threshold && r.window.max > Duration::from_millis(100),
                ));
            }
            Form::Subject => {
                checks.push((
                    format!("no writer tx > 1 s ({} over)", r.window.over_1s),
                    r.window.over_1s == 0,
                ));
                if r.lock_taking {
                    checks.push((
                        format!("max {} ms <= {} ms", ms(r.window.max), ms(FIRST_RUNG * 2)),
                        r.window.max <= FIRST_RUNG * 2,
                    ));
                } else {
                    checks.push((
                        format!("max {} ms < 100 ms", ms(r.window.max)),
                        r.window.max < Duration::from_millis(100),
                    ));
                }
                checks.push((format!("step succeeded ({})", r.outcome.text), r.outcome.ok));
                checks.push(("table not rewritten".to_owned(), !r.rewritten));
            }
        }
        for (what, ok) in checks {
            failed += usize::from(!ok);
            println!(
                "{} {:<11} {:<37} {}",
                if ok { "PASS" } else { "FAIL" },
                r.scenario,
                r.label,
                what
            );
        }
    }
    println!();
    println!("{failed} check(s) failed");
}
