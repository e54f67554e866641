//! CycleCloud cluster templates: the INI-like `.txt` files that `cyclecloud import_cluster`
//! and `POST /cloud/api/import_cluster/{name}` turn into clusters.
//!
//! A template is parsed into sections, one [`ClusterDef`] is built from the chosen
//! `[cluster NAME]` section, and the emulator loads it exactly like a TOML definition
//! (same validation, same [`Emulator::load`]), so an imported cluster behaves like any other.
//!
//! # The supported subset
//!
//! **Lines.** `Key = Value` or `Key := Value` (both assign; indentation and spacing are free),
//! `# comments` on their own line or after a value (a `#` preceded by whitespace, outside
//! quotes), blank lines, and section headers. Keys and section kinds are case-insensitive,
//! like CycleCloud's. Any other line is an error that names the line.
//!
//! **Sections.** The number of brackets is the rank; a section must sit directly below one of
//! the rank above it.
//!
//! * `[cluster NAME]`: `MaxCount` and `MaxCoreCount` become the cluster limits; every other
//!   cluster attribute (`Autoscale`, `FormLayout`, `Category`, `IconUrl`, `Abstract`,
//!   `Extends`, …) is ignored.
//! * `[[node NAME]]` (a standalone node) and `[[nodearray NAME]]` inside a cluster.
//!   `[[node defaults]]` is never instantiated: every other node and node array inherits its
//!   attributes and configuration. `Extends = a, b` inherits from other nodes or arrays of the
//!   same cluster (later names win, `defaults` always comes first, the section's own values
//!   win over everything); `Abstract = true` keeps a node or array out of the cluster (it
//!   is only there to be extended) and is itself not inherited.
//! * `[[[configuration]]]` and `[[[configuration some.prefix]]]` inside a node or array:
//!   dotted keys become nested objects of the node's `Configuration`
//!   (`slurm.partition = hpc` under `[[[configuration]]]` is `{"slurm": {"partition": "hpc"}}`);
//!   any number of such sections are merged.
//! * Every other subsection of a node or array (`[[[cluster-init …]]]`, `[[[volume …]]]`,
//!   `[[[network-interface …]]]`, `[[[input-endpoint …]]]`, …) is ignored with its content.
//! * `[parameters …]` / `[[parameters …]]` (at any rank) and `[parameter NAME]` (at any rank,
//!   inside a cluster or a parameters section, or at the top): only each parameter's
//!   `DefaultValue` is read; labels, widgets, conditions and deeper sections
//!   (`[[[[list Config.Entries]]]]`) are ignored. `[environment …]` and `[noderef …]` are
//!   ignored.
//!
//! **Values.** `true`/`false` (any case), integers, decimals, `"double-quoted"` (with `\"` and
//! `\\` escapes) and `'single-quoted'` strings, `'''triple-quoted'''` (or `"""`) strings that
//! may span lines, and comma-separated lists (`Standard_F2s_v2, Standard_F4s_v2`), whose
//! elements follow the same rules. Anything else is a string.
//!
//! * `$Name` and `${Name}` are replaced by the parameter's value: the `parameters` JSON object
//!   of the request first (a JSON list stays a list, so `MachineType = $Types` with
//!   `{"Types": ["Standard_F4s_v2"]}` gives one bucket), then the parameter's `DefaultValue`,
//!   then `ClusterName` (the name the cluster is imported under). A parameter with no value is
//!   *undefined*, and so are the bare word `undefined` and `=undefined`: an undefined
//!   attribute is left out, and cancels one inherited from `defaults` or `Extends`.
//! * `${Name}` inside a longer string (`${ClusterName}-scheduler`) is replaced when `Name` has a
//!   plain value.
//! * Any other expression (`${ifThenElse(…)}`, `${A && !B}`, `=expr`, `{[…]}` records) is not
//!   evaluated: the raw text is kept as a string value, and if it is given to one of the
//!   typed attributes below, that attribute keeps its default.
//!
//! **Mapping.** For a node array: `MachineType` (one bucket per machine type) → machine
//! types, `MaxCount`, `MaxCoreCount`, `Azure.MaxScalesetSize`, `Interruptible`, `Region`,
//! `SubnetId`, `ShutdownPolicy` (`Terminate` or `Deallocate`, any case), `KeepAlive`,
//! `PlacementGroupId`, `Priority`, `ThrottleCapacity` and `ThrottleCapacityTime` (`5m`, `30s`,
//! `` `1h` ``, or seconds) map to the emulator's fields. For a standalone node:
//! `MachineType` (the first, if a list), `Region`, `SubnetId`, `ShutdownPolicy` and
//! `KeepAlive`. Every other attribute (`Credentials`, `ImageName`, `IsReturnProxy`,
//! `InitialCount`, `Azure.Identities`, …) is kept, with its spelling, as a node attribute and
//! shows in the node records; `InitialCount` starts nothing.
//!
//! **State.** CycleCloud imports clusters switched off, so an imported cluster has never
//! been started (no `state`), and its standalone nodes are `Off`;
//! `POST /cloud/actions/startcluster/{name}` starts them. Re-importing with `force` keeps the
//! cluster's state and the nodes whose array or standalone node still exists.
//!
//! Machine types must be built-in or custom types already loaded; anything else is refused
//! with the name and the line.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde_json::{Map, Value, json};

use crate::definition::{ClusterDef, CustomMachineType, Definition, MAX_LIMIT};
use crate::error::ApiError;
use crate::state::Emulator;

/// How deep `DefaultValue`s may refer to other parameters before it is taken for a loop.
const MAX_PARAMETER_DEPTH: usize = 32;

/// How long a chain of `Extends` may be (a guard against runaway recursion).
const MAX_EXTENDS_DEPTH: usize = 64;

/// A problem with a template, with the (1-based) line it was found on when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    /// Line of the template text.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl TemplateError {
    fn at(line: usize, message: impl Into<String>) -> Self {
        TemplateError {
            line: Some(line),
            message: message.into(),
        }
    }

    fn general(message: impl Into<String>) -> Self {
        TemplateError {
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(n) => write!(f, "cluster template line {n}: {}", self.message),
            None => write!(f, "cluster template: {}", self.message),
        }
    }
}

impl std::error::Error for TemplateError {}

// ---- parsed text ------------------------------------------------------------------------

/// One `Key = Value` line (or a triple-quoted value spanning several).
#[derive(Debug, Clone)]
struct Attr {
    key: String,
    raw: String,
    /// A triple-quoted string: taken as is, never interpreted.
    literal: bool,
    line: usize,
}

#[derive(Debug, Clone)]
struct NodeSection {
    name: String,
    array: bool,
    line: usize,
    attrs: Vec<Attr>,
    /// Configuration settings: the section prefix and the attribute.
    config: Vec<(Vec<String>, Attr)>,
}

#[derive(Debug, Clone)]
struct ClusterSection {
    name: String,
    line: usize,
    attrs: Vec<Attr>,
    nodes: Vec<NodeSection>,
    /// Lower-case node name → index in `nodes` (templates may hold thousands of sections).
    index: HashMap<String, usize>,
}

