//! The projector contract. A projector copies events into its own tables; it holds no rules.
//! The same code runs inline (inside the append transaction), in catch-up mode and in rebuilds.
use crate::error::StoreError;
use crate::model::RecordedEvent;
use crate::sql::Tx;
use async_trait::async_trait;

/// One table a projector owns. `ddl` creates the table and `indexes` its indexes (both
/// `;`-separated; `{name}` stands for the physical name of any of the projector's tables), so a
/// rebuild can create fresh copies and index them once they are live. Every table needs a primary
/// key: the rebuild compares tables as sets of distinct rows.
#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    pub name: &'static str,
    pub ddl: &'static str,
    pub indexes: &'static str,
}

/// Maps a projector's logical table names to physical ones: the live tables, or a rebuild's
/// fresh set (`user_view__rb_1a2b3c`).
#[derive(Debug, Clone, Default)]
pub struct Tables {
    suffix: String,
}

impl Tables {
    pub fn live() -> Self {
        Self::default()
    }

    pub fn with_suffix(suffix: impl Into<String>) -> Self {
        Self { suffix: suffix.into() }
    }

    pub fn name(&self, logical: &str) -> String {
        format!("{logical}{}", self.suffix)
    }

    pub fn is_live(&self) -> bool {
        self.suffix.is_empty()
    }

    /// The table DDL of `specs` with every `{table}` placeholder replaced by its physical name.
    pub fn ddl(&self, specs: &[TableSpec]) -> Vec<String> {
        self.statements(specs, |spec| spec.ddl)
    }

    pub fn index_ddl(&self, specs: &[TableSpec]) -> Vec<String> {
        self.statements(specs, |spec| spec.indexes)
    }

    fn statements(&self, specs: &[TableSpec], part: fn(&TableSpec) -> &'static str) -> Vec<String> {
        specs
            .iter()
            .flat_map(|spec| part(spec).split(';'))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|statement| {
                specs.iter().fold(statement.to_owned(), |s, spec| {
                    s.replace(&format!("{{{}}}", spec.name), &self.name(spec.name))
                })
            })
            .collect()
    }
}

#[async_trait]
pub trait Projector: Send + Sync {
    /// Stable name: the checkpoint key and the `users-api rebuild <name>` argument.
    fn name(&self) -> &'static str;

    fn tables(&self) -> &'static [TableSpec];

    /// The stream types whose events this projector reads (`None`: all). An append to a stream
    /// of another type skips the projector without preparing anything for it.
    fn stream_types(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// The event types this projector writes for (`None`: every event of its stream types). An
    /// append of none of them skips the projector; an append that no inline projector, claim or
    /// outbox message needs is a single statement, with no transaction around it.
    fn event_types(&self) -> Option<&'static [&'static str]> {
        None
    }

    fn reads(&self, stream_type: &str) -> bool {
        self.stream_types().is_none_or(|types| types.contains(&stream_type))
    }

    /// Whether an append of these events to a stream of `stream_type` concerns this projector.
    fn wants(&self, stream_type: &str, events: &[crate::NewEvent]) -> bool {
        self.reads(stream_type)
            && self.event_types().is_none_or(|types| events.iter().any(|e| types.contains(&e.event_type.as_str())))
    }

    /// Copy a page of events, in log order (an append's events, a catch-up batch, a rebuild
    /// page). Ignores event types it does not know. The runner applies each event exactly once (the
    /// checkpoint commits with the tables). Write a page with one statement per table where it
    /// matters, its rows in one JSON bind (`Tx::json_rows`, ADR 0025): every statement costs a
    /// round trip to the database, and every bind a call.
    async fn apply_batch(&self, tx: &mut Tx<'_>, tables: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[TableSpec] = &[
        TableSpec {
            name: "a",
            ddl: "create table if not exists {a} (id text primary key)",
            indexes: "create index if not exists {a}_x on {a} (id)",
        },
        TableSpec { name: "b", ddl: "create table if not exists {b} (a_id text references {a} (id))", indexes: "" },
    ];

    #[test]
    fn ddl_names_every_table_of_the_set() {
        let ddl = Tables::with_suffix("__rb_1").ddl(SPECS);
        assert_eq!(
            ddl,
            vec![
                "create table if not exists a__rb_1 (id text primary key)",
                "create table if not exists b__rb_1 (a_id text references a__rb_1 (id))",
            ]
        );
        let indexes = Tables::live().index_ddl(SPECS);
        assert_eq!(indexes, vec!["create index if not exists a_x on a (id)"]);
        assert_eq!(Tables::live().ddl(SPECS)[0], "create table if not exists a (id text primary key)");
    }
}
