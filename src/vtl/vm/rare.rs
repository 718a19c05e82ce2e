//! The VM's rarely used instructions (`#set` of an index, ranges, macro calls), kept out of
//! line so the dispatch loop in [`super`] stays small.

use super::{thrown, Flow, VResult, Vm};
use crate::vtl::error::{ErrorKind, RawError, Span};
use crate::vtl::instr::Program;
use crate::vtl::methods;
use crate::vtl::value::Value;

impl<'a, 'o> Vm<'a, 'o> {
    /// `[lo..hi]`: the integers from the two popped bounds, counting down when `lo > hi`; null
    /// unless both are numbers (see [`range_bound`]).
    #[inline(never)]
    pub(super) fn make_range(&mut self, span: Span) -> VResult<Value<'a>> {
        let hi = self.pop();
        let lo = self.pop();
        Ok(match (range_bound(&lo), range_bound(&hi)) {
            (Some(a), Some(b)) => {
                let n = (a - b).unsigned_abs();
                if n >= self.limits.max_value_size as u128 {
                    return Err(RawError::new(
                        ErrorKind::ValueTooLarge(self.limits.max_value_size),
                        span,
                    ));
                }
                let items: Vec<Value<'a>> = if a <= b {
                    (a..=b).map(Value::Int).collect()
                } else {
                    (b..=a).rev().map(Value::Int).collect()
                };
                Value::list(items)
            }
            _ => Value::Null,
        })
    }

    /// Calls macro `idx` with the top `argc` stack values as its parameters, saving and
    /// restoring the caller's values of those slots.
    #[inline(never)]
    pub(super) fn call_macro(&mut self, idx: u32, argc: u8, span: Span) -> VResult<Flow> {
        let prog: &'a Program = self.prog;
        let at = self.stack.len().saturating_sub(argc as usize);
        let args = self.stack.split_off(at);
        let def = &prog.macros[idx as usize];
        self.enter(span)?;
        let saved: Vec<Value<'a>> = def
            .params
            .iter()
            .map(|s| self.vars[*s as usize].clone())
            .collect();
        for (i, s) in def.params.iter().enumerate() {
            self.vars[*s as usize] = args.get(i).cloned().unwrap_or(Value::Null);
        }
        // The caller's loops stay visible (`$foreach` in a macro called from a `#foreach` is
        // that loop's, as in Velocity 1.7); the macro's own loops end with it.
        let loops = self.loops.len();
        let f = self.exec(def.chunk);
        self.loops.truncate(loops);
        for (s, v) in def.params.iter().zip(saved) {
            self.vars[*s as usize] = v;
        }
        self.depth -= 1;
        f
    }

    /// `#set($obj[key] = v)`: a map entry or an existing list element (a negative index counts
    /// from the end); a null value sets nothing, as in Velocity.
    #[inline(never)]
    pub(super) fn set_index(&mut self, span: Span) -> VResult<()> {
        let v = self.pop();
        let key = self.pop();
        let obj = self.pop();
        if v.is_null() {
            return Ok(());
        }
        match obj {
            Value::Map(m) => {
                m.borrow_mut().put(key, v);
            }
            // Only an integer index sets a list element (no `set(String, _)` in Java).
            Value::List(l) if matches!(key, Value::Int(_)) => {
                let mut l = l.borrow_mut();
                let len = l.items.len();
                let slot = key
                    .as_int()
                    .and_then(|i| usize::try_from(methods::from_end(i, len)).ok())
                    .and_then(|i| l.items.get_mut(i))
                    .ok_or_else(|| {
                        thrown(format!("IndexOutOfBoundsException: Size: {len}"), span)
                    })?;
                *slot = v;
            }
            _ => {}
        }
        Ok(())
    }
}

/// A range bound as Velocity 1.7 takes it: a number's `intValue()` (2.7 is 2); anything else,
/// a numeric string included, makes the range null.
fn range_bound(v: &Value<'_>) -> Option<i128> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Double(d) => Some(*d as i32 as i128),
        _ => None,
    }
}
