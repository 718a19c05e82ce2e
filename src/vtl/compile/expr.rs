//! Expressions: literals, references, operators, and conditions with Velocity 1.7's node-kind
//! truthiness, compiled to stack instructions.

use super::{CResult, Compiler};
use crate::vtl::ast::{Expr, ExprKind};
use crate::vtl::instr::{Const, Instr};
use crate::vtl::token::BinOp;

impl Compiler<'_> {
    /// An expression used as a condition (`#if`, `#elseif`, the operands of `!`, `&&`, `||`).
    /// Velocity 1.7 asks the expression's node whether it is true: references, `true`/`false`,
    /// comparisons and logic answer from their value; every other node (string, number, list,
    /// map and range literals, arithmetic) answers false without being evaluated, so
    /// `#if("$x")`, `#if(1)` and `#if($n + 1)` are false. Checked on Velocity 1.7's engine.
    pub(super) fn cond(&mut self, e: &Expr) -> CResult {
        match &e.kind {
            ExprKind::Bool(_) | ExprKind::Ref(_) | ExprKind::Not(_) => self.expr(e),
            ExprKind::Binary(op, ..) if !is_arithmetic(*op) => self.expr(e),
            _ => {
                let k = self.constant(Const::Bool(false));
                self.emit(Instr::Const(k), e.span);
                Ok(())
            }
        }
    }

    pub(super) fn expr(&mut self, e: &Expr) -> CResult {
        match &e.kind {
            ExprKind::Bool(b) => {
                let k = self.constant(Const::Bool(*b));
                self.emit(Instr::Const(k), e.span);
            }
            ExprKind::Int(i) => {
                let k = self.constant(Const::Int(*i));
                self.emit(Instr::Const(k), e.span);
            }
            ExprKind::Float(f) => {
                let k = self.constant(Const::Double(*f));
                self.emit(Instr::Const(k), e.span);
            }
            ExprKind::Str(s) => {
                let k = self.str_const(s);
                self.emit(Instr::Const(k), e.span);
            }
            ExprKind::Interp(block) => {
                let chunk = self.new_chunk();
                self.in_chunk(chunk, |c| c.block(block))?;
                self.emit(Instr::Interp(chunk), e.span);
            }
            ExprKind::List(items) => {
                for x in items {
                    self.expr(x)?;
                }
                self.emit(Instr::MakeList(items.len() as u32), e.span);
            }
            ExprKind::Range(a, b) => {
                self.expr(a)?;
                self.expr(b)?;
                self.emit(Instr::MakeRange, e.span);
            }
            ExprKind::Map(kv) => {
                for (k, v) in kv {
                    self.expr(k)?;
                    self.expr(v)?;
                }
                self.emit(Instr::MakeMap(kv.len() as u32), e.span);
            }
            ExprKind::Ref(r) => self.reference(r, false)?,
            ExprKind::Not(x) => {
                self.cond(x)?;
                self.emit(Instr::Not, e.span);
            }
            ExprKind::Neg(x) => {
                self.expr(x)?;
                self.emit(Instr::Neg, e.span);
            }
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                self.cond(a)?;
                let j = self.emit(
                    if *op == BinOp::And {
                        Instr::AndJump(0)
                    } else {
                        Instr::OrJump(0)
                    },
                    e.span,
                );
                self.cond(b)?;
                self.emit(Instr::ToBool, e.span);
                let end = self.pc();
                self.patch(j, end);
            }
            ExprKind::Binary(op, a, b) => {
                self.expr(a)?;
                self.expr(b)?;
                self.emit(Instr::Bin(*op), e.span);
            }
        }
        Ok(())
    }
}

/// Whether `op` is arithmetic (`+ - * / %`) rather than a comparison or logic.
fn is_arithmetic(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod
    )
}
