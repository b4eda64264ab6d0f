//! `show_if` conditions: parsed once, checked against the survey, evaluated
//! against a respondent's answers.
//!
//! Grammar, loosest binding first:
//!
//! ```text
//! or      = and ("or" and)*
//! and     = unary ("and" unary)*
//! unary   = "not" unary | primary
//! primary = "(" or ")" | "answered" "(" ID ")" | ID "in" ID | ID OP VALUE
//! OP      = "==" | "!=" | "<" | "<=" | ">" | ">="
//! ```
//!
//! A condition is three-valued: a comparison or `in` on an unanswered
//! question is *unknown*, and `not`, `and`, `or` follow Kleene's rules
//! (`unknown or true` is true, `unknown and false` is false, `not unknown`
//! is unknown). A question is shown only when its condition is definitely
//! true, so one whose condition depends on an unanswered question is hidden.
//! `answered(Q)` is never unknown.

use std::fmt;

use super::answer::{Answer, Answers, Picked};
use super::diagnostic::{Diagnostic, Span};
use super::sanitize::quote;
use super::survey::{OTHER_OPTION, Question, QuestionKind};

/// Longest condition accepted, in bytes; a condition is one line of logic.
pub const MAX_LEN: usize = 2_000;
/// Deepest nesting of parentheses and `not`, so parsing never exhausts the stack.
pub const MAX_DEPTH: usize = 32;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub const ALL: [CmpOp; 6] = [
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
    ];

    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    fn is_equality(self) -> bool {
        matches!(self, CmpOp::Eq | CmpOp::Ne)
    }

    fn holds<T: Ord>(self, a: T, b: T) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }
}

// ---------------------------------------------------------------------------
// Parse tree: what was written, with spans relative to the condition text.

/// A name or literal as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

/// A parsed, not yet checked condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Answered(Word),
    In {
        option: Word,
        question: Word,
    },
    Compare {
        question: Word,
        op: CmpOp,
        value: Word,
    },
}

impl Expr {
    /// The same tree with every span zeroed, to compare trees by meaning.
    pub fn without_spans(self) -> Expr {
        let w = |w: Word| Word {
            text: w.text,
            span: Span::default(),
        };
        let kind = match self.kind {
            ExprKind::Or(xs) => ExprKind::Or(xs.into_iter().map(Expr::without_spans).collect()),
            ExprKind::And(xs) => ExprKind::And(xs.into_iter().map(Expr::without_spans).collect()),
            ExprKind::Not(x) => ExprKind::Not(Box::new(x.without_spans())),
            ExprKind::Answered(q) => ExprKind::Answered(w(q)),
            ExprKind::In { option, question } => ExprKind::In {
                option: w(option),
                question: w(question),
            },
            ExprKind::Compare {
                question,
                op,
                value,
            } => ExprKind::Compare {
                question: w(question),
                op,
                value: w(value),
            },
        };
        Expr {
            kind,
            span: Span::default(),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Or(xs) => join(f, xs, " or ", |x| matches!(x.kind, ExprKind::Or(_))),
            ExprKind::And(xs) => join(f, xs, " and ", |x| {
                matches!(x.kind, ExprKind::Or(_) | ExprKind::And(_))
            }),
            ExprKind::Not(x) => {
                f.write_str("not ")?;
                group(f, x, matches!(x.kind, ExprKind::Or(_) | ExprKind::And(_)))
            }
            ExprKind::Answered(q) => write!(f, "answered({})", q.text),
            ExprKind::In { option, question } => write!(f, "{} in {}", option.text, question.text),
            ExprKind::Compare {
                question,
                op,
                value,
            } => write!(f, "{} {} {}", question.text, op.symbol(), value.text),
        }
    }
}

fn join<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: &[T],
    sep: &str,
    needs_parens: impl Fn(&T) -> bool,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        group(f, item, needs_parens(item))?;
    }
    Ok(())
}

fn group(f: &mut fmt::Formatter<'_>, x: &impl fmt::Display, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({x})")
    } else {
        write!(f, "{x}")
    }
}

