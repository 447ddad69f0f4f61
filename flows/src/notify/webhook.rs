//! [`WebhookNotifier`]: a notice as one signed JSON `POST` that a Slack incoming webhook takes
//! as it is.

use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;
use serde_json::{Value, json};

use super::{Notice, Notifier, NotifyError, plain_text};
use crate::StepError;
use crate::signed_post::SignedPost;

/// Slack shows at most 10 fields in a section block and 150 characters in a header.
const FIELDS_PER_SECTION: usize = 10;
const HEADER_CHARS: usize = 150;

/// Posts each notice to a URL as JSON, with an `Idempotency-Key` (the notice's key) and a
/// `Payops-Signature` header (see [`crate::signature`]).
///
/// The body is a Slack incoming-webhook message, so a Slack (or Mattermost, or Rocket.Chat)
/// incoming webhook URL works as it is, and other receivers read the same structured notice:
/// - `text`: the plain-text rendering (Slack's fallback and notification text);
/// - `blocks`: a header (the title), a section (the text), sections of fields (the facts) and,
///   with a link, a context line linking to the console, in Slack's `mrkdwn` with `&`, `<` and
///   `>` escaped;
/// - `metadata`: `event_type` `payops_{kind}` (`payops_dead_letter`) and `event_payload`, the
///   [`Notice`] as JSON (its kind, key, title, text, facts, link, job id and time). Slack's
///   `@slack/webhook` accepts `metadata` with `event_type` and `event_payload` on incoming
///   webhooks (docs.slack.dev/tools/node-slack-sdk/reference/webhook/interfaces/IncomingWebhookSendArguments).
///
/// Answers: `2xx` sent; `408`, `429` and `5xx` sent again later (`Retry-After` obeyed); any
/// other status is a refusal, and the notice's job goes to dead letters naming it.
#[derive(Clone, Debug)]
pub struct WebhookNotifier {
    post: SignedPost,
}

impl WebhookNotifier {
    /// The default time a notice waits for its answer: 10 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// Notices to `url`, signed with `secret`.
    ///
    /// ```no_run
    /// let slack = flows::notify::WebhookNotifier::new(
    ///     "https://hooks.slack.com/services/T000/B000/XXXX",
    ///     secrecy::SecretString::from("shared-secret"),
    /// )?
    /// .timeout(std::time::Duration::from_secs(5))?;
    /// # Ok::<(), flows::notify::NotifyError>(())
    /// ```
    pub fn new(url: &str, secret: SecretString) -> Result<Self, NotifyError> {
        Ok(Self {
            post: SignedPost::new(url, secret, Self::DEFAULT_TIMEOUT)?,
        })
    }

    /// Sets how long a notice waits for its answer.
    pub fn timeout(self, timeout: Duration) -> Result<Self, NotifyError> {
        Ok(Self {
            post: self.post.timeout(timeout)?,
        })
    }

    /// Sends `notice` once and reads the answer.
    pub async fn post(&self, notice: &Notice) -> Result<(), NotifyError> {
        let body = serde_json::to_vec(&body(notice)).map_err(|e| NotifyError::Config {
            field: "notice",
            reason: e.to_string(),
        })?;
        let answer = self.post.post(body, &notice.key).await?;
        match answer.status {
            200..=299 => Ok(()),
            408 | 429 | 500..=599 => Err(NotifyError::Unavailable {
                status: answer.status,
                message: answer.message(),
                retry_after: answer.retry_after,
            }),
            status => Err(NotifyError::Refused {
                status,
                message: answer.message(),
            }),
        }
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    async fn send(&self, notice: &Notice) -> Result<(), StepError> {
        Ok(self.post(notice).await?)
    }
}

/// Slack's `mrkdwn` escaping: `&`, `<` and `>` (api.slack.com/reference/surfaces/formatting).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The JSON body of `notice` (see [`WebhookNotifier`]).
pub(crate) fn body(notice: &Notice) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": payops_core::clip(&notice.title, HEADER_CHARS)},
    })];
    if !notice.text.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": escape(&notice.text)},
        }));
    }
    for facts in notice.facts.chunks(FIELDS_PER_SECTION) {
        let fields: Vec<Value> = facts
            .iter()
            .map(|f| {
                json!({
                    "type": "mrkdwn",
                    "text": format!("*{}*\n{}", escape(&f.name), escape(&f.value)),
                })
            })
            .collect();
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    if let Some(link) = &notice.link {
        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": format!("<{}|Open in the console>", escape(link))}],
        }));
    }
    json!({
        "text": plain_text(notice),
        "blocks": blocks,
        "metadata": {
            "event_type": format!("payops_{}", notice.kind.as_str()),
            "event_payload": notice,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::NoticeKind;

    #[test]
    fn the_body_is_a_slack_message_with_the_notice_as_metadata() {
        let notice = Notice::new(NoticeKind::DeadLetter, "k/1", "Dead letter: a <b>")
            .text("reason: 5 > 4 & more")
            .fact("order", "#1001")
            .link("https://ops.example.com/console/dead-letters/7");
        let body = body(&notice);
        assert_eq!(body["blocks"][0]["text"]["text"], "Dead letter: a <b>");
        assert_eq!(
            body["blocks"][1]["text"]["text"],
            "reason: 5 &gt; 4 &amp; more"
        );
        assert_eq!(body["blocks"][2]["fields"][0]["text"], "*order*\n#1001");
        assert_eq!(
            body["blocks"][3]["elements"][0]["text"],
            "<https://ops.example.com/console/dead-letters/7|Open in the console>"
        );
        assert_eq!(body["metadata"]["event_type"], "payops_dead_letter");
        assert_eq!(body["metadata"]["event_payload"]["key"], "k/1");
        let text = body["text"].as_str().unwrap_or_default();
        assert!(text.starts_with("Dead letter: a <b>\n\nreason"), "{text}");
        assert!(text.contains("order: #1001"), "{text}");

        // Eleven facts: two sections, of ten and one.
        let many = (0..11).fold(Notice::new(NoticeKind::BackfillAlarm, "k", "t"), |n, i| {
            n.fact(format!("f{i}"), i)
        });
        let body = super::body(&many);
        assert_eq!(
            body["blocks"][1]["fields"].as_array().map(Vec::len),
            Some(10)
        );
        assert_eq!(
            body["blocks"][2]["fields"].as_array().map(Vec::len),
            Some(1)
        );
    }
}
