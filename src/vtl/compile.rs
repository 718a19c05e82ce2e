//! Compiler: AST -> flat instruction chunks.
//!
//! Resolves variables to slots, folds `$context.a.b`, `$stageVariables.x`, `$foreach.x` and
//! `$input.json('<literal>')` chains into single instructions (JSONPath literals are compiled
//! here, so a bad path is a load-time error), and records what the template reads.

use std::collections::HashMap;

use super::ast::{Access, Block, Expr, ExprKind, Name, Node, Reference};
use super::error::{ErrorKind, RawError, Span};
use super::input::{CONTEXT_KEYS, IDENTITY_KEYS};
use super::instr::{Chunk, Const, CtxLeaf, Instr, LoopField, MacroDef, Program, UtilFn};
use super::jsonpath::JsonPath;

mod expr;

/// Names the template cannot assign to.
const RESERVED: [&str; 7] = [
    "input",
    "util",
    "context",
    "stageVariables",
    "foreach",
    "velocityCount",
    "velocityHasNext",
];

/// Compiles a parsed template.
pub fn compile(src: &str, ast: &Block) -> Result<Program, RawError> {
    let mut c = Compiler {
        src,
        prog: Program::default(),
        slot_map: HashMap::new(),
        const_map: HashMap::new(),
        name_map: HashMap::new(),
        macro_map: HashMap::new(),
        cur: 0,
        loops: Vec::new(),
    };
    c.prog.chunks.push(Chunk::default());
    // Macros are global and may be called before their definition: register all first.
    let mut defs = Vec::new();
    collect_macros(ast, &mut defs);
    for (name, params, _) in &defs {
        let chunk = c.new_chunk();
        let params = params.iter().map(|p| c.slot(&p.text)).collect();
        let idx = c.prog.macros.len() as u32;
        c.prog.macros.push(MacroDef {
            name: name.text.clone(),
            chunk,
            params,
        });
        c.macro_map.insert(name.text.clone(), idx);
    }
    for (name, _, body) in &defs {
        let idx = c.macro_map.get(&name.text).copied().unwrap_or(0);
        let chunk = c.prog.macros[idx as usize].chunk;
        c.in_chunk(chunk, |c| c.block(body))?;
    }
    c.cur = 0;
    c.block(ast)?;
    c.emit(Instr::Return, Span::default());
    Ok(c.prog)
}

fn collect_macros<'b>(block: &'b Block, out: &mut Vec<(&'b Name, &'b Vec<Name>, &'b Block)>) {
    for n in block {
        match n {
            Node::Macro {
                name, params, body, ..
            } => {
                out.push((name, params, body));
                collect_macros(body, out);
            }
            Node::If {
                branches,
                otherwise,
                ..
            } => {
                for (_, b) in branches {
                    collect_macros(b, out);
                }
                if let Some(b) = otherwise {
                    collect_macros(b, out);
                }
            }
            Node::Foreach { body, .. } | Node::Define { body, .. } => collect_macros(body, out),
            _ => {}
        }
    }
}

struct Compiler<'s> {
    src: &'s str,
    prog: Program,
    slot_map: HashMap<String, u16>,
    const_map: HashMap<String, u32>,
    name_map: HashMap<String, u32>,
    macro_map: HashMap<String, u32>,
    cur: usize,
    /// Per open `#foreach` in the current chunk: pcs of `Break` to patch.
    loops: Vec<Vec<usize>>,
}

type CResult = Result<(), RawError>;

/// `.name` or `['name']`: a key known at compile time.
fn lit_key(a: &Access) -> Option<&str> {
    match a {
        Access::Prop(n) => Some(&n.text),
        Access::Index(
            Expr {
                kind: ExprKind::Str(s),
                ..
            },
            _,
        ) => Some(s),
        _ => None,
    }
}

impl<'s> Compiler<'s> {
    fn code(&mut self) -> &mut Chunk {
        &mut self.prog.chunks[self.cur]
    }

    fn pc(&self) -> usize {
        self.prog.chunks[self.cur].code.len()
    }

    fn emit(&mut self, i: Instr, span: Span) -> usize {
        let c = self.code();
        c.code.push(i);
        c.spans.push(span);
        c.code.len() - 1
    }

    fn patch(&mut self, at: usize, target: usize) {
        let t = target as u32;
        match &mut self.code().code[at] {
            Instr::JumpIfFalse(x)
            | Instr::Jump(x)
            | Instr::AndJump(x)
            | Instr::OrJump(x)
            | Instr::Break { exit: x }
            | Instr::LoopJumpIfFalse { target: x, .. }
            | Instr::ForInit { exit: x, .. } => *x = t,
            _ => {}
        }
    }