// ---------------------------------------------------------------------------
// Lexer and parser.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Op(CmpOp),
    LParen,
    RParen,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn lex(text: &str) -> Result<Vec<(Tok, Span)>, Diagnostic> {
    let mut toks = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let start = i;
        let two = bytes.get(i..i + 2);
        let (tok, len) = match c {
            c if c.is_whitespace() => {
                i += c.len_utf8();
                continue;
            }
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '=' | '!' | '<' | '>' => {
                let op = match two {
                    Some(b"==") => Some((CmpOp::Eq, 2)),
                    Some(b"!=") => Some((CmpOp::Ne, 2)),
                    Some(b"<=") => Some((CmpOp::Le, 2)),
                    Some(b">=") => Some((CmpOp::Ge, 2)),
                    _ if c == '<' => Some((CmpOp::Lt, 1)),
                    _ if c == '>' => Some((CmpOp::Gt, 1)),
                    _ => None,
                };
                match op {
                    Some((op, len)) => (Tok::Op(op), len),
                    None if c == '=' => {
                        return Err(
                            Diagnostic::new(Span::new(i, i + 1), "`=` is not an operator")
                                .with_hint("write `==` to compare"),
                        );
                    }
                    None => {
                        return Err(
                            Diagnostic::new(Span::new(i, i + 1), "`!` is not an operator")
                                .with_hint("write `not` to negate, or `!=` for \"not equal\""),
                        );
                    }
                }
            }
            '&' | '|' => {
                let word = if c == '&' { "and" } else { "or" };
                return Err(Diagnostic::new(
                    Span::new(i, i + 1),
                    format!("`{c}` is not an operator"),
                )
                .with_hint(format!("write `{word}`")));
            }
            '"' | '\'' => {
                return Err(Diagnostic::new(
                    Span::new(i, i + 1),
                    "quotes are not used in conditions",
                )
                .with_hint(
                    "write option ids and `yes`/`no` without quotes, e.g. `channel == email`",
                ));
            }
            c if is_word_char(c) => {
                let len = text[i..]
                    .find(|c: char| !is_word_char(c))
                    .unwrap_or(text.len() - i);
                (Tok::Word(text[i..i + len].to_owned()), len)
            }
            c => {
                return Err(Diagnostic::new(
                    Span::new(i, i + c.len_utf8()),
                    format!("unexpected character {} in condition", quote(&c.to_string())),
                )
                .with_hint("conditions use question ids, option ids, numbers, == != < <= > >=, in, answered(), and, or, not and parentheses"));
            }
        };
        i += len;
        toks.push((tok, Span::new(start, i)));
    }
    Ok(toks)
}

const KEYWORDS: [&str; 5] = ["and", "or", "not", "in", "answered"];

struct Parser {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    end: usize,
    depth: usize,
}

