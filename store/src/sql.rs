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

/// A column's type in a JSON row source (`Tx::json_rows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Text,
    Int,
    Bool,
    Float,
}

impl Col {
    fn pg_type(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Int => "bigint",
            Self::Bool => "boolean",
            Self::Float => "double precision",
        }
    }
}

impl Arg {
    fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Self::Text(v) => Value::from(v.as_str()),
            Self::OptText(v) => v.as_deref().map_or(Value::Null, Value::from),
            Self::Int(v) => Value::from(*v),
            Self::OptInt(v) => v.map_or(Value::Null, Value::from),
            Self::Bool(v) => Value::from(*v),
            Self::Float(v) => serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number),
        }
    }
}

/// The bind for a `Tx::json_rows` source: the rows (each in its columns' order) as a JSON array.
pub fn json_rows_arg<R: AsRef<[Arg]>>(rows: &[R]) -> Arg {
    let rows = rows.iter().map(|row| serde_json::Value::Array(row.as_ref().iter().map(Arg::to_json).collect()));
    Arg::Text(serde_json::Value::Array(rows.collect()).to_string())
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
}

impl Tx<'_> {
    pub fn engine(&self) -> Engine {
        match self {
            Self::Sqlite(_) => Engine::Sqlite,
            Self::Postgres(_) => Engine::Postgres,
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
                    match self {
                        Self::Sqlite(_) => "?".to_owned(),
                        Self::Postgres(_) => format!("${n}"),
                    }
                })
                .collect();
            format!("({})", cells.join(", "))
        };
        (0..rows).map(|_| group(&mut n)).collect::<Vec<_>>().join(", ")
    }

    /// A row source `v` of columns `c1..cN` (typed by `cols`) read from one JSON parameter `$n`,
    /// whose value `json_rows_arg` makes from the rows: `insert into t (…) select c1, … from
    /// {source} where true on conflict …` or `update t set … from {source} where t.id = v.c1`. A page's
    /// rows go in one statement with one bind: each bind and each statement cost more (sqlx hands
    /// them to SQLite's worker thread, or across the network to PostgreSQL) than parsing the JSON.
    /// On SQLite `jsonb_each` hands each row over as binary JSON, which `->>` reads without
    /// parsing; `json_each` hands it over as text, and every `->>` of a column re-parsed it.
    pub fn json_rows(&self, n: usize, cols: &[Col]) -> String {
        let cells = cols.iter().enumerate().map(|(i, col)| {
            let c = i + 1;
            match self {
                Self::Sqlite(_) => format!("value ->> {i} as c{c}"),
                Self::Postgres(_) => format!("(value ->> {i})::{} as c{c}", col.pg_type()),
            }
        });
        let cells = cells.collect::<Vec<_>>().join(", ");
        match self {
            Self::Sqlite(_) => format!("(select {cells} from jsonb_each(${n})) as v"),
            Self::Postgres(_) => format!("(select {cells} from jsonb_array_elements(${n}::jsonb) as r(value)) as v"),
        }
    }

    pub async fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Self::Sqlite(c) => bind_all!(sqlx::query(sql_text(sql)), args).execute(&mut **c).await?.rows_affected(),
            Self::Postgres(c) => bind_all!(sqlx::query(sql_text(sql)), args).execute(&mut **c).await?.rows_affected(),
        })
    }

    pub async fn fetch_all<T: AnyRow>(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<T>, sqlx::Error> {
        match self {
            Self::Sqlite(c) => bind_all!(sqlx::query_as(sql_text(sql)), args).fetch_all(&mut **c).await,
            Self::Postgres(c) => bind_all!(sqlx::query_as(sql_text(sql)), args).fetch_all(&mut **c).await,
        }
    }

    pub async fn fetch_optional<T: AnyRow>(&mut self, sql: &str, args: &[Arg]) -> Result<Option<T>, sqlx::Error> {
        match self {
            Self::Sqlite(c) => bind_all!(sqlx::query_as(sql_text(sql)), args).fetch_optional(&mut **c).await,
            Self::Postgres(c) => bind_all!(sqlx::query_as(sql_text(sql)), args).fetch_optional(&mut **c).await,
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
