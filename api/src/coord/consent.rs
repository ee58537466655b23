//! The consent page of `link_account`: one HTML page, served by this binary with no external
//! assets and no script, with an Approve and a Deny button that post the sealed state back. For
//! a test token it is the seed's "demo permission page": the link is simulated.
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_FRAME_OPTIONS};
use axum::response::{IntoResponse, Response};

const TEMPLATE: &str = include_str!("../../assets/consent.html");

/// What the page names.
pub struct Consent<'a> {
    pub partner: &'a str,
    pub system: &'a str,
    pub email: &'a str,
    pub return_host: &'a str,
    /// The form's action: the POST of `link_account`, with the partner's access key.
    pub action: &'a str,
    /// The sealed state the form carries.
    pub state: &'a str,
    pub test: bool,
}

/// Text for an HTML element's content or a quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // so that a value cannot carry a slot of the template into a later substitution
            '{' => out.push_str("&#123;"),
            c => out.push(c),
        }
    }
    out
}

impl<'a> Consent<'a> {
    /// The page for linking `email`'s account at `system` for `partner`, returning to `return_url`;
    /// its form still to be set (`action`, `state`, `test`).
    pub fn new(partner: &'a str, system: &'a str, email: &'a str, return_url: &'a url::Url) -> Self {
        let return_host = return_url.host_str().unwrap_or_default();
        Self { partner, system, email, return_host, action: "", state: "", test: false }
    }

    pub fn html(&self) -> String {
        let (title, request, note) = if self.test {
            (
                "Demo permission page".to_owned(),
                format!("{} asks to link your {} account.", self.partner, self.system),
                format!(
                    "You are a test user ({}): nothing is sent to {}, and approving simulates the link.",
                    self.email, self.system
                ),
            )
        } else {
            (
                format!("Link your {} account", self.system),
                format!(
                    "{} asks to link your account at {}, so that it can transact there for you.",
                    self.partner, self.system
                ),
                format!("You are signed in as {}. You can unlink the account later.", self.email),
            )
        };
        [
            ("{{title}}", title.as_str()),
            ("{{heading}}", title.as_str()),
            ("{{request}}", request.as_str()),
            ("{{note}}", note.as_str()),
            ("{{action}}", self.action),
            ("{{state}}", self.state),
            ("{{return_host}}", self.return_host),
        ]
        .iter()
        .fold(TEMPLATE.to_owned(), |page, (slot, value)| page.replace(slot, &escape(value)))
    }
}

impl IntoResponse for Consent<'_> {
    fn into_response(self) -> Response {
        let headers = [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            // no script, no framing (a framed Approve button could be clicked by a trick)
            (
                CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
            ),
            (X_FRAME_OPTIONS, "DENY"),
            // the page's URL carries the user's token: no other site may see it as a referrer
            (REFERRER_POLICY, "no-referrer"),
        ];
        (headers, self.html()).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consent(test: bool) -> Consent<'static> {
        Consent {
            partner: "Demo <partner>",
            system: "Citi \"Bike\"",
            email: "a&b@example.com",
            return_host: "app.example",
            action: "/v1/users/link_account?access_key=ak&x=1",
            state: "abc.def",
            test,
        }
    }

    #[test]
    fn every_value_is_escaped_and_every_slot_filled() {
        let page = consent(false).html();
        assert!(page.contains("Demo &lt;partner&gt; asks to link your account at Citi &quot;Bike&quot;"));
        assert!(page.contains("a&amp;b@example.com"));
        assert!(page.contains(r#"action="/v1/users/link_account?access_key=ak&amp;x=1""#));
        assert!(page.contains(r#"value="abc.def""#));
        assert!(!page.contains("{{"), "no slot left unfilled");
        assert!(!page.contains("<partner>"));
    }

    #[test]
    fn a_test_user_gets_the_demo_permission_page() {
        assert!(consent(true).html().contains("<h1>Demo permission page</h1>"));
        assert!(!consent(false).html().contains("Demo permission page"));
    }
}