/// Parses a condition; the error's span is relative to `text`.
pub fn parse(text: &str) -> Result<Expr, Diagnostic> {
    if text.len() > MAX_LEN {
        return Err(Diagnostic::new(
            Span::new(0, text.len()),
            format!(
                "condition is {} bytes long; at most {MAX_LEN} are allowed",
                text.len()
            ),
        )
        .with_hint("split the logic over fewer, simpler conditions"));
    }
    let toks = lex(text)?;
    if toks.is_empty() {
        return Err(Diagnostic::new(Span::new(0, text.len()), "empty condition")
            .with_hint("remove `show_if`, or write a condition such as `overall <= 2`"));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        end: text.trim_end().len(),
        depth: 0,
    };
    let expr = p.or()?;
    match p.toks.get(p.pos) {
        None => Ok(expr),
        Some((Tok::RParen, span)) => Err(Diagnostic::new(*span, "unmatched `)`")
            .with_hint("remove it, or add the `(` it closes")),
        Some((_, span)) => Err(Diagnostic::new(
            *span,
            "expected `and`, `or` or the end of the condition",
        )),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w == kw)
    }

    /// The span of the current token, or an empty span at the end.
    fn here(&self) -> Span {
        self.toks
            .get(self.pos)
            .map_or(Span::at(self.end), |(_, span)| *span)
    }

    fn bump(&mut self) -> Span {
        let span = self.here();
        self.pos += 1;
        span
    }

    fn or(&mut self) -> Result<Expr, Diagnostic> {
        self.nary("or", Self::and, ExprKind::Or)
    }

    fn and(&mut self) -> Result<Expr, Diagnostic> {
        self.nary("and", Self::unary, ExprKind::And)
    }

    fn nary(
        &mut self,
        keyword: &str,
        operand: fn(&mut Self) -> Result<Expr, Diagnostic>,
        make: fn(Vec<Expr>) -> ExprKind,
    ) -> Result<Expr, Diagnostic> {
        let first = operand(self)?;
        if !self.peek_keyword(keyword) {
            return Ok(first);
        }
        let start = first.span.start;
        let mut items = vec![first];
        while self.peek_keyword(keyword) {
            self.bump();
            items.push(operand(self)?);
        }
        let end = items.last().map_or(start, |x| x.span.end);
        Ok(Expr {
            kind: make(items),
            span: Span::new(start, end),
        })
    }

    fn deeper(&mut self) -> Result<(), Diagnostic> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Diagnostic::new(
                self.here(),
                format!("condition is nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Expr, Diagnostic> {
        if self.peek_keyword("not") {
            let start = self.bump().start;
            self.deeper()?;
            let inner = self.unary()?;
            self.depth -= 1;
            let span = Span::new(start, inner.span.end);
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(inner)),
                span,
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, Diagnostic> {
        match self.peek() {
            Some(Tok::LParen) => {
                let open = self.bump();
                self.deeper()?;
                let mut inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(
                        Diagnostic::new(self.here(), "expected `)`").with_hint(format!(
                            "the `(` at column {} is not closed",
                            open.start + 1
                        )),
                    );
                }
                let close = self.bump();
                inner.span = Span::new(open.start, close.end);
                Ok(inner)
            }
            Some(Tok::Word(w)) if w == "answered" => {
                let start = self.bump().start;
                self.expect_lparen("after `answered`")?;
                let question = self.word("a question id inside `answered(...)`")?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(Diagnostic::new(self.here(), "expected `)`"));
                }
                let end = self.bump().end;
                Ok(Expr {
                    kind: ExprKind::Answered(question),
                    span: Span::new(start, end),
                })
            }
            Some(Tok::Word(_)) => {
                let left = self.word("a question id")?;
                let start = left.span.start;
                if self.peek_keyword("in") {
                    self.bump();
                    let question = self.word("a question id after `in`")?;
                    let span = Span::new(start, question.span.end);
                    return Ok(Expr {
                        kind: ExprKind::In {
                            option: left,
                            question,
                        },
                        span,
                    });
                }
                let Some(Tok::Op(op)) = self.peek().cloned() else {
                    return Err(Diagnostic::new(
                        self.here(),
                        format!(
                            "expected a comparison (== != < <= > >=) or `in` after {}",
                            quote(&left.text)
                        ),
                    )
                    .with_hint("e.g. `overall <= 2`, `email in channels` or `answered(overall)`"));
                };
                self.bump();
                let value = self
                    .word("a value to compare with (a number, an option id, yes or no)")
                    .map_err(|d| d.with_hint(format!("e.g. `{} {} 2`", left.text, op.symbol())))?;
                let span = Span::new(start, value.span.end);
                Ok(Expr {
                    kind: ExprKind::Compare {
                        question: left,
                        op,
                        value,
                    },
                    span,
                })
            }
            Some(Tok::RParen) => Err(Diagnostic::new(self.here(), "unexpected `)`")),
            Some(Tok::Op(op)) => Err(Diagnostic::new(
                self.here(),
                format!("expected a question id before `{}`", op.symbol()),
            )),
            None => Err(Diagnostic::new(self.here(), "condition ends too early")
                .with_hint("something is missing after the last `and`, `or`, `not` or `(`")),
        }
    }

    fn expect_lparen(&mut self, context: &str) -> Result<(), Diagnostic> {
        if self.peek() == Some(&Tok::LParen) {
            self.bump();
            Ok(())
        } else {
            Err(Diagnostic::new(
                self.here(),
                format!("expected `(` {context}"),
            ))
        }
    }

    /// A non-keyword word: an id, a number, `yes` or `no`.
    fn word(&mut self, what: &str) -> Result<Word, Diagnostic> {
        match self.peek() {
            Some(Tok::Word(w)) if !KEYWORDS.contains(&w.as_str()) => {
                let text = w.clone();
                let span = self.bump();
                Ok(Word { text, span })
            }
            Some(Tok::Word(w)) => Err(Diagnostic::new(
                self.here(),
                format!("expected {what}, found the keyword `{w}`"),
            )),
            _ => Err(Diagnostic::new(self.here(), format!("expected {what}"))),
        }
    }
}

