//! The template's built-in variables (mapping.md §4): `$input`, `$util`, `$context`,
//! `$stageVariables`. Hot forms are single instructions (see the compiler); generic forms
//! (`$context.keySet()`, `$input.params()`) build ordered maps once per render, borrowing
//! the request data.

use std::cell::RefCell;
use std::rc::Rc;

use simd_json::Node;

use super::compact;
use super::error::{ErrorKind, RawError, Span};
use super::input::{ContextValues, RequestParams, CONTEXT_KEYS, IDENTITY_KEYS};
use super::instr::{CtxLeaf, Instr, UtilFn};
use super::java_compat;
use super::json;
use super::jsonpath::{Found, JsonPath};
use super::methods::json_list;
use super::value::{Builtin, Map, Value};
use super::vm::{thrown, Flow, Vm};

/// Per-render view of the request data.
pub(crate) struct Env<'a> {
    pub body: &'a [u8],
    /// Root of the parsed body; `None` when not parsed or not JSON.
    pub tape: Option<&'a [Node<'a>]>,
    /// `$input.json('$')` already known without a parse (templates that read the body
    /// only that way; see `Template::render`).
    pub root_json: Option<&'a str>,
    pub params: &'a RequestParams,
    pub ctx: &'a ContextValues,
    pub stage: &'a [(String, String)],
    pub req_ovr: Value<'a>,
    pub resp_ovr: Value<'a>,
    params_cache: Option<Value<'a>>,
    stage_cache: Option<Value<'a>>,
    ctx_cache: Option<Value<'a>>,
}

fn str_or_null(s: Option<&str>) -> Value<'_> {
    s.map_or(Value::Null, Value::Str)
}

fn new_map<'a>(entries: Vec<(Value<'a>, Value<'a>)>, opaque: bool, ci: bool) -> Value<'a> {
    Value::Map(Rc::new(RefCell::new(Map {
        entries,
        opaque,
        ci,
    })))
}

fn pairs<'a>(list: &'a [(String, String)], ci: bool) -> Value<'a> {
    new_map(
        list.iter()
            .map(|(k, v)| (Value::Str(k.as_str()), Value::Str(v.as_str())))
            .collect(),
        false,
        ci,
    )
}

