//! The command line: `serve`, `check`, `render`, `demo` (shared/spec/config.md "Command line").
//!
//! Parsing only: each command's work lives in the library (`app`, `config`, `vtl`); this module
//! turns arguments into those calls and their results into output and exit codes. It is the one
//! place allowed to print.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit code for a configuration error (`EX_USAGE`), before any port is bound.
pub const EXIT_CONFIG: u8 = 64;

/// apigate: Amazon API Gateway's behaviour in front of AWS Lambda functions.
#[derive(Debug, Parser)]
#[command(name = "apigate", version, about)]
pub struct Cli {
    /// Log format (overrides the config's `logging.format`).
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormatArg>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormatArg {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway; SIGTERM/SIGINT drain in-flight requests, then exit 0.
    Serve {
        /// Config file (default: config/gateway.yaml).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Validate and compile the config; print every error; exit 0 or 64.
    Check {
        /// Config file (default: config/gateway.yaml).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Render one mapping template offline and print exactly the rendered text.
    Render {
        /// The VTL template file.
        #[arg(long)]
        template: PathBuf,
        /// A JSON object with a conformance case's `input` fields.
        #[arg(long)]
        input: Option<PathBuf>,
    },
    /// Run the gateway on config/demo.yaml with the bundled demo Lambda functions on loopback.
    Demo {
        /// Config file (default: config/demo.yaml).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// The config path: the given one, else `config/{default_name}` when it exists.
pub fn config_path(given: Option<PathBuf>, default_name: &str) -> PathBuf {
    given.unwrap_or_else(|| Path::new("config").join(default_name))
}

/// `apigate check`.
pub fn check(path: &Path) -> ExitCode {
    match crate::config::check(path) {
        Ok(summary) => {
            println!("{}: ok: {summary}", path.display());
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{e}");
            }
            eprintln!("{}: {} error(s)", path.display(), errors.len());
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

/// Checks a `render --input` document against spec config.md: a JSON object whose known fields
/// have their types and whose `phase` is `request` or `response`. Other fields of a conformance
/// case's `input` (`vars`, `stage`, ...) are allowed and ignored.
fn check_render_input(v: &serde_json::Value) -> Result<(), String> {
    use serde_json::Value;
    let Value::Object(fields) = v else {
        return Err("the input must be a JSON object".into());
    };
    for (key, value) in fields {
        let ok = match key.as_str() {
            "phase" => matches!(value.as_str(), Some("request" | "response")),
            "method" | "path" | "body" => value.is_string(),
            "path_params" | "query" | "headers" | "context" | "stageVariables" => value.is_object(),
            "integration_response_status" => value.is_string() || value.is_u64(),
            _ => true,
        };
        if !ok {
            let want = match key.as_str() {
                "phase" => "\"request\" or \"response\"",
                "method" | "path" | "body" => "a string",
                "integration_response_status" => "a status code",
                _ => "an object",
            };
            return Err(format!("input field {key:?} must be {want}, found {value}"));
        }
    }
    Ok(())
}

/// `apigate render`: the rendered text on stdout, nothing added; errors on stderr, exit 1.
pub fn render(template: &Path, input: Option<&Path>) -> ExitCode {
    let source = match std::fs::read_to_string(template) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {e}", template.display());
            return ExitCode::from(1);
        }
    };
    let input_value = match input {
        None => serde_json::Value::Object(serde_json::Map::new()),
        Some(p) => match std::fs::read(p).map_err(|e| e.to_string()).and_then(|b| {
            serde_json::from_slice::<serde_json::Value>(&b).map_err(|e| e.to_string())
        }) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("{}: {e}", p.display());
                return ExitCode::from(1);
            }
        },
    };
    if let (Some(p), Err(e)) = (input, check_render_input(&input_value)) {
        eprintln!("{}: {e}", p.display());
        return ExitCode::from(1);
    }
    let name = template.display().to_string();
    match crate::vtl::render_offline(&name, &source, &input_value) {
        Ok(text) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .is_err()
            {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

/// `apigate serve` / `apigate demo`: load, bind, run; config errors exit 64 before binding.
pub fn serve(path: &Path, log_format: Option<LogFormatArg>, demo: bool) -> ExitCode {
    let config = match crate::config::load(path) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{e}");
            }
            eprintln!(
                "{}: {} error(s); not starting",
                path.display(),
                errors.len()
            );
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let mut logging = config.logging.clone();
    if let Some(f) = log_format {
        logging.format = match f {
            LogFormatArg::Text => crate::telemetry::LogFormat::Text,
            LogFormatArg::Json => crate::telemetry::LogFormat::Json,
        };
    }
    if let Err(e) = crate::telemetry::init(&logging) {
        eprintln!("apigate: {e}");
        return ExitCode::from(1);
    }
    // The main thread accepts, serves the admin listener, writes access logs and waits for
    // signals; client connections are served on `server.workerThreads` threads (`Workers`).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async move {
        let demo_functions = if demo {
            crate::app::start_demo_functions(&config).await?
        } else {
            Vec::new()
        };
        let listeners = crate::app::bind(&config).await?;
        if demo {
            print_demo_banner(listeners.client.local_addr()?, &demo_functions);
        }
        crate::app::run(config, listeners, crate::app::shutdown_signal()).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("apigate: {e}");
            ExitCode::from(1)
        }
    }
}

/// What `apigate demo` prints once it listens: where things are and what to try.
fn print_demo_banner(addr: std::net::SocketAddr, functions: &[crate::demo::DemoHandle]) {
    let base = format!("http://{addr}");
    println!("apigate demo: API Gateway (REST API, stage 'demo') on {base}");
    for f in functions {
        println!(
            "  demo Lambda functions (bundled example, Invoke API) on http://{}",
            f.local_addr()
        );
    }
    println!("try:");
    println!("  curl -i {base}/hello/world");
    println!("  curl -i '{base}/echo/anything?x=1&x=2' -H 'X-Demo: yes'");
    println!("  curl -i {base}/secure/hello -H 'Authorization: allow'");
    println!("  curl -i {base}/secure/hello -H 'Authorization: deny'");
    println!("  curl -i {base}/orders/2");
    println!("  curl -i {base}/orders/42");
    println!("  curl -i -X OPTIONS {base}/orders/2");
    println!("  curl -i {base}/nowhere");
    println!("Ctrl-C drains in-flight requests and exits.");
}