// ---------------------------------------------------------------------------
// Checked conditions.

/// A value a question's answer is compared with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Option(String),
    Bool(bool),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Option(id) => f.write_str(id),
            Value::Bool(true) => f.write_str("yes"),
            Value::Bool(false) => f.write_str("no"),
        }
    }
}

/// A condition checked against its survey: every name is an earlier
/// question, every value fits that question's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    Or(Vec<Condition>),
    And(Vec<Condition>),
    Not(Box<Condition>),
    Answered(String),
    /// `option in question`: the option was chosen (multi, ranking, choice).
    Contains {
        question: String,
        option: String,
    },
    Compare {
        question: String,
        op: CmpOp,
        value: Value,
    },
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Or(xs) => join(f, xs, " or ", |x| matches!(x, Condition::Or(_))),
            Condition::And(xs) => join(f, xs, " and ", |x| {
                matches!(x, Condition::Or(_) | Condition::And(_))
            }),
            Condition::Not(x) => {
                f.write_str("not ")?;
                group(f, x, matches!(**x, Condition::Or(_) | Condition::And(_)))
            }
            Condition::Answered(q) => write!(f, "answered({q})"),
            Condition::Contains { question, option } => write!(f, "{option} in {question}"),
            Condition::Compare {
                question,
                op,
                value,
            } => write!(f, "{question} {} {value}", op.symbol()),
        }
    }
}

impl Condition {
    /// Three-valued evaluation; `None` is "unknown" (see the module docs).
    pub fn eval(&self, answers: &Answers) -> Option<bool> {
        self.eval_with(&|q| answers.get(q))
    }

    /// [`Condition::eval`] over any way of finding a question's answer.
    pub fn eval_with<'a>(&self, answer: &impl Fn(&str) -> Option<&'a Answer>) -> Option<bool> {
        match self {
            Condition::Or(xs) => {
                let mut result = Some(false);
                for x in xs {
                    match x.eval_with(answer) {
                        Some(true) => return Some(true),
                        None => result = None,
                        Some(false) => {}
                    }
                }
                result
            }
            Condition::And(xs) => {
                let mut result = Some(true);
                for x in xs {
                    match x.eval_with(answer) {
                        Some(false) => return Some(false),
                        None => result = None,
                        Some(true) => {}
                    }
                }
                result
            }
            Condition::Not(x) => x.eval_with(answer).map(|b| !b),
            Condition::Answered(q) => Some(answer(q).is_some()),
            Condition::Contains { question, option } => {
                let chosen = match answer(question)? {
                    Answer::Multi { options, other } => {
                        options.contains(option) || (option == OTHER_OPTION && other.is_some())
                    }
                    Answer::Ranking(order) => order.contains(option),
                    Answer::Choice(picked) => picked_id(picked) == option,
                    _ => return None,
                };
                Some(chosen)
            }
            Condition::Compare {
                question,
                op,
                value,
            } => match (answer(question)?, value) {
                (Answer::Rating(a) | Answer::Nps(a), Value::Int(b)) => {
                    Some(op.holds(i64::from(*a), *b))
                }
                (Answer::Number(a), Value::Int(b)) => Some(op.holds(*a, *b)),
                (Answer::YesNo(a), Value::Bool(b)) => Some(op.holds(a, b)),
                (Answer::Choice(picked), Value::Option(b)) if op.is_equality() => {
                    Some(op.holds(picked_id(picked), b.as_str()))
                }
                _ => None,
            },
        }
    }

    /// Whether the condition is definitely true.
    pub fn holds(&self, answers: &Answers) -> bool {
        self.eval(answers) == Some(true)
    }

    /// The question ids this condition reads.
    pub fn questions(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_questions(&mut out);
        out
    }

    fn collect_questions<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Condition::Or(xs) | Condition::And(xs) => {
                xs.iter().for_each(|x| x.collect_questions(out));
            }
            Condition::Not(x) => x.collect_questions(out),
            Condition::Answered(q)
            | Condition::Contains { question: q, .. }
            | Condition::Compare { question: q, .. } => out.push(q),
        }
    }
}