impl<'a> Env<'a> {
    pub fn new(
        body: &'a [u8],
        tape: Option<&'a [Node<'a>]>,
        params: &'a RequestParams,
        ctx: &'a ContextValues,
        stage: &'a [(String, String)],
    ) -> Self {
        Env {
            body,
            tape,
            root_json: None,
            params,
            ctx,
            stage,
            req_ovr: Value::Null,
            resp_ovr: Value::Null,
            params_cache: None,
            stage_cache: None,
            ctx_cache: None,
        }
    }

    /// `$input.body`: the raw body; an empty body reads as `{}` (AWS).
    pub fn body_value(&self) -> Value<'a> {
        if self.body.is_empty() {
            return Value::Str("{}");
        }
        match std::str::from_utf8(self.body) {
            Ok(s) => Value::Str(s),
            Err(_) => Value::owned(String::from_utf8_lossy(self.body).into_owned()),
        }
    }

    fn path_value(&self, p: &JsonPath) -> Value<'a> {
        let Some(root) = self.tape else {
            return Value::Null;
        };
        match p.eval(root) {
            Found::One(v) => v.map_or(Value::Null, Value::from_json),
            Found::Many(vs) => json_list(vs.into_iter().map(Value::from_json).collect()),
            Found::Length(n) => n.map_or(Value::Null, |n| Value::Int(n as i128)),
        }
    }

    fn write_json_path(&self, p: &JsonPath, out: &mut String) {
        if p.is_root() {
            if let Some(text) = self.root_json {
                out.push_str(text);
                return;
            }
            if self.tape.is_some() && compact::write_compact(self.body, out) {
                return;
            }
        }
        write_json_path(self.tape, p, out)
    }

    fn param(&self, name: &str) -> Value<'a> {
        Value::Str(self.params.lookup(name).unwrap_or(""))
    }

    fn params_obj(&mut self) -> Value<'a> {
        let p = self.params;
        self.params_cache
            .get_or_insert_with(|| {
                new_map(
                    vec![
                        (Value::Str("path"), pairs(&p.path, false)),
                        (Value::Str("querystring"), pairs(&p.querystring, false)),
                        (Value::Str("header"), pairs(&p.header, true)),
                    ],
                    false,
                    false,
                )
            })
            .clone()
    }

    fn stage_obj(&mut self) -> Value<'a> {
        let s = self.stage;
        self.stage_cache
            .get_or_insert_with(|| pairs(s, false))
            .clone()
    }

    fn stage_var(&self, name: &str) -> Value<'a> {
        str_or_null(
            self.stage
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str()),
        )
    }

    pub(crate) fn ctx_leaf(&self, leaf: CtxLeaf, names: &'a [Box<str>]) -> Value<'a> {
        let c = self.ctx;
        let name = |i: u32| names.get(i as usize).map_or("", |s| &**s);
        match leaf {
            CtxLeaf::Field(n) => str_or_null(c.string_field(name(n))),
            CtxLeaf::Epoch => Value::Int(c.request_time_epoch as i128),
            CtxLeaf::Identity(n) => str_or_null(c.identity.get(name(n))),
            CtxLeaf::Principal => str_or_null(
                c.authorizer
                    .as_ref()
                    .and_then(|a| a.principal_id.as_deref()),
            ),
            CtxLeaf::Authorizer(n) => str_or_null(c.authorizer.as_ref().and_then(|a| {
                a.entries
                    .iter()
                    .find(|(k, _)| k == name(n))
                    .map(|(_, v)| v.as_str())
            })),
            CtxLeaf::Claim(n) => str_or_null(c.authorizer.as_ref().and_then(|a| {
                a.claims
                    .iter()
                    .find(|(k, _)| k == name(n))
                    .map(|(_, v)| v.as_str())
            })),
            CtxLeaf::Error(n) => str_or_null(c.error.as_ref().and_then(|e| e.get(name(n)))),
        }
    }

    /// `$context` as an ordered map (AWS key order), built once per render.
    fn ctx_obj(&mut self) -> Value<'a> {
        if let Some(v) = &self.ctx_cache {
            return v.clone();
        }
        let c = self.ctx;
        let mut entries = Vec::with_capacity(CONTEXT_KEYS.len() + 2);
        for k in CONTEXT_KEYS {
            let v = match k {
                "requestOverride" => self.req_ovr.clone(),
                "responseOverride" => self.resp_ovr.clone(),
                "requestTimeEpoch" => Value::Int(c.request_time_epoch as i128),
                "identity" => {
                    let id = IDENTITY_KEYS
                        .iter()
                        .enumerate()
                        .filter(|(i, k)| *i < 12 || c.identity.get(k).is_some())
                        .map(|(_, k)| (Value::Str(k), str_or_null(c.identity.get(k))))
                        .collect();
                    new_map(id, true, false)
                }
                _ => str_or_null(c.string_field(k)),
            };
            entries.push((Value::Str(k), v));
        }
        if let Some(a) = &c.authorizer {
            let mut m = vec![(
                Value::Str("principalId"),
                str_or_null(a.principal_id.as_deref()),
            )];
            m.extend(
                a.entries
                    .iter()
                    .map(|(k, v)| (Value::Str(k.as_str()), Value::Str(v.as_str()))),
            );
            // No `claims` entry: AWS documents that `$context.authorizer.claims` itself returns
            // null; only `claims.<name>` reads a claim (compiled to `CtxLeaf::Claim`).
            entries.push((Value::Str("authorizer"), new_map(m, false, false)));
        }
        if let Some(e) = &c.error {
            let m = [
                "message",
                "messageString",
                "responseType",
                "validationErrorString",
            ]
            .iter()
            .map(|k| (Value::Str(k), str_or_null(e.get(k))))
            .collect();
            entries.push((Value::Str("error"), new_map(m, false, false)));
        }
        let v = new_map(entries, true, false);
        self.ctx_cache = Some(v.clone());
        v
    }

    fn dyn_path(&self, arg: Option<&Value<'a>>, span: Span) -> Result<JsonPath, RawError> {
        let p = arg.and_then(|a| a.as_str()).unwrap_or("$");
        JsonPath::parse(p).map_err(|reason| {
            RawError::new(
                ErrorKind::JsonPath {
                    path: p.to_string(),
                    reason,
                },
                span,
            )
        })
    }

    /// `$input.<name>(args)` when `$input` was used as a value.
    pub fn input_call(
        &mut self,
        name: &str,
        args: &[Value<'a>],
        span: Span,
    ) -> Result<Value<'a>, RawError> {
        Ok(match (name, args.len()) {
            ("json", 1) => {
                let p = self.dyn_path(args.first(), span)?;
                let mut s = String::new();
                self.write_json_path(&p, &mut s);
                Value::owned(s)
            }
            ("path", 1) => {
                let p = self.dyn_path(args.first(), span)?;
                self.path_value(&p)
            }
            ("params", 0) => self.params_obj(),
            ("params", 1) => self.param(&args[0].to_java_string()),
            ("getBody", 0) => self.body_value(),
            _ => Value::Null,
        })
    }

    /// `$util.<name>(args)` when `$util` was used as a value.
    pub fn util_call(
        &mut self,
        name: &str,
        args: &[Value<'a>],
        span: Span,
    ) -> Result<Value<'a>, RawError> {
        util(UtilFn::from_name(name), args, span)
    }
}