    fn new_chunk(&mut self) -> u32 {
        self.prog.chunks.push(Chunk::default());
        (self.prog.chunks.len() - 1) as u32
    }

    fn in_chunk(&mut self, chunk: u32, f: impl FnOnce(&mut Self) -> CResult) -> CResult {
        let saved = (self.cur, std::mem::take(&mut self.loops));
        self.cur = chunk as usize;
        let r = f(self);
        self.emit(Instr::Return, Span::default());
        self.cur = saved.0;
        self.loops = saved.1;
        r
    }

    fn slot(&mut self, name: &str) -> u16 {
        if let Some(s) = self.slot_map.get(name) {
            return *s;
        }
        let s = self.prog.slots.len() as u16;
        self.prog.slots.push(name.to_string());
        self.slot_map.insert(name.to_string(), s);
        s
    }

    fn name(&mut self, n: &str) -> u32 {
        if let Some(i) = self.name_map.get(n) {
            return *i;
        }
        let i = self.prog.names.len() as u32;
        self.prog.names.push(n.into());
        self.name_map.insert(n.to_string(), i);
        i
    }

    fn str_const(&mut self, s: &str) -> u32 {
        if let Some(i) = self.const_map.get(s) {
            return *i;
        }
        let i = self.prog.consts.len() as u32;
        self.prog.consts.push(Const::Str(s.into()));
        self.const_map.insert(s.to_string(), i);
        i
    }

    /// A literal text run, kept as its own string so rendering copies it without slicing.
    fn text(&mut self, t: &str) -> u32 {
        self.prog.texts.push(t.into());
        (self.prog.texts.len() - 1) as u32
    }

    fn constant(&mut self, c: Const) -> u32 {
        self.prog.consts.push(c);
        (self.prog.consts.len() - 1) as u32
    }

    fn block(&mut self, block: &Block) -> CResult {
        for n in block {
            self.node(n)?;
        }
        Ok(())
    }

    fn node(&mut self, n: &Node) -> CResult {
        match n {
            Node::Text { span, dq } => {
                let text = span.text(self.src);
                if *dq && (text.contains("\"\"") || text.contains("\\u")) {
                    let k = self.str_const(&super::string_literal::decode(text));
                    self.emit(Instr::TextConst(k), *span);
                } else if !text.is_empty() {
                    let k = self.text(text);
                    self.emit(Instr::Text(k), *span);
                }
            }
            Node::Unparsed(span) => {
                let k = self.text(span.text(self.src));
                self.emit(Instr::Text(k), *span);
            }
            Node::Ref(r) => self.emit_ref(r)?,
            Node::Set {
                target,
                value,
                span,
            } => self.set(target, value, *span)?,
            Node::If {
                branches,
                otherwise,
                ..
            } => {
                let mut ends = Vec::new();
                for (i, (cond, body)) in branches.iter().enumerate() {
                    let at = self.pc();
                    self.cond(cond)?;
                    // `#if($foreach.hasNext)` and friends: test the loop in place.
                    let jf = match self.code().code.get(at..) {
                        Some(&[Instr::LoopProp { up, field }]) => {
                            self.code().code.truncate(at);
                            self.code().spans.truncate(at);
                            let i = Instr::LoopJumpIfFalse {
                                up,
                                field,
                                target: 0,
                            };
                            self.emit(i, cond.span)
                        }
                        _ => self.emit(Instr::JumpIfFalse(0), cond.span),
                    };
                    self.block(body)?;
                    // The last branch without `#else` falls through to the end.
                    if i + 1 < branches.len() || otherwise.is_some() {
                        ends.push(self.emit(Instr::Jump(0), cond.span));
                    }
                    let here = self.pc();
                    self.patch(jf, here);
                }
                if let Some(b) = otherwise {
                    self.block(b)?;
                }
                let end = self.pc();
                for j in ends {
                    self.patch(j, end);
                }
            }
            Node::Foreach {
                var,
                iter,
                body,
                span,
            } => {
                if RESERVED.contains(&var.text.as_str()) {
                    return Err(self.reserved(var));
                }
                self.expr(iter)?;
                let var_slot = self.slot(&var.text);
                let init = self.emit(
                    Instr::ForInit {
                        var: var_slot,
                        exit: 0,
                    },
                    *span,
                );
                let body_start = self.pc() as u32;
                self.loops.push(Vec::new());
                self.block(body)?;
                self.emit(Instr::ForNext { body: body_start }, *span);
                let exit = self.pc();
                self.patch(init, exit);
                for b in self.loops.pop().unwrap_or_default() {
                    self.patch(b, exit);
                }
            }
            Node::Break(span) => {
                if self.loops.is_empty() {
                    // Outside a loop Velocity 1.7 breaks out of the template scope.
                    self.emit(Instr::Stop, *span);
                } else {
                    let at = self.emit(Instr::Break { exit: 0 }, *span);
                    if let Some(l) = self.loops.last_mut() {
                        l.push(at);
                    }
                }
            }
            Node::Stop(span) => {
                self.emit(Instr::Stop, *span);
            }
            Node::Define { name, body, span } => {
                if RESERVED.contains(&name.text.as_str()) {
                    return Err(self.reserved(name));
                }
                let chunk = self.new_chunk();
                self.in_chunk(chunk, |c| c.block(body))?;
                let slot = self.slot(&name.text);
                self.emit(Instr::Define { slot, chunk }, *span);
            }
            Node::Macro { .. } | Node::Ignored(_) => {}
            Node::MacroCall { name, args, span } => {
                let Some(idx) = self.macro_map.get(&name.text).copied() else {
                    return Err(RawError::new(
                        ErrorKind::UnknownDirective(name.text.clone()),
                        *span,
                    ));
                };
                for a in args {
                    self.expr(a)?;
                }
                self.emit(
                    Instr::CallMacro {
                        idx,
                        argc: args.len().min(255) as u8,
                    },
                    *span,
                );
            }
        }
        Ok(())
    }