fn picked_id(picked: &Picked) -> &str {
    match picked {
        Picked::Option(id) => id,
        Picked::Other(_) => OTHER_OPTION,
    }
}

/// What a condition may refer to: the questions before the one it belongs to.
pub struct Scope<'a> {
    /// Earlier questions that were valid enough to check against.
    pub earlier: &'a [Question],
    /// Ids of earlier questions that had errors of their own; names of
    /// these are accepted without further checks, to avoid noise.
    pub earlier_broken: &'a [String],
    /// The id of the question the condition belongs to.
    pub this: &'a str,
    /// Ids of the questions after this one.
    pub later: &'a [String],
}

/// Checks a parsed condition against the survey; spans in the errors are
/// relative to the condition text. Reports every problem, not just the first.
pub fn check(expr: &Expr, scope: &Scope<'_>) -> Result<Condition, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let checked = check_into(expr, scope, &mut errors);
    match checked {
        Some(c) if errors.is_empty() => Ok(c),
        _ => Err(errors),
    }
}

fn check_into(expr: &Expr, scope: &Scope<'_>, errors: &mut Vec<Diagnostic>) -> Option<Condition> {
    let all = |xs: &[Expr], errors: &mut Vec<Diagnostic>| {
        let checked: Vec<_> = xs.iter().map(|x| check_into(x, scope, errors)).collect();
        checked.into_iter().collect::<Option<Vec<_>>>()
    };
    match &expr.kind {
        ExprKind::Or(xs) => all(xs, errors).map(Condition::Or),
        ExprKind::And(xs) => all(xs, errors).map(Condition::And),
        ExprKind::Not(x) => check_into(x, scope, errors).map(|c| Condition::Not(Box::new(c))),
        ExprKind::Answered(q) => {
            resolve(q, scope, errors)?;
            Some(Condition::Answered(q.text.clone()))
        }
        ExprKind::In { option, question } => {
            let q = resolve(question, scope, errors)?;
            match &q.kind {
                QuestionKind::Multi { .. }
                | QuestionKind::Ranking { .. }
                | QuestionKind::Choice { .. } => {
                    if !q.kind.has_option(&option.text) {
                        errors.push(unknown_option(option, q));
                        return None;
                    }
                    Some(Condition::Contains {
                        question: q.id.clone(),
                        option: option.text.clone(),
                    })
                }
                kind => {
                    errors.push(
                        Diagnostic::new(
                            expr.span,
                            format!(
                                "`in` needs a multi, ranking or choice question, but `{}` is a {} question",
                                q.id,
                                kind.type_name()
                            ),
                        )
                        .with_hint(format!("compare instead, e.g. `{} == ...`", q.id)),
                    );
                    None
                }
            }
        }
        ExprKind::Compare {
            question,
            op,
            value,
        } => {
            let q = resolve(question, scope, errors)?;
            match compare_value(q, *op, value, expr.span) {
                Ok(v) => Some(Condition::Compare {
                    question: q.id.clone(),
                    op: *op,
                    value: v,
                }),
                Err(d) => {
                    errors.push(d);
                    None
                }
            }
        }
    }
}

/// Finds the earlier question a name refers to, or says why it cannot.
fn resolve<'a>(
    name: &Word,
    scope: &Scope<'a>,
    errors: &mut Vec<Diagnostic>,
) -> Option<&'a Question> {
    let id = name.text.as_str();
    if let Some(q) = scope.earlier.iter().find(|q| q.id == id) {
        return Some(q);
    }
    if scope.earlier_broken.iter().any(|b| b == id) {
        return None;
    }
    let diagnostic = if id == scope.this {
        Diagnostic::new(
            name.span,
            format!("the condition of `{id}` names `{id}` itself"),
        )
        .with_hint("a condition can only use answers to earlier questions")
    } else if scope.later.iter().any(|l| l == id) {
        Diagnostic::new(
            name.span,
            format!(
                "`{id}` comes after `{}`, so it has no answer yet when this condition is read",
                scope.this
            ),
        )
        .with_hint(format!(
            "move `{}` after `{id}`, or name an earlier question",
            scope.this
        ))
    } else {
        let known = scope
            .earlier
            .iter()
            .map(|q| q.id.as_str())
            .chain(scope.earlier_broken.iter().map(String::as_str));
        let d = Diagnostic::new(
            name.span,
            format!("no question {} before this one", quote(id)),
        );
        match super::suggest::closest(id, known) {
            Some(s) => d.with_hint(format!("did you mean `{s}`?")),
            None => {
                d.with_hint("a condition can name only questions that come earlier in the file")
            }
        }
    };
    errors.push(diagnostic);
    None
}

