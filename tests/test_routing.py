"""The core end to end: events in, exact replies out, with real content and storage."""

from core.events import Button, Event, Reply, ReplyKind
from tests.conftest import NOW, press, say

BOOK = Button(label="Book a consultation", action="book")
HUMAN = Button(label="Talk to our team", action="human")
MENU = Button(label="Menu", action="menu")


async def test_start_greets_by_name_with_privacy_notice_then_menu(core, library):
    replies = await core.handle(Event(platform="test", chat_id="c1", user_id="u1", display_name="Ann *B*", text="/start"))
    assert [r.kind for r in replies] == [ReplyKind.SMALLTALK, ReplyKind.MENU]
    assert replies[0].text.startswith("Hi Ann \\*B\\*! I'm the virtual assistant of **Doctors Med Spa** in Little Rock, AR.")
    assert library.messages.privacy_notice in replies[0].text
    assert [b.action for b in replies[1].buttons] == [f"menu:{s.id}" for s in library.menu.sections] + ["book", "human"]


async def test_free_text_gets_the_exact_topic_answer_with_next_steps(core, library):
    topic = library.topics["downtime"]
    [reply] = await say(core, "downtime??")
    assert [reply.model_copy(update={"confidence": 1.0})] == [
        Reply(
            kind=ReplyKind.ANSWER,
            text=f"**{topic.title}**\n{topic.body}",
            buttons=(
                Button(label="Aftercare overview", action="faq:aftercare-overview"),
                Button(label="How long it takes", action="faq:session-length"),
                BOOK,
                HUMAN,
                MENU,
            ),
            topic="downtime",
            confidence=1.0,
        )
    ]


async def test_topic_button_answers_that_topic(core, library):
    [reply] = await press(core, "faq:pores")
    assert (reply.kind, reply.topic) == (ReplyKind.ANSWER, "pores")
    assert reply.text.endswith(library.messages.disclaimer)


async def test_menu_section_lists_its_topics_then_back_to_menu(core, library):
    [reply] = await press(core, "menu:what-to-expect")
    assert reply.text == "**What to expect at your session**: pick a question."
    assert [b.action for b in reply.buttons] == ["faq:what-to-expect", "faq:comfort", "faq:session-length", "faq:downtime", "menu"]


async def test_two_questions_in_one_message_get_both_answers(core, library):
    [reply] = await say(core, "does it hurt and how long does it take?")
    assert reply.kind is ReplyKind.ANSWER
    assert f"**{library.topics['comfort'].title}**" in reply.text
    assert f"**{library.topics['session-length'].title}**" in reply.text


async def test_stale_and_unknown_buttons_get_the_current_menu(core, library):
    for action in ("faq:removed-topic", "menu:gone", "weird:thing", "", "x" * 64):
        [reply] = await press(core, action)
        assert reply.kind is ReplyKind.NOTICE
        assert reply.text.startswith(library.messages.stale_button)


async def test_urgent_symptoms_get_the_urgent_reply_and_an_urgent_ticket(core, outbox, library):
    reply, opened = await say(core, "the redness is spreading and my face is hot")
    assert reply == Reply(kind=ReplyKind.URGENT, text=library.fill(library.messages.urgent).strip())  # the ticket is already open
    assert "TODO" not in reply.text and "911" in reply.text  # the clinic's phone is still a placeholder
    assert opened.text.startswith("I've passed your conversation to our team (ticket **#1**)")
    [(address, card)] = outbox.sent
    assert address.platform == "desk" and address.thread_id == "1"
    assert card.text.startswith("🚨 **URGENT** **Ticket #1**: Ann") and "the redness is spreading" in card.text


async def test_urgent_wins_even_inside_a_normal_question(core):
    reply, _ = await say(core, "what moisturizer should I use, there is pus on my cheek")
    assert reply.kind is ReplyKind.URGENT


async def test_medical_question_never_gets_a_content_answer(core, library):
    [reply] = await say(core, "I'm pregnant, is microneedling ok for stretch marks?")
    assert reply == Reply(kind=ReplyKind.MEDICAL, text=library.fill(library.messages.medical).strip(), buttons=(HUMAN, BOOK))


async def test_past_pregnancy_is_a_normal_benefits_question(core):
    [reply] = await say(core, "Stretch marks from my pregnancy 2 years ago, can this help?")
    assert reply.kind is not ReplyKind.MEDICAL
    assert reply.topic == "scars-stretch-marks"


async def test_out_of_scope_gets_the_fallback_not_an_answer(core, library):
    for text in ("do you do botox?", "asdkjh qwe", "can I bring my dog"):
        [reply] = await say(core, text)
        assert reply.kind is ReplyKind.FALLBACK, text
        assert reply.buttons == (MENU, BOOK, HUMAN)
    [price] = await say(core, "how much does microneedling cost")
    assert price.kind is ReplyKind.CLINIC and price.text == library.messages.clinic.unknown  # prices still a placeholder