/// A parsed cluster template: its cluster sections and the parameters' default values.
#[derive(Debug, Clone, Default)]
pub struct Template {
    clusters: Vec<ClusterSection>,
    /// Lower-case parameter name → its `DefaultValue` line, if it has one.
    defaults: HashMap<String, Attr>,
}

/// Where the lines being read go.
#[derive(Debug, Clone)]
enum Ctx {
    Cluster(usize),
    Node(usize, usize),
    Config(usize, usize, Vec<String>),
    Parameters,
    Parameter(String),
    Ignored,
}

/// Cuts a trailing `# comment` off: a `#` after whitespace, outside quotes and `{…}`.
fn strip_comment(s: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let mut prev_space = true;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q == '"' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
        } else {
            match c {
                '"' | '\'' => quote = Some(c),
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                '#' if prev_space && depth == 0 => return &s[..i],
                _ => {}
            }
        }
        prev_space = c.is_whitespace();
    }
    s
}

/// Splits at top-level commas (outside quotes and brackets).
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q == '"' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `Key = Value` / `Key := Value`: the key and the text after the `=`.
fn split_assignment(line: &str) -> Option<(&str, &str)> {
    let eq = line.find('=')?;
    let key = line[..eq].trim_end();
    let key = key.strip_suffix(':').unwrap_or(key).trim();
    Some((key, &line[eq + 1..]))
}

impl Template {
    /// Parses template text. Syntax errors name the line.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        // Editors on Windows like to start files with a byte-order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines: Vec<&str> = text.lines().collect();
        let mut t = Template::default();
        let mut stack: Vec<Ctx> = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let no = i + 1;
            let line = lines[i].trim();
            i += 1;
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('[') {
                t.header(line, no, &mut stack)?;
                continue;
            }
            let Some((key, value)) = split_assignment(line) else {
                return Err(TemplateError::at(
                    no,
                    format!(
                        "expected `Key = Value`, a [section] header or a # comment, found {line:?}"
                    ),
                ));
            };
            let value = value.trim_start();
            let (raw, literal) = match ["'''", "\"\"\""].iter().find(|d| value.starts_with(**d)) {
                Some(delim) => {
                    let (text, next) = triple_quoted(&lines, i, &value[3..], delim, no)?;
                    i = next;
                    (text, true)
                }
                None => (strip_comment(value).trim().to_string(), false),
            };
            let Some(ctx) = stack.last() else {
                return Err(TemplateError::at(
                    no,
                    format!(
                        "{key} = … comes before any section header; a template starts with [cluster NAME]"
                    ),
                ));
            };
            let strict = matches!(ctx, Ctx::Cluster(_) | Ctx::Node(..) | Ctx::Config(..));
            if strict && (key.is_empty() || key.contains(char::is_whitespace)) {
                return Err(TemplateError::at(
                    no,
                    format!("{key:?} is not an attribute name (expected `Key = Value`)"),
                ));
            }
            let attr = Attr {
                key: key.to_string(),
                raw,
                literal,
                line: no,
            };
            match ctx {
                Ctx::Cluster(c) => t.clusters[*c].attrs.push(attr),
                Ctx::Node(c, n) => t.clusters[*c].nodes[*n].attrs.push(attr),
                Ctx::Config(c, n, prefix) => {
                    let prefix = prefix.clone();
                    t.clusters[*c].nodes[*n].config.push((prefix, attr));
                }
                Ctx::Parameter(name) if key.eq_ignore_ascii_case("DefaultValue") => {
                    t.defaults.insert(name.clone(), attr);
                }
                Ctx::Parameter(_) | Ctx::Parameters | Ctx::Ignored => {}
            }
        }
        Ok(t)
    }

    /// Handles a `[kind name]` line: checks its brackets and rank, opens its context.
    fn header(&mut self, line: &str, no: usize, stack: &mut Vec<Ctx>) -> Result<(), TemplateError> {
        let body = strip_comment(line).trim_end();
        let open = body.chars().take_while(|c| *c == '[').count();
        let close = body.chars().rev().take_while(|c| *c == ']').count();
        if close == 0 {
            return Err(TemplateError::at(
                no,
                format!("section header {body:?} is not closed with ]"),
            ));
        }
        if open != close {
            return Err(TemplateError::at(
                no,
                format!(
                    "section header {body:?} has {open} opening and {close} closing brackets; they must match"
                ),
            ));
        }
        let inner = body[open..body.len() - close].trim();
        if inner.is_empty() || inner.contains(['[', ']']) {
            return Err(TemplateError::at(
                no,
                format!("section header {body:?} must look like [kind name]"),
            ));
        }
        let (kind, name) = match inner.split_once(char::is_whitespace) {
            Some((k, n)) => (k.to_ascii_lowercase(), n.trim().to_string()),
            None => (inner.to_ascii_lowercase(), String::new()),
        };
        if open > stack.len() + 1 {
            return Err(TemplateError::at(
                no,
                format!(
                    "{body} has {open} brackets, but the section it is in has {}: a section must sit directly below one with one bracket fewer",
                    stack.len()
                ),
            ));
        }
        stack.truncate(open - 1);
        let needs_name = |what: &str| -> Result<(), TemplateError> {
            if name.is_empty() {
                Err(TemplateError::at(
                    no,
                    format!("{body} needs a name: {what}"),
                ))
            } else {
                Ok(())
            }
        };
        let ctx = match (stack.last(), kind.as_str()) {
            (None, "cluster") => {
                needs_name("[cluster NAME]")?;
                if let Some(c) = self
                    .clusters
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(&name))
                {
                    return Err(TemplateError::at(
                        no,
                        format!(
                            "[cluster {name}] is defined twice (first on line {})",
                            c.line
                        ),
                    ));
                }
                self.clusters.push(ClusterSection {
                    name,
                    line: no,
                    attrs: Vec::new(),
                    nodes: Vec::new(),
                    index: HashMap::new(),
                });
                Ctx::Cluster(self.clusters.len() - 1)
            }
            (Some(Ctx::Cluster(c)), "node" | "nodearray") => {
                let c = *c;
                needs_name(&format!("[[{kind} NAME]]"))?;
                let cluster = &mut self.clusters[c];
                if let Some(n) = cluster
                    .index
                    .get(&name.to_ascii_lowercase())
                    .and_then(|i| cluster.nodes.get(*i))
                {
                    return Err(TemplateError::at(
                        no,
                        format!(
                            "{} {name} is defined twice in [cluster {}] (first on line {})",
                            if n.array { "nodearray" } else { "node" },
                            cluster.name,
                            n.line
                        ),
                    ));
                }
                cluster
                    .index
                    .insert(name.to_ascii_lowercase(), cluster.nodes.len());
                cluster.nodes.push(NodeSection {
                    name,
                    array: kind == "nodearray",
                    line: no,
                    attrs: Vec::new(),
                    config: Vec::new(),
                });
                Ctx::Node(c, cluster.nodes.len() - 1)
            }
            (Some(Ctx::Node(c, n)), "configuration") => {
                let prefix = name
                    .split('.')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                Ctx::Config(*c, *n, prefix)
            }
            (None | Some(Ctx::Cluster(_) | Ctx::Parameters), "parameters") => Ctx::Parameters,
            (None | Some(Ctx::Cluster(_) | Ctx::Parameters), "parameter") => {
                needs_name("[parameter NAME]")?;
                Ctx::Parameter(name.to_ascii_lowercase())
            }
            (None | Some(Ctx::Cluster(_)), "environment" | "noderef") => Ctx::Ignored,
            (None, _) => {
                return Err(TemplateError::at(
                    no,
                    format!(
                        "unknown section {body}: a top-level section is [cluster NAME], [parameters NAME] or [parameter NAME]"
                    ),
                ));
            }
            (Some(Ctx::Cluster(c)), _) => {
                return Err(TemplateError::at(
                    no,
                    format!(
                        "unknown section {body} in [cluster {}]: expected [[node NAME]], [[nodearray NAME]], [[parameters NAME]] or [[parameter NAME]]",
                        self.clusters[*c].name
                    ),
                ));
            }
            // cluster-init, volume, network-interface, input-endpoint, parameter lists, …
            (Some(_), _) => Ctx::Ignored,
        };
        stack.push(ctx);
        Ok(())
    }

    /// The names of the `[cluster NAME]` sections, in order.
    pub fn cluster_names(&self) -> Vec<&str> {
        self.clusters.iter().map(|c| c.name.as_str()).collect()
    }

    /// Builds the cluster `name` from the `[cluster section]` (which may be left out when the
    /// text has only one), with the given parameter values. `known` says whether a machine
    /// type exists. Errors name the template line.
    pub fn build(
        &self,
        section: Option<&str>,
        name: &str,
        parameters: &Map<String, Value>,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<ClusterDef, TemplateError> {
        let cluster = self.pick(section)?;
        let r = Resolver {
            params: parameters,
            defaults: &self.defaults,
            cluster: name,
            evaluated: RefCell::default(),
        };
        let mut def = Map::new();
        def.insert("name".into(), json!(name));
        def.insert("state".into(), json!(""));
        let mut attrs = BTreeMap::new();
        for a in &cluster.attrs {
            let key = a.key.to_ascii_lowercase();
            if key == "maxcount" || key == "maxcorecount" {
                attrs.insert(key, (a.key.clone(), a.line, r.eval(a)?));
            }
        }
        let what = format!("[cluster {}]", cluster.name);
        for (key, field) in [
            ("MaxCount", "max_count"),
            ("MaxCoreCount", "max_core_count"),
        ] {
            if let Some(v) = take_int(&mut attrs, &what, key, 0, MAX_LIMIT)? {
                def.insert(field.into(), json!(v));
            }
        }
        let effective = Effective::all(cluster, &r)?;
        let mut arrays = Vec::new();
        let mut nodes = Vec::new();
        for (section, mut eff) in cluster.nodes.iter().zip(effective) {
            if section.name.eq_ignore_ascii_case("defaults") {
                continue;
            }
            let kind = if section.array { "nodearray" } else { "node" };
            let what = format!("[[{kind} {}]]", section.name);
            let abstract_ = take_bool(&mut eff.attrs, &what, "Abstract")?.unwrap_or(false);
            eff.attrs.remove("extends");
            if abstract_ {
                continue;
            }
            let v = if section.array {
                array_json(section, eff, &what, known)?
            } else {
                node_json(section, eff, &what, known)?
            };
            if section.array {
                arrays.push(v);
            } else {
                nodes.push(v);
            }
        }
        def.insert("nodearray".into(), Value::Array(arrays));
        def.insert("node".into(), Value::Array(nodes));
        serde_json::from_value(Value::Object(def))
            .map_err(|e| TemplateError::general(format!("the cluster could not be built: {e}")))
    }

    fn pick(&self, section: Option<&str>) -> Result<&ClusterSection, TemplateError> {
        let names = self.cluster_names().join(", ");
        match section.map(str::trim).filter(|s| !s.is_empty()) {
            Some(want) => self
                .clusters
                .iter()
                .find(|c| c.name == want)
                .or_else(|| {
                    self.clusters
                        .iter()
                        .find(|c| c.name.eq_ignore_ascii_case(want))
                })
                .ok_or_else(|| {
                    TemplateError::general(if self.clusters.is_empty() {
                        format!("there is no [cluster {want}] section: the text has no [cluster NAME] section at all")
                    } else {
                        format!("there is no [cluster {want}] section; the text has: {names}")
                    })
                }),
            None => match self.clusters.as_slice() {
                [] => Err(TemplateError::general(
                    "the text has no [cluster NAME] section",
                )),
                [one] => Ok(one),
                _ => Err(TemplateError::general(format!(
                    "the text has several cluster sections ({names}); name the one to import with template="
                ))),
            },
        }
    }
}

