//! One small vocabulary for SQL that runs on both engines: read models, claims and the append
//! itself are written once, with `$n` placeholders (SQLite accepts them too) and `Arg` binds.
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, FromRow, PgConnection, PgPool, SqliteConnection, SqlitePool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A bind value. Read models use only these column types so one statement fits both engines.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    Float(f64),
}

impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Self::Float(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Self::OptText(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Self::OptText(v.map(str::to_owned))
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Self::OptInt(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

/// Builds an argument list: `args![a, b, c]`.
#[macro_export]
macro_rules! args {
    ($($a:expr),* $(,)?) => { [$($crate::Arg::from($a)),*] };
}

macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                Arg::Text(v) => q.bind(v.as_str()),
                Arg::OptText(v) => q.bind(v.as_deref()),
                Arg::Int(v) => q.bind(*v),
                Arg::OptInt(v) => q.bind(*v),
                Arg::Bool(v) => q.bind(*v),
                Arg::Float(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// Rows that decode the same way from both engines (`#[derive(sqlx::FromRow)]` gives this).
pub trait AnyRow: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> AnyRow for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

fn sql_text(sql: &str) -> AssertSqlSafe<String> {
    // every statement passed here is written by this crate's callers with `$n` binds for data;
    // only table names (from projector definitions, never from input) are formatted in
    AssertSqlSafe(sql.to_owned())
}

/// A connection inside an open transaction, on either engine.
pub enum Tx<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
    /// A rebuild's page into fresh tables: writes are gathered and sent together (see
    /// `WriteBatch`) before the next read and at the end of the page.
    Batched(Box<WriteBatch<'c>>),
}

/// Statements gathered before a batch goes to the database.
const BATCH_STATEMENTS: usize = 1_000;

/// Writes gathered into one round trip: every statement costs a hand-off to sqlx's SQLite worker
/// thread, or a round trip to PostgreSQL, and a projector that writes one statement per event
/// pays that per event. A batch is one multi-statement text: on SQLite with positional `?` binds
/// (renumbered across its statements, which sqlx binds in order), on PostgreSQL with the values
/// inlined as literals (quoted, `standard_conforming_strings` on) and sent with the simple query
/// protocol, the only one that takes several statements at once. An `execute` in a batch reports
/// 0 rows affected: only a rebuild's writes into fresh tables are batched, and projectors do not
/// read that count.
pub struct WriteBatch<'c> {
    inner: Tx<'c>,
    sql: String,
    args: Vec<Arg>,
    statements: usize,
}

impl<'c> WriteBatch<'c> {
    pub(crate) fn new(inner: Tx<'c>) -> Self {
        Self { inner, sql: String::new(), args: Vec::new(), statements: 0 }
    }

    fn push(&mut self, sql: &str, args: &[Arg]) {
        let postgres = self.inner.engine() == Engine::Postgres;
        let (mut quoted, mut bare) = (false, 0);
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            let placeholder = !quoted && (c == '$' || c == '?');
            if !placeholder {
                quoted ^= c == '\'';
                self.sql.push(c);
                continue;
            }
            let mut number = String::new();
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                number.push(d);
            }
            // `$n` names its argument; a bare `?` takes the next one
            let index = match number.parse::<usize>() {
                Ok(n) => n.saturating_sub(1),
                Err(_) => {
                    bare += 1;
                    bare - 1
                }
            };
            let arg = args.get(index).cloned().unwrap_or(Arg::OptText(None));
            if postgres {
                self.sql.push_str(&literal(&arg));
            } else {
                self.sql.push('?');
                self.args.push(arg);
            }
        }
        self.sql.push_str(";\n");
        self.statements += 1;
    }

    pub(crate) async fn flush(&mut self) -> Result<(), sqlx::Error> {
        if self.statements == 0 {
            return Ok(());
        }
        let (sql, args) = (std::mem::take(&mut self.sql), std::mem::take(&mut self.args));
        self.statements = 0;
        match &mut self.inner {
            Tx::Sqlite(c) => {
                // one text per batch: not worth a place in the prepared-statement cache
                bind_all!(sqlx::query(AssertSqlSafe(sql)).persistent(false), &args).execute(&mut **c).await?;
            }
            Tx::Postgres(c) => {
                let sql = format!("set local standard_conforming_strings = on;\n{sql}");
                sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **c).await?;
            }
            Tx::Batched(_) => {}
        }
        Ok(())
    }
}

/// A value as a PostgreSQL literal (with `standard_conforming_strings` on, a quote is the only
/// character to escape in a string).
fn literal(arg: &Arg) -> String {
    let text = |s: &str| format!("'{}'", s.replace('\'', "''"));
    match arg {
        Arg::Text(s) | Arg::OptText(Some(s)) => text(s),
        Arg::OptText(None) | Arg::OptInt(None) => "NULL".to_owned(),
        Arg::Int(v) | Arg::OptInt(Some(v)) => v.to_string(),
        Arg::Bool(b) => b.to_string(),
        Arg::Float(f) if f.is_finite() => format!("{f:?}::float8"),
        Arg::Float(f) => format!("'{f}'::float8"),
    }
}

