//! `searchCriteria`: a typed builder for the query of Magento's list endpoints, and the result page.
//!
//! Filters inside one [`FilterGroup`] are OR-ed, groups are AND-ed. Parameter names follow the
//! official schema (`searchCriteria[filterGroups][0][filters][0][conditionType]`); Magento's input
//! processor also accepts the snake_case spelling of its tutorials (`filter_groups`,
//! `condition_type`) because it maps both to the same getters.

use serde::Deserialize;
use time::OffsetDateTime;

use crate::{lenient, timestamp};

/// The largest page size Magento accepts when its input limits are on (off by default).
pub const MAX_PAGE_SIZE: u32 = 300;

/// Page size used when none is set: every search is bounded, never "all rows at once".
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// A `condition_type` of a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Condition {
    /// `eq`: equals (Magento's default when no condition is sent).
    Eq,
    /// `neq`: not equal.
    Neq,
    /// `gt`: greater than.
    Gt,
    /// `gteq`: greater than or equal.
    Gteq,
    /// `lt`: less than.
    Lt,
    /// `lteq`: less than or equal.
    Lteq,
    /// `moreq`: more or equal.
    Moreq,
    /// `like`: SQL LIKE, with `%` wildcards in the value.
    Like,
    /// `nlike`: not LIKE.
    Nlike,
    /// `in`: the value is a comma-separated list.
    In,
    /// `nin`: not in a comma-separated list.
    Nin,
    /// `null`: the field is NULL.
    Null,
    /// `notnull`: the field is not NULL.
    NotNull,
    /// `from`: start of a range (pair it with `to` in another group).
    From,
    /// `to`: end of a range.
    To,
    /// `finset`: the value is in a set-typed field.
    Finset,
    /// `nfinset`: the value is not in a set-typed field.
    Nfinset,
}

impl Condition {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Neq => "neq",
            Self::Gt => "gt",
            Self::Gteq => "gteq",
            Self::Lt => "lt",
            Self::Lteq => "lteq",
            Self::Moreq => "moreq",
            Self::Like => "like",
            Self::Nlike => "nlike",
            Self::In => "in",
            Self::Nin => "nin",
            Self::Null => "null",
            Self::NotNull => "notnull",
            Self::From => "from",
            Self::To => "to",
            Self::Finset => "finset",
            Self::Nfinset => "nfinset",
        }
    }
}

/// One condition on one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// The attribute, e.g. `status`, `updated_at`, `customer_email`.
    pub field: String,
    /// The comparison.
    pub condition: Condition,
    /// The value, as text (timestamps as `YYYY-MM-DD HH:MM:SS` in UTC: build those with
    /// [`Filter::timestamp`]).
    pub value: String,
}

impl Filter {
    /// A filter with any condition.
    pub fn new(field: impl Into<String>, condition: Condition, value: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            condition,
            value: value.into(),
        }
    }

    /// A condition on a timestamp field (`created_at`, `updated_at`...), with the instant written
    /// as Magento compares it: `YYYY-MM-DD HH:MM:SS` in UTC (see [`crate::timestamp`]).
    ///
    /// ```
    /// use magento::{Condition, Filter};
    /// use time::macros::datetime;
    /// let since = Filter::timestamp("updated_at", Condition::Gteq, datetime!(2026-11-23 11:00 +01:00));
    /// assert_eq!(since.value, "2026-11-23 10:00:00");
    /// ```
    pub fn timestamp(field: impl Into<String>, condition: Condition, at: OffsetDateTime) -> Self {
        Self::new(field, condition, timestamp::format(at))
    }

    /// `field = value`.
    pub fn eq(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::new(field, Condition::Eq, value)
    }

    /// `field IN (values...)`.
    pub fn in_list<I, S>(field: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let joined = values
            .into_iter()
            .map(|v| v.as_ref().to_owned())
            .collect::<Vec<_>>()
            .join(",");
        Self::new(field, Condition::In, joined)
    }
}

/// Filters joined with OR.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterGroup {
    /// The alternatives.
    pub filters: Vec<Filter>,
}

impl FilterGroup {
    /// An empty group.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an alternative.
    pub fn or(mut self, filter: Filter) -> Self {
        self.filters.push(filter);
        self
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Asc => "ASC",
            Self::Desc => "DESC",
        }
    }
}