/// Reads a triple-quoted string that starts with `first` (the text after the opening
/// delimiter) and may continue on the lines from `next`. Returns the text and the index of
/// the line after the closing delimiter.
fn triple_quoted(
    lines: &[&str],
    next: usize,
    first: &str,
    delim: &str,
    no: usize,
) -> Result<(String, usize), TemplateError> {
    if let Some(end) = first.find(delim) {
        return Ok((first[..end].to_string(), next));
    }
    let mut text = first.to_string();
    for (j, line) in lines.iter().enumerate().skip(next) {
        text.push('\n');
        if let Some(end) = line.find(delim) {
            text.push_str(&line[..end]);
            return Ok((text, j + 1));
        }
        text.push_str(line);
    }
    Err(TemplateError::at(
        no,
        format!("the {delim}-quoted string that starts here is never closed"),
    ))
}

// ---- values ------------------------------------------------------------------------------

/// An evaluated value.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    /// No value: the attribute is left out (and cancels an inherited one).
    Undefined,
    /// A plain value.
    Json(Value),
    /// An expression the emulator does not evaluate: kept as its raw text.
    Expr(String),
}

impl Val {
    fn into_json(self) -> Option<Value> {
        match self {
            Val::Undefined => None,
            Val::Json(v) => Some(v),
            Val::Expr(s) => Some(Value::String(s)),
        }
    }
}

struct Resolver<'a> {
    params: &'a Map<String, Value>,
    defaults: &'a HashMap<String, Attr>,
    cluster: &'a str,
    /// Parameter defaults already evaluated: each is evaluated once per build, so defaults
    /// that refer to other parameters several times cost linear, not exponential, time.
    evaluated: RefCell<HashMap<String, Val>>,
}

/// The longest list a value may become (through comma lists and list parameters).
const MAX_LIST_ITEMS: usize = 10_000;
/// The longest text a value may become (through `${...}` substitution).
const MAX_TEXT_BYTES: usize = 1 << 20;

fn too_large(line: usize, what: &str) -> TemplateError {
    TemplateError::at(
        line,
        format!(
            "{what} is too large (at most {MAX_LIST_ITEMS} list items and {MAX_TEXT_BYTES} bytes of text)"
        ),
    )
}

