//! The VM: runs a compiled program against one request's input, writing into the caller's
//! buffer. Every instruction burns fuel; loops, recursion, output and value sizes are capped,
//! so a hostile template ends in a typed error instead of a hang.
//!
//! Fuel is charged in blocks, not per instruction: a chunk's whole length when it is entered
//! and a loop body's whole length per iteration. The only backward jump is a loop's
//! `ForNext`, so every instruction executed is covered by one of those charges and the
//! budget stays an upper bound on instructions executed. Source spans are looked up only
//! when an error is raised.

use std::cell::RefCell;
use std::rc::Rc;

use simd_json::Node;
use smallvec::SmallVec;

use super::bindings::Env;
use super::error::{ErrorKind, RawError, Span};
use super::instr::{Const, Instr, LoopField, Program};
use super::json;
use super::methods;
use super::ops;
use super::value::{Builtin, List, Map, Value};

mod rare;

/// Render-time caps. The defaults follow API Gateway (1,000 `#foreach` iterations per loop,
/// 10 MB payloads) and Velocity (macro depth 20); fuel bounds total work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Iterations per `#foreach` loop.
    pub max_loop_iterations: usize,
    /// Bytes of rendered output.
    pub max_output_bytes: usize,
    /// Bytes of any single string value, or elements of a range.
    pub max_value_size: usize,
    /// Macro / `#define` / interpolation nesting at render time.
    pub max_recursion: usize,
    /// Instructions executed per render.
    pub fuel: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_loop_iterations: 1000,
            max_output_bytes: 10 * 1024 * 1024,
            max_value_size: 10 * 1024 * 1024,
            max_recursion: 20,
            fuel: 20_000_000,
        }
    }
}

/// How a chunk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Done,
    Stop,
}

enum LoopSrc<'a> {
    /// A live list: appends during the loop are seen (index-based).
    List(Rc<RefCell<List<'a>>>),
    /// Snapshot (map values, builtin maps).
    Items(Vec<Value<'a>>),
    /// A JSON array or object (values) on the tape, walked by offset.
    Json {
        j: &'a [Node<'a>],
        at: usize,
        obj: bool,
    },
}

struct LoopFrame<'a> {
    var: u16,
    saved: Value<'a>,
    src: LoopSrc<'a>,
    index: usize,
    len: usize,
}

pub(crate) struct Vm<'a, 'o> {
    prog: &'a Program,
    pub env: Env<'a>,
    vars: Vec<Value<'a>>,
    stack: Vec<Value<'a>>,
    loops: Vec<LoopFrame<'a>>,
    /// The current sink: the caller's buffer, or while an interpolated string is being
    /// captured, that string (the caller's buffer is swapped out meanwhile).
    out: &'o mut String,
    /// `out.len()` past which the current sink is over its cap.
    limit: usize,
    /// Nesting of string captures (0: writing the template output).
    capturing: usize,
    fuel: u64,
    depth: usize,
    limits: Limits,
}

type VResult<T> = Result<T, RawError>;

impl<'a, 'o> Vm<'a, 'o> {
    pub fn new(prog: &'a Program, env: Env<'a>, out: &'o mut String, limits: Limits) -> Self {
        let limit = out.len().saturating_add(limits.max_output_bytes);
        Vm {
            prog,
            env,
            vars: vec![Value::Null; prog.slots.len()],
            stack: Vec::with_capacity(16),
            loops: Vec::new(),
            out,
            limit,
            capturing: 0,
            fuel: limits.fuel,
            depth: 0,
            limits,
        }
    }

    /// Runs the template body.
    pub fn run(&mut self) -> VResult<Flow> {
        self.exec(0)
    }

    fn sink(&mut self) -> &mut String {
        self.out
    }

    /// Whether the current sink is past its cap (checked after every write).
    #[inline]
    fn over(&self) -> bool {
        self.out.len() > self.limit
    }

