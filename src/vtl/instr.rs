//! The compiled form: flat instruction chunks for a stack VM, plus constant tables.
//!
//! Chunk 0 is the template body; macros, `#define` blocks and interpolated string literals
//! are further chunks, each ending in `Return`. Jump targets are indexes within a chunk.

use std::fmt::Write as _;

use super::error::Span;
use super::jsonpath::JsonPath;
use super::token::BinOp;

/// `$foreach.*` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopField {
    /// 0-based index.
    Index,
    /// 1-based count (also `$velocityCount`).
    Count,
    /// More items follow (also `$velocityHasNext`).
    HasNext,
    /// First iteration.
    First,
    /// Last iteration.
    Last,
}

/// `$util` functions (mapping.md §4.2); anything else renders empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UtilFn {
    /// `escapeJavaScript`
    EscapeJavaScript,
    /// `parseJson`
    ParseJson,
    /// `urlEncode`
    UrlEncode,
    /// `urlDecode`
    UrlDecode,
    /// `base64Encode`
    Base64Encode,
    /// `base64Decode`
    Base64Decode,
    /// Not an API Gateway `$util` function: evaluates its arguments, yields null.
    Unknown,
}

impl UtilFn {
    /// By method name.
    pub fn from_name(name: &str) -> UtilFn {
        match name {
            "escapeJavaScript" => UtilFn::EscapeJavaScript,
            "parseJson" => UtilFn::ParseJson,
            "urlEncode" => UtilFn::UrlEncode,
            "urlDecode" => UtilFn::UrlDecode,
            "base64Encode" => UtilFn::Base64Encode,
            "base64Decode" => UtilFn::Base64Decode,
            _ => UtilFn::Unknown,
        }
    }
}

/// `$context` leaves resolved at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CtxLeaf {
    /// A top-level string field (index into the field-name table).
    Field(u32),
    /// `requestTimeEpoch`
    Epoch,
    /// `identity.<name>` (name index).
    Identity(u32),
    /// `authorizer.principalId`
    Principal,
    /// `authorizer.<name>`
    Authorizer(u32),
    /// `authorizer.claims.<name>`
    Claim(u32),
    /// `error.<name>`
    Error(u32),
}

/// One VM instruction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Instr {
    /// Emit a literal text run (index into the text table).
    Text(u32),
    /// Emit string constant.
    TextConst(u32),
    /// Pop and render (null renders nothing).
    Emit,
    /// Render a variable (`Load` + `Emit`).
    EmitLoad(u16),
    /// Render `$var.name` (`LoadProp` + `Emit`).
    EmitLoadProp(u16, u32),
    /// Render a `$foreach` field (`LoopProp` + `Emit`).
    EmitLoopProp { up: u8, field: LoopField },
    /// Jump when a `$foreach` field is falsy (`LoopProp` + `JumpIfFalse`).
    LoopJumpIfFalse {
        up: u8,
        field: LoopField,
        target: u32,
    },
    /// Push constant.
    Const(u32),
    /// Push null.
    Null,
    /// Push variable.
    Load(u16),
    /// Push variable, first turning a JSON container into an owned one (assignment target).
    LoadMut(u16),
    /// Pop into variable (a null value leaves the variable unchanged, Velocity 1.7).
    Store(u16),
    /// Discard top.
    Pop,
    /// Pop object, push `.name` (name index).
    Prop(u32),
    /// Push `$var.name`: `Load` then `Prop` in one step (slot, name index).
    LoadProp(u16, u32),
    /// Like `Prop`, materialising a JSON child in place (assignment target).
    PropMut(u32),
    /// Stack: receiver, args... -> result. (name index, argc)
    Call(u32, u8),
    /// Stack: object, index -> element.
    Index,
    /// Like `Index`, for assignment targets.
    IndexMut,
    /// Stack: object, value -> (object.name = value).
    SetProp(u32),
    /// Stack: object, key, value -> (`object[key] = value`).
    SetIndex,
    /// Binary arithmetic/comparison.
    Bin(BinOp),
    /// Logical not.
    Not,
    /// Numeric negation.
    Neg,
    /// `&&`: if top is falsy, replace with false and jump; else pop.
    AndJump(u32),
    /// `||`: if top is truthy, replace with true and jump; else pop.
    OrJump(u32),
    /// Replace top with its truthiness.
    ToBool,
    /// Pop; jump when falsy.
    JumpIfFalse(u32),
    /// Jump.
    Jump(u32),
    /// Pop n values, push a list.
    MakeList(u32),
    /// Pop 2n values (k, v, ...), push a map.
    MakeMap(u32),
    /// Pop hi, lo; push the inclusive range as a list.
    MakeRange,
    /// Run chunk into a fresh string, push it.
    Interp(u32),
    /// Pop iterable; start loop over `var`; jump to `exit` when empty.
    ForInit { var: u16, exit: u32 },
    /// Next iteration: jump to `body` or finish the loop.
    ForNext { body: u32 },
    /// Leave the innermost loop, continue at `exit`.
    Break { exit: u32 },
    /// Stop rendering (output so far is kept).
    Stop,
    /// End of chunk.
    Return,
    /// Push `$foreach` field, `up` levels out.
    LoopProp { up: u8, field: LoopField },
    /// Call macro (index into the macro table) with argc args on the stack.
    CallMacro { idx: u32, argc: u8 },
    /// Bind a `#define` block to a variable.
    Define { slot: u16, chunk: u32 },
    /// `$input.body`
    InputBody,
    /// `$input.json(<compiled path>)`
    InputJson(u32),
    /// Emit `$input.json(<compiled path>)` straight into the output.
    EmitInputJson(u32),
    /// `$input.path(<compiled path>)`
    InputPath(u32),
    /// `$input.json(<popped string>)`
    InputJsonDyn,
    /// `$input.path(<popped string>)`
    InputPathDyn,
    /// `$input.params('<const>')`
    InputParam(u32),
    /// `$input.params(<popped>)`
    InputParamDyn,
    /// `$input.params()`
    InputParams,
    /// `$input` as a value.
    InputObj,
    /// `$util` as a value.
    UtilObj,
    /// `$util.fn(args)` with argc args on the stack.
    Util(UtilFn, u8),
    /// Emit `$util.fn(arg)` straight into the output.
    EmitUtil(UtilFn),
    /// `$context` leaf.
    Ctx(CtxLeaf),
    /// Render a `$context` leaf (`Ctx` + `Emit`).
    EmitCtx(CtxLeaf),
    /// `$context` as a map.
    CtxObj,
    /// `$context.requestOverride`
    ReqOverride,
    /// `$context.responseOverride`
    RespOverride,
    /// `$stageVariables.<name>`
    StageVar(u32),
    /// `$stageVariables` as a map.
    StageVars,
}