impl Resolver<'_> {
    fn eval(&self, a: &Attr) -> Result<Val, TemplateError> {
        self.eval_at(a, 0)
    }

    fn eval_at(&self, a: &Attr, depth: usize) -> Result<Val, TemplateError> {
        if a.literal {
            return Ok(Val::Json(Value::String(a.raw.clone())));
        }
        self.text(a.raw.trim(), a.line, depth)
    }

    fn text(&self, t: &str, line: usize, depth: usize) -> Result<Val, TemplateError> {
        if t.is_empty() {
            return Ok(Val::Json(json!("")));
        }
        if let Some(rest) = t.strip_prefix('=') {
            return Ok(if rest.trim().eq_ignore_ascii_case("undefined") {
                Val::Undefined
            } else {
                Val::Expr(t.to_string())
            });
        }
        let parts = split_top_level(t);
        if parts.len() == 1 {
            return self.scalar(t, line, depth);
        }
        let mut list = Vec::new();
        for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            match self.scalar(p, line, depth)? {
                Val::Undefined => {}
                Val::Json(Value::Array(items)) => list.extend(items),
                Val::Json(v) => list.push(v),
                Val::Expr(s) => list.push(Value::String(s)),
            }
            if list.len() > MAX_LIST_ITEMS {
                return Err(too_large(line, "the list"));
            }
        }
        Ok(Val::Json(Value::Array(list)))
    }

    fn scalar(&self, t: &str, line: usize, depth: usize) -> Result<Val, TemplateError> {
        if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
            return Ok(Val::Json(Value::String(unescape(&t[1..t.len() - 1]))));
        }
        if t.len() >= 2 && t.starts_with('\'') && t.ends_with('\'') {
            return Ok(Val::Json(Value::String(t[1..t.len() - 1].to_string())));
        }
        if let Some(name) = t.strip_prefix('$').filter(|n| is_ident(n)) {
            return self.param(name, line, depth);
        }
        if t.contains("${") {
            return self.interpolate(t, line, depth);
        }
        if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false") {
            return Ok(Val::Json(json!(t.eq_ignore_ascii_case("true"))));
        }
        if t.eq_ignore_ascii_case("undefined") {
            return Ok(Val::Undefined);
        }
        if t.starts_with(['{', '[']) {
            return Ok(Val::Expr(t.to_string()));
        }
        if let Ok(n) = t.parse::<i64>() {
            return Ok(Val::Json(json!(n)));
        }
        let numeric = t.chars().any(|c| c.is_ascii_digit())
            && t.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
        if numeric && let Some(n) = t.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            return Ok(Val::Json(Value::Number(n)));
        }
        Ok(Val::Json(Value::String(t.to_string())))
    }

    /// `${Name}` alone is the parameter's value; inside a longer text, plain values are
    /// spliced in. Anything else stays raw text.
    fn interpolate(&self, t: &str, line: usize, depth: usize) -> Result<Val, TemplateError> {
        let mut out = String::new();
        let mut rest = t;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return Ok(Val::Expr(t.to_string()));
            };
            let inner = after[..end].trim();
            if !is_ident(inner) {
                return Ok(Val::Expr(t.to_string()));
            }
            // Only a placeholder that is the entire text stands for the value itself.
            let whole = rest.len() == t.len() && start == 0 && end + 1 == after.len();
            let value = self.param(inner, line, depth)?;
            if whole {
                return Ok(value);
            }
            match value {
                Val::Json(Value::String(s)) => out.push_str(&s),
                Val::Json(v @ (Value::Number(_) | Value::Bool(_))) => out.push_str(&v.to_string()),
                _ => return Ok(Val::Expr(t.to_string())),
            }
            if out.len() > MAX_TEXT_BYTES {
                return Err(too_large(line, "the text"));
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(Val::Json(Value::String(out)))
    }

    fn param(&self, name: &str, line: usize, depth: usize) -> Result<Val, TemplateError> {
        let given = self.params.get(name).or_else(|| {
            self.params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        });
        if let Some(v) = given {
            return Ok(if v.is_null() {
                Val::Undefined
            } else {
                Val::Json(v.clone())
            });
        }
        let key = name.to_ascii_lowercase();
        if let Some(v) = self.evaluated.borrow().get(&key) {
            return Ok(v.clone());
        }
        if let Some(d) = self.defaults.get(&key) {
            if depth >= MAX_PARAMETER_DEPTH {
                return Err(TemplateError::at(
                    line,
                    format!(
                        "parameter {name}: its DefaultValue (line {}) refers back to itself",
                        d.line
                    ),
                ));
            }
            let v = self.eval_at(d, depth + 1)?;
            self.evaluated.borrow_mut().insert(key, v.clone());
            return Ok(v);
        }
        if name.eq_ignore_ascii_case("ClusterName") {
            return Ok(Val::Json(json!(self.cluster)));
        }
        Ok(Val::Undefined)
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n @ ('"' | '\\')) => out.push(n),
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---- inheritance ---------------------------------------------------------------------------

/// Lower-case key → (spelling, line, value).
type Attrs = BTreeMap<String, (String, usize, Val)>;

/// The evaluated attributes and configuration of one node or array, inheritance applied.
#[derive(Debug, Clone, Default)]
struct Effective {
    attrs: Attrs,
    /// Configuration settings in the order they apply: path, line, value.
    config: Vec<(Vec<String>, usize, Val)>,
}

impl Effective {
    /// The effective settings of every node section of `cluster`, in order.
    fn all(cluster: &ClusterSection, r: &Resolver<'_>) -> Result<Vec<Effective>, TemplateError> {
        let defaults = cluster.index.get("defaults").copied();
        let mut memo: Vec<Option<Effective>> = vec![None; cluster.nodes.len()];
        let mut visiting = Vec::new();
        for i in 0..cluster.nodes.len() {
            Effective::of(cluster, i, defaults, r, &mut memo, &mut visiting)?;
        }
        Ok(memo.into_iter().map(Option::unwrap_or_default).collect())
    }

