//! Renders one of the perf templates (`shared/perf/`) N times, for instruction counting
//! under callgrind (a stable measure on a noisy machine, unlike wall time):
//! `cargo bench --bench vtl_profile -- <passthrough|projection|foreach100> <N> [--print] [--dump]`
//! (`--print`: the last output; `--dump`: the compiled instructions).
//! Instructions per render = (count at N2 - count at N1) / (N2 - N1), e.g.
//! `valgrind --tool=callgrind target/release/deps/vtl_profile-* foreach100 600`.
#![allow(clippy::unwrap_used)]

use apigate::vtl::offline::OfflineRequest;
use apigate::vtl::{Overrides, RenderInput, Template};

#[path = "../tests/support/shared_dir.rs"]
mod shared_dir_lookup;
use shared_dir_lookup::shared_dir;

fn main() {
    // `cargo bench` adds `--bench`; only the positional arguments and our flags count.
    let args: Vec<String> = std::env::args().filter(|a| a != "--bench").collect();
    let name = args.get(1).map_or("passthrough", String::as_str);
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let print = args.iter().any(|a| a == "--print");
    let dump = args.iter().any(|a| a == "--dump");
    let (tpl, body) = match name {
        "projection" => ("projection.vtl", "body.json"),
        "foreach100" => ("foreach100.vtl", "body-items.json"),
        _ => ("passthrough.vtl", "body.json"),
    };
    let dir = shared_dir().join("perf");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let req: serde_json::Value = serde_json::from_str(&read("request.json")).unwrap();
    let p = &req["params"];
    let req = OfflineRequest::from_json(&serde_json::json!({
        "method": req["context"]["httpMethod"],
        "path_params": p["path"],
        "query": p["querystring"],
        "headers": p["header"],
        "body": read(body),
        "context": req["context"],
        "stageVariables": req["stageVariables"],
    }));
    let template = Template::compile(tpl, &read(tpl)).unwrap();
    if dump {
        print!("{}", template.program().dump());
    }
    let input = RenderInput {
        body: req.body.as_bytes(),
        params: &req.params,
        context: &req.context,
        stage_variables: &req.stage_variables,
    };
    let mut out = String::new();
    for _ in 0..n {
        out.clear();
        let mut ovr = Overrides::default();
        template.render(&input, &mut ovr, &mut out).unwrap();
    }
    if print {
        print!("{out}");
    }
}
