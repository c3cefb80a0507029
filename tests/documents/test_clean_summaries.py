"""Step 2 (the open web, item 5): page furniture never enters a summary. On held-out real pages a
summary spent its sentences on an advertiser disclosure, a letters-to-the-editor line, a byline,
a timestamp, a dated report label, a headline glued to the first sentence; a drop cap lost its
letter; a login page was summarized and dated from its copyright line; a CMS name was the title.
Each page here is written for its test (no text of the shared pages)."""

from __future__ import annotations

import numpy as np
import pytest

from newsnlp.config import SummarizeConfig
from newsnlp.documents.html import document_from_html
from newsnlp.tasks.summarize import summarize_sentences

BODY = (
    "<p>The harbour authority approved a new plan on Monday to dredge the eastern channel, which has silted up over the last three winters.</p>"
    "<p>Fishing crews said the shallower water had forced them to wait for high tide before landing their catch at the old quay.</p>"
    "<p>The work will start in the spring and is expected to cost about four million pounds, shared between the council and the port.</p>"
    "<p>Residents near the quay asked for the dredging to stop at night, and the authority agreed to limit the noisiest work to daylight hours.</p>"
)


def page(body: str, head: str = "<title>Harbour plan approved</title>", h1: str = "Harbour plan approved") -> bytes:
    html = f"<html><head>{head}</head><body><article><h1>{h1}</h1>{body}</article></body></html>"
    return html.encode()


def sentences_of(body: str, **kwargs: str) -> list[str]:
    return document_from_html(page(body, **kwargs), "page").sentences()


def test_an_advertiser_disclosure_is_no_sentence():
    disclosure = (
        '<p class="advertiser-disclosure">We pick products on our own, and advertisers do not influence our picks. '
        "We may receive compensation if you buy through our links.</p>"
        "<p>Read our advertiser disclosure for more details.</p>"
    )
    sentences = sentences_of(disclosure + BODY)
    assert not any("advertiser" in s or "compensation" in s for s in sentences), sentences
    assert sentences[0].startswith("The harbour authority approved")


def test_a_letters_to_the_editor_line_is_no_sentence():
    sentences = sentences_of(BODY + "<p>Submit your letter to the editor through the form on our contact page</p>")
    assert not any("letter to the editor" in s for s in sentences), sentences


def test_a_byline_with_its_posting_date_is_no_sentence():
    sentences = sentences_of(BODY.replace("<p>The harbour", "<p>Posted: Tuesday, March 8, 2022. By Morgan Ellis. The harbour", 1))
    assert sentences[0].startswith("The harbour authority approved"), sentences
    assert not any("Morgan Ellis" in s or "Posted" in s for s in sentences)


def test_a_timestamp_opening_the_first_paragraph_is_cut_off():
    body = BODY.replace("<p>The harbour", "<p>Latest update June 2nd, 2022 9:15 AM The harbour", 1)
    sentences = sentences_of(body)
    assert sentences[0].startswith("The harbour authority approved"), sentences


def test_a_dated_report_label_is_no_sentence():
    sentences = sentences_of("<p>March 14, 2021 briefing</p>" + BODY)
    assert sentences[0].startswith("The harbour authority approved"), sentences


def test_a_headline_glued_to_the_first_sentence_is_the_title_not_sentence_one():
    glued = BODY.replace("<p>The harbour", "<p><span>Dredging to begin at silted harbour</span> The harbour", 1)
    head = '<title>Port news</title><meta property="og:title" content="Dredging to begin at silted harbour">'
    doc = document_from_html(page(glued, head=head, h1="Dredging to begin at silted harbour"), "glued")
    assert doc.title == "Dredging to begin at silted harbour"
    assert doc.sentences()[0].startswith("The harbour authority approved"), doc.sentences()[0]


def test_a_standfirst_glued_to_the_first_sentence_stays_in_the_lead_but_out_of_the_summary():
    dek = "Quay crews brace for a year of works amid silting"
    glued = BODY.replace("<p>The harbour", f'<p><span class="dek">{dek}</span> The harbour', 1)
    head = f'<title>Harbour plan approved</title><meta property="og:description" content="{dek}">'
    doc = document_from_html(page(glued, head=head), "dek")
    assert doc.lead.startswith(dek + "\n")  # article text, on a line of its own
    sentences = doc.sentences()
    assert sentences[1].startswith("The harbour authority approved")
    picked = summarize_sentences(sentences, np.eye(len(sentences), dtype=np.float32), SummarizeConfig(sentences=2))
    assert 0 not in [s["index"] for s in picked]