    fn of(
        cluster: &ClusterSection,
        i: usize,
        defaults: Option<usize>,
        r: &Resolver<'_>,
        memo: &mut Vec<Option<Effective>>,
        visiting: &mut Vec<usize>,
    ) -> Result<Effective, TemplateError> {
        if let Some(Some(done)) = memo.get(i) {
            return Ok(done.clone());
        }
        let section = &cluster.nodes[i];
        let kind = if section.array { "nodearray" } else { "node" };
        if visiting.contains(&i) {
            return Err(TemplateError::at(
                section.line,
                format!(
                    "[[{kind} {}]] extends itself (through Extends)",
                    section.name
                ),
            ));
        }
        if visiting.len() >= MAX_EXTENDS_DEPTH {
            return Err(TemplateError::at(
                section.line,
                format!(
                    "[[{kind} {}]]: Extends chains may be at most {MAX_EXTENDS_DEPTH} deep",
                    section.name
                ),
            ));
        }
        visiting.push(i);
        let mut own = Effective::default();
        let mut extends: Vec<(String, usize)> = Vec::new();
        for a in &section.attrs {
            let v = r.eval(a)?;
            if a.key.eq_ignore_ascii_case("Extends") {
                extends = match &v {
                    Val::Json(Value::Array(items)) => items
                        .iter()
                        .map(|x| {
                            (
                                x.as_str().map_or_else(|| x.to_string(), str::to_string),
                                a.line,
                            )
                        })
                        .collect(),
                    Val::Json(Value::String(s)) => vec![(s.clone(), a.line)],
                    Val::Undefined => Vec::new(),
                    other => {
                        return Err(TemplateError::at(
                            a.line,
                            format!("Extends must name nodes, not {other:?}"),
                        ));
                    }
                };
            }
            own.attrs
                .insert(a.key.to_ascii_lowercase(), (a.key.clone(), a.line, v));
        }
        for (prefix, a) in &section.config {
            let mut path = prefix.clone();
            path.extend(
                a.key
                    .split('.')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
            if path.is_empty() {
                return Err(TemplateError::at(
                    a.line,
                    format!("{:?} names no configuration setting", a.key),
                ));
            }
            own.config.push((path, a.line, r.eval(a)?));
        }
        let mut eff = Effective::default();
        let mut parents: Vec<(usize, usize)> = Vec::new();
        if let Some(d) = defaults.filter(|d| *d != i) {
            parents.push((d, section.line));
        }
        for (name, line) in &extends {
            let Some(&p) = cluster.index.get(&name.to_ascii_lowercase()) else {
                return Err(TemplateError::at(
                    *line,
                    format!(
                        "Extends = {name}: there is no [[node {name}]] or [[nodearray {name}]] in [cluster {}]",
                        cluster.name
                    ),
                ));
            };
            parents.push((p, *line));
        }
        for (p, _) in parents {
            let inherited = Effective::of(cluster, p, defaults, r, memo, visiting)?;
            for (k, v) in inherited.attrs {
                if k != "abstract" && k != "extends" {
                    eff.attrs.insert(k, v);
                }
            }
            merge_config(&mut eff.config, inherited.config);
        }
        eff.attrs.extend(own.attrs);
        merge_config(&mut eff.config, own.config);
        visiting.retain(|x| *x != i);
        if let Some(slot) = memo.get_mut(i) {
            *slot = Some(eff.clone());
        }
        Ok(eff)
    }

    /// The configuration as nested objects.
    fn configuration(&self) -> Map<String, Value> {
        let mut root = Map::new();
        for (path, _, v) in &self.config {
            set_path(&mut root, path, v.clone().into_json());
        }
        root
    }
}

/// Appends settings, replacing an earlier setting of the same path: each path appears once,
/// so a parent inherited along several `Extends` routes is not copied again and again.
fn merge_config(into: &mut Vec<(Vec<String>, usize, Val)>, from: Vec<(Vec<String>, usize, Val)>) {
    for entry in from {
        into.retain(|(path, _, _)| *path != entry.0);
        into.push(entry);
    }
}

/// Sets (or, for `None`, removes) the setting at `path`, creating objects on the way.
fn set_path(root: &mut Map<String, Value>, path: &[String], value: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut obj = root;
    for p in parents {
        let entry = obj.entry(p.clone()).or_insert_with(|| json!({}));
        if !entry.is_object() {
            if value.is_none() {
                return;
            }
            *entry = json!({});
        }
        let Value::Object(next) = entry else { return };
        obj = next;
    }
    match value {
        Some(v) => {
            obj.insert(last.clone(), v);
        }
        None => {
            obj.remove(last);
        }
    }
}

// ---- typed attributes ---------------------------------------------------------------------

/// Removes `key` from the attributes: its spelling, line and value, if it has one. An
/// unevaluated expression is put back (it stays an attribute) and counts as absent.
fn take(attrs: &mut Attrs, key: &str) -> Option<(usize, Value)> {
    let lower = key.to_ascii_lowercase();
    match attrs.remove(&lower)? {
        (_, _, Val::Undefined) => None,
        (spelling, line, Val::Expr(e)) => {
            attrs.insert(lower, (spelling, line, Val::Expr(e)));
            None
        }
        (_, line, Val::Json(v)) => Some((line, v)),
    }
}

fn take_int(
    attrs: &mut Attrs,
    what: &str,
    key: &str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, TemplateError> {
    let Some((line, v)) = take(attrs, key) else {
        return Ok(None);
    };
    let n = match &v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
        Some(n) => Err(TemplateError::at(
            line,
            format!("{what}: {key} = {n} is out of range (it must be between {min} and {max})"),
        )),
        None => Err(TemplateError::at(
            line,
            format!("{what}: {key} must be a whole number, not {v}"),
        )),
    }
}

fn take_bool(attrs: &mut Attrs, what: &str, key: &str) -> Result<Option<bool>, TemplateError> {
    let Some((line, v)) = take(attrs, key) else {
        return Ok(None);
    };
    match &v {
        Value::Bool(b) => Ok(Some(*b)),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        _ => Err(TemplateError::at(
            line,
            format!("{what}: {key} must be true or false, not {v}"),
        )),
    }
}

fn take_string(
    attrs: &mut Attrs,
    what: &str,
    key: &str,
) -> Result<Option<(usize, String)>, TemplateError> {
    let Some((line, v)) = take(attrs, key) else {
        return Ok(None);
    };
    match v {
        Value::String(s) => Ok(Some((line, s))),
        Value::Number(_) | Value::Bool(_) => Ok(Some((line, v.to_string()))),
        other => Err(TemplateError::at(
            line,
            format!("{what}: {key} must be a single value, not {other}"),
        )),
    }
}

fn take_shutdown_policy(attrs: &mut Attrs, what: &str) -> Result<Option<String>, TemplateError> {
    let Some((line, p)) = take_string(attrs, what, "ShutdownPolicy")? else {
        return Ok(None);
    };
    ["Terminate", "Deallocate"]
        .into_iter()
        .find(|x| x.eq_ignore_ascii_case(p.trim()))
        .map(|x| Some(x.to_string()))
        .ok_or_else(|| {
            TemplateError::at(
                line,
                format!("{what}: ShutdownPolicy must be Terminate or Deallocate, not {p:?}"),
            )
        })
}

/// `MachineType`: one name, a comma list or a JSON list; each must be known.
fn take_machine_types(
    attrs: &mut Attrs,
    section: &NodeSection,
    what: &str,
    known: &dyn Fn(&str) -> bool,
) -> Result<Vec<String>, TemplateError> {
    let missing = || {
        TemplateError::at(
            section.line,
            format!(
                "{what} has no MachineType: set one here or in [[node defaults]], or pass the parameter it refers to"
            ),
        )
    };
    let (line, v) = take(attrs, "MachineType").ok_or_else(missing)?;
    let items: Vec<String> = match &v {
        Value::String(s) => s.split(',').map(str::to_string).collect(),
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
            .collect(),
        other => {
            return Err(TemplateError::at(
                line,
                format!("{what}: MachineType must name VM sizes, not {other}"),
            ));
        }
    };
    let names: Vec<String> = items
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        return Err(missing());
    }
    if let Some(bad) = names.iter().find(|n| !known(n)) {
        return Err(TemplateError::at(
            line,
            format!(
                "{what}: machine type {bad} is not a VM size the emulator knows (built-in sizes, plus custom [[machine_type]] entries loaded through /__emulator/load)"
            ),
        ));
    }
    Ok(names)
}