    #[cold]
    fn size_error(&self, span: Span) -> RawError {
        if self.capturing > 0 {
            RawError::new(ErrorKind::ValueTooLarge(self.limits.max_value_size), span)
        } else {
            RawError::new(ErrorKind::OutputLimit(self.limits.max_output_bytes), span)
        }
    }

    fn check_size(&self, span: Span) -> VResult<()> {
        if self.over() {
            return Err(self.size_error(span));
        }
        Ok(())
    }

    /// Fuel for `n` instructions.
    #[inline]
    fn burn(&mut self, n: usize, span: impl FnOnce() -> Span) -> VResult<()> {
        match self.fuel.checked_sub(n as u64) {
            Some(left) => {
                self.fuel = left;
                Ok(())
            }
            None => {
                self.fuel = 0;
                Err(RawError::new(
                    ErrorKind::FuelExhausted(self.limits.fuel),
                    span(),
                ))
            }
        }
    }

    fn pop(&mut self) -> Value<'a> {
        // Not `unwrap_or(Value::Null)`: that builds and drops a default on every pop.
        match self.stack.pop() {
            Some(v) => v,
            None => Value::Null,
        }
    }

    /// `$foreach.<field>`, `up` loops out (null outside a loop).
    #[inline]
    fn loop_field(&self, up: u8, field: LoopField) -> Value<'a> {
        let Some(f) = self
            .loops
            .len()
            .checked_sub(1 + up as usize)
            .and_then(|i| self.loops.get(i))
        else {
            return Value::Null;
        };
        match field {
            LoopField::Index => Value::Int(f.index as i128),
            LoopField::Count => Value::Int(f.index as i128 + 1),
            LoopField::HasNext => Value::Bool(f.index + 1 < f.len),
            LoopField::First => Value::Bool(f.index == 0),
            LoopField::Last => Value::Bool(f.index + 1 == f.len),
        }
    }

    /// Renders a value: strings and integers inline, the rest through `emit_value`.
    #[inline]
    fn emit_fast(&mut self, v: Value<'a>, span: impl FnOnce() -> Span) -> VResult<Flow> {
        match v {
            Value::Str(s) => self.out.push_str(s),
            Value::Int(i) => push_int(self.out, i),
            Value::Null => return Ok(Flow::Done),
            v => return self.emit_value(v, span()),
        }
        if self.over() {
            return Err(self.size_error(span()));
        }
        Ok(Flow::Done)
    }

    fn enter(&mut self, span: Span) -> VResult<()> {
        self.depth += 1;
        if self.depth > self.limits.max_recursion {
            return Err(RawError::new(
                ErrorKind::RecursionLimit(self.limits.max_recursion),
                span,
            ));
        }
        Ok(())
    }

    fn constant(&self, k: u32) -> Value<'a> {
        let prog: &'a Program = self.prog;
        match &prog.consts[k as usize] {
            Const::Str(s) => Value::Str(s),
            Const::Int(i) => Value::Int(*i),
            Const::Double(d) => Value::Double(*d),
            Const::Bool(b) => Value::Bool(*b),
        }
    }

    fn name(&self, k: u32) -> &'a str {
        let prog: &'a Program = self.prog;
        &prog.names[k as usize]
    }

    /// Renders a value into the current sink (`#define` blocks run in place).
    fn emit_value(&mut self, v: Value<'a>, span: Span) -> VResult<Flow> {
        match v {
            Value::Null => {}
            Value::Str(s) => self.sink().push_str(s),
            Value::Owned(s) => self.sink().push_str(&s),
            Value::Block(chunk) => {
                self.enter(span)?;
                let f = self.exec(chunk)?;
                self.depth -= 1;
                if f == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
            other => other.write_java(self.sink(), false),
        }
        self.check_size(span)?;
        Ok(Flow::Done)
    }

    fn exec(&mut self, chunk: u32) -> VResult<Flow> {
        let prog: &'a Program = self.prog;
        let ch = &prog.chunks[chunk as usize];
        let code = &ch.code[..];
        let mut pc = 0usize;
        // The span of the instruction being executed (`pc` has moved past it), for errors.
        macro_rules! span {
            () => {
                ch.spans
                    .get(pc.wrapping_sub(1))
                    .copied()
                    .unwrap_or_default()
            };
        }
        self.burn(code.len(), || ch.spans.first().copied().unwrap_or_default())?;
        while let Some(&ins) = code.get(pc) {
            pc += 1;
            match ins {
                Instr::Text(k) => {
                    self.out.push_str(&prog.texts[k as usize]);
                    if self.over() {
                        return Err(self.size_error(span!()));
                    }
                }
                Instr::TextConst(k) => {
                    let v = self.constant(k);
                    self.emit_value(v, span!())?;
                }
                Instr::Emit => {
                    let v = self.pop();
                    if self.emit_fast(v, || span!())? == Flow::Stop {
                        return Ok(Flow::Stop);
                    }
                }
                Instr::EmitLoad(s) => {
                    // Strings and integers are written from the variable, without a clone.
                    match &self.vars[s as usize] {
                        Value::Str(t) => self.out.push_str(t),
                        Value::Int(i) => push_int(self.out, *i),
                        Value::Null => continue,
                        other => {
                            let v = other.clone();
                            if self.emit_value(v, span!())? == Flow::Stop {
                                return Ok(Flow::Stop);
                            }
                            continue;
                        }
                    }
                    if self.over() {
                        return Err(self.size_error(span!()));
                    }
                }
                Instr::EmitLoadProp(s, k) => {
                    let v = self.load_prop(s, k, || span!())?;
                    if self.emit_fast(v, || span!())? == Flow::Stop {
                        return Ok(Flow::Stop);
                    }
                }
                Instr::EmitCtx(leaf) => {
                    let v = self.env.ctx_leaf(leaf, &prog.names);
                    self.emit_fast(v, || span!())?;
                }
                Instr::EmitLoopProp { up, field } => {
                    let v = self.loop_field(up, field);
                    self.emit_fast(v, || span!())?;
                }
                Instr::LoopJumpIfFalse { up, field, target } => {
                    if !self.loop_field(up, field).truthy() {
                        pc = target as usize;
                    }
                }
                Instr::Const(k) => {
                    let v = self.constant(k);
                    self.stack.push(v);
                }
                Instr::Null => self.stack.push(Value::Null),
                Instr::Load(s) => {
                    let v = self.vars[s as usize].clone();
                    self.stack.push(v);
                }
                Instr::LoadMut(s) => {
                    let slot = &mut self.vars[s as usize];
                    if matches!(slot, Value::Json(_)) {
                        *slot = slot.materialize();
                    }
                    let v = slot.clone();
                    self.stack.push(v);
                }
                Instr::Store(s) => {
                    let v = self.pop();
                    // Velocity 1.7: a null right-hand side leaves the variable unchanged.
                    if !v.is_null() {
                        self.vars[s as usize] = v;
                    }
                }
                Instr::Pop => {
                    self.pop();
                }
                Instr::Prop(k) => {
                    let recv = self.pop();
                    let v = self.prop(&recv, self.name(k), span!())?;
                    self.stack.push(v);
                }
                Instr::LoadProp(s, k) => {
                    let v = self.load_prop(s, k, || span!())?;
                    self.stack.push(v);
                }
                Instr::PropMut(k) => {
                    let recv = self.pop();
                    let name = self.name(k);
                    let mut v = self.prop(&recv, name, span!())?;
                    if let (Value::Json(_), Value::Map(m)) = (&v, &recv) {
                        v = v.materialize();
                        m.borrow_mut().put(Value::Str(name), v.clone());
                    }
                    self.stack.push(v);
                }
                Instr::Call(k, 0) => {
                    let recv = self.pop();
                    let v = self.call(&recv, self.name(k), &[], span!())?;
                    self.stack.push(v);
                }
                Instr::Call(k, 1) => {
                    let arg = self.pop();
                    let recv = self.pop();
                    let v = self.call(&recv, self.name(k), std::slice::from_ref(&arg), span!())?;
                    self.stack.push(v);
                }
                Instr::Call(k, argc) => {
                    let base = self.stack.len().saturating_sub(argc as usize);
                    // Arguments move off the stack without a heap allocation for <= 4.
                    let args: SmallVec<[Value<'a>; 4]> = self.stack.drain(base..).collect();
                    let recv = self.pop();
                    let v = self.call(&recv, self.name(k), &args, span!())?;
                    self.stack.push(v);
                }
                Instr::Index => {
                    let idx = self.pop();
                    let recv = self.pop();
                    let v = methods::index(&recv, &idx).map_err(|m| thrown(m, span!()))?;
                    self.stack.push(v);
                }
                Instr::IndexMut => {
                    let idx = self.pop();
                    let recv = self.pop();
                    let mut v = methods::index(&recv, &idx).map_err(|m| thrown(m, span!()))?;
                    if matches!(v, Value::Json(_)) {
                        v = v.materialize();
                        match &recv {
                            Value::Map(m) => {
                                m.borrow_mut().put(idx, v.clone());
                            }
                            Value::List(l) if matches!(idx, Value::Int(_)) => {
                                let len = l.borrow().items.len();
                                if let Some(i) = idx
                                    .as_int()
                                    .and_then(|i| usize::try_from(methods::from_end(i, len)).ok())
                                {
                                    if let Some(slot) = l.borrow_mut().items.get_mut(i) {
                                        *slot = v.clone();
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    self.stack.push(v);
                }
                Instr::SetProp(k) => {
                    let v = self.pop();
                    let obj = self.pop();
                    if !v.is_null() {
                        if let Value::Map(m) = obj {
                            m.borrow_mut().put(Value::Str(self.name(k)), v);
                        }
                    }
                }
                Instr::SetIndex => self.set_index(span!())?,
                Instr::Bin(op) => {
                    let b = self.pop();
                    let a = self.pop();
                    let v = ops::binary(op, &a, &b);
                    if v.as_str()
                        .is_some_and(|s| s.len() > self.limits.max_value_size)
                    {
                        return Err(RawError::new(
                            ErrorKind::ValueTooLarge(self.limits.max_value_size),
                            span!(),
                        ));
                    }
                    self.stack.push(v);
                }
                Instr::Not => {
                    let v = self.pop();
                    self.stack.push(Value::Bool(!v.truthy()));
                }
                Instr::Neg => {
                    let v = self.pop();
                    self.stack.push(ops::negate(&v));
                }
                Instr::AndJump(t) => {
                    if self.stack.last().is_some_and(|v| v.truthy()) {
                        self.pop();
                    } else {
                        self.pop();
                        self.stack.push(Value::Bool(false));
                        pc = t as usize;
                    }
                }
                Instr::OrJump(t) => {
                    if self.stack.last().is_some_and(|v| v.truthy()) {
                        self.pop();
                        self.stack.push(Value::Bool(true));
                        pc = t as usize;
                    } else {
                        self.pop();
                    }
                }
                Instr::ToBool => {
                    let v = self.pop();
                    self.stack.push(Value::Bool(v.truthy()));
                }
                Instr::JumpIfFalse(t) => {
                    if !self.pop().truthy() {
                        pc = t as usize;
                    }
                }
                Instr::Jump(t) => pc = t as usize,
                Instr::MakeList(n) => {
                    let at = self.stack.len().saturating_sub(n as usize);
                    let items = self.stack.split_off(at);
                    self.stack.push(Value::list(items));
                }
                Instr::MakeMap(n) => {
                    let at = self.stack.len().saturating_sub(2 * n as usize);
                    let flat = self.stack.split_off(at);
                    let mut map = Map::default();
                    let mut it = flat.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        map.put(k, v);
                    }
                    self.stack.push(Value::Map(Rc::new(RefCell::new(map))));
                }
                Instr::MakeRange => {
                    let v = self.make_range(span!())?;
                    self.stack.push(v);
                }
                Instr::Interp(c) => {
                    let s = self.capture(c, span!())?;
                    match s {
                        Some(s) => self.stack.push(Value::owned(s)),
                        None => return Ok(Flow::Stop),
                    }
                }
                Instr::ForInit { var, exit } => {
                    let it = self.pop();
                    let (src, len) = match it {
                        Value::List(l) => {
                            let n = l.borrow().items.len();
                            (LoopSrc::List(l), n)
                        }
                        Value::Json(j) => (
                            LoopSrc::Json {
                                j,
                                at: 1,
                                obj: json::is_object(j),
                            },
                            json::len(j),
                        ),
                        v @ Value::Map(_) => {
                            let items: Vec<Value<'a>> = methods::map_entries(&v)
                                .into_iter()
                                .map(|(_, x)| x)
                                .collect();
                            let n = items.len();
                            (LoopSrc::Items(items), n)
                        }
                        _ => (LoopSrc::Items(Vec::new()), 0),
                    };
                    if len == 0 {
                        pc = exit as usize;
                        continue;
                    }
                    let saved = self.vars[var as usize].clone();
                    let mut frame = LoopFrame {
                        var,
                        saved,
                        src,
                        index: 0,
                        len,
                    };
                    match next_item(&mut frame) {
                        Some(v) => {
                            self.vars[var as usize] = v;
                            self.loops.push(frame);
                        }
                        None => pc = exit as usize,
                    }
                }
                Instr::ForNext { body } => {
                    let max = self.limits.max_loop_iterations;
                    let Some(frame) = self.loops.last_mut() else {
                        continue;
                    };
                    frame.index += 1;
                    if let LoopSrc::List(l) = &frame.src {
                        frame.len = l.borrow().items.len();
                    }
                    if frame.index >= frame.len {
                        self.end_loop();
                        continue;
                    }
                    if frame.index >= max {
                        return Err(RawError::new(ErrorKind::LoopLimit(max), span!()));
                    }
                    match next_item(frame) {
                        Some(v) => {
                            let var = frame.var as usize;
                            self.vars[var] = v;
                            // One iteration's fuel: the body, up to and including this.
                            let n = pc - body as usize;
                            pc = body as usize;
                            self.burn(n, || span!())?;
                        }
                        None => self.end_loop(),
                    }
                }
                Instr::Break { exit } => {
                    self.end_loop();
                    pc = exit as usize;
                }
                Instr::Stop => return Ok(Flow::Stop),
                Instr::Return => return Ok(Flow::Done),
                Instr::LoopProp { up, field } => {
                    let v = self.loop_field(up, field);
                    self.stack.push(v);
                }
                Instr::CallMacro { idx, argc } => {
                    if self.call_macro(idx, argc, span!())? == Flow::Stop {
                        return Ok(Flow::Stop);
                    }
                }
                Instr::Define { slot, chunk } => self.vars[slot as usize] = Value::Block(chunk),
                other => {
                    if let Some(flow) = self.binding(other, span!())? {
                        return Ok(flow);
                    }
                    self.check_size(span!())?;
                }
            }
        }
        Ok(Flow::Done)
    }

    /// Runs `chunk` into a fresh string (an interpolated string literal). `None` when the
    /// chunk hit `#stop`.
    fn capture(&mut self, chunk: u32, span: Span) -> VResult<Option<String>> {
        self.enter(span)?;
        // The caller's buffer steps aside so `out` is always the one sink.
        let outer = std::mem::take(self.out);
        let outer_limit = std::mem::replace(&mut self.limit, self.limits.max_value_size);
        self.capturing += 1;
        let f = self.exec(chunk);
        self.capturing -= 1;
        self.limit = outer_limit;
        let s = std::mem::replace(self.out, outer);
        self.depth -= 1;
        Ok(match f? {
            Flow::Stop => None,
            Flow::Done => Some(s),
        })
    }

    fn end_loop(&mut self) {
        if let Some(f) = self.loops.pop() {
            self.vars[f.var as usize] = f.saved;
        }
    }

    pub(crate) fn push(&mut self, v: Value<'a>) {
        self.stack.push(v);
    }

    pub(crate) fn pop_value(&mut self) -> Value<'a> {
        self.pop()
    }

    pub(crate) fn pop_n(&mut self, n: usize) -> Vec<Value<'a>> {
        let at = self.stack.len().saturating_sub(n);
        self.stack.split_off(at)
    }

    pub(crate) fn out(&mut self) -> &mut String {
        self.sink()
    }

    /// `$var.name`. Map and JSON-object receivers are read in place (no clone of the
    /// variable); anything else takes the general property path.
    #[inline]
    fn load_prop(&mut self, s: u16, k: u32, span: impl FnOnce() -> Span) -> VResult<Value<'a>> {
        let name = self.name(k);
        Ok(match &self.vars[s as usize] {
            Value::Json(j) if json::is_object(j) => {
                json::obj_get(j, name).map_or(Value::Null, Value::from_json)
            }
            Value::Map(m) => m.borrow().get_str(name).cloned().unwrap_or(Value::Null),
            other => {
                let recv = other.clone();
                self.prop(&recv, name, span())?
            }
        })
    }

    fn prop(&mut self, recv: &Value<'a>, name: &'a str, span: Span) -> VResult<Value<'a>> {
        match recv {
            Value::Builtin(Builtin::Input) if name == "body" => Ok(self.env.body_value()),
            Value::Builtin(_) => Ok(Value::Null),
            _ => methods::prop(recv, name).map_err(|m| thrown(m, span)),
        }
    }

    fn call(
        &mut self,
        recv: &Value<'a>,
        name: &'a str,
        args: &[Value<'a>],
        span: Span,
    ) -> VResult<Value<'a>> {
        match recv {
            Value::Builtin(Builtin::Input) => self.env.input_call(name, args, span),
            Value::Builtin(Builtin::Util) => self.env.util_call(name, args, span),
            _ => methods::call(recv, name, args).map_err(|m| thrown(m, span)),
        }
    }
}

/// Writes an integer as Java does.
#[inline]
fn push_int(out: &mut String, i: i128) {
    // Counts and indexes are mostly one or two digits: pushed as chars, no formatting or
    // string copy.
    if (0..100).contains(&i) {
        let i = i as u8;
        if i >= 10 {
            out.push(char::from(b'0' + i / 10));
        }
        out.push(char::from(b'0' + i % 10));
        return;
    }
    let mut buf = itoa::Buffer::new();
    // i64 formatting is much cheaper than i128; nearly every int fits.
    match i64::try_from(i) {
        Ok(small) => out.push_str(buf.format(small)),
        Err(_) => out.push_str(buf.format(i)),
    }
}

fn next_item<'a>(f: &mut LoopFrame<'a>) -> Option<Value<'a>> {
    match &mut f.src {
        LoopSrc::List(l) => l.borrow().items.get(f.index).cloned(),
        LoopSrc::Items(items) => items.get(f.index).cloned(),
        LoopSrc::Json { j, at, obj } => {
            if *obj {
                *at += 1; // skip the key
            }
            let n = j.get(*at)?;
            let v = j.get(*at..*at + json::extent(n))?;
            *at += v.len();
            Some(Value::from_json(v))
        }
    }
}

pub(crate) fn thrown(msg: String, span: Span) -> RawError {
    RawError::new(ErrorKind::Method(msg), span)
}

impl<'a, 'o> Vm<'a, 'o> {
    /// The program being run.
    pub(crate) fn prog(&self) -> &'a Program {
        self.prog
    }
}
