//! Integration response selection (mapping.md §6.1).
//!
//! The selection input is the function error's `errorMessage`; a successful result has no
//! message and is matched as `""` (so `.*` selects it over the default, `.+` does not); a MOCK
//! integration's status code is matched as its decimal text. Patterns are Java regexes matched
//! against the whole input. Responses are kept in selection order at config load (patterns by
//! ascending status code, then the default), so the first match is the spec's choice when several
//! patterns match: the smallest status code.

use super::invoke::IntegrationOutcome;
use crate::config::model::{CustomIntegration, IntegrationResponse};

/// The text selection patterns are matched against.
pub fn selection_input(outcome: &IntegrationOutcome) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    match outcome {
        IntegrationOutcome::Result(_) => Cow::Borrowed(""),
        IntegrationOutcome::FunctionError { message, .. } => {
            Cow::Borrowed(message.as_deref().unwrap_or(""))
        }
        IntegrationOutcome::Mock { status } => Cow::Owned(status.to_string()),
    }
}

/// The integration response for `outcome`: the first pattern that matches the whole input,
/// else the default response, else `None` (API Gateway answers 500).
pub fn select<'a>(
    integ: &'a CustomIntegration,
    outcome: &IntegrationOutcome,
) -> Option<&'a IntegrationResponse> {
    select_by_input(integ, &selection_input(outcome))
}

/// [`select`] on an already computed selection input.
pub fn select_by_input<'a>(
    integ: &'a CustomIntegration,
    input: &str,
) -> Option<&'a IntegrationResponse> {
    let matched = integ.responses.iter().find(|r| {
        r.pattern.as_ref().is_some_and(|p| {
            // A pattern the engine cannot evaluate (backtracking limit) does not match.
            p.full_match(input).unwrap_or(false)
        })
    });
    matched.or_else(|| integ.default_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::integration::custom::test_support::{custom, lambda_backend, response};
    use bytes::Bytes;

    fn integ(responses: &[(&str, u16)]) -> CustomIntegration {
        let mut i = custom(lambda_backend(), &[]);
        i.responses = responses.iter().map(|(p, s)| response(p, *s)).collect();
        crate::config::compile_custom::order_responses(&mut i.responses);
        i
    }

    fn error(msg: &str) -> IntegrationOutcome {
        IntegrationOutcome::FunctionError {
            payload: Bytes::new(),
            message: Some(msg.to_string()),
        }
    }

    #[test]
    fn aws_recorded_selection_patterns() {
        let i = integ(&[
            ("", 200),
            (".*four hundred.*", 405),
            (".+", 502),
            ("200", 504),
        ]);
        let status = |o: &IntegrationOutcome| select(&i, o).map(|r| r.status);
        assert_eq!(
            status(&IntegrationOutcome::Result(Bytes::from_static(b"\"Pass\""))),
            Some(200)
        );
        assert_eq!(
            status(&error(
                "Error: Raising four hundred from within the Lambda function"
            )),
            Some(405)
        );
        assert_eq!(
            status(&error(
                "Error: Raising five hundred from within the Lambda function"
            )),
            Some(502)
        );
        // Full match: a fragment alone does not match.
        assert_eq!(status(&error("x 200 y")), Some(502));
    }

    #[test]
    fn dot_star_overrides_the_default_for_results() {
        let i = integ(&[("default", 200), (".*", 400)]);
        assert_eq!(
            select(&i, &IntegrationOutcome::Result(Bytes::new()))
                .unwrap()
                .status,
            400
        );
    }

    #[test]
    fn no_match_and_no_default_is_none() {
        let i = integ(&[("Invalid.*", 400)]);
        assert!(select(&i, &error("Malformed input ...")).is_none());
        assert_eq!(select(&i, &error("Invalid x")).unwrap().status, 400);
    }

    #[test]
    fn dot_does_not_match_line_terminators() {
        let i = integ(&[("default", 200), ("a.*", 400)]);
        assert_eq!(select(&i, &error("a\nb")).unwrap().status, 200);
        assert_eq!(select(&i, &error("a b")).unwrap().status, 400);
    }

    #[test]
    fn mock_status_is_matched_as_text() {
        let i = integ(&[("default", 200), ("4\\d\\d", 404)]);
        assert_eq!(
            select(&i, &IntegrationOutcome::Mock { status: 404 })
                .unwrap()
                .status,
            404
        );
        assert_eq!(
            select(&i, &IntegrationOutcome::Mock { status: 200 })
                .unwrap()
                .status,
            200
        );
    }
}
