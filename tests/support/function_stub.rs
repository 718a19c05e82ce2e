//! [`FunctionStub`]: one [`StubLambda`] serving several named functions on the Invoke API path
//! `/2015-03-31/functions/{name}/invocations`, each with its own programmable reply and its own
//! record of calls, so a test can tell "integration called" from "authorizer called".

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::stub_lambda::{Received, Reply, StubLambda};

/// The string a conformance case puts where the function echoes the event it received.
pub const ECHO_MARKER: &str = "<echo of event>";

/// What a named function answers.
#[derive(Debug, Clone)]
pub enum Program {
    /// This reply, as is.
    Reply(Reply),
    /// This JSON result, with every string equal to [`ECHO_MARKER`] replaced by the event text.
    Echo(Value),
}

/// The stub and each function's program.
pub struct FunctionStub {
    stub: StubLambda,
    programs: Arc<Mutex<HashMap<String, Program>>>,
}

/// The function name in an Invoke API path.
pub fn function_name(path: &str) -> Option<&str> {
    path.strip_prefix("/2015-03-31/functions/")?
        .strip_suffix("/invocations")
}

fn echo(template: &Value, event: &str) -> Value {
    match template {
        Value::String(s) if s == ECHO_MARKER => Value::String(event.to_string()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), echo(v, event))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| echo(v, event)).collect()),
        other => other.clone(),
    }
}

impl FunctionStub {
    /// A stub on `127.0.0.1:0`; unprogrammed functions answer Lambda's 404.
    pub async fn start() -> FunctionStub {
        let programs: Arc<Mutex<HashMap<String, Program>>> = Arc::default();
        let seen = programs.clone();
        let stub = StubLambda::with_handler(move |req: &Received| {
            let name = function_name(req.path()).unwrap_or_default().to_string();
            let program = seen.lock().unwrap().get(&name).cloned();
            match program {
                Some(Program::Reply(r)) => r,
                Some(Program::Echo(template)) => {
                    Reply::json(&echo(&template, &String::from_utf8_lossy(&req.body)))
                }
                None => Reply::service_error(
                    404,
                    "ResourceNotFoundException",
                    &format!("Function not found: {name}"),
                ),
            }
        })
        .await;
        FunctionStub { stub, programs }
    }

    /// Sets what `name` answers from now on.
    pub fn set(&self, name: &str, program: Program) {
        self.programs
            .lock()
            .unwrap()
            .insert(name.to_string(), program);
    }

    /// The Invoke API URL of `name`.
    pub fn invoke_url(&self, name: &str) -> String {
        self.stub.invoke_url(name)
    }

    /// Every call `name` received, in order.
    pub fn calls(&self, name: &str) -> Vec<Received> {
        self.stub
            .requests()
            .into_iter()
            .filter(|r| function_name(r.path()) == Some(name))
            .collect()
    }

    /// The underlying stub.
    pub fn stub(&self) -> &StubLambda {
        &self.stub
    }
}