/// `$input.json(path)` written as JSON text; a missing value writes nothing.
fn write_json_path(tape: Option<&[Node<'_>]>, p: &JsonPath, out: &mut String) {
    let Some(root) = tape else {
        return;
    };
    match p.eval(root) {
        Found::One(Some(v)) => json::write_json(v, out),
        Found::One(None) | Found::Length(None) => {}
        Found::Many(vs) => {
            out.push('[');
            for (i, v) in vs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json::write_json(v, out);
            }
            out.push(']');
        }
        Found::Length(Some(n)) => out.push_str(itoa::Buffer::new().format(n)),
    }
}

/// The six `$util` functions (mapping.md §4.2). Null arguments give null (renders empty).
pub(crate) fn util<'a>(f: UtilFn, args: &[Value<'a>], span: Span) -> Result<Value<'a>, RawError> {
    if args.len() != 1 || f == UtilFn::Unknown {
        return Ok(Value::Null);
    }
    let a = &args[0];
    if a.is_null() {
        return Ok(Value::Null);
    }
    let s = a.to_java_string();
    Ok(match f {
        UtilFn::EscapeJavaScript => {
            let mut out = String::with_capacity(s.len() + 8);
            java_compat::escape_javascript(&s, &mut out);
            Value::owned(out)
        }
        UtilFn::ParseJson => {
            let v: serde_json::Value = serde_json::from_str(&s)
                .map_err(|_| RawError::new(ErrorKind::InvalidJson, span))?;
            Value::from_serde(&v)
        }
        UtilFn::UrlEncode => Value::owned(java_compat::url_encode(&s)),
        UtilFn::UrlDecode => {
            Value::owned(java_compat::url_decode(&s).ok_or_else(|| {
                thrown(format!("IllegalArgumentException: urlDecode('{s}')"), span)
            })?)
        }
        UtilFn::Base64Encode => Value::owned(java_compat::base64_encode(&s)),
        UtilFn::Base64Decode => Value::owned(
            java_compat::base64_decode(&s)
                .ok_or_else(|| thrown("IllegalArgumentException: base64Decode".into(), span))?,
        ),
        UtilFn::Unknown => Value::Null,
    })
}

impl<'a, 'o> Vm<'a, 'o> {
    /// Executes a binding instruction. Returns a flow only when rendering must stop.
    pub(crate) fn binding(&mut self, ins: Instr, span: Span) -> Result<Option<Flow>, RawError> {
        let prog = self.prog();
        let v = match ins {
            Instr::InputBody => self.env.body_value(),
            Instr::InputJson(p) => {
                let mut s = String::new();
                self.env.write_json_path(&prog.paths[p as usize], &mut s);
                Value::owned(s)
            }
            Instr::EmitInputJson(p) => {
                let path = &prog.paths[p as usize];
                // Straight into the output: no temporary string.
                let env = &self.env;
                let (tape, body, root_json) = (env.tape, env.body, env.root_json);
                let out = self.out();
                if path.is_root() {
                    if let Some(text) = root_json {
                        out.push_str(text);
                        return Ok(None);
                    }
                    if tape.is_some() && compact::write_compact(body, out) {
                        return Ok(None);
                    }
                }
                write_json_path(tape, path, out);
                return Ok(None);
            }
            Instr::InputPath(p) => self.env.path_value(&prog.paths[p as usize]),
            Instr::InputJsonDyn | Instr::InputPathDyn => {
                let arg = self.pop_value();
                let name = if ins == Instr::InputJsonDyn {
                    "json"
                } else {
                    "path"
                };
                self.env.input_call(name, &[arg], span)?
            }
            Instr::InputParam(k) => match &prog.consts[k as usize] {
                super::instr::Const::Str(s) => self.env.param(s),
                _ => Value::Str(""),
            },
            Instr::InputParamDyn => {
                let arg = self.pop_value();
                self.env.param(&arg.to_java_string())
            }
            Instr::InputParams => self.env.params_obj(),
            Instr::InputObj => Value::Builtin(Builtin::Input),
            Instr::UtilObj => Value::Builtin(Builtin::Util),
            Instr::Util(f, argc) => {
                let args = self.pop_n(argc as usize);
                util(f, &args, span)?
            }
            Instr::EmitUtil(f) => {
                let arg = self.pop_value();
                if arg.is_null() {
                    return Ok(None);
                }
                if f == UtilFn::EscapeJavaScript {
                    match arg.as_str() {
                        Some(s) => java_compat::escape_javascript(s, self.out()),
                        None => java_compat::escape_javascript(&arg.to_java_string(), self.out()),
                    }
                    return Ok(None);
                }
                let v = util(f, &[arg], span)?;
                v.write_java(self.out(), false);
                return Ok(None);
            }
            Instr::Ctx(leaf) => self.env.ctx_leaf(leaf, &prog.names),
            Instr::CtxObj => self.env.ctx_obj(),
            Instr::ReqOverride => self.env.req_ovr.clone(),
            Instr::RespOverride => self.env.resp_ovr.clone(),
            Instr::StageVar(n) => self.env.stage_var(&prog.names[n as usize]),
            Instr::StageVars => self.env.stage_obj(),
            _ => Value::Null,
        };
        self.push(v);
        Ok(None)
    }
}
