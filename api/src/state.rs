use crate::tokens::TokenService;
use commands::catalog::CatalogService;
use commands::user::UserService;
use std::sync::Arc;
use store::{Db, EventStore};

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn EventStore>,
    pub users: UserService,
    pub catalog: CatalogService,
    pub tokens: Arc<TokenService>,
}

impl AppState {
    pub fn db(&self) -> &Db {
        self.store.db()
    }
}
