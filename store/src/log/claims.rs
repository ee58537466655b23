//! Unique claims, taken and released in the append's transaction.
use crate::args;
use crate::error::StoreError;
use crate::model::ClaimOp;
use crate::sql::Tx;

/// Take a claim for `stream_id`, or say who holds it. A claim released in between by a committed
/// transaction is free again: the loop looks twice.
async fn take_claim(tx: &mut Tx<'_>, stream_id: &str, scope: &str, value: &str) -> Result<(), StoreError> {
    let mut holder = "another stream".to_owned();
    for _ in 0..2 {
        let inserted = tx
            .execute(
                "insert into unique_claims (scope, value, owner_stream) values ($1, $2, $3) \
                 on conflict (scope, value) do nothing",
                &args![scope, value, stream_id],
            )
            .await?;
        if inserted == 1 {
            return Ok(());
        }
        let sql = "select owner_stream from unique_claims where scope = $1 and value = $2";
        match tx.fetch_optional::<(String,)>(sql, &args![scope, value]).await? {
            Some((owner,)) if owner == stream_id => return Ok(()),
            Some((owner,)) => {
                holder = owner;
                break;
            }
            None => continue,
        }
    }
    Err(StoreError::Claim { scope: scope.to_owned(), value: value.to_owned(), owner: holder })
}

pub(super) async fn apply_claims(
    tx: &mut Tx<'_>,
    stream_id: &str,
    claims: &[ClaimOp],
    vault: Option<&crate::vault::Vault>,
) -> Result<(), StoreError> {
    let stored = |scope: &str, value: &str| vault.map_or_else(|| value.to_owned(), |v| v.blind(scope, value));
    for op in claims {
        match op {
            ClaimOp::Take { scope, value } => take_claim(tx, stream_id, scope, &stored(scope, value)).await?,
            ClaimOp::ReleaseAll => {
                tx.execute("delete from unique_claims where owner_stream = $1", &args![stream_id]).await?;
            }
            ClaimOp::Release { scope, value } => {
                tx.execute(
                    "delete from unique_claims where scope = $1 and value = $2 and owner_stream = $3",
                    &args![scope.as_str(), stored(scope, value), stream_id],
                )
                .await?;
            }
        }
    }
    Ok(())
}