impl Tx<'_> {
    pub fn engine(&self) -> Engine {
        match self {
            Self::Sqlite(_) => Engine::Sqlite,
            Self::Postgres(_) => Engine::Postgres,
            Self::Batched(b) => b.inner.engine(),
        }
    }

    /// `rows` parenthesised groups of `columns` placeholders for a multi-row statement, binding
    /// in order. SQLite gets plain `?`: sqlx resolves named `$n` by name, which grows with the
    /// square of the number of binds.
    pub fn values(&self, rows: usize, columns: usize) -> String {
        let mut n = 0;
        let group = |n: &mut usize| {
            let cells: Vec<String> = (0..columns)
                .map(|_| {
                    *n += 1;
                    match self.engine() {
                        Engine::Sqlite => "?".to_owned(),
                        Engine::Postgres => format!("${n}"),
                    }
                })
                .collect();
            format!("({})", cells.join(", "))
        };
        (0..rows).map(|_| group(&mut n)).collect::<Vec<_>>().join(", ")
    }

    pub async fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Self::Sqlite(c) => bind_all!(sqlx::query(sql_text(sql)), args).execute(&mut **c).await?.rows_affected(),
            Self::Postgres(c) => bind_all!(sqlx::query(sql_text(sql)), args).execute(&mut **c).await?.rows_affected(),
            Self::Batched(b) => {
                b.push(sql, args);
                if b.statements >= BATCH_STATEMENTS {
                    b.flush().await?;
                }
                0
            }
        })
    }

    pub async fn fetch_all<T: AnyRow>(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<T>, sqlx::Error> {
        match self {
            Self::Sqlite(c) => bind_all!(sqlx::query_as(sql_text(sql)), args).fetch_all(&mut **c).await,
            Self::Postgres(c) => bind_all!(sqlx::query_as(sql_text(sql)), args).fetch_all(&mut **c).await,
            Self::Batched(b) => {
                b.flush().await?;
                Box::pin(b.inner.fetch_all(sql, args)).await
            }
        }
    }

    pub async fn fetch_optional<T: AnyRow>(&mut self, sql: &str, args: &[Arg]) -> Result<Option<T>, sqlx::Error> {
        match self {
            Self::Sqlite(c) => bind_all!(sqlx::query_as(sql_text(sql)), args).fetch_optional(&mut **c).await,
            Self::Postgres(c) => bind_all!(sqlx::query_as(sql_text(sql)), args).fetch_optional(&mut **c).await,
            Self::Batched(b) => {
                b.flush().await?;
                Box::pin(b.inner.fetch_optional(sql, args)).await
            }
        }
    }
}

/// The read side: a pool of read connections on either engine.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    pub fn engine(&self) -> Engine {
        match self {
            Self::Sqlite(_) => Engine::Sqlite,
            Self::Postgres(_) => Engine::Postgres,
        }
    }

    pub async fn fetch_all<T: AnyRow>(&self, sql: &str, args: &[Arg]) -> Result<Vec<T>, sqlx::Error> {
        match self {
            Self::Sqlite(p) => bind_all!(sqlx::query_as(sql_text(sql)), args).fetch_all(p).await,
            Self::Postgres(p) => bind_all!(sqlx::query_as(sql_text(sql)), args).fetch_all(p).await,
        }
    }

    pub async fn fetch_optional<T: AnyRow>(&self, sql: &str, args: &[Arg]) -> Result<Option<T>, sqlx::Error> {
        match self {
            Self::Sqlite(p) => bind_all!(sqlx::query_as(sql_text(sql)), args).fetch_optional(p).await,
            Self::Postgres(p) => bind_all!(sqlx::query_as(sql_text(sql)), args).fetch_optional(p).await,
        }
    }

    /// Rows whose every column `sql` casts to text, as strings (`None` for SQL null): for exports
    /// that do not know the columns' types.
    pub async fn fetch_text_rows(&self, sql: &str, args: &[Arg]) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
        use sqlx::Row as _;
        match self {
            Self::Sqlite(p) => {
                let rows = bind_all!(sqlx::query(sql_text(sql)), args).fetch_all(p).await?;
                rows.iter().map(|r| (0..r.len()).map(|i| r.try_get::<Option<String>, _>(i)).collect()).collect()
            }
            Self::Postgres(p) => {
                let rows = bind_all!(sqlx::query(sql_text(sql)), args).fetch_all(p).await?;
                rows.iter().map(|r| (0..r.len()).map(|i| r.try_get::<Option<String>, _>(i)).collect()).collect()
            }
        }
    }

    /// The pool's open connections and how many of them are idle.
    pub fn pool_usage(&self) -> (u32, usize) {
        match self {
            Self::Sqlite(p) => (p.size(), p.num_idle()),
            Self::Postgres(p) => (p.size(), p.num_idle()),
        }
    }

    /// Writes outside the event log (signing keys); never used for read models.
    pub async fn execute(&self, sql: &str, args: &[Arg]) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Self::Sqlite(p) => bind_all!(sqlx::query(sql_text(sql)), args).execute(p).await?.rows_affected(),
            Self::Postgres(p) => bind_all!(sqlx::query(sql_text(sql)), args).execute(p).await?.rows_affected(),
        })
    }
}