/// A typed `searchCriteria` plus the optional `fields` projection.
///
/// ```
/// use magento::{Condition, Direction, Filter, FilterGroup, SearchCriteria};
/// use time::macros::datetime;
/// let criteria = SearchCriteria::new()
///     .filter(Filter::timestamp("updated_at", Condition::Gteq, datetime!(2026-01-01 00:00 UTC)))
///     .group(FilterGroup::new().or(Filter::eq("status", "pending")).or(Filter::eq("status", "processing")))
///     .sort("updated_at", Direction::Asc)
///     .page_size(100);
/// let query = criteria.to_query();
/// assert_eq!(query[0].0, "searchCriteria[filterGroups][0][filters][0][field]");
/// assert_eq!(query[1].1, "2026-01-01 00:00:00");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCriteria {
    groups: Vec<FilterGroup>,
    sort: Vec<(String, Direction)>,
    page_size: u32,
    current_page: u32,
    fields: Option<String>,
}

impl Default for SearchCriteria {
    fn default() -> Self {
        Self {
            groups: Vec::new(),
            sort: Vec::new(),
            page_size: DEFAULT_PAGE_SIZE,
            current_page: 1,
            fields: None,
        }
    }
}

impl SearchCriteria {
    /// No filter, first page of [`DEFAULT_PAGE_SIZE`] rows.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a filter in a group of its own (AND with the others).
    pub fn filter(self, filter: Filter) -> Self {
        self.group(FilterGroup::new().or(filter))
    }

    /// Adds a group of OR-ed filters (AND with the others). Empty groups are ignored.
    pub fn group(mut self, group: FilterGroup) -> Self {
        if !group.filters.is_empty() {
            self.groups.push(group);
        }
        self
    }

    /// Adds a sort order; earlier ones take precedence.
    pub fn sort(mut self, field: impl Into<String>, direction: Direction) -> Self {
        self.sort.push((field.into(), direction));
        self
    }

    /// Rows per page, clamped to `1..=MAX_PAGE_SIZE`.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// The 1-based page to return.
    pub fn current_page(mut self, page: u32) -> Self {
        self.current_page = page.max(1);
        self
    }

    /// Restricts the response to these fields, e.g. `items[entity_id,increment_id],total_count`.
    /// Keep `total_count` in the list when paging: without it the result cannot tell where the
    /// last page is.
    pub fn fields(mut self, fields: impl Into<String>) -> Self {
        self.fields = Some(fields.into());
        self
    }

    /// The criteria for the page after this one.
    pub fn next_page(&self) -> Self {
        let mut next = self.clone();
        next.current_page = self.current_page.saturating_add(1);
        next
    }

    /// The configured page size.
    pub fn get_page_size(&self) -> u32 {
        self.page_size
    }

    /// The configured page.
    pub fn get_current_page(&self) -> u32 {
        self.current_page
    }

    /// The decoded query pairs, in order. Page size and current page are always present, which
    /// also satisfies endpoints that reject a request without any `searchCriteria`.
    pub fn to_query(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            for (f, filter) in group.filters.iter().enumerate() {
                let prefix = format!("searchCriteria[filterGroups][{g}][filters][{f}]");
                q.push((format!("{prefix}[field]"), filter.field.clone()));
                q.push((format!("{prefix}[value]"), filter.value.clone()));
                q.push((
                    format!("{prefix}[conditionType]"),
                    filter.condition.as_str().to_owned(),
                ));
            }
        }
        for (i, (field, direction)) in self.sort.iter().enumerate() {
            q.push((
                format!("searchCriteria[sortOrders][{i}][field]"),
                field.clone(),
            ));
            q.push((
                format!("searchCriteria[sortOrders][{i}][direction]"),
                direction.as_str().to_owned(),
            ));
        }
        q.push((
            "searchCriteria[pageSize]".into(),
            self.page_size.to_string(),
        ));
        q.push((
            "searchCriteria[currentPage]".into(),
            self.current_page.to_string(),
        ));
        if let Some(fields) = &self.fields {
            q.push(("fields".into(), fields.clone()));
        }
        q
    }
}