    fn reserved(&self, n: &Name) -> RawError {
        RawError::syntax(
            format!("${} is built in and cannot be assigned", n.text),
            n.span,
        )
    }

    /// A reference in output position, with direct-to-output fast paths.
    fn emit_ref(&mut self, r: &Reference) -> CResult {
        if r.chain.len() == 1 {
            if let Access::Method(m, args, span) = &r.chain[0] {
                if r.head.text == "input" && m.text == "json" && args.len() == 1 {
                    if let ExprKind::Str(p) = &args[0].kind {
                        let idx = self.path(p, args[0].span)?;
                        self.prog.uses.body_json = true;
                        self.emit(Instr::EmitInputJson(idx), *span);
                        return Ok(());
                    }
                }
                if r.head.text == "util" && args.len() == 1 {
                    let f = UtilFn::from_name(&m.text);
                    if !matches!(f, UtilFn::ParseJson | UtilFn::Unknown) {
                        self.prog.uses.util = true;
                        self.expr(&args[0])?;
                        self.emit(Instr::EmitUtil(f), *span);
                        return Ok(());
                    }
                }
            }
        }
        let at = self.pc();
        self.reference(r, false)?;
        // A reference that is one load is written straight from where it lives.
        let fused = match self.code().code.get(at..) {
            Some(&[Instr::Load(s)]) => Some(Instr::EmitLoad(s)),
            Some(&[Instr::LoadProp(s, k)]) => Some(Instr::EmitLoadProp(s, k)),
            Some(&[Instr::LoopProp { up, field }]) => Some(Instr::EmitLoopProp { up, field }),
            Some(&[Instr::Ctx(leaf)]) => Some(Instr::EmitCtx(leaf)),
            _ => None,
        };
        match fused {
            Some(i) => {
                if let Some(last) = self.code().code.last_mut() {
                    *last = i;
                }
            }
            None => {
                self.emit(Instr::Emit, r.span);
            }
        }
        Ok(())
    }

    fn path(&mut self, p: &str, span: Span) -> Result<u32, RawError> {
        let compiled = JsonPath::parse(p).map_err(|reason| {
            RawError::new(
                ErrorKind::JsonPath {
                    path: p.to_string(),
                    reason,
                },
                span,
            )
        })?;
        self.prog.paths.push(compiled);
        Ok((self.prog.paths.len() - 1) as u32)
    }

