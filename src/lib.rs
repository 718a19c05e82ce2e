//! apigate: Amazon API Gateway's behaviour in front of AWS Lambda functions.

pub mod vtl;