fn unknown_option(option: &Word, q: &Question) -> Diagnostic {
    let ids = q
        .kind
        .options()
        .iter()
        .map(|o| o.id.as_str())
        .chain(q.kind.has_other().then_some(OTHER_OPTION));
    let d = Diagnostic::new(
        option.span,
        format!("`{}` has no option {}", q.id, quote(&option.text)),
    );
    let list: Vec<&str> = ids.clone().collect();
    match super::suggest::closest(&option.text, ids) {
        Some(s) => d.with_hint(format!("did you mean `{s}`?")),
        None => d.with_hint(format!("its options are: {}", list.join(", "))),
    }
}

/// The typed value of a comparison, or why it does not fit the question.
fn compare_value(q: &Question, op: CmpOp, value: &Word, span: Span) -> Result<Value, Diagnostic> {
    let text = value.text.as_str();
    let ty = q.kind.type_name();
    match &q.kind {
        QuestionKind::Rating { .. } | QuestionKind::Nps | QuestionKind::Number { .. } => {
            let (min, max) = q.kind.int_range().unwrap_or((i64::MIN, i64::MAX));
            let Ok(n) = text.parse::<i64>() else {
                return Err(Diagnostic::new(
                    value.span,
                    format!("`{}` is a {ty} question, so it is compared with a whole number, not {}", q.id, quote(text)),
                )
                .with_hint(format!("e.g. `{} <= {}`", q.id, max.min(2).max(min))));
            };
            if !(min..=max).contains(&n) {
                return Err(Diagnostic::new(
                    value.span,
                    format!("{n} is outside the answers of `{}` ({min}..={max})", q.id),
                )
                .with_hint("compare with a value the question can actually take"));
            }
            Ok(Value::Int(n))
        }
        QuestionKind::YesNo => {
            if !op.is_equality() {
                return Err(order_on_unordered(q, op, "`== yes` or `== no`", span));
            }
            match text {
                "yes" => Ok(Value::Bool(true)),
                "no" => Ok(Value::Bool(false)),
                _ => Err(Diagnostic::new(
                    value.span,
                    format!("`{}` is a yesno question, so it is compared with `yes` or `no`, not {}", q.id, quote(text)),
                )),
            }
        }
        QuestionKind::Choice { .. } => {
            if !op.is_equality() {
                return Err(order_on_unordered(q, op, "`==` or `!=` with an option id", span));
            }
            if !q.kind.has_option(text) {
                return Err(unknown_option(value, q));
            }
            Ok(Value::Option(text.to_owned()))
        }
        QuestionKind::Multi { .. } | QuestionKind::Ranking { .. } => Err(Diagnostic::new(
            value.span,
            format!("`{}` is a {ty} question and has several answers, so it cannot be compared with `{}`", q.id, op.symbol()),
        )
        .with_hint(format!("write `OPTION in {}`, e.g. `{} in {}`", q.id, q.kind.options().first().map_or("option", |o| o.id.as_str()), q.id))),
        QuestionKind::Text { .. } => Err(Diagnostic::new(
            value.span,
            format!("`{}` is a text question; its answer cannot be compared", q.id),
        )
        .with_hint(format!("use `answered({})` to test whether it was answered", q.id))),
    }
}