/// `5m`, `30s`, `2h`, `1d`, optionally in back-ticks, or a number of seconds.
fn relative_seconds(v: &Value) -> Option<f64> {
    if let Some(n) = v.as_f64() {
        return Some(n);
    }
    let s = v.as_str()?.trim().trim_matches('`').trim();
    let (num, unit) = match s.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&s[..i], c.to_ascii_lowercase()),
        _ => (s, 's'),
    };
    let scale = match unit {
        's' => 1.0,
        'm' => 60.0,
        'h' => 3600.0,
        'd' => 86_400.0,
        _ => return None,
    };
    num.trim()
        .parse::<f64>()
        .ok()
        .map(|n| n * scale)
        .filter(|x| x.is_finite() && *x >= 0.0)
}

/// The remaining attributes, keyed by their spelling in the template.
fn rest(attrs: Attrs) -> Map<String, Value> {
    attrs
        .into_values()
        .filter_map(|(k, _, v)| v.into_json().map(|v| (k, v)))
        .collect()
}

fn array_json(
    section: &NodeSection,
    eff: Effective,
    what: &str,
    known: &dyn Fn(&str) -> bool,
) -> Result<Value, TemplateError> {
    let configuration = eff.configuration();
    let mut a = eff.attrs;
    let mut out = Map::new();
    out.insert("name".into(), json!(section.name));
    out.insert(
        "machine_types".into(),
        json!(take_machine_types(&mut a, section, what, known)?),
    );
    let ints = [
        ("MaxCount", "max_count", 0),
        ("MaxCoreCount", "max_core_count", 0),
        ("Azure.MaxScalesetSize", "max_scaleset_size", 1),
        ("Priority", "priority", 0),
    ];
    for (key, field, min) in ints {
        let max = if field == "max_scaleset_size" {
            1_000_000
        } else {
            MAX_LIMIT
        };
        if let Some(n) = take_int(&mut a, what, key, min, max)? {
            out.insert(field.into(), json!(n));
        }
    }
    for (key, field) in [
        ("Interruptible", "interruptible"),
        ("KeepAlive", "keep_alive"),
        ("ThrottleCapacity", "throttle_capacity"),
    ] {
        if let Some(b) = take_bool(&mut a, what, key)? {
            out.insert(field.into(), json!(b));
        }
    }
    for (key, field) in [
        ("Region", "region"),
        ("SubnetId", "subnet_id"),
        ("PlacementGroupId", "placement_group_id"),
    ] {
        if let Some((_, s)) = take_string(&mut a, what, key)? {
            out.insert(field.into(), json!(s));
        }
    }
    if let Some(p) = take_shutdown_policy(&mut a, what)? {
        out.insert("shutdown_policy".into(), json!(p));
    }
    if let Some((line, v)) = take(&mut a, "ThrottleCapacityTime") {
        let secs = relative_seconds(&v).ok_or_else(|| {
            TemplateError::at(
                line,
                format!(
                    "{what}: ThrottleCapacityTime must be a relative time like 5m or 300s, not {v}"
                ),
            )
        })?;
        out.insert("throttle_capacity_seconds".into(), json!(secs));
    }
    out.insert("configuration".into(), Value::Object(configuration));
    out.insert("attributes".into(), Value::Object(rest(a)));
    Ok(Value::Object(out))
}

fn node_json(
    section: &NodeSection,
    eff: Effective,
    what: &str,
    known: &dyn Fn(&str) -> bool,
) -> Result<Value, TemplateError> {
    let configuration = eff.configuration();
    let mut a = eff.attrs;
    let mut out = Map::new();
    out.insert("name".into(), json!(section.name));
    let types = take_machine_types(&mut a, section, what, known)?;
    out.insert("machine_type".into(), json!(types.first()));
    out.insert("started".into(), json!(false));
    for (key, field) in [("Region", "region"), ("SubnetId", "subnet_id")] {
        if let Some((_, s)) = take_string(&mut a, what, key)? {
            out.insert(field.into(), json!(s));
        }
    }
    if let Some(p) = take_shutdown_policy(&mut a, what)? {
        out.insert("shutdown_policy".into(), json!(p));
    }
    if let Some(b) = take_bool(&mut a, what, "KeepAlive")? {
        out.insert("keep_alive".into(), json!(b));
    }
    out.insert("configuration".into(), Value::Object(configuration));
    out.insert("attributes".into(), Value::Object(rest(a)));
    Ok(Value::Object(out))
}

// ---- the request ---------------------------------------------------------------------------

/// The fields of an `import_cluster` request.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    /// The template text (`cluster`).
    pub text: String,
    /// The `[cluster NAME]` section to use (`template`).
    pub section: Option<String>,
    /// Replace an existing cluster of the same name (`force`).
    pub force: bool,
    /// Parameter values (`parameters`, a JSON object).
    pub parameters: Map<String, Value>,
}

fn flag(name: &str, v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" | "" => Ok(false),
            _ => Err(format!("{name} must be true or false, not {s:?}")),
        },
        other => Err(format!("{name} must be true or false, not {other}")),
    }
}

impl ImportRequest {
    /// Reads the request from a form-encoded (`cluster=…&template=…`) or JSON body, whatever
    /// the Content-Type. Fields missing from the body are taken from the query string.
    pub fn from_body(
        body: &[u8],
        query: &HashMap<String, String>,
    ) -> Result<ImportRequest, String> {
        let start = body.iter().find(|b| !b.is_ascii_whitespace());
        let mut fields: Map<String, Value> = if start == Some(&b'{') {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(m)) => m,
                Ok(_) => return Err("the JSON body must be an object".into()),
                Err(e) => return Err(format!("malformed JSON body: {e}")),
            }
        } else {
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect()
        };
        for (k, v) in query {
            fields
                .entry(k.clone())
                .or_insert_with(|| Value::String(v.clone()));
        }
        let text = match fields.get("cluster") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(Value::String(_)) => {
                return Err("the cluster field (the template text) is empty".into());
            }
            Some(_) => return Err("the cluster field must be the template text, a string".into()),
            None => {
                return Err(
                    "import_cluster needs the template text in the cluster field (a form-encoded or JSON body with cluster=…)"
                        .into(),
                );
            }
        };
        let section = match fields.get("template") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::String(_) | Value::Null) | None => None,
            Some(other) => return Err(format!("template must be a section name, not {other}")),
        };
        let force = fields
            .get("force")
            .map_or(Ok(false), |v| flag("force", v))?;
        if let Some(f) = fields.get("parameters_format").and_then(Value::as_str)
            && !f.trim().is_empty()
            && !f.trim().eq_ignore_ascii_case("json")
        {
            return Err(format!("parameters_format must be json, not {f:?}"));
        }
        let parameters = match fields.get("parameters") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(Value::String(s)) if s.trim().is_empty() => Map::new(),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(m)) => m,
                Ok(_) => return Err("parameters must be a JSON object".into()),
                Err(e) => return Err(format!("parameters is not valid JSON: {e}")),
            },
            Some(other) => return Err(format!("parameters must be a JSON object, not {other}")),
        };
        Ok(ImportRequest {
            text,
            section,
            force,
            parameters,
        })
    }
}