    /// Pushes the value of a reference. `for_write`: the value is an assignment target's
    /// container, so JSON containers are made owned on the way.
    fn reference(&mut self, r: &Reference, for_write: bool) -> CResult {
        let span = r.head.span;
        let chain = &r.chain[..];
        let consumed = match r.head.text.as_str() {
            "input" => self.input(chain, span)?,
            "context" => self.context(chain, span),
            "util" => {
                self.prog.uses.util = true;
                match chain.first() {
                    Some(Access::Method(m, args, s)) => {
                        for a in args {
                            self.expr(a)?;
                        }
                        let f = UtilFn::from_name(&m.text);
                        self.emit(Instr::Util(f, args.len().min(255) as u8), *s);
                        1
                    }
                    _ => {
                        self.emit(Instr::UtilObj, span);
                        0
                    }
                }
            }
            "stageVariables" => {
                self.prog.uses.stage_variables = true;
                match chain.first().and_then(lit_key) {
                    Some(k) => {
                        let n = self.name(k);
                        self.emit(Instr::StageVar(n), chain[0].span());
                        1
                    }
                    None => {
                        self.emit(Instr::StageVars, span);
                        0
                    }
                }
            }
            "foreach" => {
                // Properties and their getter forms (`$foreach.count`, `$foreach.getCount()`,
                // `$foreach.hasNext()`), as Velocity's loop scope object answers both.
                fn member(a: Option<&Access>) -> Option<&str> {
                    match a {
                        Some(Access::Prop(n)) => Some(n.text.as_str()),
                        Some(Access::Method(n, args, _)) if args.is_empty() => {
                            Some(match n.text.as_str() {
                                "getParent" => "parent",
                                "getIndex" => "index",
                                "getCount" => "count",
                                "hasNext" | "getHasNext" => "hasNext",
                                "isFirst" | "getFirst" => "first",
                                "isLast" | "getLast" => "last",
                                _ => return None,
                            })
                        }
                        _ => None,
                    }
                }
                let mut up = 0usize;
                while member(chain.get(up)) == Some("parent") {
                    up += 1;
                }
                let field = match member(chain.get(up)) {
                    Some("index") => Some(LoopField::Index),
                    Some("count") => Some(LoopField::Count),
                    Some("hasNext") => Some(LoopField::HasNext),
                    Some("first") => Some(LoopField::First),
                    Some("last") => Some(LoopField::Last),
                    _ => None,
                };
                match field {
                    Some(field) => {
                        let up = up.min(255) as u8;
                        self.emit(Instr::LoopProp { up, field }, span);
                        up as usize + 1
                    }
                    None => {
                        self.emit(Instr::Null, span);
                        chain.len()
                    }
                }
            }
            "velocityCount" => {
                self.emit(
                    Instr::LoopProp {
                        up: 0,
                        field: LoopField::Count,
                    },
                    span,
                );
                0
            }
            "velocityHasNext" => {
                self.emit(
                    Instr::LoopProp {
                        up: 0,
                        field: LoopField::HasNext,
                    },
                    span,
                );
                0
            }
            name => {
                let s = self.slot(name);
                match chain.first() {
                    // `$var.name` (the loop-body hot path) is one instruction.
                    Some(Access::Prop(n)) if !for_write => {
                        let k = self.name(&n.text);
                        self.emit(Instr::LoadProp(s, k), n.span);
                        1
                    }
                    _ => {
                        self.emit(
                            if for_write {
                                Instr::LoadMut(s)
                            } else {
                                Instr::Load(s)
                            },
                            span,
                        );
                        0
                    }
                }
            }
        };
        for a in &chain[consumed..] {
            self.access(a, for_write)?;
        }
        Ok(())
    }

    fn access(&mut self, a: &Access, for_write: bool) -> CResult {
        match a {
            Access::Prop(n) => {
                let k = self.name(&n.text);
                self.emit(
                    if for_write {
                        Instr::PropMut(k)
                    } else {
                        Instr::Prop(k)
                    },
                    n.span,
                );
            }
            Access::Method(n, args, span) => {
                for x in args {
                    self.expr(x)?;
                }
                let k = self.name(&n.text);
                self.emit(Instr::Call(k, args.len().min(255) as u8), *span);
            }
            Access::Index(e, span) => {
                self.expr(e)?;
                self.emit(
                    if for_write {
                        Instr::IndexMut
                    } else {
                        Instr::Index
                    },
                    *span,
                );
            }
        }
        Ok(())
    }