/// One page of a search: `{items, search_criteria, total_count}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct SearchResult<T> {
    /// The rows of this page.
    #[serde(default, deserialize_with = "lenient::list")]
    pub items: Vec<T>,
    /// Rows matching the filters over all pages; absent when `fields` left it out.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub total_count: Option<i64>,
}

impl<T> SearchResult<T> {
    /// Whether `criteria` asked for the last page (or beyond). Magento answers a page past the
    /// end with the last page again, so paging must stop on `total_count`, not on an empty page.
    /// Without `total_count`, a short page is taken as the last one.
    pub fn is_last_page(&self, criteria: &SearchCriteria) -> bool {
        let seen = u64::from(criteria.current_page) * u64::from(criteria.page_size);
        match self.total_count {
            Some(total) => u64::try_from(total).map_or(true, |total| seen >= total),
            None => (self.items.len() as u64) < u64::from(criteria.page_size),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn query_layout_follows_the_schema_names() {
        let q = SearchCriteria::new()
            .group(
                FilterGroup::new()
                    .or(Filter::eq("status", "pending"))
                    .or(Filter::in_list("state", ["new", "processing"])),
            )
            .filter(Filter::new("grand_total", Condition::Gt, "10"))
            .sort("created_at", Direction::Desc)
            .page_size(1000)
            .current_page(0)
            .fields("items[entity_id],total_count")
            .to_query();
        let expected: Vec<(String, String)> = [
            (
                "searchCriteria[filterGroups][0][filters][0][field]",
                "status",
            ),
            (
                "searchCriteria[filterGroups][0][filters][0][value]",
                "pending",
            ),
            (
                "searchCriteria[filterGroups][0][filters][0][conditionType]",
                "eq",
            ),
            (
                "searchCriteria[filterGroups][0][filters][1][field]",
                "state",
            ),
            (
                "searchCriteria[filterGroups][0][filters][1][value]",
                "new,processing",
            ),
            (
                "searchCriteria[filterGroups][0][filters][1][conditionType]",
                "in",
            ),
            (
                "searchCriteria[filterGroups][1][filters][0][field]",
                "grand_total",
            ),
            ("searchCriteria[filterGroups][1][filters][0][value]", "10"),
            (
                "searchCriteria[filterGroups][1][filters][0][conditionType]",
                "gt",
            ),
            ("searchCriteria[sortOrders][0][field]", "created_at"),
            ("searchCriteria[sortOrders][0][direction]", "DESC"),
            ("searchCriteria[pageSize]", "300"),
            ("searchCriteria[currentPage]", "1"),
            ("fields", "items[entity_id],total_count"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(q, expected);
    }

    #[test]
    fn timestamp_filters_are_written_in_magento_form_at_utc() {
        use time::macros::datetime;
        let q = SearchCriteria::new()
            .filter(Filter::timestamp(
                "updated_at",
                Condition::Gteq,
                datetime!(2024-03-01 14:34:56.9 +02:00),
            ))
            .filter(Filter::timestamp(
                "created_at",
                Condition::Lt,
                datetime!(2024-03-02 00:00 UTC),
            ))
            .to_query();
        assert_eq!(
            q[..6],
            [
                (
                    "searchCriteria[filterGroups][0][filters][0][field]",
                    "updated_at"
                ),
                (
                    "searchCriteria[filterGroups][0][filters][0][value]",
                    "2024-03-01 12:34:56"
                ),
                (
                    "searchCriteria[filterGroups][0][filters][0][conditionType]",
                    "gteq"
                ),
                (
                    "searchCriteria[filterGroups][1][filters][0][field]",
                    "created_at"
                ),
                (
                    "searchCriteria[filterGroups][1][filters][0][value]",
                    "2024-03-02 00:00:00"
                ),
                (
                    "searchCriteria[filterGroups][1][filters][0][conditionType]",
                    "lt"
                ),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn last_page_detection() {
        let c = SearchCriteria::new().page_size(10).current_page(2);
        let page = |n: usize, total: Option<i64>| SearchResult::<i64> {
            items: vec![0; n],
            total_count: total,
        };
        assert!(!page(10, Some(25)).is_last_page(&c));
        assert!(page(10, Some(20)).is_last_page(&c));
        assert!(page(3, None).is_last_page(&c));
        assert!(!page(10, None).is_last_page(&c));
        assert_eq!(c.next_page().get_current_page(), 3);
    }
}
