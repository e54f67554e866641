//! Tests of the public API: real client filters, errors, hostile input.

use serde_json::{Value, json};

use super::{Filter, FilterError};

fn node(name: &str, state: &str) -> Value {
    json!({
        "Name": name,
        "ClusterName": "c1",
        "State": state,
        "Status": if state == "Started" { "Ready" } else { "Off" },
        "NodeId": format!("id-{name}"),
        "InstanceId": format!("i-{name}"),
        "RequestId": "r1",
        "Hostname": format!("{name}-host"),
        "CoreCount": 8,
        "Configuration": {"slurm": {"role": if name == "scheduler" { "scheduler" } else { "execute" }}},
    })
}

/// Asserts whether `filter` matches `record`.
fn matches(filter: &str, record: &Value, expected: bool) {
    let parsed = Filter::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    assert_eq!(parsed.matches(record), expected, "{filter} on {record}");
}

/// Asserts the whole Display string of the error for `filter`.
fn rejects(filter: &str, expected: &str) {
    match Filter::parse(filter) {
        Ok(f) => panic!("{filter}: parsed as {f:?}"),
        Err(e) => assert_eq!(e.to_string(), expected),
    }
}

#[test]
fn real_client_filters() {
    let started = node("hpc-1", "Started");
    let terminated = node("hpc-2", "Terminated");
    let mut fresh = node("hpc-2", "x");
    if let Some(map) = fresh.as_object_mut() {
        map.remove("State");
    }
    let slurm = r#"ClusterName == "c1" && Name in {"hpc-1","hpc-2"} && (State=="Terminated" || State is undefined)"#;

    matches(r#"State === "Started""#, &started, true);
    matches(r#"State === "Started""#, &terminated, false);
    matches(r#"State === "started""#, &started, false);
    matches(slurm, &started, false);
    matches(slurm, &terminated, true);
    matches(slurm, &fresh, true);
    matches(slurm, &node("hpc-3", "Terminated"), false);
    matches(
        r#"(ClusterName==="c1"&&InstanceId==="i-hpc-1")"#,
        &started,
        true,
    );
    matches(
        r#"(ClusterName==="c1"&&InstanceId==="i-123")"#,
        &started,
        false,
    );
    matches(r#"NodeId in {"id-hpc-1","id2"}"#, &started, true);
    matches(r#"NodeId in {"id1","id2"}"#, &started, false);
    matches(r#"RequestId in {"r1","r2"}"#, &started, true);
    matches(r#"HostName in {"h1","hpc-1-host"}"#, &started, true);
    matches("Abstract =!= true", &started, true);
    matches("Abstract =!= true", &json!({"Abstract": true}), false);
    matches(
        r#"Configuration.slurm.role === "scheduler""#,
        &node("scheduler", "Started"),
        true,
    );
    matches(
        r#"Configuration.slurm.role === "scheduler""#,
        &started,
        false,
    );
    matches(r#"!(Status == "Ready")"#, &started, false);
    matches(r#"!(Status == "Ready")"#, &terminated, true);
    matches(r#"!(Status == "Ready")"#, &json!({}), false);
    matches("CoreCount >= 4 && CoreCount < 16", &started, true);
    matches(
        "CoreCount >= 4 && CoreCount < 16",
        &json!({"CoreCount": 16}),
        false,
    );
    matches(
        "CoreCount >= 4 && CoreCount < 16",
        &json!({"CoreCount": 4.5}),
        true,
    );
}

#[test]
fn only_true_matches() {
    let record = json!({"A": 1});
    matches("true", &record, true);
    matches("false", &record, false);
    matches("undefined", &record, false);
    matches("Nope == 1", &record, false);
    matches(r#"A < "x""#, &record, false);
    matches("A", &record, false);
    matches("A", &json!("not an object"), false);
}

#[test]
fn from_str_and_error_fields() {
    let parsed: Result<Filter, FilterError> = "a ==".parse();
    assert_eq!(
        parsed.err(),
        Some(FilterError {
            column: 5,
            message: "expected a value, found end of input".to_owned()
        })
    );
    assert!("a == 1".parse::<Filter>().is_ok());
}

#[test]
fn errors() {
    rejects(
        "",
        "invalid filter at column 1: expected a value, found end of input",
    );
    rejects(
        "State ==",
        "invalid filter at column 9: expected a value, found end of input",
    );
    rejects(
        r#"State === "Started"#,
        "invalid filter at column 19: expected `\"` closing the string at column 11, found end of input",
    );
    rejects(
        r#"Name == "a\xb""#,
        r#"invalid filter at column 11: expected an escape sequence (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` or `\uXXXX`), found `\x`"#,
    );
    rejects(
        "State ~ 1",
        "invalid filter at column 7: expected a value, operator or bracket, found `~`",
    );
    rejects(
        "(State == 1",
        "invalid filter at column 12: expected `)` closing the `(` at column 1, found end of input",
    );
    rejects(
        "State == 1)",
        "invalid filter at column 11: expected an operator or end of input, found `)`",
    );
    rejects(
        r#"Name in {"a", "b""#,
        "invalid filter at column 18: expected `,` or `}` closing the list at column 9, found end of input",
    );
    rejects(
        "Name in }",
        "invalid filter at column 9: expected a value, found `}`",
    );
    rejects(
        "&& a",
        "invalid filter at column 1: expected a value, found `&&`",
    );
    rejects(
        "a && && b",
        "invalid filter at column 6: expected a value, found `&&`",
    );
    rejects(
        "Name == \"hpc-1\" State == \"x\"",
        "invalid filter at column 17: expected an operator or end of input, found `State`",
    );
    // Columns count characters, not bytes.
    rejects(
        "Name == \"héllo\" )",
        "invalid filter at column 17: expected an operator or end of input, found `)`",
    );
}

#[test]
fn pathological_nesting_is_an_error_not_a_crash() {
    for unit in ["(", "!", "-", "{", "[a = ", "!(", "a in {"] {
        let src = unit.repeat(10_000);
        let err = Filter::parse(&src).err();
        assert!(
            err.as_ref().is_some_and(|e| e
                .message
                .starts_with("expected at most 128 levels of nesting")),
            "{unit}: {err:?}"
        );
    }
    // A long flat chain is fine to parse, evaluate and drop.
    let src = vec![r#"Name == "x""#; 20_000].join(" || ");
    matches(&src, &json!({"Name": "x"}), true);
    matches(&src, &json!({"Name": "y"}), false);
}

/// A tiny deterministic generator, so the fuzz test needs no dependency.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap_or(0) % n
    }
}

#[test]
fn arbitrary_input_never_panics() {
    let seeds = [
        r#"ClusterName == "c1" && Name in {"hpc-1","hpc-2"} && (State=="Terminated" || State is undefined)"#,
        r#"Configuration.slurm.role === [a = 1; b = {-2.5e3, "\u00e9"}] || !(x =?= y) && a / b * c - -d"#,
    ];
    let alphabet: Vec<char> = r#" ()[]{}.,;=!?<>&|+-*/"\eu0123456789aZ_é"#.chars().collect();
    let record = node("hpc-1", "Terminated");
    let mut rng = Lcg(42);
    for seed in seeds {
        let chars: Vec<char> = seed.chars().collect();
        // Every prefix.
        for end in 0..=chars.len() {
            let src: String = chars[..end].iter().collect();
            if let Ok(f) = Filter::parse(&src) {
                let _ = f.matches(&record);
            }
        }
        // Random single-character mutations, insertions and deletions.
        for _ in 0..3_000 {
            let mut mutated = chars.clone();
            for _ in 0..=rng.below(3) {
                let at = rng.below(mutated.len() + 1);
                let c = alphabet[rng.below(alphabet.len())];
                match rng.below(3) {
                    0 if at < mutated.len() => mutated[at] = c,
                    1 if at < mutated.len() => {
                        mutated.remove(at);
                    }
                    _ => mutated.insert(at, c),
                }
            }
            let src: String = mutated.iter().collect();
            match Filter::parse(&src) {
                Ok(f) => {
                    let _ = f.matches(&record);
                }
                Err(e) => assert!(e.column >= 1 && e.column <= mutated.len() + 1, "{src}: {e}"),
            }
        }
    }
}