fn order_on_unordered(q: &Question, op: CmpOp, instead: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        span,
        format!(
            "`{}` is a {} question; its answers have no order, so `{}` does not apply",
            q.id,
            q.kind.type_name(),
            op.symbol()
        ),
    )
    .with_hint(format!("use {instead}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::answer::{Answer, Answers, Picked};
    use crate::core::survey::Survey;
    use crate::core::validate::survey_from_str;
    use proptest::prelude::*;

    fn survey() -> Survey {
        survey_from_str(include_str!("testdata/all_types.toml")).unwrap()
    }

    /// Checks `text` as the condition of the last question of the test survey.
    fn checked(text: &str) -> Result<Condition, Vec<Diagnostic>> {
        let survey = survey();
        let expr = parse(text).map_err(|d| vec![d])?;
        let n = survey.questions.len();
        check(
            &expr,
            &Scope {
                earlier: &survey.questions[..n - 1],
                earlier_broken: &[],
                this: "phone_grade",
                later: &["later".to_owned()],
            },
        )
    }

    fn first_error(text: &str) -> String {
        match checked(text) {
            Ok(c) => panic!("`{text}` was accepted as {c}"),
            Err(ds) => ds[0].message.clone(),
        }
    }

    fn answers(pairs: &[(&str, Answer)]) -> Answers {
        pairs
            .iter()
            .map(|(q, a)| ((*q).to_owned(), a.clone()))
            .collect()
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let e = parse("not a == 1 and b == 2 or c == 3")
            .unwrap()
            .without_spans();
        assert_eq!(e.to_string(), "not a == 1 and b == 2 or c == 3");
        let ExprKind::Or(items) = &e.kind else {
            panic!("{e:?}")
        };
        assert!(
            matches!(&items[0].kind, ExprKind::And(xs) if matches!(xs[0].kind, ExprKind::Not(_)))
        );
    }

    #[test]
    fn parentheses_group_and_are_printed_back() {
        let e = parse("(a == 1 or b == 2) and not (c in d)").unwrap();
        assert_eq!(e.to_string(), "(a == 1 or b == 2) and not c in d");
        let again = parse(&e.to_string()).unwrap().without_spans();
        assert_eq!(again, e.without_spans());
    }

    #[test]
    fn parse_errors_point_inside_the_text() {
        let cases = [
            ("overall <= ", 10, "expected a value"),
            ("overall = 2", 8, "`=` is not an operator"),
            ("a == 1 && b == 2", 7, "`&` is not an operator"),
            ("(a == 1", 7, "expected `)`"),
            ("a == 1)", 6, "unmatched `)`"),
            ("a == 'x'", 5, "quotes"),
            ("a b", 2, "expected a comparison"),
            ("", 0, "empty condition"),
            ("answered overall", 9, "expected `(`"),
            ("a == 1 and", 10, "ends too early"),
            ("a == and", 5, "keyword `and`"),
        ];
        for (text, at, message) in cases {
            let d = parse(text).unwrap_err();
            assert_eq!(d.span.start, at, "{text}: {d:?}");
            assert!(d.message.contains(message), "{text}: {}", d.message);
        }
    }

    #[test]
    fn nesting_and_length_are_bounded() {
        let deep = format!("{}a == 1{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).unwrap_err().message.contains("nested"));
        let nots = format!("{}a == 1", "not ".repeat(100));
        assert!(parse(&nots).unwrap_err().message.contains("nested"));
        let long = "a == 1 or ".repeat(300) + "a == 1";
        assert!(parse(&long).unwrap_err().message.contains("at most"));
    }

    #[test]
    fn accepts_what_each_type_can_answer() {
        for ok in [
            "overall <= 2",
            "recommend >= 9",
            "visits > 10",
            "solved == yes",
            "solved != no",
            "group == resident",
            "group != other",
            "staff in group",
            "phone in channels",
            "other in channels",
            "speed in priorities",
            "answered(channels)",
        ] {
            assert!(checked(ok).is_ok(), "{ok}: {:?}", checked(ok));
        }
    }

    #[test]
    fn rejects_values_of_the_wrong_kind_or_range() {
        let cases = [
            ("overall <= 7", "outside the answers"),
            ("overall == good", "whole number"),
            ("recommend > 11", "outside the answers"),
            ("visits < -1", "outside the answers"),
            ("solved == 1", "`yes` or `no`"),
            ("solved < yes", "no order"),
            ("group < staff", "no order"),
            ("group == manager", "has no option `manager`"),
            ("channels == phone", "several answers"),
            ("why == x", "text question"),
            ("fax in channels", "has no option `fax`"),
            ("x in overall", "`in` needs"),
            ("missing == 1", "no question `missing`"),
            ("later == 1", "comes after"),
            ("phone_grade == 1", "itself"),
        ];
        for (text, message) in cases {
            let got = first_error(text);
            assert!(got.contains(message), "{text}: {got}");
        }
    }

    #[test]
    fn every_problem_is_reported() {
        let errors = checked("overall <= 9 or missing == 1 or solved == maybe").unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
    }

    #[test]
    fn unanswered_questions_make_comparisons_unknown() {
        let c = checked("overall <= 2").unwrap();
        assert_eq!(c.eval(&Answers::new()), None);
        assert!(!c.holds(&Answers::new()));
        // `not unknown` is still unknown: the question stays hidden.
        let c = checked("not (overall <= 2)").unwrap();
        assert_eq!(c.eval(&Answers::new()), None);
        // `unknown or true` is true, `unknown and false` is false.
        let yes = answers(&[("solved", Answer::YesNo(false))]);
        assert_eq!(
            checked("overall <= 2 or solved == no").unwrap().eval(&yes),
            Some(true)
        );
        assert_eq!(
            checked("overall <= 2 and solved == yes")
                .unwrap()
                .eval(&yes),
            Some(false)
        );
        assert_eq!(
            checked("answered(overall)").unwrap().eval(&yes),
            Some(false)
        );
    }

    #[test]
    fn evaluates_against_answers() {
        let a = answers(&[
            ("group", Answer::Choice(Picked::Other("visitor".into()))),
            (
                "channels",
                Answer::Multi {
                    options: vec!["phone".into()],
                    other: None,
                },
            ),
            (
                "priorities",
                Answer::Ranking(vec!["quality".into(), "speed".into()]),
            ),
            ("overall", Answer::Rating(2)),
            ("recommend", Answer::Nps(9)),
            ("visits", Answer::Number(12)),
        ]);
        let holds = |t: &str| checked(t).unwrap().holds(&a);
        assert!(holds("overall <= 2 and recommend >= 9 and visits > 10"));
        assert!(holds("group == other and other in group"));
        assert!(!holds("group == resident"));
        assert!(holds("phone in channels and not (email in channels)"));
        assert!(!holds("other in channels"));
        assert!(holds("speed in priorities and not (access in priorities)"));
    }

    #[test]
    fn checked_conditions_print_in_canonical_form() {
        let c = checked("(solved==no)or(overall<=2 and phone in channels)").unwrap();
        assert_eq!(
            c.to_string(),
            "solved == no or overall <= 2 and phone in channels"
        );
        assert_eq!(checked(&c.to_string()).unwrap(), c);
    }

    fn arb_word() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z][a-z0-9_-]{0,6}"
                .prop_filter("not a keyword", |w| !KEYWORDS.contains(&w.as_str())),
            (-1000i64..1000).prop_map(|n| n.to_string()),
        ]
    }

    fn word(text: String) -> Word {
        Word {
            text,
            span: Span::default(),
        }
    }

    fn expr(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: Span::default(),
        }
    }

    fn arb_expr() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![
            arb_word().prop_map(|q| expr(ExprKind::Answered(word(q)))),
            (arb_word(), arb_word()).prop_map(|(o, q)| expr(ExprKind::In {
                option: word(o),
                question: word(q)
            })),
            (
                arb_word(),
                proptest::sample::select(CmpOp::ALL.to_vec()),
                arb_word()
            )
                .prop_map(|(q, op, v)| {
                    expr(ExprKind::Compare {
                        question: word(q),
                        op,
                        value: word(v),
                    })
                }),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(|xs| expr(ExprKind::Or(xs))),
                prop::collection::vec(inner.clone(), 2..4).prop_map(|xs| expr(ExprKind::And(xs))),
                inner.prop_map(|x| expr(ExprKind::Not(Box::new(x)))),
            ]
        })
    }

    proptest! {
        #[test]
        fn printed_conditions_parse_back_to_the_same_tree(e in arb_expr()) {
            let printed = e.to_string();
            let parsed = parse(&printed).map_err(|d| TestCaseError::fail(format!("{printed}: {d:?}")))?;
            prop_assert_eq!(parsed.without_spans(), e);
        }

        #[test]
        fn parsing_never_panics_and_spans_stay_inside(text in "[a-z0-9 ()=!<>_&|'-]{0,60}|\\PC{0,40}") {
            match parse(&text) {
                Ok(e) => prop_assert!(e.span.end <= text.len()),
                Err(d) => prop_assert!(d.span.start <= text.len() && d.span.end <= text.len(), "{d:?}"),
            }
        }
    }
}
