use super::{payload, required};
use crate::graphql::{Operation, RetrySafety};
use crate::{Client, Error, Gid};
use serde::Deserialize;
use serde_json::json;

/// Tag operations on any taggable resource (orders, customers, ...). Get one
/// with [`Client::tags`].
#[derive(Debug, Clone, Copy)]
pub struct Tags<'a> {
    pub(crate) client: &'a Client,
}

/// `tagsAdd`.
pub const TAGS_ADD: Operation<'static> = Operation {
    name: "tagsAdd",
    document: "mutation tagsAdd($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } } }",
    estimated_cost: 10,
    retry: RetrySafety::Idempotent,
};

/// `tagsRemove`.
pub const TAGS_REMOVE: Operation<'static> = Operation {
    name: "tagsRemove",
    document: "mutation tagsRemove($id: ID!, $tags: [String!]!) { tagsRemove(id: $id, tags: $tags) { node { id } userErrors { field message } } }",
    estimated_cost: 10,
    retry: RetrySafety::Idempotent,
};

#[derive(Deserialize)]
pub(crate) struct Node {
    id: Gid,
}

payload!(TagsPayload { node: Option<Node> });

impl Tags<'_> {
    /// `tagsAdd`: adds tags, keeping existing ones. Returns the tagged node's id.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// client.tags().add(&shopify::Gid::new("Order", 1), &["paytrace", "paid"]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn add(&self, id: &Gid, tags: &[&str]) -> Result<Gid, Error> {
        let p: TagsPayload = self
            .client
            .mutate(&TAGS_ADD, "tagsAdd", &json!({ "id": id, "tags": tags }))
            .await?;
        required(p.node, "data.tagsAdd.node").map(|n| n.id)
    }

    /// `tagsRemove`: removes tags. Returns the node's id.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// client.tags().remove(&shopify::Gid::new("Order", 1), &["awaiting-payment"]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn remove(&self, id: &Gid, tags: &[&str]) -> Result<Gid, Error> {
        let p: TagsPayload = self
            .client
            .mutate(
                &TAGS_REMOVE,
                "tagsRemove",
                &json!({ "id": id, "tags": tags }),
            )
            .await?;
        required(p.node, "data.tagsRemove.node").map(|n| n.id)
    }
}