    fn input(&mut self, chain: &[Access], span: Span) -> Result<usize, RawError> {
        let uses = &mut self.prog.uses;
        match chain.first() {
            Some(Access::Prop(n)) if n.text == "body" => {
                uses.body_raw = true;
                self.emit(Instr::InputBody, n.span);
                Ok(1)
            }
            Some(Access::Method(m, args, s)) if args.len() <= 1 => {
                let s = *s;
                match (m.text.as_str(), args.first()) {
                    ("json" | "path", Some(arg)) => {
                        uses.body_json = true;
                        let json = m.text == "json";
                        if let ExprKind::Str(p) = &arg.kind {
                            let idx = self.path(p, arg.span)?;
                            let i = if json {
                                Instr::InputJson(idx)
                            } else {
                                Instr::InputPath(idx)
                            };
                            self.emit(i, s);
                        } else {
                            self.expr(arg)?;
                            let i = if json {
                                Instr::InputJsonDyn
                            } else {
                                Instr::InputPathDyn
                            };
                            self.emit(i, s);
                        }
                        Ok(1)
                    }
                    ("params", None) => {
                        uses.params = true;
                        self.emit(Instr::InputParams, s);
                        Ok(1)
                    }
                    ("params", Some(arg)) => {
                        uses.params = true;
                        if let ExprKind::Str(p) = &arg.kind {
                            let k = self.str_const(p);
                            self.emit(Instr::InputParam(k), s);
                        } else {
                            self.expr(arg)?;
                            self.emit(Instr::InputParamDyn, s);
                        }
                        Ok(1)
                    }
                    _ => Ok(self.input_obj(span)),
                }
            }
            _ => Ok(self.input_obj(span)),
        }
    }

    fn input_obj(&mut self, span: Span) -> usize {
        let u = &mut self.prog.uses;
        u.body_json = true;
        u.body_raw = true;
        u.params = true;
        self.emit(Instr::InputObj, span);
        0
    }

    fn context(&mut self, chain: &[Access], span: Span) -> usize {
        self.prog.uses.context = true;
        let k0 = chain.first().and_then(lit_key);
        let k1 = chain.get(1).and_then(lit_key);
        let at = |i: usize| chain.get(i).map_or(span, |a| a.span());
        let (leaf, n) = match (k0, k1) {
            (Some("identity"), Some(k)) if IDENTITY_KEYS.contains(&k) => {
                (Some(CtxLeaf::Identity(self.name(k))), 2)
            }
            (Some("authorizer"), Some("principalId")) => (Some(CtxLeaf::Principal), 2),
            (Some("authorizer"), Some("claims")) => match chain.get(2).and_then(lit_key) {
                Some(k) => (Some(CtxLeaf::Claim(self.name(k))), 3),
                None => (None, 0),
            },
            (Some("authorizer"), Some(k)) => (Some(CtxLeaf::Authorizer(self.name(k))), 2),
            (Some("error"), Some(k)) => (Some(CtxLeaf::Error(self.name(k))), 2),
            (Some("requestTimeEpoch"), _) => (Some(CtxLeaf::Epoch), 1),
            (Some("requestOverride"), _) => {
                self.prog.uses.overrides = true;
                self.emit(Instr::ReqOverride, at(0));
                return 1;
            }
            (Some("responseOverride"), _) => {
                self.prog.uses.overrides = true;
                self.emit(Instr::RespOverride, at(0));
                return 1;
            }
            (Some(k), _) if CONTEXT_KEYS.contains(&k) && !matches!(k, "identity") => {
                (Some(CtxLeaf::Field(self.name(k))), 1)
            }
            _ => (None, 0),
        };
        match leaf {
            Some(l) => {
                self.emit(Instr::Ctx(l), at(n - 1));
                n
            }
            None => {
                self.prog.uses.overrides = true;
                self.emit(Instr::CtxObj, span);
                0
            }
        }
    }

    fn set(&mut self, target: &Reference, value: &Expr, span: Span) -> CResult {
        let Some((last, prefix)) = target.chain.split_last() else {
            // Velocity 1.7 binds `#set(${x} = v)` / `#set($!x = v)` to no name a reference
            // reads (checked on its engine): the value is computed, then dropped, whatever
            // the name (a reserved one too).
            let lhs = target.span.text(self.src).as_bytes();
            if matches!(lhs.get(1), Some(b'{' | b'!')) {
                self.expr(value)?;
                self.emit(Instr::Pop, span);
                return Ok(());
            }
            if RESERVED.contains(&target.head.text.as_str()) {
                return Err(self.reserved(&target.head));
            }
            self.expr(value)?;
            let s = self.slot(&target.head.text);
            self.emit(Instr::Store(s), span);
            return Ok(());
        };
        let container = Reference {
            quiet: target.quiet,
            head: target.head.clone(),
            chain: prefix.to_vec(),
            span: target.span,
        };
        self.reference(&container, true)?;
        match last {
            Access::Prop(n) => {
                self.expr(value)?;
                let k = self.name(&n.text);
                self.emit(Instr::SetProp(k), span);
            }
            Access::Index(e, _) => {
                self.expr(e)?;
                self.expr(value)?;
                self.emit(Instr::SetIndex, span);
            }
            Access::Method(n, _, s) => {
                return Err(RawError::syntax(
                    format!("cannot assign to the method call .{}()", n.text),
                    *s,
                ))
            }
        }
        Ok(())
    }
}