/// Imports the cluster `name` from a template into the emulator and returns the answer body.
///
/// An existing cluster of that name is a 409 unless `force` is set; then it is replaced
/// like `/__emulator/load` replaces one (its state and surviving nodes kept).
pub fn import(e: &mut Emulator, name: &str, req: &ImportRequest) -> Result<Value, ApiError> {
    let existing = e.clusters.get(name).map(|c| c.def.state.clone());
    if existing.is_some() && !req.force {
        return Err(ApiError::conflict(format!(
            "Cluster {name} already exists; import it with force=true to replace it"
        )));
    }
    let template =
        Template::parse(&req.text).map_err(|err| ApiError::bad_request(err.to_string()))?;
    let known = |mt: &str| e.machine(mt).is_some();
    let mut def = template
        .build(req.section.as_deref(), name, &req.parameters, &known)
        .map_err(|err| ApiError::bad_request(err.to_string()))?;
    let section = template
        .pick(req.section.as_deref())
        .map(|c| c.name.clone())
        .unwrap_or_default();
    if let Some(state) = existing.clone() {
        def.state = state;
    }
    let arrays: Vec<String> = def.nodearrays.iter().map(|a| a.name.clone()).collect();
    let nodes: Vec<String> = def.nodes.iter().map(|n| n.name.clone()).collect();
    let mut definition = Definition {
        clusters: vec![def],
        ..Default::default()
    };
    // The same checks as a TOML definition, knowing the custom machine types already loaded.
    definition.machine_types = custom_types(e);
    definition
        .check()
        .map_err(|err| ApiError::bad_request(err.to_string()))?;
    definition.machine_types.clear();
    e.load(definition);
    Ok(json!({
        "cluster": name,
        "template": section,
        "replaced": existing.is_some(),
        "nodearrays": arrays,
        "nodes": nodes,
    }))
}

