//! The public face of the engine: compile once (`Template::compile`), render per request
//! (`Template::render`) into a caller-owned buffer.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::bindings::Env;
use super::compile;
use super::error::{ErrorKind, RawError, Span, VtlError};
use super::input::RenderInput;
use super::instr::{Instr, Program, Uses};
use super::overrides::Overrides;
use super::parser;
use super::vm::{Flow, Limits, Vm};

/// API Gateway's mapping template size limit (300 KB).
pub const MAX_TEMPLATE_BYTES: usize = 300 * 1024;

/// A compiled mapping template. Immutable and `Send + Sync`: compile at config load, share
/// behind the config snapshot's `Arc`, render from any thread.
#[derive(Debug)]
pub struct Template {
    name: String,
    source: String,
    program: Program,
    limits: Limits,
    /// Largest output seen so far: the next render reserves this much up front.
    size_hint: AtomicUsize,
    /// The body is read only as `$input.json('$')`: a body the compact copier accepts is
    /// rendered without being parsed.
    root_json_only: bool,
}

/// Whether every body read of `p` is `$input.json('$')` (so no tape is needed).
fn reads_body_only_as_root_json(p: &Program) -> bool {
    p.chunks.iter().flat_map(|c| &c.code).all(|i| match *i {
        Instr::InputJson(k) | Instr::EmitInputJson(k) => {
            p.paths.get(k as usize).is_some_and(|path| path.is_root())
        }
        Instr::InputPath(_) | Instr::InputJsonDyn | Instr::InputPathDyn | Instr::InputObj => false,
        _ => true,
    })
}

impl Template {
    /// Lexes, parses and compiles `source`. Every error that can be found without a request
    /// is reported here, with the template name and line:col.
    pub fn compile(name: &str, source: &str) -> Result<Template, VtlError> {
        if source.len() > MAX_TEMPLATE_BYTES {
            return Err(VtlError::new(
                ErrorKind::TooLarge(source.len(), MAX_TEMPLATE_BYTES),
                name,
                source,
                Span::new(0, 0),
            ));
        }
        let ast = parser::parse(source).map_err(|e| e.attach(name, source))?;
        let program = compile::compile(source, &ast).map_err(|e| e.attach(name, source))?;
        let root_json_only = program.uses.body_json && reads_body_only_as_root_json(&program);
        Ok(Template {
            root_json_only,
            name: name.to_string(),
            source: source.to_string(),
            program,
            limits: Limits::default(),
            size_hint: AtomicUsize::new(source.len()),
        })
    }

    /// Replaces the render-time limits (tests, stricter deployments).
    pub fn with_limits(mut self, limits: Limits) -> Template {
        self.limits = limits;
        self
    }

    /// The template's name (used in errors).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The template source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// What the template reads (the gateway skips what is unused).
    pub fn uses(&self) -> Uses {
        self.program.uses
    }

    /// Whether rendering needs the body parsed as JSON.
    pub fn uses_body_json(&self) -> bool {
        self.program.uses.body_json
    }

    /// Whether the template reads `$input.body`.
    pub fn uses_body_raw(&self) -> bool {
        self.program.uses.body_raw
    }

    /// Whether the template reads or writes the `$context` override maps.
    pub fn uses_overrides(&self) -> bool {
        self.program.uses.overrides
    }

    /// The compiled program (golden tests, debugging).
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Renders, appending to `out`. `overrides` carries `$context.requestOverride` /
    /// `responseOverride` between the request and response renders of one request.
    /// On error `out` may hold partial output; the caller discards it.
    pub fn render(
        &self,
        input: &RenderInput<'_>,
        overrides: &mut Overrides,
        out: &mut String,
    ) -> Result<(), VtlError> {
        let start = out.len();
        out.reserve(self.size_hint.load(Ordering::Relaxed));
        let r = if self.program.uses.body_json {
            let tapeless = if self.root_json_only {
                super::body::with_compact(input.body, |root| {
                    self.run(input, None, Some(root), overrides, out)
                })
            } else {
                None
            };
            match tapeless {
                Some(r) => r,
                None => super::body::with_parsed(input.body, |tape| {
                    self.run(input, tape, None, overrides, out)
                }),
            }
        } else {
            self.run(input, None, None, overrides, out)
        };
        let produced = out.len() - start;
        if produced > self.size_hint.load(Ordering::Relaxed) {
            self.size_hint.store(produced, Ordering::Relaxed);
        }
        r.map_err(|e| e.attach(&self.name, &self.source))
    }

    /// Renders into a new string (convenience for tests and the CLI).
    pub fn render_to_string(
        &self,
        input: &RenderInput<'_>,
        overrides: &mut Overrides,
    ) -> Result<String, VtlError> {
        let mut out = String::new();
        self.render(input, overrides, &mut out)?;
        Ok(out)
    }

    fn run<'a>(
        &'a self,
        input: &RenderInput<'a>,
        tape: Option<&'a [simd_json::Node<'a>]>,
        root_json: Option<&'a str>,
        overrides: &mut Overrides,
        out: &mut String,
    ) -> Result<(), RawError> {
        let mut env = Env::new(
            input.body,
            tape,
            input.params,
            input.context,
            input.stage_variables,
        );
        env.root_json = root_json;
        let uses_ovr = self.program.uses.overrides;
        if uses_ovr {
            let (req, resp) = overrides.to_values();
            env.req_ovr = req;
            env.resp_ovr = resp;
        }
        let mut vm = Vm::new(&self.program, env, out, self.limits);
        let flow = vm.run()?;
        debug_assert!(matches!(flow, Flow::Done | Flow::Stop));
        if uses_ovr {
            overrides.store(&vm.env.req_ovr, &vm.env.resp_ovr);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn template_is_send_sync() {
        assert_send_sync::<Template>();
    }
}
