//! The `return_url` of `link_account`: where the person's browser goes back after the consent
//! page. Only absolute `http` and `https` URLs with a host and no credentials, at most 2,048
//! characters, with no whitespace or control characters (so no `javascript:` or `data:` URL, and
//! no CR/LF to split a header). Any host is allowed: a partner's app may return to its own
//! domain or to a loopback address; see ADR 0022 on what that leaves open.
use crate::error::ApiError;
use url::Url;

pub const MAX_RETURN_URL: usize = 2048;

/// The URL, if it may be returned to (coord's `return_url`).
pub fn check(raw: &str) -> Result<Url, ApiError> {
    acceptable(raw).map_err(|why| ApiError::InvalidReturnUrl(format!("return_url {why}")))
}

/// The URL, if it may be returned to; else why not (`"must name a host"`), for the caller to
/// say in its own dialect's words.
pub fn acceptable(raw: &str) -> Result<Url, &'static str> {
    if raw.is_empty() {
        return Err("is required");
    }
    if raw.len() > MAX_RETURN_URL {
        return Err("is longer than 2048 characters");
    }
    // the URL parser would drop tabs and line breaks silently: refuse them first
    if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("must not contain whitespace or control characters");
    }
    let url = Url::parse(raw).map_err(|_| "is not an absolute URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must name a host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials");
    }
    Ok(url)
}

/// `url` with `pairs` added to its query (before any fragment), as the `Location` to answer.
pub fn with_params(mut url: Url, pairs: &[(&str, &str)]) -> String {
    url.query_pairs_mut().extend_pairs(pairs);
    url.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_https_urls_are_returned_to_with_the_result_added() {
        let url = check("https://app.example/linked?x=1#top").expect("https");
        assert_eq!(
            with_params(url, &[("result", "linked"), ("system_id", "Citi Bike")]),
            "https://app.example/linked?x=1&result=linked&system_id=Citi+Bike#top"
        );
        assert!(check("http://127.0.0.1:8081/back").is_ok());
    }

    #[test]
    fn scripts_other_schemes_credentials_and_header_breaks_are_refused() {
        for raw in [
            "",
            "javascript:alert(1)",
            "JavaScript:alert(document.cookie)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://files.example/",
            "/relative/path",
            "//evil.example/",
            "https://user:pw@app.example/",
            "https://app.example/\r\nSet-Cookie: a=b",
            "https://app.example/\nx",
            "java\tscript:alert(1)",
            " https://app.example/",
        ] {
            assert!(matches!(check(raw), Err(ApiError::InvalidReturnUrl(_))), "{raw:?} is refused");
        }
        let long = format!("https://app.example/{}", "a".repeat(MAX_RETURN_URL));
        assert!(check(&long).is_err());
    }
}