async def test_unsure_match_asks_did_you_mean(core, library):
    [reply] = await say(core, "weeks")
    assert reply.kind is ReplyKind.CLARIFY and reply.text == library.messages.clarify
    assert sorted(b.action for b in reply.buttons) == ["faq:initial-series", "faq:treatment-intervals", "human", "menu"]


async def test_fallbacks_and_clarifies_are_logged_for_staff(core, store):
    await say(core, "do you do botox?")
    await say(core, "weeks")
    await say(core, "downtime??")
    logged = list(store.unanswered())
    assert [(e.kind, e.text) for e in logged] == [("fallback", "do you do botox?"), ("clarify", "weeks")]
    assert all(e.at >= NOW for e in logged)


async def test_intents_book_human_and_smalltalk(core, library):
    [booking] = await say(core, "I'd like to book a consultation", chat="a")
    assert booking.kind is ReplyKind.BOOKING and booking.prompt.field == "name"
    assert [r.kind for r in await say(core, "can I talk to a real person", chat="b")] == [ReplyKind.HUMAN]
    assert (await say(core, "thanks!", chat="c"))[0].text == library.messages.thanks
    assert [r.kind for r in await say(core, "hi, what's the downtime?", chat="d")] == [ReplyKind.ANSWER]


async def test_book_word_inside_a_real_question_still_gets_the_answer(core):
    [reply] = await say(core, "how often should I book sessions")
    assert reply.kind in (ReplyKind.ANSWER, ReplyKind.CLARIFY)
    assert reply.topic == "how-often"


async def test_ask_command_answers_its_question(core):
    [reply] = await say(core, "/ask how long is the downtime?")
    assert reply.topic == "downtime"


async def test_commands(core, library):
    assert (await say(core, "/menu"))[0].kind is ReplyKind.MENU
    assert (await say(core, "/help"))[0].text == library.fill(library.messages.help).strip()
    assert (await say(core, "/cancel"))[0].text == library.messages.nothing_to_cancel
    assert (await say(core, "/book"))[0].prompt.field == "name"
    assert (await say(core, "/cancel"))[0].text == library.messages.booking_flow.cancelled
    assert (await say(core, "/human"))[0].kind is ReplyKind.HUMAN
    assert (await say(core, "/cancel"))[0].text == library.messages.handoff.left
    assert (await say(core, "/unknowncmd@SomeBot"))[0].text == library.fill(library.messages.help).strip()


async def test_bad_input_gets_a_sensible_reply(core, library):
    assert (await say(core, ""))[0].text == library.messages.empty
    assert (await say(core, "   \x00\x07 "))[0].text == library.messages.empty
    emoji = await say(core, "😍🔥💉")
    assert emoji[0].kind is not ReplyKind.ANSWER
    markup = await say(core, "<b>downtime</b> &amp; *pain*? _x_ `code`")
    assert markup[0].topic == "downtime"
    huge = await say(core, "does it hurt " * 1000)
    assert huge[0].text == library.messages.too_long and huge[1].topic == "comfort"
    photo = await core.handle(Event(platform="test", chat_id="c1", user_id="c1", media_kind="photo"))
    assert photo[0].text == library.messages.non_text


async def test_nothing_is_lost_across_messages(core, store):
    await say(core, "downtime??")
    await press(core, "faq:pores")
    await core.handle(Event(platform="test", chat_id="c1", user_id="c1", media_kind="sticker"))
    await say(core, "x" * 10_000)
    conversation = store.conversation("test:c1")
    assert conversation.messages == 4 and conversation.last_topic == "pores"
    client_turns = [t.text for t in conversation.transcript if t.role == "client"]
    assert client_turns[:3] == ["downtime??", "[tapped: Pores]", "[sticker]"]
    assert len(client_turns[3]) == 500


async def test_conversations_do_not_mix(core, store):
    await say(core, "downtime??", chat="a")
    await say(core, "pores", chat="b")
    assert store.conversation("test:a").last_topic == "downtime"
    assert store.conversation("test:b").last_topic == "pores"


async def test_a_flood_gets_one_slow_down_not_a_reply_each(knowledge, store, outbox, library):
    from datetime import timedelta

    from core.conversation.engine import Core

    now = [NOW]
    core = Core(knowledge, store, outbox, clock=lambda: now[0])
    replies = []
    for n in range(100):
        now[0] = NOW + timedelta(milliseconds=50 * n)
        replies.append(await say(core, "pores"))
    answered = [r for r in replies if r and r[0].kind is ReplyKind.ANSWER]
    slow = [r for r in replies if r and r[0].text == library.messages.slow_down]
    assert len(answered) == 8 and len(slow) == 1 and sum(1 for r in replies if not r) == 91
    now[0] += timedelta(seconds=11)
    assert (await say(core, "pores"))[0].kind is ReplyKind.ANSWER
    assert (await say(core, "pores", chat="someone-else"))[0].kind is ReplyKind.ANSWER
