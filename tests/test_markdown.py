"""The Markdown subset renders per platform, and client text can never become markup."""

import html

from bots.markdown import PLAIN, Style, render

HTML = Style(bold=("<b>", "</b>"), italic=("<i>", "</i>"), escape=html.escape)


def test_bold_italic_and_lists():
    text = "Intro **bold** and _it_.\n\n- one\n- two **b**\n\nEnd"
    assert render(text, HTML) == "Intro <b>bold</b> and <i>it</i>.\n\n• one\n• two <b>b</b>\n\nEnd"
    assert render(text, PLAIN) == "Intro bold and it.\n\n• one\n• two b\n\nEnd"


def test_escaped_client_text_stays_literal():
    from core.understanding.text import escape_markdown

    name = "<b>Eve</b> & *co* _x_ [y]"
    assert render(f"Hi {escape_markdown(name)}!", HTML) == "Hi &lt;b&gt;Eve&lt;/b&gt; &amp; *co* _x_ [y]!"