def test_an_agency_dateline_with_its_region_is_cut_off():
    body = BODY.replace("<p>The harbour", "<p>PORTREE, Skye (HNS) -- The harbour", 1)
    assert sentences_of(body)[0].startswith("The harbour authority approved")


def test_a_drop_cap_keeps_its_letter():
    body = BODY.replace("<p>The harbour", '<p><span class="dropcap" aria-hidden="true">T</span>he harbour', 1)
    lead = document_from_html(page(body), "dropcap").lead
    assert lead.startswith("The harbour authority"), lead[:40]
    block = BODY.replace("<p>The harbour", '<div class="initial">T</div><p>he harbour', 1)
    assert document_from_html(page(block), "block").lead.startswith("The harbour authority")


LOGIN = b"""<html><head><title>Sign in | Harbour Ledger</title></head><body>
<main><h2>Welcome back</h2><form><label>Email</label><input type="email"><label>Password</label>
<input type="password"><button>Log in</button></form>
<p>Forgot your password? Reset it here.</p><p>Don't have an account? Register now to read every story.</p></main>
<footer><p>(c) 2026 Harbour Ledger Media. All rights reserved.</p></footer></body></html>"""


def test_a_login_page_has_an_empty_lead_one_notice_and_no_date():
    doc = document_from_html(LOGIN, "login", url="https://news.example.com/account/login")
    assert doc.lead == "" and doc.sentences() == []
    assert len(doc.warnings) == 1 and "no main text" in doc.warnings[0]
    assert doc.published is None  # not 2026-01-01 from the copyright line


SHELLS = {
    "an error page": "<h1>Page not found</h1><p>Sorry, the page you were looking for does not exist or is no longer available.</p>"
    "<p>Error 404. Check the address, or go back to the home page.</p>",
    "a cookie wall": "<h1>Before you continue</h1><p>We use cookies to show you the news that matters to you.</p>"
    "<p>Accept all cookies to continue, or open the cookie settings to choose.</p>",
    "a script shell": "<div id='root'></div><noscript><p>You need to enable JavaScript to run this app.</p>"
    "<p>Please update your browser or turn on JavaScript.</p></noscript>",
}


@pytest.mark.parametrize("kind", list(SHELLS))
def test_a_page_whose_text_is_its_interface_has_an_empty_lead_and_one_notice(kind):
    html = f"<html><head><title>Harbour Ledger</title></head><body><main>{SHELLS[kind]}</main><footer>(c) 2026 Harbour Ledger</footer></body></html>"
    doc = document_from_html(html.encode(), "shell")
    assert doc.lead == "" and len(doc.warnings) == 1 and "empty lead" in doc.warnings[0]
    assert doc.published is None


def test_a_shop_page_with_main_text_and_a_sign_in_box_is_still_read():
    shop = (
        '<div class="login"><form><input type="password"><button>Sign in</button></form></div>'
        "<p>This kettle boils a full litre in under three minutes and switches itself off when the water is ready.</p>"
        "<p>Its body is brushed steel with a cool-touch handle, and the filter lifts out for cleaning under the tap.</p>"
        "<p>The base turns all the way round, so the kettle can be set down from either side of the counter.</p>"
    )
    doc = document_from_html(page(shop, h1="Steel kettle"), "shop")
    assert doc.lead.startswith("This kettle boils") and not doc.warnings


def two_h1_page(title_tags: str, headline: str) -> bytes:
    """A page whose `<title>` names no story, with the headline in og:title (as a `name`, which
    trafilatura does not read) and the article's `h1`, and a second `h1` in the sidebar."""
    return (
        f'<html><head>{title_tags}<meta name="og:title" content="{headline}"></head><body>'
        f"<article><h1>{headline}</h1>{BODY}</article><aside><h1>Most read</h1></aside></body></html>"
    ).encode()


def test_a_cms_name_is_not_the_title():
    doc = document_from_html(two_h1_page("<title>escenic</title>", "Harbour plan approved after long delay"), "cms")
    assert doc.title == "Harbour plan approved after long delay"


def test_the_sites_name_is_not_the_title():
    tags = '<title>Harbour Ledger</title><meta property="og:site_name" content="Harbour Ledger">'
    doc = document_from_html(two_h1_page(tags, "Quay repairs to finish by summer"), "site")
    assert doc.title == "Quay repairs to finish by summer"


def test_a_line_that_does_not_end_as_a_sentence_is_not_picked():
    sentences = ["Harbour works schedule and costs for the coming year", "The authority approved the plan on Monday after a long debate."]
    vectors = np.eye(2, dtype=np.float32)
    picked = summarize_sentences(sentences, vectors, SummarizeConfig(sentences=1))
    assert [s["index"] for s in picked] == [1]