fn custom_types(e: &Emulator) -> Vec<CustomMachineType> {
    e.custom_types
        .values()
        .map(|m| CustomMachineType {
            name: m.name.clone(),
            family: m.family.clone(),
            vcpu_count: m.vcpu_count,
            vcpu_quota_count: Some(m.vcpu_quota_count),
            pcpu_count: Some(m.pcpu_count),
            memory_gb: m.memory_gb,
            gpu_count: m.gpu_count,
            infiniband: m.infiniband,
            hourly_price: m.hourly_price,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(text: &str, params: Value) -> Result<ClusterDef, TemplateError> {
        let params = params.as_object().cloned().unwrap_or_default();
        Template::parse(text)?.build(None, "t", &params, &|mt| {
            crate::catalog::lookup_builtin(mt).is_some()
        })
    }

    #[test]
    fn values_follow_the_documented_rules() {
        let defaults = HashMap::new();
        let params = json!({"L": ["a", "b"], "S": "x", "N": null});
        let r = Resolver {
            params: params.as_object().expect("object"),
            defaults: &defaults,
            cluster: "c",
            evaluated: RefCell::default(),
        };
        let v = |t: &str| r.text(t, 1, 0).expect("evaluates");
        assert_eq!(v("TRUE"), Val::Json(json!(true)));
        assert_eq!(v("12"), Val::Json(json!(12)));
        assert_eq!(v("1.5"), Val::Json(json!(1.5)));
        assert_eq!(v("24.11.3-1"), Val::Json(json!("24.11.3-1")));
        assert_eq!(v("nan"), Val::Json(json!("nan")));
        assert_eq!(v("\"a, b\""), Val::Json(json!("a, b")));
        assert_eq!(v("a, b"), Val::Json(json!(["a", "b"])));
        assert_eq!(v("$L, c"), Val::Json(json!(["a", "b", "c"])));
        assert_eq!(v("$N"), Val::Undefined);
        assert_eq!(v("$Missing"), Val::Undefined);
        assert_eq!(v("=undefined"), Val::Undefined);
        assert_eq!(v("${S}"), Val::Json(json!("x")));
        assert_eq!(v("${ClusterName}-s"), Val::Json(json!("c-s")));
        assert_eq!(v("${a == 1}"), Val::Expr("${a == 1}".into()));
        assert_eq!(
            v("${ifThenElse(a, b, c)}"),
            Val::Expr("${ifThenElse(a, b, c)}".into())
        );
    }

    #[test]
    fn comments_are_cut_only_after_whitespace_outside_quotes() {
        assert_eq!(strip_comment("a # b"), "a ");
        assert_eq!(strip_comment("a#b"), "a#b");
        assert_eq!(strip_comment("\"a # b\""), "\"a # b\"");
    }

    #[test]
    fn relative_times() {
        assert_eq!(relative_seconds(&json!("5m")), Some(300.0));
        assert_eq!(relative_seconds(&json!("`30s`")), Some(30.0));
        assert_eq!(relative_seconds(&json!(12)), Some(12.0));
        assert_eq!(relative_seconds(&json!("soon")), None);
    }

    #[test]
    fn undefined_cancels_an_inherited_attribute() {
        let def = build(
            "[cluster c]\n[[node defaults]]\nMachineType = Standard_F2s_v2\nComputerName = x\n\
             [[nodearray a]]\nComputerName := undefined\n",
            json!({}),
        )
        .expect("builds");
        assert!(!def.nodearrays[0].attributes.contains_key("ComputerName"));
    }

    #[test]
    fn real_world_details_parse() {
        let text = "[cluster S]\n\t[[node scheduler]]\n\tMachineType = Standard_D4s_v3\n\
            \tComputerName = ${toLower(StrJoin(\"-\", ClusterName, \"s\"))}\n\
            \t\t[[[volume boot]]]\n\t\tSize = ${ifThenElse(BootDiskSize > 0, BootDiskSize, undefined)}\n\
            [[nodearray scheduler-ha]]\nExtends = scheduler\nComputerName := undefined\n\
            InitialCount = $HA\n\
            [[[configuration]]]\nslurm.dynamic_feature := \"dyn\"\n\
            #slurm.dynamic_config := \"-Z --conf \\\"Feature=dyn\\\"\"\n\
            slurm.launch_parameters = $Launch\n\
            [parameters Advanced]\n[[parameters Slurm Settings ]]\n\
            [[[parameter About sched part 2]]]\n\
            Config.Template := \"<table role=\\\"presentation\\\"></table>\"\n\
            Conditions.Excluded := HTCUseLowPrio isnt true\n\
            [[[parameter Launch]]]\nDefaultValue = 'use_interactive_step'\n\
            [[[parameter HA]]]\nDefaultValue = false\n";
        let def = build(text, json!({})).expect("builds");
        let ha = &def.nodearrays[0];
        assert_eq!(ha.machine_types, ["Standard_D4s_v3"]);
        assert!(
            !ha.attributes.contains_key("ComputerName"),
            "{:?}",
            ha.attributes
        );
        assert_eq!(ha.attributes["InitialCount"], json!(false));
        assert_eq!(
            Value::Object(ha.configuration.clone()),
            json!({"slurm": {"dynamic_feature": "dyn", "launch_parameters": "use_interactive_step"}})
        );
        assert!(
            def.nodes[0].attributes["ComputerName"]
                .as_str()
                .is_some_and(|s| s.starts_with("${toLower"))
        );
    }

    #[test]
    fn extends_loops_are_reported() {
        let err = build(
            "[cluster c]\n[[node a]]\nExtends = b\n[[node b]]\nExtends = a\nMachineType = Standard_F2s_v2\n",
            json!({}),
        )
        .unwrap_err();
        assert!(err.message.contains("extends itself"), "{err}");
    }

    #[test]
    fn long_extends_chains_are_refused() {
        // Each node extends the next one, so resolving the first walks the whole chain.
        let mut text = String::from("[cluster c]\n");
        for i in 0..200 {
            text.push_str(&format!("[[node n{i}]]\nExtends = n{}\n", i + 1));
        }
        text.push_str("[[node n200]]\nMachineType = Standard_F2s_v2\n");
        let err = build(&text, json!({})).unwrap_err();
        assert!(err.message.contains("at most 64"), "{err}");
    }

    #[test]
    fn self_referring_defaults_are_reported() {
        let err = build(
            "[cluster c]\n[[nodearray a]]\nMachineType = $A\n[parameter A]\nDefaultValue = $A\n",
            json!({}),
        )
        .unwrap_err();
        assert!(err.message.contains("refers back"), "{err}");
    }

    #[test]
    fn mangled_templates_give_errors_not_panics() {
        let seed = "[cluster c]\n  [[node defaults]]\n  Region = $Region\n  [[node scheduler]]\n  \
                    MachineType = Standard_D4s_v3\n  [[nodearray hpc]]\n  Extends = scheduler\n  \
                    MachineType = Standard_F2s_v2, $Extra\n  MaxCount = ${MaxNodes}\n  \
                    [[[configuration slurm]]]\n  partition = \"hpc\"\n  notes = '''two\nlines'''\n\
                    [parameters P]\n[[parameter Region]]\nDefaultValue = southcentralus\n";
        let params = json!({"Extra": ["Standard_F4s_v2"], "MaxNodes": 4});
        let params = params.as_object().cloned().unwrap_or_default();
        let chars: Vec<char> = seed.chars().collect();
        let inserts = [
            '[', ']', '$', '{', '}', '=', '\'', '"', ',', '\n', ':', '#', '\t',
        ];
        // Deterministic pseudo-random edits (xorshift), so a failure reproduces.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            usize::try_from(x % n as u64).unwrap_or(0)
        };
        let mut cases: Vec<String> = (0..=chars.len())
            .map(|i| chars[..i].iter().collect())
            .collect();
        for _ in 0..3000 {
            let mut c = chars.clone();
            for _ in 0..1 + next(4) {
                let at = next(c.len() + 1);
                match next(3) {
                    0 if at < c.len() => {
                        c.remove(at);
                    }
                    1 => c.insert(at, inserts[next(inserts.len())]),
                    _ if at < c.len() => c[at] = inserts[next(inserts.len())],
                    _ => {}
                }
            }
            cases.push(c.into_iter().collect());
        }
        let mut built = 0;
        for text in &cases {
            if let Ok(t) = Template::parse(text) {
                let known = |mt: &str| crate::catalog::lookup_builtin(mt).is_some();
                if t.build(None, "t", &params, &known).is_ok() {
                    built += 1;
                }
            }
        }
        // The seed itself and many light edits still build: the loop exercised the builder.
        assert!(built > 100, "only {built} of {} cases built", cases.len());
    }

    #[test]
    fn adjacent_placeholders_are_all_kept() {
        let def = build(
            "[cluster c]\n[[nodearray a]]\nMachineType = Standard_F2s_v2\nTag = ${X}${Y}\n",
            json!({"X": "left", "Y": "right"}),
        )
        .expect("builds");
        assert_eq!(def.nodearrays[0].attributes["Tag"], json!("leftright"));
    }

    #[test]
    fn doubling_parameter_defaults_are_cut_off_quickly() {
        // P0 = $P1, $P1; P1 = $P2, $P2; ... would be 2^31 items if evaluated naively.
        let mut text = String::from(
            "[cluster c]\n[[nodearray a]]\nMachineType = Standard_F2s_v2\nFoo = $P0\n",
        );
        for i in 0..31 {
            text.push_str(&format!(
                "[parameter P{i}]\nDefaultValue = $P{n}, $P{n}\n",
                n = i + 1
            ));
        }
        text.push_str("[parameter P31]\nDefaultValue = x\n");
        let started = std::time::Instant::now();
        let err = build(&text, json!({})).unwrap_err();
        assert!(err.message.contains("too large"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // The same shape with text doubling instead of lists.
        let mut text2 = String::from(
            "[cluster c]\n[[nodearray a]]\nMachineType = Standard_F2s_v2\nFoo = ${P0}\n",
        );
        for i in 0..31 {
            text2.push_str(&format!(
                "[parameter P{i}]\nDefaultValue = ${{P{n}}}${{P{n}}}\n",
                n = i + 1
            ));
        }
        text2.push_str("[parameter P31]\nDefaultValue = xx\n");
        let started = std::time::Instant::now();
        let err = build(&text2, json!({})).unwrap_err();
        assert!(err.message.contains("too large"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn diamond_extends_chains_do_not_multiply_configuration() {
        let mut text = String::from("[cluster c]\n");
        for i in 0..60 {
            text.push_str(&format!(
                "[[node n{i}]]\nAbstract = true\nExtends = n{n}, n{n}\n[[[configuration]]]\nk{i} = {i}\n",
                n = i + 1
            ));
        }
        text.push_str("[[node n60]]\nAbstract = true\nMachineType = Standard_F2s_v2\n");
        text.push_str("[[nodearray a]]\nExtends = n0\n");
        let started = std::time::Instant::now();
        let def = build(&text, json!({})).expect("builds");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let cfg = &def.nodearrays[0].configuration;
        assert_eq!(cfg.len(), 60);
        assert_eq!(cfg["k0"], json!(0));
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let def = build(
            "\u{feff}[cluster c]\n[[nodearray a]]\nMachineType = Standard_F2s_v2\n",
            json!({}),
        )
        .expect("builds");
        assert_eq!(def.nodearrays[0].name, "a");
    }
}