/// A macro: its chunk and parameter slots.
#[derive(Debug, Clone, PartialEq)]
pub struct MacroDef {
    /// Macro name.
    pub name: String,
    /// Chunk with the body.
    pub chunk: u32,
    /// Variable slots of the parameters.
    pub params: Vec<u16>,
}

/// A constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    /// String.
    Str(Box<str>),
    /// Integer.
    Int(i128),
    /// Decimal.
    Double(f64),
    /// Boolean.
    Bool(bool),
}

/// A sequence of instructions with the source span of each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chunk {
    /// Instructions.
    pub code: Vec<Instr>,
    /// Span per instruction (for render-time errors).
    pub spans: Vec<Span>,
}

/// What a template reads, so the gateway can skip work (mapping.md: parse only if needed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Uses {
    /// `$input.json` / `$input.path` (or `$input` used generically): body parsed as JSON.
    pub body_json: bool,
    /// `$input.body`.
    pub body_raw: bool,
    /// `$input.params`.
    pub params: bool,
    /// `$context` (any).
    pub context: bool,
    /// `$context.requestOverride` / `responseOverride` (or `$context` generically).
    pub overrides: bool,
    /// `$stageVariables`.
    pub stage_variables: bool,
    /// `$util`.
    pub util: bool,
}

/// A compiled template program.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Program {
    /// Chunk 0 = template body.
    pub chunks: Vec<Chunk>,
    /// Constants.
    pub consts: Vec<Const>,
    /// Literal text runs of the template.
    pub texts: Vec<Box<str>>,
    /// Property / method / key names.
    pub names: Vec<Box<str>>,
    /// Precompiled JSONPath literals.
    pub paths: Vec<JsonPath>,
    /// Macros.
    pub macros: Vec<MacroDef>,
    /// Variable names by slot.
    pub slots: Vec<String>,
    /// What the template reads.
    pub uses: Uses,
}

impl Program {
    /// One line per instruction, chunk by chunk (golden-test format).
    pub fn dump(&self) -> String {
        let mut out = String::new();
        for (ci, c) in self.chunks.iter().enumerate() {
            let _ = writeln!(out, "chunk {ci}:");
            for (pc, i) in c.code.iter().enumerate() {
                let detail = match *i {
                    Instr::Text(k) => format!("{i:?} ; {:?}", self.texts[k as usize]),
                    Instr::Const(k) | Instr::TextConst(k) | Instr::InputParam(k) => {
                        format!("{i:?} ; {:?}", self.consts[k as usize])
                    }
                    Instr::Prop(n)
                    | Instr::PropMut(n)
                    | Instr::Call(n, _)
                    | Instr::SetProp(n)
                    | Instr::StageVar(n) => format!("{i:?} ; {}", self.names[n as usize]),
                    Instr::Load(s) | Instr::LoadMut(s) | Instr::Store(s) | Instr::EmitLoad(s) => {
                        format!("{i:?} ; ${}", self.slots[s as usize])
                    }
                    Instr::LoadProp(s, n) | Instr::EmitLoadProp(s, n) => {
                        format!(
                            "{i:?} ; ${}.{}",
                            self.slots[s as usize], self.names[n as usize]
                        )
                    }
                    Instr::InputJson(p) | Instr::InputPath(p) | Instr::EmitInputJson(p) => {
                        format!("{i:?} ; {}", self.paths[p as usize].source())
                    }
                    Instr::Ctx(
                        CtxLeaf::Field(n)
                        | CtxLeaf::Identity(n)
                        | CtxLeaf::Authorizer(n)
                        | CtxLeaf::Claim(n)
                        | CtxLeaf::Error(n),
                    )
                    | Instr::EmitCtx(
                        CtxLeaf::Field(n)
                        | CtxLeaf::Identity(n)
                        | CtxLeaf::Authorizer(n)
                        | CtxLeaf::Claim(n)
                        | CtxLeaf::Error(n),
                    ) => format!("{i:?} ; {}", self.names[n as usize]),
                    _ => format!("{i:?}"),
                };
                let _ = writeln!(out, "  {pc:3} {detail}");
            }
        }
        out
    }
}
