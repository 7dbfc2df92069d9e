//! Progress of a fetch on stderr: a spinner on a terminal (indicatif) that
//! becomes a bar once the tenant says how many items there are, plain page
//! lines otherwise; throttling (HTTP 429) always, with when the next try
//! comes, since the wait can be a minute; other retries and pacing with
//! `-v`, every request with `-vv`. The bar is cleared when the `Progress`
//! is dropped.

use std::io::IsTerminal;

use crate::live::Event;

pub struct Progress {
    verbose: u8,
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    pub fn new(verbose: u8) -> Progress {
        Progress { verbose, bar: None }
    }

    fn say(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn bar(&mut self) -> Option<&indicatif::ProgressBar> {
        if self.bar.is_none() && std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .expect("valid template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar.set_message("fetching");
            self.bar = Some(bar);
        }
        self.bar.as_ref()
    }

    pub fn event(&mut self, event: Event) {
        let verbose = self.verbose;
        match event {
            Event::Page {
                noun,
                number,
                fetched,
                total,
            } => {
                let of = total.map_or(String::new(), |t| format!(" of {t}"));
                match self.bar() {
                    Some(bar) => {
                        if let Some(total) = total {
                            if bar.length() != Some(total as u64) {
                                bar.set_length(total as u64);
                                bar.set_style(
                                    indicatif::ProgressStyle::with_template(
                                        "{bar:30} {pos}/{len} {msg} [{elapsed}]",
                                    )
                                    .expect("valid template"),
                                );
                            }
                            bar.set_position(fetched as u64);
                            bar.set_message(format!("{noun}, page {number}"));
                        } else {
                            bar.set_message(format!(
                                "fetching {noun}: page {number}, {fetched}{of}"
                            ));
                        }
                    }
                    None => eprintln!("casguard: page {number}: {fetched}{of} {noun}"),
                }
            }
            Event::Retry {
                what,
                attempt,
                max_attempts,
                wait,
                reason,
                throttled,
            } if throttled || verbose > 0 => {
                let failed = match throttled {
                    true => format!("the tenant is throttling requests ({reason}) to {what}"),
                    false => format!("{what}: {reason}"),
                };
                self.say(format!(
                    "casguard: {failed}; retrying in {:.1} s (attempt {} of {max_attempts})",
                    wait.as_secs_f64(),
                    attempt + 1
                ))
            }
            Event::Paced { wait } if verbose > 0 => self.say(format!(
                "casguard: pacing: waiting {:.1} s to stay within the request rate",
                wait.as_secs_f64()
            )),
            Event::Request { what, attempt } if verbose > 1 => {
                self.say(format!("casguard: {what} (attempt {attempt})"))
            }
            Event::Request { .. } => {
                self.bar();
            }
            _ => {}
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
